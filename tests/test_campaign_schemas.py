"""The schemas themselves: valid Draft 2020-12, documented, defaults as the reference states,
and the two validation engines agree on every example."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from runner.campaign.check import normalize_aliases
from runner.campaign.schemas import (
    SUPPORTED_SCRIPTS,
    envelope_validator,
    fast_is_valid,
    load_schema,
    script_validator,
)
from runner.campaign.yamlload import load_documents

SCHEMA_FILES = ["campaign.schema.json", "inventory.schema.json"] + [
    f"scripts/{s}.schema.json" for s in SUPPORTED_SCRIPTS
]
EXAMPLES = Path(__file__).parent / "examples"


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(load_schema(name))


@pytest.mark.parametrize("script", SUPPORTED_SCRIPTS)
def test_every_script_parameter_has_a_description(script: str) -> None:
    props = load_schema(f"scripts/{script}.schema.json")["properties"]
    assert [k for k, v in props.items() if not v.get("description")] == []


def test_defaults_are_the_documented_ones() -> None:
    post = load_schema("scripts/post.schema.json")["properties"]
    warmup = load_schema("scripts/account_warmup.schema.json")["properties"]
    comment = load_schema("scripts/comment.schema.json")["properties"]
    assert {
        k: post[k]["default"]
        for k in (
            "content_type",
            "post_way",
            "material_source",
            "upload_wait_time",
            "sound_wait_time",
            "add_sound",
            "origin_sound_volume",
            "placement",
        )
    } == {
        "content_type": 0,
        "post_way": "share",
        "material_source": "materialLibrary",
        "upload_wait_time": 30,
        "sound_wait_time": 10,
        "add_sound": "-1",
        "origin_sound_volume": 50,
        "placement": "reel",
    }
    assert (
        warmup["task_duration"]["default"],
        warmup["min_duration"]["default"],
        warmup["max_duration"]["default"],
    ) == (600, 15, 30)
    assert comment["comment_order"]["default"] == "random"


def _documents() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(EXAMPLES.glob("*/*.yaml")):
        docs, _ = load_documents(path.read_text(encoding="utf-8"), path.name)
        out += [
            (f"{path.parent.name}/{path.name}#{d.index}", d)
            for d in docs
            if isinstance(d.data, dict)
        ]
    return out


@pytest.mark.parametrize(("label", "doc"), _documents(), ids=[label for label, _ in _documents()])
def test_compiled_and_python_validators_agree(label: str, doc) -> None:  # type: ignore[no-untyped-def]
    data = normalize_aliases(doc, [])
    python_ok = envelope_validator().is_valid(data)
    assert fast_is_valid("envelope", data) == python_ok
    config, script = data.get("script_config"), data.get("script_name")
    if script in SUPPORTED_SCRIPTS and isinstance(config, dict):
        assert fast_is_valid(script, config) == script_validator(script).is_valid(config)
