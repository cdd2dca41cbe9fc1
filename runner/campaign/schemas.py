"""The JSON Schemas, loaded and compiled once per process.

``campaign.schema.json`` dispatches ``script_config`` by ``script_name`` with an if/then chain so
editors and check-jsonschema see one schema. At run time we dispatch in code instead: the
envelope is validated without the chain and ``script_config`` with its script's own compiled
validator, which is both faster and gives errors whose path starts at ``script_config``.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from runner.paths import SCHEMAS_DIR

SUPPORTED_SCRIPTS = ("account_warmup", "comment", "follow", "post", "unfollow")
COMING_SOON = ("like", "message", "super_marketing", "profile", "scrape_user")
TARGET_SCRIPTS = {"follow": "user", "unfollow": "user", "comment": "post_url"}


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A schema file under schemas/ by relative name, e.g. ``scripts/post.schema.json``."""
    with open(SCHEMAS_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


def _compile(schema: dict[str, Any]) -> Validator:
    cls = validator_for(schema)
    return cls(schema)


@cache
def envelope_validator() -> Validator:
    """The campaign envelope without the script_config dispatch (that happens in code)."""
    schema = copy.deepcopy(load_schema("campaign.schema.json"))
    schema["allOf"] = [part for part in schema["allOf"] if "if" not in part]
    return _compile(schema)


@cache
def script_validator(script_name: str) -> Validator:
    return _compile(load_schema(f"scripts/{script_name}.schema.json"))


@cache
def inventory_validator() -> Validator:
    return _compile(load_schema("inventory.schema.json"))


def script_properties(script_name: str) -> list[str]:
    return list(load_schema(f"scripts/{script_name}.schema.json")["properties"])


def envelope_properties() -> list[str]:
    return list(load_schema("campaign.schema.json")["properties"])


def fill_defaults(data: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with every documented default filled in, nested objects included.

    Only ``properties`` with a ``default`` are filled; values present are kept as written.
    """
    out = dict(data)
    for key, sub in schema.get("properties", {}).items():
        if key not in out and "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
        if isinstance(out.get(key), dict) and "properties" in sub:
            out[key] = fill_defaults(out[key], sub)
    return out


def script_defaults(script_name: str, config: dict[str, Any]) -> dict[str, Any]:
    return fill_defaults(config, load_schema(f"scripts/{script_name}.schema.json"))


def envelope_defaults(doc: dict[str, Any]) -> dict[str, Any]:
    return fill_defaults(doc, load_schema("campaign.schema.json"))
