"""The cron parser behind recurring campaigns."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from runner.campaign.cron import CronSyntaxError, cron_times, parse_cron


def _times(expr: str, after: datetime, until: datetime, tz: str = "UTC") -> list[str]:
    return [t.isoformat() for t in cron_times(parse_cron(expr), ZoneInfo(tz), after, until)]


def test_weekday_names_ranges_and_steps() -> None:
    after = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # a Friday
    until = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert _times("*/30 9 * * mon-fri", after, until) == [
        "2026-11-27T09:00:00+00:00",
        "2026-11-27T09:30:00+00:00",
        "2026-11-30T09:00:00+00:00",
        "2026-11-30T09:30:00+00:00",
    ]


def test_day_of_month_or_day_of_week_when_both_restricted() -> None:
    after = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
    until = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    assert _times("0 8 1 * 0", after, until) == [
        "2026-11-29T08:00:00+00:00",
        "2026-12-01T08:00:00+00:00",
        "2026-12-06T08:00:00+00:00",
    ]


def test_daylight_saving_gap_skips_a_wall_time_that_does_not_exist() -> None:
    after = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
    until = datetime(2026, 3, 31, 0, 0, tzinfo=UTC)
    assert _times("30 2 * * *", after, until, "Europe/Berlin") == [
        "2026-03-28T02:30:00+01:00",
        "2026-03-30T02:30:00+02:00",
    ]


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4"),
        ("60 * * * *", "minute: '60' is outside 0-59"),
        ("* * * foo *", "month: 'foo' is not a number"),
        ("*/0 * * * *", "minute: bad step '0'"),
    ],
)
def test_bad_expressions_name_the_field(expr: str, message: str) -> None:
    with pytest.raises(CronSyntaxError) as caught:
        parse_cron(expr)
    assert str(caught.value) == message
