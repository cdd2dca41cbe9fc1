"""Durations with units in campaign files; bare numbers keep their documented unit (seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.campaign import expand_campaign, load_repo
from runner.campaign.durations import PATTERN, seconds
from runner.campaign.schemas import load_schema

INVENTORY = "devices:\n  - serial: PHONE1\n"
FOLLOW = "script_name: follow\nserials: [PHONE1]\nscript_config:\n  target_users: [a]\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # messages name files relative to the working directory


def _repo(tmp_path: Path, extra: str):  # type: ignore[no-untyped-def]
    (tmp_path / "inventory.yaml").write_text(INVENTORY, encoding="utf-8")
    (tmp_path / "c.yaml").write_text(FOLLOW + extra, encoding="utf-8")
    return load_repo([tmp_path / "c.yaml"], root=tmp_path)


@pytest.mark.parametrize(
    ("value", "bare_unit", "expected"),
    [
        ("90s", "s", 90.0),
        ("5m", "s", 300.0),
        ("1h", "s", 3600.0),
        ("1.5m", "s", 90.0),
        (90, "s", 90.0),
        (2, "m", 120.0),
        ("5 m", "s", None),
        ("5", "s", None),
        ("-1m", "s", None),
        (True, "s", None),
        (float("inf"), "s", None),
        (-3, "s", None),
    ],
)
def test_seconds_of_a_duration(value, bare_unit, expected) -> None:
    assert seconds(value, bare_unit=bare_unit) == expected


def test_the_schema_pattern_is_the_parser_pattern() -> None:
    props = load_schema("campaign.schema.json")["properties"]
    assert props["min_interval"]["pattern"] == props["max_interval"]["pattern"] == PATTERN


def test_file_intervals_with_units_become_seconds(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "min_interval: 90s\nmax_interval: 5m\n")
    assert not repo.problems and not repo.warnings
    [task] = expand_campaign(repo.campaigns[0], repo.inventory)
    assert (task.min_interval, task.max_interval) == (90.0, 300.0)


def test_a_bare_file_number_is_seconds_and_warned_when_it_reads_as_minutes(
    tmp_path: Path,
) -> None:
    repo = _repo(tmp_path, "min_interval: 5\nmax_interval: 90\n")
    assert [str(w) for w in repo.warnings] == [
        "c.yaml:5:15: min_interval: 5 is read as seconds; TikMatrix reads interval "
        "numbers as minutes: write 5s or 5m to say which"
    ]
    [task] = expand_campaign(repo.campaigns[0], repo.inventory)
    assert (task.min_interval, task.max_interval) == (5.0, 90.0)


def test_a_duration_without_a_known_unit_is_a_located_problem(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "min_interval: 5 minutes\n")
    assert [str(p) for p in repo.problems] == [
        'c.yaml:5:15: min_interval: expected a number, or a duration like "90s", "5m", "1h", '
        "found '5 minutes'"
    ]


def test_minimum_over_maximum_compares_across_units(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "min_interval: 2m\nmax_interval: 90s\n")
    assert [str(p) for p in repo.problems] == [
        "c.yaml:6:15: max_interval: must be >= min_interval (2m), found 90s"
    ]
