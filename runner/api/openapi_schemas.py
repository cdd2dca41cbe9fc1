"""The project's JSON Schemas, embedded as OpenAPI 3.1 components (one source of truth).

OpenAPI 3.1 schemas are JSON Schema 2020-12, so the files under ``runner/schemas/`` go in as they are;
only references must change, because inside one OpenAPI document ``#/...`` points at the
document root: each file becomes a component, its ``$defs`` become components named
``<file component>_<def>``, and every ``$ref`` is rewritten to ``#/components/schemas/...``.
The create-task body is the campaign envelope minus ``schedule`` (what ``tasks_from_api_body``
accepts), so a campaign file pasted as JSON is a valid body, exactly as the API door decides.
"""

from __future__ import annotations

import copy
from typing import Any

from runner.campaign.schemas import load_schema
from runner.campaign.script_registry import SCRIPT_SPECS

COMPONENT_PREFIX = "#/components/schemas/"
CREATE_BODY = "CreateTaskBody"


def script_component(script: str) -> str:
    """``post`` -> ``PostConfig``; ``account_warmup`` -> ``AccountWarmupConfig``."""
    return "".join(part.capitalize() for part in script.split("_")) + "Config"


def schema_components() -> dict[str, Any]:
    """Every request-body schema the API validates with, keyed by component name."""
    files = {s.schema_file: script_component(s.name) for s in SCRIPT_SPECS.values()}
    components: dict[str, Any] = {}
    for filename, name in files.items():
        _embed(load_schema(filename), name, files, components)
    _embed(create_body_schema(), CREATE_BODY, files, components)
    return components


def create_body_schema() -> dict[str, Any]:
    """campaign.schema.json without ``schedule`` (refused through the API), one branch per script.

    The file dispatches ``script_config`` with an ``if``/``then`` chain; here each script is an
    ``anyOf`` branch with ``script_name`` fixed, which says the same thing in a form OpenAPI tools
    (and schemathesis' generator, which cannot combine the chain with the envelope's ``anyOf``)
    read directly. Every property, default and description still comes from the file.
    """
    base = copy.deepcopy(load_schema("campaign.schema.json"))
    for key in ("$id", "$schema", "examples"):  # the file's identity and examples, not a branch's
        base.pop(key, None)
    base["properties"].pop("schedule", None)
    chain = [part for part in base.pop("allOf", []) if "if" in part]
    rest = [
        part for part in load_schema("campaign.schema.json").get("allOf", []) if "if" not in part
    ]
    branches = []
    for part in chain:
        script = part["if"]["properties"]["script_name"]["const"]
        branch = copy.deepcopy(base)
        branch["allOf"] = copy.deepcopy(rest)
        branch["title"] = f"create {script} tasks"
        branch["properties"]["script_name"] = {**base["properties"]["script_name"], "const": script}
        branch["properties"]["script_config"] = {
            **base["properties"]["script_config"],
            **part["then"]["properties"]["script_config"],
        }
        branches.append(branch)
    return {
        "title": "POST /api/v1/task body",
        "description": (
            "The TikMatrix create-task body. It is the campaign file envelope (runner/schemas/campaign.schema.json) "
            "without `schedule`: a campaign document written as JSON is a valid body. One task is created "
            "per phone (or account) per target."
        ),
        "type": "object",
        "anyOf": branches,
    }


def _embed(schema: dict[str, Any], name: str, files: dict[str, str], out: dict[str, Any]) -> None:
    schema = copy.deepcopy(schema)
    schema.pop("$schema", None)
    schema.pop("$id", None)
    defs = schema.pop("$defs", {})
    local = {f"#/$defs/{key}": f"{COMPONENT_PREFIX}{name}_{key}" for key in defs}
    external = {filename: COMPONENT_PREFIX + component for filename, component in files.items()}
    targets = {**local, **external}
    out[name] = _rewrite_refs(schema, targets)
    for key, sub in defs.items():
        out[f"{name}_{key}"] = _rewrite_refs(sub, targets)


def _rewrite_refs(node: Any, targets: dict[str, str]) -> Any:
    """A copy of ``node`` with every ``$ref`` mapped through ``targets``; unknown refs are a bug."""
    if isinstance(node, list):
        return [_rewrite_refs(item, targets) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _rewrite_refs(value, targets) for key, value in node.items()}
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref not in targets:
            raise ValueError(f"schema reference {ref!r} has no OpenAPI component")
        out["$ref"] = targets[ref]
    return out
