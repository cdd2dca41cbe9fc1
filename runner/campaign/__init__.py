"""The pure pipeline: campaign files (and API bodies) → validated campaigns → TaskSpecs.

Nothing here imports the runtime (adbutils, starlette, apscheduler, the state file), so
`campaign validate` and `campaign plan` start fast and need no phones.
"""

from __future__ import annotations

from datetime import datetime

from runner.campaign.api_body import tasks_from_api_body, validate_api_body
from runner.campaign.expand import Expansion, expand, expand_campaign, task_key
from runner.campaign.records import Account, Campaign, Inventory, InventoryDevice, Repo
from runner.campaign.repo import load_repo
from runner.campaign.start_times import occurrences


def next_occurrences(campaign: Campaign, *, after: datetime, until: datetime) -> list[datetime]:
    """Fire times of a recurring campaign in (after, until], aware in the campaign's zone.

    A one-shot campaign (no ``schedule``) has none: its start time comes from ``start_time``.
    """
    if not campaign.schedule:
        return []
    return occurrences(campaign.schedule, campaign.timezone, after=after, until=until)


__all__ = [
    "Account",
    "Campaign",
    "InventoryDevice",
    "Expansion",
    "Inventory",
    "Repo",
    "expand",
    "expand_campaign",
    "load_repo",
    "next_occurrences",
    "task_key",
    "tasks_from_api_body",
    "validate_api_body",
]
