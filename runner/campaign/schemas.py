"""The JSON Schemas, loaded and compiled once per process.

``campaign.schema.json`` dispatches ``script_config`` by ``script_name`` with an if/then chain so
editors and check-jsonschema see one schema. At run time we dispatch in code instead: the
envelope is validated without the chain and ``script_config`` with its script's own compiled
validator, which is both faster and gives errors whose path starts at ``script_config``.

Two engines, one set of schemas: ``jsonschema_rs`` (compiled, ~100x faster) answers "is this
valid?" for the common case; only when it says no does ``jsonschema`` (pure Python, imported
lazily) walk the document again to produce the located, worded errors. Without jsonschema_rs
everything still works through jsonschema alone, just slower (see bench/validate.py).
"""

from __future__ import annotations

import copy
import json
import math
from functools import cache
from typing import TYPE_CHECKING, Any

from runner.campaign.limits import limits
from runner.campaign.script_registry import SCRIPT_SPECS
from runner.paths import SCHEMAS_DIR

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

SUPPORTED_SCRIPTS = tuple(SCRIPT_SPECS)  # what each one is: runner/campaign/script_registry.py
COMING_SOON = ("like", "message", "super_marketing", "scrape_user")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A schema file under runner/schemas/ by relative name, e.g. ``scripts/post.schema.json``."""
    with open(SCHEMAS_DIR / name, encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


def _compile(schema: dict[str, Any]) -> Validator:
    from jsonschema.validators import validator_for

    cls = validator_for(schema)
    return cls(schema)


@cache
def envelope_schema() -> dict[str, Any]:
    """The campaign envelope without the script_config dispatch (that happens in code)."""
    schema = copy.deepcopy(load_schema("campaign.schema.json"))
    schema["allOf"] = [part for part in schema["allOf"] if "if" not in part]
    return schema


@cache
def envelope_validator() -> Validator:
    return _compile(envelope_schema())


@cache
def _fast_validators() -> dict[str, Any]:
    """Compiled jsonschema_rs validators by name, or {} when jsonschema_rs is not installed."""
    try:
        import jsonschema_rs
    except ImportError:
        return {}
    schemas = {"envelope": envelope_schema(), "inventory": load_schema("inventory.schema.json")}
    schemas.update({s.name: load_schema(s.schema_file) for s in SCRIPT_SPECS.values()})
    return {name: jsonschema_rs.validator_for(schema) for name, schema in schemas.items()}


def fast_is_valid(name: str, instance: Any) -> bool:
    """True only when the compiled validator says valid; False means "ask jsonschema"."""
    validator = _fast_validators().get(name)
    if validator is None:
        return False
    try:
        return bool(validator.is_valid(instance))
    except (ValueError, TypeError, OverflowError):  # a value JSON cannot hold: let jsonschema judge
        return False


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
            default = sub["default"]
            out[key] = copy.deepcopy(default) if isinstance(default, (dict, list)) else default
        if isinstance(out.get(key), dict) and "properties" in sub:
            out[key] = fill_defaults(out[key], sub)
    return out


def script_defaults(script_name: str, config: dict[str, Any]) -> dict[str, Any]:
    return fill_defaults(config, load_schema(f"scripts/{script_name}.schema.json"))


def envelope_defaults(doc: dict[str, Any]) -> dict[str, Any]:
    return fill_defaults(doc, load_schema("campaign.schema.json"))


MAX_EXACT = 2**53  # the largest integer JSON numbers (and the SQLite/JS side) hold exactly


def unusable_values(data: Any) -> list[tuple[tuple[Any, ...], str]]:
    """(path, reason) for what JSON Schema cannot judge but would break a task later: NaN and
    infinities (``NaN < 0`` is false, so ``minimum`` lets it through), numbers past 2**53,
    text that is not valid Unicode (a lone surrogate cannot be stored or answered), and strings
    or lists over the limits. Reasons never echo the bad text itself.

    Runs on every document (250,000 values at most): plain ASCII strings and small integers
    are passed over without a call."""
    from runner.campaign.limits import over

    bounds = limits()
    cap = bounds.string_chars
    out: list[tuple[tuple[Any, ...], str]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if (
                    isinstance(key, str)
                    and not key.isascii()
                    and (bad := _surrogate(key)) is not None
                ):
                    why = f"a key is not valid Unicode text (a lone surrogate at character {bad})"
                    out.append((path, why))
                    continue
                stack.append((path + (key,), item))
            continue
        if not isinstance(value, list):
            if (reason := _scalar_problem(value)) is not None:
                out.append((path, reason))
            continue
        if len(value) > bounds.list_items:
            out.append((path, over("list too long, items", len(value), "list_items")))
            continue
        for i, item in enumerate(value):
            kind = type(item)
            if (kind is str and len(item) <= cap and item.isascii()) or (
                kind is int and -MAX_EXACT <= item <= MAX_EXACT
            ):
                continue
            stack.append((path + (i,), item))
    return sorted(out, key=lambda item: str(item[0]))


def _scalar_problem(value: Any) -> str | None:
    from runner.campaign.limits import over

    if isinstance(value, str):
        if len(value) > limits().string_chars:
            return over("text too long, characters", len(value), "string_chars")
        bad = None if value.isascii() else _surrogate(value)
        return (
            None if bad is None else f"not valid Unicode text (a lone surrogate at character {bad})"
        )
    if isinstance(value, float) and not math.isfinite(value):
        found = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return f"expected a finite number, found {found}"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_EXACT:
        shown = f"{value:g}" if isinstance(value, float) else "a larger one"
        return f"expected a number between -2**53 and 2**53, found {shown}"
    return None


def _surrogate(text: str) -> int | None:
    """1-based position of the first lone surrogate, or None (the common case costs one encode)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start + 1
    return None
