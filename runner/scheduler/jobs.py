"""APScheduler wiring: explicit job ids for start times and recurring campaigns, and missed runs.

Recurring campaigns fire through ``CampaignTrigger``, which asks the campaign room for the next
occurrence instead of using APScheduler's CronTrigger: the campaign room parses classic (Vixie)
cron, where day-of-week 0 is Sunday and day-of-month/day-of-week match with OR, while
``CronTrigger.from_crontab`` counts weekdays from Monday and ANDs the day fields. One parser
means `campaign plan` and the runner always agree on when a campaign fires.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger

from runner.campaign import Campaign, next_occurrences
from runner.campaign.model import TaskSpec
from runner.state import TaskRow

_WINDOWS = (timedelta(days=2), timedelta(days=62), timedelta(days=800))


class CampaignTrigger(BaseTrigger):
    """Fires at a recurring campaign's occurrences, in its time zone."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        after = max(previous_fire_time or now, now - timedelta(seconds=1))
        for window in _WINDOWS:
            times = next_occurrences(self.campaign, after=after, until=after + window)
            if times:
                return times[0]
        return None

    def __str__(self) -> str:
        return f"campaign[{self.campaign.schedule} {self.campaign.timezone}]"


def latest_occurrence(campaign: Campaign, now: datetime, lookback: timedelta) -> datetime | None:
    """The most recent fire time in (now - lookback, now]: what a restarted runner catches up."""
    times = next_occurrences(campaign, after=now - lookback, until=now)
    return times[-1] if times else None


def new_scheduler() -> BackgroundScheduler:
    """Jobs never dropped for running late (misfire_grace_time None), bursts coalesced."""
    return BackgroundScheduler(
        timezone=UTC,
        job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )


def schedule_starts(
    scheduler: BackgroundScheduler,
    specs: Iterable[TaskSpec],
    wake: Callable[[], None],
    now: datetime,
) -> int:
    """One DateTrigger per (campaign, occurrence) at its earliest future start time."""
    earliest: dict[str, datetime] = {}
    for spec in specs:
        if spec.start_time is not None and spec.start_time > now:
            job_id = f"task-start:{spec.campaign}:{spec.occurrence}"
            earliest[job_id] = min(spec.start_time, earliest.get(job_id, spec.start_time))
    for job_id, when in earliest.items():
        scheduler.add_job(wake, DateTrigger(run_date=when), id=job_id, replace_existing=True)
    return len(earliest)


def schedule_campaigns(
    scheduler: BackgroundScheduler,
    campaigns: Iterable[Campaign],
    fire: Callable[[str], None],
) -> list[str]:
    """A `campaign-cron:<name>` job per enabled recurring campaign; stale ones removed."""
    wanted = {f"campaign-cron:{c.name}": c for c in campaigns if c.schedule and c.enabled}
    for job in scheduler.get_jobs():
        if job.id.startswith("campaign-cron:") and job.id not in wanted:
            job.remove()
    for job_id, campaign in wanted.items():
        scheduler.add_job(
            fire,
            CampaignTrigger(campaign),
            args=[campaign.name],
            id=job_id,
            replace_existing=True,
        )
    return sorted(wanted)


def is_missed(row: TaskRow, now: datetime, *, skip_grace: float) -> bool:
    """Whether a never-started task is too late to run, by its on_missed and grace."""
    if row.start_time is None:
        return False
    late = (now - row.start_time).total_seconds()
    if row.on_missed == "skip":
        return late > (row.grace if row.grace is not None else skip_grace)
    return row.grace is not None and late > row.grace


def mark_missed(store: Any, rows: Iterable[TaskRow], now: datetime, *, skip_grace: float) -> int:
    """Mark the never-started ``rows`` that are too late (``is_missed``) missed; how many."""
    count = 0
    for row in rows:
        if row.start_time is not None and is_missed(row, now, skip_grace=skip_grace):
            late = (now - row.start_time).total_seconds()
            message = f"missed: due {late:.0f} s ago while no runner was up"
            count += bool(store.mark_missed(row.id, message=message))
    return count
