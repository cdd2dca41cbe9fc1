"""What `campaign plan` shows, as data: tasks per campaign, when they start, what a missed start does.

Pure and deterministic for a given ``now``: the same files give the same plan (keys, rendered
captions, spintax picks), which is what makes `plan` trustworthy before a campaign goes live.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from runner.campaign.expand import expand
from runner.campaign.model import TaskSpec
from runner.campaign.records import Campaign, Repo
from runner.campaign.start_times import occurrences
from runner.errors import CampaignError

_HORIZONS = (timedelta(days=2), timedelta(days=40), timedelta(days=400), timedelta(days=366 * 8))


@dataclass
class CampaignPlan:
    campaign: Campaign
    tasks: list[TaskSpec]
    start_note: str  # asap, today, tomorrow, scheduled, "" (fixed datetime), disabled
    missed: str  # what happens when no runner is up at the start time
    phones: int = 0


@dataclass
class Plan:
    now: datetime
    campaigns: list[CampaignPlan] = field(default_factory=list)
    problems: list[CampaignError] = field(default_factory=list)
    warnings: list[CampaignError] = field(default_factory=list)

    @property
    def tasks(self) -> list[TaskSpec]:
        return [t for c in self.campaigns for t in c.tasks]


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
    """Expand every enabled campaign (recurring ones: their next occurrence)."""
    now = now or datetime.now(UTC)
    plan = Plan(now=now, problems=list(repo.problems), warnings=list(repo.warnings))
    for campaign in repo.campaigns:
        if not campaign.enabled:
            plan.campaigns.append(
                CampaignPlan(campaign, [], "disabled", "disabled: creates no tasks")
            )
            continue
        occurrence = next_fire(campaign, now) if campaign.schedule else None
        if campaign.schedule and occurrence is None:
            plan.campaigns.append(CampaignPlan(campaign, [], "never", "the schedule never fires"))
            continue
        result = expand(campaign, repo.inventory, occurrence=occurrence, now=now)
        plan.problems += result.problems
        phones = len({t.serial for t in result.tasks})
        plan.campaigns.append(
            CampaignPlan(
                campaign,
                result.tasks,
                result.start_note,
                missed_text(campaign, result.start_note),
                phones,
            )
        )
    return plan


def task_json(task: TaskSpec) -> dict[str, Any]:
    """One task in `plan --json`: a stable shape (keys only ever added)."""
    start = task.start_time
    return {
        "key": task.key,
        "campaign": task.campaign,
        "occurrence": task.occurrence,
        "serial": task.serial,
        "username": task.username,
        "package": task.package,
        "script_name": task.script_name,
        "target": task.target,
        "start_time": start.isoformat() if start else None,
        "start_time_utc": start.astimezone(UTC).isoformat() if start else None,
        "timezone": task.timezone,
        "script_config": task.script_config,
    }


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
        "tasks": len(cp.tasks),
    }
