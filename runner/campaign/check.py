"""One campaign document (or API body) checked against the schemas and the rules around them.

Order: aliases are normalized (so the schema sees the real keys), ``script_name`` is judged in
code (coming-soon and "did you mean" wording), then the envelope and the script's config are
validated with their compiled validators, then the rules a schema cannot state (min <= max,
real time zone, valid cron). Every problem is collected; a Campaign is built only when none.
"""

from __future__ import annotations

import re
from typing import Any

from runner.campaign.durations import bare_number_warnings, interval_problems
from runner.campaign.messages import describe, did_you_mean, schema_error
from runner.campaign.model import SourceRef
from runner.campaign.records import Campaign
from runner.campaign.schemas import (
    COMING_SOON,
    SUPPORTED_SCRIPTS,
    envelope_defaults,
    envelope_validator,
    fast_is_valid,
    load_schema,
    script_defaults,
    script_validator,
    unusable_values,
)
from runner.campaign.script_registry import misordered, script_spec
from runner.campaign.start_times import cron_problem, start_time_problem, zone
from runner.campaign.yamlload import Document, dotted
from runner.errors import CampaignError, Severity

ALIASES = {"follow_probable": "floow_probable", "target_username": "target_user"}
API_MISSING_SCRIPT = 40002
API_NOT_SUPPORTED = 40003


def check_campaign(
    doc: Document, *, default_name: str, default_tz: str
) -> tuple[Campaign | None, list[CampaignError], list[CampaignError]]:
    """Validate one document. Returns (campaign or None, problems, warnings)."""
    if not isinstance(doc.data, dict):
        kind = "nothing" if doc.data is None else describe(doc.data)
        return None, [_at(doc, (), f"a campaign must be a mapping of keys, found {kind}")], []
    unusable = unusable_values(doc.data)
    if unusable:  # other messages could echo such values: these come first, alone
        return None, [_at(doc, path, reason) for path, reason in unusable], []
    warnings: list[CampaignError] = []
    data = normalize_aliases(doc, warnings)
    problems = script_name_problems(doc, data)
    problems += schema_problems(doc, data, skip_script_name=bool(problems))
    problems += rule_problems(doc, data)
    if problems:
        return None, problems, warnings
    warnings += rule_warnings(doc, data)
    return _campaign(doc, data, default_name, default_tz), [], warnings


def _campaign(doc: Document, data: dict[str, Any], default_name: str, default_tz: str) -> Campaign:
    """The Campaign of a valid document, every documented default filled in."""
    data = envelope_defaults(data)
    data["script_config"] = script_defaults(data["script_name"], data["script_config"])
    line, column = doc.value_mark(())
    return Campaign(
        name=data.get("name") or default_name,
        script_name=data["script_name"],
        schedule=data.get("schedule"),
        timezone=data.get("timezone") or default_tz,
        enabled=data["enabled"],
        origin=SourceRef(doc.path, line, column),
        data=data,
        doc=doc,
    )


def _at(
    doc: Document, path: tuple[Any, ...], reason: str, *, key: bool = False, code: int = 40001
) -> CampaignError:
    line, column = doc.key_mark(path) if key else doc.value_mark(path)
    err = CampaignError(reason, path=doc.path, line=line, column=column, field=dotted(path))
    err.api_code = code
    return err


def normalize_aliases(doc: Document, warnings: list[CampaignError]) -> dict[str, Any]:
    """A copy with alias keys of script_config renamed to the real ones (positions follow)."""
    data = dict(doc.data)
    config = data.get("script_config")
    if not isinstance(config, dict) or not any(a in config for a in ALIASES):
        return data
    config = dict(config)
    for alias, real in ALIASES.items():
        if alias not in config:
            continue
        value = config.pop(alias)
        old, new = ("script_config", alias), ("script_config", real)
        if real in config:
            warnings.append(
                _with(
                    _at(doc, old, f"{alias} is ignored because {real} is also given", key=True),
                    "warning",
                )
            )
            continue
        config[real] = value
        for marks in (doc.values, doc.keys):
            if old in marks:
                marks[new] = marks[old]
    data["script_config"] = config
    return data


def _with(err: CampaignError, severity: Severity) -> CampaignError:
    err.severity = severity
    return err


def script_name_problems(doc: Document, data: dict[str, Any]) -> list[CampaignError]:
    """Missing, coming-soon and unknown scripts, in the words the API and users expect."""
    name = data.get("script_name")
    if name is None:
        reason = f"missing; expected one of {', '.join(SUPPORTED_SCRIPTS)}"
        err = _at(doc, (), reason, code=API_MISSING_SCRIPT)
        err.field = "script_name"
        return [err]
    if not isinstance(name, str):
        return []  # the schema's type error says it
    supported = ", ".join(SUPPORTED_SCRIPTS)
    if name in COMING_SOON:
        reason = f"script '{name}' is not supported yet (coming soon in the original); supported: {supported}"
        return [_at(doc, ("script_name",), reason, code=API_NOT_SUPPORTED)]
    if name not in SUPPORTED_SCRIPTS:
        hint = did_you_mean(name, SUPPORTED_SCRIPTS)
        return [
            _at(doc, ("script_name",), f"unknown script '{name}'{hint}; supported: {supported}")
        ]
    return []


