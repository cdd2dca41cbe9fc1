"""Property-based run over /openapi.json: no 5xx, the envelope on every answer, answers match the doc.

Positive and negative cases (schemathesis' default modes) against a real server over a real state
file that already holds a few tasks, so ``{task_id}`` sometimes names one. Bounded examples keep
the run to a few seconds. The schema is the server's own document, loaded eagerly (what
/openapi.json serves, asserted below): schemathesis' lazy fixture loader does not work with the
pytest this project uses.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from runner.api.openapi import openapi_document

ENVELOPE_KEYS = {"code", "message", "data"}
CODES = {0, 40001, 40002, 40003, 40301, 40401, 50001}


schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for every generated case of this module, over a state file holding 4 tasks."""
    from runner.api import CampaignSource, ServerThread, create_app
    from runner.state import Store

    root = tmp_path_factory.mktemp("schemathesis-repo")
    store = Store(root / ".campaign" / "state.db")
    app = create_app(store=store, campaigns=CampaignSource(None, root=root))
    with ServerThread(app) as server:
        body = {
            "serials": ["SIM000001", "SIM000002"],
            "script_name": "follow",
            "script_config": {"target_users": ["alice", "bob"]},
        }
        assert httpx.post(f"{server.url}/api/v1/task", json=body).json()["data"]["task_ids"] == [
            1,
            2,
            3,
            4,
        ]
        assert httpx.get(f"{server.url}/openapi.json").json() == openapi_document()
        yield server.url


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_generated_requests_get_an_envelope_and_never_a_server_error(case, base_url):
    response = case.call(base_url=base_url)
    assert response.status_code == 200, response.text
    is_download = (
        case.path.endswith("/artifacts/{name}")
        and "json" not in response.headers.get("content-type", [""])[0]
    )
    if not is_download:
        body = response.json()
        assert set(body) == ENVELOPE_KEYS, body
        assert body["code"] in CODES and body["code"] != 50001, body
    case.validate_response(
        response, checks=[not_a_server_error, content_type_conformance, response_schema_conformance]
    )
