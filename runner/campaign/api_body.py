"""The API door: a TikMatrix create-task body becomes tasks through the same schemas and expansion.

Decision: the body is validated with the campaign envelope, so every campaign key is accepted
(``name``, ``groups``, ``vars``, ``timezone``, ``retry``, ``timeout``, ...), a campaign file
pasted as JSON is a valid body and vice versa; only ``schedule`` is refused (a recurring
campaign belongs in a file the runner re-reads). Unknown keys are refused like in files.
Each request is its own occurrence, so two identical POSTs create two sets of tasks.

TikMatrix semantics the door applies before the shared checks (``api_body``):
- ``null`` for an optional field means "not given" (typed clients send every field), at the top
  level and inside ``script_config``; ``script_name`` null or empty is "missing" (40002);
- bare ``min_interval``/``max_interval`` numbers are minutes, as TikMatrix documents (files read
  them as seconds; ``runner.campaign.durations`` says why);
- an unknown key is reported before anything it causes ("script_config is required" after a
  typo'd ``script_confg`` would hide the typo).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from runner.campaign.check import check_campaign
from runner.campaign.durations import bare_numbers_as_minutes
from runner.campaign.expand import expand
from runner.campaign.limits import limits
from runner.campaign.model import TaskSpec
from runner.campaign.records import Campaign, Inventory
from runner.campaign.start_times import machine_timezone
from runner.campaign.yamlload import Document
from runner.errors import CampaignError

BODY = "<request body>"
API_CAMPAIGN = "api"


def _no_position(errors: list[CampaignError]) -> list[CampaignError]:
    """A JSON body has no lines: the field path alone says where."""
    for err in errors:
        err.line = err.column = 0
        err.path = BODY
    return errors


def api_body(body: Any) -> Any:
    """The body as the shared checks should read it (see the module docstring)."""
    if not isinstance(body, dict):
        return body
    out = {key: value for key, value in body.items() if value is not None}
    if isinstance(out.get("script_name"), str) and not out["script_name"].strip():
        del out["script_name"]
    config = out.get("script_config")
    if isinstance(config, dict):
        out["script_config"] = {key: value for key, value in config.items() if value is not None}
    return bare_numbers_as_minutes(out)


def _first_to_report(err: CampaignError) -> tuple[int, bool]:
    """40003/40002 first (they explain the rest), then unknown keys (a typo explains the rest)."""
    return -err.api_code, not err.reason.startswith("unknown key")


def _check(body: Any, inventory: Inventory) -> tuple[Campaign | None, list[CampaignError]]:
    body = api_body(body)
    doc = Document(BODY, 0, body)
    tz = inventory.timezone or machine_timezone()
    campaign, problems, _ = check_campaign(doc, default_name=API_CAMPAIGN, default_tz=tz)
    if isinstance(body, dict) and "schedule" in body:
        err = CampaignError(
            "not accepted through the API (a recurring campaign belongs in a campaign file)",
            field="schedule",
        )
        problems.append(err)
        campaign = None
    problems.sort(key=_first_to_report)
    return campaign, _no_position(problems)


def validate_api_body(
    body: Any, inventory: Inventory | None = None, *, media_roots: Sequence[Path] | None = None
) -> list[CampaignError]:
    """Every problem of a create-task body (schema and references), each with ``api_code``."""
    inventory = inventory or Inventory()
    campaign, problems = _check(body, inventory)
    if campaign is not None:
        result = expand(
            campaign,
            inventory,
            occurrence_key="check",
            source="api",
            check_only=True,
            media_roots=media_roots,
            max_tasks=limits().tasks_per_request,
        )
        problems += _no_position(result.problems)
        if media_roots and not result.problems:
            problems += _no_position(_media_errors(campaign, media_roots))
    return problems


def _media_errors(campaign: Campaign, roots: Sequence[Path]) -> list[CampaignError]:
    """Media that does not exist or is of a kind the script cannot take (40001), before any
    task is written; relative paths start at the first media root (the repository)."""
    from runner.campaign.pretouch import media_problems

    return [p for p in media_problems(campaign, Path(roots[0])) if p.severity != "warning"]


def tasks_from_api_body(
    body: Any,
    inventory: Inventory,
    *,
    now: datetime | None = None,
    source: str = "api",
    media_roots: Sequence[Path] | None = None,
) -> list[TaskSpec]:
    """The tasks a POST /task body creates; raises the first CampaignError (with ``api_code``).

    ``media_roots``: every media path, as rendered for each task, must resolve inside them.
    At most ``tasks_per_request`` tasks (docs/limits.md), counted before any is built."""
    campaign, problems = _check(body, inventory)
    if campaign is None:
        raise problems[0]
    result = expand(
        campaign,
        inventory,
        now=now,
        occurrence_key=f"{source}-{uuid.uuid4().hex}",
        source=source,
        media_roots=media_roots,
        max_tasks=limits().tasks_per_request,
    )
    if result.problems:
        raise _no_position(result.problems)[0]
    if media_roots and (missing := _media_errors(campaign, media_roots)):
        raise _no_position(missing)[0]
    if not result.tasks:
        raise CampaignError(
            "no tasks to create: the serials, usernames or groups name no phone", path=BODY
        )
    return result.tasks
