"""Every script is one registry entry, and the pipeline's per-script behaviour comes from it."""

from __future__ import annotations

import pytest

from runner.campaign.schemas import SUPPORTED_SCRIPTS, load_schema
from runner.campaign.script_registry import SCRIPT_SPECS, ScriptSpec
from runner.scripts import SCRIPTS
from runner.scripts.registry import bind


def test_every_supported_script_has_one_entry_and_one_run_function() -> None:
    assert list(SCRIPT_SPECS) == list(SUPPORTED_SCRIPTS) == list(SCRIPTS)
    assert all(SCRIPTS[name].spec is SCRIPT_SPECS[name] for name in SCRIPTS)


@pytest.mark.parametrize("spec", SCRIPT_SPECS.values(), ids=lambda s: s.name)
def test_the_fields_an_entry_names_are_in_its_schema(spec: ScriptSpec) -> None:
    properties = load_schema(spec.schema_file)["properties"]
    named = [*(spec.target_keys or ()), *spec.spintax, spec.lines, spec.text]
    assert [field for field in named if field is not None and field not in properties] == []


def test_binding_refuses_an_entry_without_a_run_function() -> None:
    specs = {"follow": SCRIPT_SPECS["follow"], "like": ScriptSpec("like", "like posts")}
    with pytest.raises(RuntimeError, match=r"no run for \['like'\]"):
        bind(specs, {"follow": SCRIPTS["follow"].run})


def test_only_the_scripts_that_publish_have_a_commit_point() -> None:
    assert {n: s.commit for n, s in SCRIPT_SPECS.items() if s.commit} == {
        "comment": "comment",
        "post": "post",
    }


def test_plan_text_is_the_field_the_script_publishes() -> None:
    config = {"captions": "hello", "comment_content": "nice"}
    assert [SCRIPT_SPECS[s].task_text(config) for s in ("post", "comment", "follow")] == [
        "hello",
        "nice",
        "",
    ]
