"""A small 5-field cron parser: minute hour day-of-month month day-of-week.

Written here rather than borrowed from APScheduler so `campaign validate` stays import-light and
the semantics are classic cron (Vixie): day-of-week 0 or 7 is Sunday, names like ``mon``/``jan``
work, and when both day fields are restricted a day matches if *either* does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
_FIELDS = (  # name, low, high, names
    ("minute", 0, 59, None),
    ("hour", 0, 23, None),
    ("day of month", 1, 31, None),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),
)
_ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


class CronSyntaxError(ValueError):
    """The expression is not valid cron; the message says which field and why."""


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    day_any: bool
    weekday_any: bool

    def day_matches(self, d: date) -> bool:
        if d.month not in self.months:
            return False
        dom = d.day in self.days
        dow = (d.isoweekday() % 7) in self.weekdays
        if self.day_any or self.weekday_any:
            return dom and dow
        return dom or dow


def _value(text: str, low: int, names: list[str] | None, field: str) -> int:
    if names and text.lower() in names:
        return names.index(text.lower()) + (1 if names is _MONTHS else 0)
    if not text.isdigit():
        raise CronSyntaxError(f"{field}: {text!r} is not a number")
    return int(text)


def _field(text: str, field: str, low: int, high: int, names: list[str] | None) -> set[int]:
    out: set[int] = set()
    for part in text.split(","):
        rng, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise CronSyntaxError(f"{field}: bad step {step_text!r}")
        if rng == "*":
            start, end = low, high
        elif "-" in rng:
            a, _, b = rng.partition("-")
            start, end = _value(a, low, names, field), _value(b, low, names, field)
        else:
            start = _value(rng, low, names, field)
            end = high if step else start
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise CronSyntaxError(f"{field}: {rng!r} is outside {low}-{high}")
        out.update(range(start, end + 1, step or 1))
    return out


def parse_cron(expr: str) -> Cron:
    """Parse ``expr``; raises CronSyntaxError naming the bad field."""
    fields = _ALIASES.get(expr.strip(), expr).split()
    if len(fields) != 5:
        raise CronSyntaxError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), found {len(fields)}"
        )
    sets = [_field(text, *spec) for text, spec in zip(fields, _FIELDS, strict=True)]
    weekdays = frozenset(d % 7 for d in sets[4])
    return Cron(
        frozenset(sets[0]),
        frozenset(sets[1]),
        frozenset(sets[2]),
        frozenset(sets[3]),
        weekdays,
        day_any=fields[2] == "*",
        weekday_any=fields[4] == "*",
    )


def cron_times(cron: Cron, tz: ZoneInfo, after: datetime, until: datetime) -> list[datetime]:
    """Fire times strictly after ``after`` and up to ``until`` (inclusive), aware, in ``tz``.

    Walks local calendar days, so a wall time that does not exist (DST gap) is skipped and an
    ambiguous one fires once (its first occurrence).
    """
    out: list[datetime] = []
    day = after.astimezone(tz).date()
    last = until.astimezone(tz).date()
    hm = sorted((h, m) for h in cron.hours for m in cron.minutes)
    while day <= last:
        if cron.day_matches(day):
            for h, m in hm:
                local = datetime.combine(day, time(h, m), tzinfo=tz)
                if local.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(
                    tzinfo=None
                ) != local.replace(tzinfo=None):
                    continue  # in a DST gap: this wall time does not exist
                if after < local <= until:
                    out.append(local)
        day += timedelta(days=1)
    return out
