"""Recurring campaigns on PostgreSQL: `campaign apply` stores them, the dispatcher fires them.

With a state file, `run`/`serve` keep an APScheduler job per recurring campaign. Several hosts
have no such process, so `apply` writes each enabled recurring campaign (its validated data and
the inventory it expands against) into ``recurring``, and the dispatcher (one run per tick on
whichever host takes it) expands the latest occurrence that passed since the campaign last
fired, as a restarted SQLite runner catches up: missed occurrences coalesce into the latest,
and its tasks get the campaign's ``on_missed``/``grace``. A compare-and-set on ``fired_until``
makes one dispatcher run fire each occurrence; task keys make a repeat a no-op anyway.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from runner.campaign import expand_campaign, next_occurrences
from runner.campaign.model import SourceRef
from runner.campaign.records import Account, Campaign, Inventory, InventoryDevice, Repo
from runner.errors import CampaignError
from runner.scheduler import jobs
from runner.state.rows import iso

log = logging.getLogger("runner.hosts")
DDL = """CREATE TABLE IF NOT EXISTS recurring (
    name TEXT PRIMARY KEY,
    campaign TEXT NOT NULL,
    inventory TEXT NOT NULL,
    fired_until TEXT NOT NULL
)"""


def save(store: Any, repo: Repo, now: datetime) -> int:
    """The enabled recurring campaigns of ``repo``, fired up to ``now`` (apply expanded the
    current occurrence itself); the others are forgotten. Returns how many are kept."""
    inventory = json.dumps(_inventory_data(repo.inventory), sort_keys=True)
    kept = [c for c in repo.campaigns if c.enabled and c.schedule]
    with store.connection() as raw, raw.transaction():
        raw.execute(DDL)
        raw.execute("DELETE FROM recurring WHERE NOT (name = ANY(%s))", ([c.name for c in kept],))
        for campaign in kept:
            raw.execute(
                "INSERT INTO recurring (name, campaign, inventory, fired_until) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                "campaign = EXCLUDED.campaign, inventory = EXCLUDED.inventory, "
                "fired_until = EXCLUDED.fired_until",
                (campaign.name, json.dumps(_campaign_data(campaign)), inventory, iso(now)),
            )
    return len(kept)


def fire(store: Any, now: datetime, *, skip_grace: float) -> list[str]:
    """Expand every recurring campaign whose occurrence passed since it last fired; the names."""
    with store.connection() as raw:
        if raw.execute("SELECT to_regclass('recurring')").fetchone()[0] is None:
            return []
        rows = raw.execute(
            "SELECT name, campaign, inventory, fired_until FROM recurring"
        ).fetchall()
    fired = []
    for name, campaign_json, inventory_json, fired_until in rows:
        campaign = _campaign(json.loads(campaign_json))
        times = next_occurrences(campaign, after=datetime.fromisoformat(fired_until), until=now)
        if not times:
            continue
        with store.connection() as raw:
            claimed = raw.execute(
                "UPDATE recurring SET fired_until = %s WHERE name = %s AND fired_until = %s",
                (iso(now), name, fired_until),
            ).rowcount
        if not claimed:
            continue  # another dispatcher run fired it
        occurrence = times[-1]
        try:
            specs = expand_campaign(
                campaign, _inventory(json.loads(inventory_json)), occurrence=occurrence, now=now
            )
        except CampaignError as exc:
            log.error("campaign %s, occurrence %s: %s", name, occurrence.isoformat(), exc)
            continue
        diff = store.apply(specs, campaigns=[])
        new = set(diff.new)
        rows = [r for r in store.never_started_before(now) if r.key in new]
        jobs.mark_missed(store, rows, now, skip_grace=skip_grace)
        fired.append(name)
    return fired


def _campaign_data(campaign: Campaign) -> dict[str, Any]:
    origin = campaign.origin
    return {
        "name": campaign.name,
        "script_name": campaign.script_name,
        "schedule": campaign.schedule,
        "timezone": campaign.timezone,
        "origin": [origin.path, origin.line, origin.column],
        "data": campaign.data,
    }


def _campaign(data: dict[str, Any]) -> Campaign:
    return Campaign(
        name=data["name"],
        script_name=data["script_name"],
        schedule=data["schedule"],
        timezone=data["timezone"],
        enabled=True,
        origin=SourceRef(*data["origin"]),
        data=data["data"],
    )


def _inventory_data(inventory: Inventory) -> dict[str, Any]:
    return {
        "devices": [
            {
                "serial": d.serial,
                "name": d.name,
                "groups": list(d.groups),
                "vars": d.vars,
                "accounts": [[a.username, a.package, a.email, a.password_env] for a in d.accounts],
            }
            for d in inventory.devices
        ],
        "groups": inventory.groups,
        "adb_servers": [list(s) for s in inventory.adb_servers],
        "daily_caps": inventory.daily_caps,
        "timezone": inventory.timezone,
        "present": inventory.present,
    }


def _inventory(data: dict[str, Any]) -> Inventory:
    return Inventory(
        devices=tuple(
            InventoryDevice(
                serial=d["serial"],
                name=d["name"],
                groups=tuple(d["groups"]),
                vars=d["vars"],
                accounts=tuple(Account(*a) for a in d["accounts"]),
            )
            for d in data["devices"]
        ),
        groups=data["groups"],
        adb_servers=tuple((h, int(p)) for h, p in data["adb_servers"]),
        daily_caps=data["daily_caps"],
        timezone=data["timezone"],
        present=data["present"],
    )
