"""When tasks start: time zones, ``start_time`` resolution and the recurrence of ``schedule``."""

from __future__ import annotations

import contextlib
import os
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from runner.campaign.cron import cron_times, parse_cron

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


@cache
def machine_timezone() -> str:
    """The machine's IANA zone name: $TZ, the /etc/localtime link, /etc/timezone, else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        link = os.readlink("/etc/localtime")
        candidates.append(link.split("zoneinfo/", 1)[1] if "zoneinfo/" in link else "")
    except OSError:
        pass
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if name and zone(name) is not None:
            return name
    return "UTC"


@cache
def zone(name: str) -> ZoneInfo | None:
    """The zone called ``name``, or None when there is no such IANA zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def parse_iso(value: str) -> datetime | None:
    """An ISO 8601 datetime *with offset*, or None (naive or malformed)."""
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def start_time_problem(value: str) -> str | None:
    """Why ``value`` is not a usable start_time, or None when it is."""
    if _HHMM.match(value) or parse_iso(value) is not None:
        return None
    if re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}", value):
        return f"{value!r} is not a real date and time"
    return f'expected "HH:MM" or an ISO 8601 datetime with offset, found {value!r}'


def resolve_start(value: str | None, tz_name: str, now: datetime) -> tuple[datetime | None, str]:
    """The aware start time of a one-shot campaign and a note for `plan` ("today", "tomorrow").

    "HH:MM" is the next such wall time in ``tz_name``: today if still ahead of ``now``, else
    tomorrow. An ISO datetime is taken as written. None means as soon as possible.
    """
    if not value:
        return None, "asap"
    match = _HHMM.match(value)
    if not match:
        parsed = parse_iso(value)
        return parsed, "" if parsed else "invalid"
    tz = zone(tz_name) or UTC
    local_now = now.astimezone(tz)
    hour, minute = int(match.group(1)), int(match.group(2))
    candidate = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate > local_now:
        return candidate, "today"
    tomorrow = (local_now + timedelta(days=1)).date()
    return datetime(
        tomorrow.year, tomorrow.month, tomorrow.day, hour, minute, tzinfo=tz
    ), "tomorrow"


def cron_problem(expr: str) -> str | None:
    try:
        parse_cron(expr)
    except ValueError as exc:
        return f"invalid cron expression {expr!r}: {exc}"
    return None


def occurrences(expr: str, tz_name: str, *, after: datetime, until: datetime) -> list[datetime]:
    return cron_times(parse_cron(expr), zone(tz_name) or ZoneInfo("UTC"), after, until)


def now_utc() -> datetime:
    return datetime.now(UTC)
