"""jsonschema errors turned into messages a person can act on.

jsonschema says *what* failed in schema terms ("'x' is a required property", "{...} is not valid
under any of the given schemas"). We say where (the YAML line of the value, or of the key for
unknown keys), which field, what was expected and what was found. Schemas carry two extra
annotations for that: ``x-when`` (the condition of an if/then rule, so a required key reads
"required when material_source is localFolder") and ``x-message`` / ``x-expected`` (the human
wording of an anyOf or pattern).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from runner.campaign.yamlload import Document, dotted
from runner.errors import CampaignError

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

_TYPE_NAMES = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    list: "list",
    dict: "mapping",
    type(None): "null",
}

_JSON_TYPES = {"array": "list", "object": "mapping"}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close spelling exists, else an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe(value: Any) -> str:
    """A found value as people read it: its type and a short rendering."""
    kind = _TYPE_NAMES.get(type(value), type(value).__name__)
    if isinstance(value, (dict, list)) or value is None:
        return kind
    text = repr(value)
    return f"{kind} {text if len(text) <= 40 else text[:37] + '...'}"


def _annotations(root: dict[str, Any], schema_path: Sequence[Any]) -> dict[str, str]:
    """The x-* annotations met walking from the schema root along the failing keyword's path."""
    found: dict[str, str] = {}
    node: Any = root
    for step in schema_path:
        if isinstance(node, dict):
            found.update({k: v for k, v in node.items() if k.startswith("x-")})
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return found
    if isinstance(node, dict):
        found.update({k: v for k, v in node.items() if k.startswith("x-")})
    return found


def schema_error(
    err: ValidationError, doc: Document, root: dict[str, Any], prefix: tuple[Any, ...] = ()
) -> list[CampaignError]:
    """One jsonschema error -> one or more located problems (one per unknown/missing key)."""
    path = prefix + tuple(err.absolute_path)
    notes = _annotations(root, list(err.absolute_schema_path)[:-1])
    v, inst = err.validator, err.instance
    value: Any = err.validator_value
    schema = _schema_of(err)

    def at_value(reason: str, p: tuple[Any, ...] = path) -> CampaignError:
        line, column = doc.value_mark(p)
        return CampaignError(reason, path=doc.path, line=line, column=column, field=dotted(p))

    if v == "additionalProperties" and isinstance(inst, dict):
        known = list(schema.get("properties", {}))
        out = []
        for key in inst:
            if key not in known:
                line, column = doc.key_mark(path + (key,))
                reason = f"unknown key '{key}'{did_you_mean(key, known)}"
                out.append(
                    CampaignError(
                        reason, path=doc.path, line=line, column=column, field=dotted(path + (key,))
                    )
                )
        return out or [at_value(err.message)]
    if v == "required" and isinstance(inst, dict):
        when = f" when {notes['x-when']}" if "x-when" in notes else ""
        line, column = doc.key_mark(path)
        return [
            CampaignError(
                f"{name} is required{when}",
                path=doc.path,
                line=line,
                column=column,
                field=dotted(path),
            )
            for name in value
            if name not in inst
        ]
    if "propertyNames" in err.absolute_schema_path and isinstance(inst, str):
        line, column = doc.key_mark(path + (inst,))  # a bad key: point at the key itself
        return [
            CampaignError(
                _reason(err, notes),
                path=doc.path,
                line=line,
                column=column,
                field=dotted(path + (inst,)),
            )
        ]
    if v in ("anyOf", "oneOf") and "x-message" in schema:
        line, column = doc.key_mark(path)
        return [
            CampaignError(
                schema["x-message"], path=doc.path, line=line, column=column, field=dotted(path)
            )
        ]
    return [at_value(_reason(err, notes))]


def _schema_of(err: ValidationError) -> Mapping[str, Any]:
    """The failing subschema; ``True``/``False`` schemas carry no annotations to read."""
    return err.schema if isinstance(err.schema, Mapping) else {}


def _reason(err: ValidationError, notes: dict[str, str]) -> str:
    v, inst = err.validator, err.instance
    value: Any = err.validator_value
    when = f" when {notes['x-when']}" if "x-when" in notes else ""
    if v == "enum":
        hint = did_you_mean(inst, [str(c) for c in value]) if isinstance(inst, str) else ""
        return f"{inst!r} is not one of {value!r}{hint}"
    if v == "type":
        names = value if isinstance(value, list) else [value]
        expected = " or ".join(_JSON_TYPES.get(str(n), str(n)) for n in names)
        return f"expected {expected}, found {describe(inst)}"
    if v == "minimum":
        return f"expected at least {value}, found {inst!r}"
    if v == "maximum":
        return f"expected at most {value}, found {inst!r}"
    if v == "exclusiveMinimum":
        return f"expected more than {value}, found {inst!r}"
    if v in ("minLength", "minItems") and value == 1:
        return f"must not be empty{when}"
    if v == "pattern":
        wording: str | None = _schema_of(err).get("x-expected") or notes.get("x-expected")
        if wording:
            return f"expected {wording}, found {inst!r}"
        return f"{inst!r} does not match {value!r}"
    if v == "const":
        return f"expected {value!r}, found {inst!r}"
    return str(err.message)
