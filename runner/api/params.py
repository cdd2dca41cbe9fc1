"""Query-string and path parameters: parsed strictly, refused with 40001 naming the parameter.

Paging: ``page`` defaults to 1, ``page_size`` to 20. A ``page_size`` over 100 is clamped to 100
(the answer's ``page_size`` says what was used) rather than refused, because clients written
for the original ask for "a lot" and expect a full page, not an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from runner.api.endpoint import json_type
from runner.api.envelope import BAD_REQUEST, NOT_FOUND
from runner.errors import ApiError

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
SOURCES = ("api", "ui", "file")
SQLITE_MAX_INT = 2**63 - 1
HUMAN_BOUND = 10**6  # bounds above this are storage limits, not choices
_INTEGER = re.compile(r"-?[0-9]{1,30}")


def int_param(
    query: Mapping[str, str], name: str, *, default: int | None, low: int, high: int | None = None
) -> int | None:
    """An integer query parameter within [low, high]; absent or empty gives ``default``."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw):
        raise ApiError(BAD_REQUEST, f"{name}: expected integer, got {raw!r}")
    value = int(raw)
    if value < low:
        raise ApiError(BAD_REQUEST, f"{name}: must be ≥ {low}, got {value}")
    if high is not None and value > high:
        raise ApiError(BAD_REQUEST, _above(name, value, low, high))
    return value


def _above(name: str, value: int, low: int, high: int) -> str:
    """Small ranges are named (``status: must be between 0 and 3``); a storage limit is not a
    number a person needs to read (``page: too large``)."""
    if high <= HUMAN_BOUND:
        return f"{name}: must be between {low} and {high}, got {value}"
    return f"{name}: too large, got {value}"


def choice_param(query: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise ApiError(BAD_REQUEST, f"{name}: must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def text_param(query: Mapping[str, str], name: str) -> str | None:
    raw = query.get(name)
    return raw if raw else None


def paging(query: Mapping[str, str]) -> tuple[int, int]:
    """(page, page_size) with the defaults and the clamp described above."""
    page = int_param(query, "page", default=1, low=1, high=SQLITE_MAX_INT // (MAX_PAGE_SIZE + 1))
    size = int_param(query, "page_size", default=DEFAULT_PAGE_SIZE, low=1, high=SQLITE_MAX_INT)
    assert page is not None and size is not None
    return page, min(size, MAX_PAGE_SIZE)


def task_id_param(path_params: Mapping[str, str]) -> int:
    """The ``{task_id}`` path segment: not an integer is 40001, out of any range is 40401."""
    raw = path_params["task_id"]
    if not _INTEGER.fullmatch(raw):
        raise ApiError(BAD_REQUEST, f"task_id: expected integer, got {raw!r}")
    value = int(raw)
    if value < 1 or value > SQLITE_MAX_INT:
        raise ApiError(NOT_FOUND, f"task {value} not found")
    return value


def task_ids_body(body: Mapping[str, object]) -> list[int]:
    """``{"task_ids": [..]}`` of a batch call: a non-empty array of positive integers."""
    ids = body.get("task_ids")
    if not isinstance(ids, list):
        got = "nothing" if "task_ids" not in body else json_type(ids)
        raise ApiError(BAD_REQUEST, f"task_ids: expected array of integers, got {got}")
    for index, value in enumerate(ids):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApiError(
                BAD_REQUEST, f"task_ids[{index}]: expected integer, got {json_type(value)}"
            )
    return [value for value in ids if 1 <= value <= SQLITE_MAX_INT]