def schema_problems(
    doc: Document, data: dict[str, Any], *, skip_script_name: bool
) -> list[CampaignError]:
    name, config = data.get("script_name"), data.get("script_config", {})
    if fast_is_valid("envelope", data) and (
        name not in SUPPORTED_SCRIPTS or not isinstance(config, dict) or fast_is_valid(name, config)
    ):
        return []
    root = load_schema("campaign.schema.json")
    errors = [
        err
        for err in envelope_validator().iter_errors(data)
        if not (skip_script_name and list(err.absolute_path)[:1] == ["script_name"])
        and not (
            err.validator == "required"
            and "script_name" in list(err.validator_value)  # type: ignore[arg-type]  # "required" holds a list
            and "script_name" not in data
        )
    ]
    problems = [p for err in _most_telling(errors) for p in schema_error(err, doc, root)]
    if name in SUPPORTED_SCRIPTS and isinstance(config, dict):
        sroot = load_schema(f"scripts/{name}.schema.json")
        for err in _most_telling(list(script_validator(name).iter_errors(config))):
            problems += schema_error(err, doc, sroot, ("script_config",))
    return sorted(problems, key=lambda p: (p.line, p.column, p.reason))


def _most_telling(errors: list[Any]) -> list[Any]:
    """A wrong type explains every other complaint about the same value: keep only it."""
    typed = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    return [e for e in errors if e.validator == "type" or tuple(e.absolute_path) not in typed]


def rule_problems(doc: Document, data: dict[str, Any]) -> list[CampaignError]:
    """Rules across fields, and values only code can judge (zones, cron, real dates)."""
    out: list[CampaignError] = []
    raw_retry = data.get("retry")
    retry: dict[str, Any] = raw_retry if isinstance(raw_retry, dict) else {}
    found = misordered(retry, ("retry",), "delay_min", "delay_max")
    out += [_at(doc, path, reason) for path, reason in found]
    spec = script_spec(str(data.get("script_name")))
    if spec is not None and spec.rules is not None:
        out += [_at(doc, path, reason) for path, reason in spec.rules(data)]
    out += [_at(doc, (key,), reason) for key, reason in interval_problems(data)]
    tz = data.get("timezone")
    if isinstance(tz, str) and tz and zone(tz) is None:
        out.append(
            _at(
                doc,
                ("timezone",),
                f"unknown time zone {tz!r} (expected an IANA name like Europe/Berlin)",
            )
        )
    for key, judge in (("schedule", cron_problem), ("start_time", start_time_problem)):
        value = data.get(key)
        if isinstance(value, str) and value and (reason := judge(value)):
            if key == "start_time" and not re.match(_start_pattern(), value):
                continue  # the schema's pattern error already says it
            out.append(_at(doc, (key,), reason))
    if _listed(data, "usernames") and (_listed(data, "serials") or _listed(data, "groups")):
        out.append(
            _at(
                doc,
                ("usernames",),
                "cannot be combined with serials or groups (usernames is account mode, they are device mode)",
                key=True,
            )
        )
    if data.get("schedule") and data.get("start_time"):
        out.append(
            _at(
                doc,
                ("start_time",),
                "cannot be combined with schedule (the schedule says when)",
                key=True,
            )
        )
    return out


def rule_warnings(doc: Document, data: dict[str, Any]) -> list[CampaignError]:
    """Settings that are allowed but probably not what the author meant."""
    out: list[CampaignError] = []
    if data.get("usernames") and data.get("enable_multi_account"):
        out.append(
            _warn(
                doc,
                ("enable_multi_account",),
                "ignored in account mode (usernames): each account is one task",
            )
        )
    out += [_warn(doc, (key,), reason) for key, reason in bare_number_warnings(data)]
    spec = script_spec(str(data.get("script_name")))
    if spec is not None and spec.warnings is not None:
        out += [_warn(doc, path, reason) for path, reason in spec.warnings(data)]
    return out


def _warn(doc: Document, path: tuple[Any, ...], reason: str) -> CampaignError:
    return _with(_at(doc, path, reason), "warning")


def _listed(data: dict[str, Any], key: str) -> bool:
    return isinstance(data.get(key), list) and bool(data[key])


def _start_pattern() -> str:
    return str(load_schema("campaign.schema.json")["properties"]["start_time"]["pattern"])
