"""Generated documentation and published schemas: never stale, and what they show is true."""

from __future__ import annotations

import importlib
import json
import re
import shutil
from pathlib import Path

import pytest

from runner.campaign import load_repo
from runner.campaign.schemas import SUPPORTED_SCRIPTS, load_schema
from runner.docgen import VARIABLES, generated_files, rendered_examples
from runner.paths import SCHEMA_BASE_URL, SCHEMAS_DIR

REPO = Path(__file__).resolve().parent.parent
SCHEMA_NAMES = sorted(p.relative_to(SCHEMAS_DIR).as_posix() for p in SCHEMAS_DIR.rglob("*.json"))


def test_generated_pages_and_published_schemas_are_current() -> None:
    stale = [
        str(path.relative_to(REPO))
        for path, text in generated_files(REPO).items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], "stale: run `python -m runner.docgen` and commit the result"


@pytest.mark.parametrize("script", SUPPORTED_SCRIPTS)
def test_script_page_documents_every_parameter(script: str) -> None:
    page = (REPO / "docs" / "scripts" / f"{script}.md").read_text(encoding="utf-8")
    documented = re.findall(r"^### `([\w.]+)`$", page, flags=re.MULTILINE)
    assert [d for d in documented if "." not in d] == list(
        load_schema(f"scripts/{script}.schema.json")["properties"]
    )


@pytest.mark.parametrize("script", SUPPORTED_SCRIPTS)
def test_script_page_example_is_a_valid_campaign(script: str, tmp_path: Path) -> None:
    page = (REPO / "docs" / "scripts" / f"{script}.md").read_text(encoding="utf-8")
    [example] = re.findall(r"```yaml\n(.*?)```", page, flags=re.DOTALL)
    (tmp_path / "example.yaml").write_text(example, encoding="utf-8")
    shutil.copytree(REPO / "materials", tmp_path / "materials")  # media the examples name
    repo = load_repo([tmp_path / "example.yaml"], root=tmp_path)
    assert (repo.problems, [c.script_name for c in repo.campaigns]) == ([], [script])


def test_every_template_variable_renders_to_a_value() -> None:
    values = rendered_examples()
    assert len(values) == len(VARIABLES)
    assert all(v.strip() for v in values)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_id_names_its_published_address(name: str) -> None:
    assert load_schema(name)["$id"] == SCHEMA_BASE_URL + name


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_enum_value_is_described(name: str) -> None:
    def enums(node: object) -> list[dict]:
        if isinstance(node, dict):
            own = [node] if "enum" in node and "description" in node else []
            return own + [e for v in node.values() for e in enums(v)]
        if isinstance(node, list):
            return [e for v in node for e in enums(v)]
        return []

    for prop in enums(load_schema(name)):
        assert len(prop.get("enumDescriptions", [])) == len(prop["enum"]), prop["description"]


def test_published_schema_gives_markdown_hover_with_values_and_a_reference_link() -> None:
    published = json.loads((REPO / "schemas" / "scripts" / "post.schema.json").read_text())
    hover = published["properties"]["content_type"]["markdownDescription"]
    assert hover == (
        "0 video, 1 images.\n\n"
        "- `0`: A video (one file).\n"
        "- `1`: Images (a photo post of image_count images).\n\n"
        "Default: `0`\n\n"
        "[Reference](https://github.com/campaign-runner/campaign-runner/blob/main/docs/scripts/post.md#content_type)"
    )


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_published_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    from jsonschema.validators import validator_for

    schema = json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
    validator_for(schema).check_schema(schema)


def test_template_page_documents_every_name_the_planner_gives_templates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expand = importlib.import_module("runner.campaign.expand")  # the package re-exports a function
    seen: list[dict] = []
    real = expand.render

    def recording(text: str, context: dict) -> str:
        seen.append(context)
        return real(text, context)

    monkeypatch.setattr(expand, "render", recording)
    rendered_examples()
    given = set()
    for context in seen:
        for name, value in context.items():
            nested = isinstance(value, dict) and name != "vars"  # vars are the user's own names
            given |= {f"{name}.{sub}" for sub in value} if nested else {name}
    documented = {re.match(r"\{\{ ([\w.]+)", template)[1] for template, _ in VARIABLES}  # type: ignore[index]
    documented = {"vars" if d.startswith("vars.") else d for d in documented}
    assert (
        given
        == documented
        == {
            "vars",
            "device.serial",
            "device.name",
            "device.groups",
            "account.username",
            "account.package",
            "target",
            "campaign.name",
            "campaign.script_name",
            "date",
        }
    )
