"""What `campaign plan` shows, as data: tasks per campaign, when they start, what a missed start does.

Pure and deterministic for a given ``now``: the same files give the same plan (keys, rendered
captions, spintax picks), which is what makes `plan` trustworthy before a campaign goes live.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import chain
from typing import Any

from runner.campaign.expand import LazyExpansion, expand_lazily
from runner.campaign.model import TaskSpec
from runner.campaign.records import Campaign, Repo
from runner.campaign.start_times import occurrences
from runner.errors import CampaignError

_HORIZONS = (timedelta(days=2), timedelta(days=40), timedelta(days=400), timedelta(days=366 * 8))


@dataclass
class CampaignPlan:
    campaign: Campaign
    start_note: str  # asap, today, tomorrow, scheduled, "" (fixed datetime), disabled
    missed: str  # what happens when no runner is up at the start time
    phones: int = 0
    expansion: LazyExpansion | None = None  # None: disabled or never fires

    @property
    def count(self) -> int:
        return self.expansion.made if self.expansion is not None else 0

    def tasks(self) -> Iterator[TaskSpec]:
        """Its tasks, made one by one as they are iterated (the same ones on every pass)."""
        return self.expansion.tasks() if self.expansion is not None else iter(())


@dataclass
class Plan:
    now: datetime
    campaigns: list[CampaignPlan] = field(default_factory=list)
    problems: list[CampaignError] = field(default_factory=list)
    warnings: list[CampaignError] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(c.count for c in self.campaigns)

    def tasks(self) -> Iterator[TaskSpec]:
        """Every task, campaign by campaign, made as it is iterated: `plan` writes 100,000
        of them out without holding them (a list of them is ~50 MB)."""
        return chain.from_iterable(c.tasks() for c in self.campaigns)


def next_fire(campaign: Campaign, now: datetime) -> datetime | None:
    """The next fire time of a recurring campaign after ``now`` (None if it never fires)."""
    assert campaign.schedule
    for horizon in _HORIZONS:
        found = occurrences(campaign.schedule, campaign.timezone, after=now, until=now + horizon)
        if found:
            return found[0]
    return None


def missed_text(campaign: Campaign, start_note: str) -> str:
    data = campaign.data
    if start_note == "asap":
        return "starts as soon as a runner applies it; nothing can be missed"
    if data.get("on_missed", "run") == "skip":
        return "if no runner is up at the start time, the tasks are marked missed and not run"
    grace = data.get("grace")
    if grace is None:
        return "if no runner is up at the start time, the tasks run when one is back, however late"
    return (
        f"if no runner is up at the start time, the tasks run when one is back, up to {grace:g} s late; "
        "later they are marked missed"
    )


def build_plan(repo: Repo, *, now: datetime | None = None) -> Plan:
    """Expand every enabled campaign (recurring ones: their next occurrence). Templates are
    rendered here; the tasks themselves are made when ``Plan.tasks()`` is iterated."""
    now = now or datetime.now(UTC)
    plan = Plan(now=now, problems=list(repo.problems), warnings=list(repo.warnings))
    for campaign in repo.campaigns:
        if not campaign.enabled:
            plan.campaigns.append(CampaignPlan(campaign, "disabled", "disabled: creates no tasks"))
            continue
        occurrence = next_fire(campaign, now) if campaign.schedule else None
        if campaign.schedule and occurrence is None:
            plan.campaigns.append(CampaignPlan(campaign, "never", "the schedule never fires"))
            continue
        result = expand_lazily(campaign, repo.inventory, occurrence=occurrence, now=now)
        plan.problems += result.problems
        plan.campaigns.append(
            CampaignPlan(
                campaign,
                result.start_note,
                missed_text(campaign, result.start_note),
                result.phones,
                result,
            )
        )
    return plan


def task_json(task: TaskSpec) -> dict[str, Any]:
    """One task in `plan --json`: a stable shape (keys only ever added)."""
    at = task.start_time
    start, start_utc = _times(at, at.tzinfo, at.fold) if at else (None, None)
    return {
        "key": task.key,
        "campaign": task.campaign,
        "occurrence": task.occurrence,
        "serial": task.serial,
        "username": task.username,
        "package": task.package,
        "script_name": task.script_name,
        "target": task.target,
        "start_time": start,
        "start_time_utc": start_utc,
        "timezone": task.timezone,
        "script_config": task.script_config,
    }


@lru_cache(maxsize=64)
def _times(start: datetime, _zone: Any, _fold: int) -> tuple[str, str]:
    """A start time as written, local and UTC: once per distinct time and zone (a campaign's
    tasks share one), not twice per task. Equal instants in other zones (or the other side of
    a clock change) are written differently, so the zone and fold are part of the key."""
    return start.isoformat(), start.astimezone(UTC).isoformat()


def campaign_json(cp: CampaignPlan) -> dict[str, Any]:
    c = cp.campaign
    return {
        "name": c.name,
        "script_name": c.script_name,
        "origin": str(c.origin),
        "enabled": c.enabled,
        "schedule": c.schedule,
        "timezone": c.timezone,
        "start": cp.start_note,
        "on_missed": c.data.get("on_missed", "run"),
        "grace": c.data.get("grace"),
        "missed": cp.missed,
        "phones": cp.phones,
        "tasks": cp.count,
    }
