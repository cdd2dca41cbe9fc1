"""Durations with units (``90s``, ``5m``, ``1h``), the one parser files and API bodies share.

Why units: TikMatrix documents ``min_interval``/``max_interval`` in minutes ("minimum interval
(minutes)"), while campaign files have always read bare numbers as seconds. A number alone is
therefore ambiguous between the two doors, so both accept a string with its unit, and each door
keeps one documented unit for bare numbers: seconds in campaign files (unchanged, so existing
files keep their meaning), minutes in API bodies (so documented TikMatrix clients get what they
meant). The API door rewrites its bare numbers as ``"<n>m"`` before the shared checks run, so
messages show the value in the unit the client used.
"""

from __future__ import annotations

import math
import re
from typing import Any

INTERVAL_FIELDS = ("min_interval", "max_interval")
UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
# The schema's pattern for a duration written as a string (campaign.schema.json repeats it;
# a test checks they agree).
PATTERN = r"^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?(s|m|h)$"
_DURATION = re.compile(r"^(?P<number>[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)(?P<unit>s|m|h)$")
MAX_INTERVAL_SECONDS = 86400.0  # a day, the schema's maximum for a bare number of seconds
AMBIGUOUS_BELOW = 60  # a bare file number under this reads just as well as minutes


def seconds(value: Any, *, bare_unit: str = "s") -> float | None:
    """Seconds of a duration (a number in ``bare_unit``, or a string with its unit).

    None for anything that is not a finite, non-negative duration: the schema names those.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number, unit = float(value), bare_unit
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        number, unit = float(match["number"]), match["unit"]
    else:
        return None
    result = number * UNITS[unit]
    return result if math.isfinite(result) and result >= 0 else None


def bare_numbers_as_minutes(body: dict[str, Any]) -> dict[str, Any]:
    """An API body with bare interval numbers written as minutes (``5`` -> ``"5m"``).

    Values that are not finite non-negative numbers of at most 2**53 are left alone for the
    schema's number checks to refuse in their own words.
    """
    out = dict(body)
    for key in INTERVAL_FIELDS:
        value = out.get(key)
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and 0 <= value <= 2**53
        ):
            out[key] = f"{value!r}m"
    return out


def interval_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) for intervals too long, or a minimum over the maximum."""
    out: list[tuple[str, str]] = []
    parsed = {key: seconds(data.get(key)) for key in INTERVAL_FIELDS if key in data}
    for key, value in parsed.items():  # bare numbers: the schema's maximum says it
        if value is not None and value > MAX_INTERVAL_SECONDS and isinstance(data[key], str):
            out.append((key, f"at most a day (24h), found {data[key]!r}"))
    low, high = parsed.get("min_interval"), parsed.get("max_interval")
    if low is not None and high is not None and low > high:
        out.append(
            (
                "max_interval",
                f"must be >= min_interval ({data['min_interval']}), found {data['max_interval']}",
            )
        )
    return out


def bare_number_warnings(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) for a bare file number that reads just as well as TikMatrix's minutes."""
    out: list[tuple[str, str]] = []
    for key in INTERVAL_FIELDS:
        value = data.get(key)
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and 0 < value < AMBIGUOUS_BELOW
        ):
            out.append(
                (
                    key,
                    f"{value:g} is read as seconds; TikMatrix reads interval numbers as minutes: "
                    f"write {value:g}s or {value:g}m to say which",
                )
            )
    return out
