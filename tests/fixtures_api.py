"""Fixtures for the API: a real uvicorn server on an ephemeral loopback port over a real state file.

``api_server(**options) -> ApiHandle`` starts the server in a thread (stopped after the test).
Options: ``runner``, ``pool``, ``token``, ``media_roots``, ``root`` (the campaign repository,
default a fresh folder), ``store``, ``host`` (default 127.0.0.1), and any other keyword of
``create_app`` (``allowed_hosts``, ``cors_origins``). ``api_stack(phones, accounts, **fleet_options)`` adds the whole
runtime: simulated phones behind the real adb server, an inventory naming them, the device pool
and a started Runner; everything stopped after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml


@dataclass
class ApiHandle:
    url: str
    client: httpx.Client
    store: Any
    root: Path
    runner: Any = None
    pool: Any = None
    fleet: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One request; asserts the HTTP 200 + envelope contract and returns the envelope."""
        response = self.client.request(method, path, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"code", "message", "data"}, body
        return body

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """``data`` of a request that must succeed."""
        body = self.call(method, path, **kwargs)
        assert body["code"] == 0 and body["message"] == "success", body
        return body["data"]


@pytest.fixture
def api_server(tmp_path: Path) -> Iterator[Callable[..., ApiHandle]]:
    from runner.api import CampaignSource, ServerThread, create_app
    from runner.state import Store

    started: list[tuple[Any, httpx.Client]] = []

    def make(
        *,
        root: Path | None = None,
        store: Any = None,
        runner: Any = None,
        pool: Any = None,
        token: str | None = None,
        media_roots: list[Path] | None = None,
        headers: dict[str, str] | None = None,
        source: Any = None,
        host: str = "127.0.0.1",
        **app_options: Any,
    ) -> ApiHandle:
        root = root or _fresh_root(tmp_path)
        store = store if store is not None else Store(root / ".campaign" / "state.db")
        source = source or CampaignSource(None, root=root)
        app = create_app(
            store=store,
            campaigns=source,
            runner=runner,
            pool=pool,
            token=token,
            media_roots=media_roots,
            **app_options,
        )
        server = ServerThread(app, host=host)
        server.start()
        client = httpx.Client(base_url=server.url, headers=headers or {}, timeout=30)
        started.append((server, client))
        return ApiHandle(
            url=server.url, client=client, store=store, root=root, runner=runner, pool=pool
        )

    yield make
    for server, client in reversed(started):
        client.close()
        server.stop()


def _fresh_root(tmp_path: Path) -> Path:
    index = len(list(tmp_path.glob("repo*")))
    root = tmp_path / f"repo{index}"
    (root / "workflows").mkdir(parents=True)
    return root


def write_inventory(root: Path, fleet: Any) -> None:
    """inventory.yaml naming every simulated phone (hardware serial) and its accounts."""
    devices = [
        {
            "serial": spec.serial,
            "name": spec.serial.lower(),
            "groups": ["sim"],
            "accounts": [{"username": a.username, "package": a.package} for a in spec.accounts],
        }
        for spec in fleet.specs
    ]
    adb = [{"host": "127.0.0.1", "port": int(_adb_port())}]
    doc = {"timezone": "UTC", "devices": devices, "adb_servers": adb}
    (root / "inventory.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def _adb_port() -> str:
    import os

    return os.environ["ANDROID_ADB_SERVER_PORT"]


@pytest.fixture
def api_stack(
    tmp_path: Path, sim_fleet: Callable[..., Any], api_server: Callable[..., ApiHandle]
) -> Iterator[Callable[..., ApiHandle]]:
    """The whole runtime behind the API, over simulated phones."""
    from runner.api import CampaignSource
    from runner.pool import DevicePool
    from runner.scheduler import Runner, RunnerOptions
    from runner.state import Store

    stops: list[Callable[[], None]] = []

    def make(
        phones: int = 2,
        accounts: int = 2,
        *,
        options: dict[str, Any] | None = None,
        **fleet_options: Any,
    ) -> ApiHandle:
        fleet = sim_fleet(phones=phones, accounts=accounts, **fleet_options)
        root = _fresh_root(tmp_path)
        write_inventory(root, fleet)
        source = CampaignSource(None, root=root)
        assert not source.repo.problems, [str(p) for p in source.repo.problems]
        store = Store(root / ".campaign" / "state.db")
        pool = DevicePool(
            adb_servers=list(source.inventory.adb_servers), inventory=source.inventory
        )
        pool.start()
        stops.append(pool.stop)
        runner = Runner(
            store=store, pool=pool, repo=source.repo, options=RunnerOptions(**(options or {}))
        )
        runner.start()
        stops.append(lambda: runner.shutdown(graceful=False))
        handle = api_server(root=root, store=store, runner=runner, pool=pool, source=source)
        handle.fleet = fleet
        return handle

    yield make
    for stop in reversed(stops):
        stop()
