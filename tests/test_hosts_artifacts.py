"""Failure artifacts kept in a shared PostgreSQL state (runner/hosts/artifacts.py): bounded per
artifact and per task (docs/limits.md), never read through a symlink, and each failed attempt's
in place of the last one's. Served across processes: tests/test_hosts_engine.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.campaign.limits import limits


@pytest.fixture
def store(pg_store: Any) -> Any:
    return pg_store


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CAMPAIGN_RUNNER_LIMIT_ARTIFACT_BYTES", "1000")
    monkeypatch.setenv("CAMPAIGN_RUNNER_LIMIT_TASK_ARTIFACT_BYTES", "1500")
    limits.cache_clear()
    yield
    limits.cache_clear()


def write(folder: Path, files: dict[str, int]) -> None:
    for name, size in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(name[0].encode() * size)


def test_artifacts_past_their_bounds_or_behind_a_symlink_stay_on_the_host(
    store: Any, small_limits: None, tmp_path: Path
) -> None:
    from runner.hosts import artifacts

    folder = tmp_path / "7"
    # smallest first: the log and the dump fit; the screenshot is over 1000 bytes on its own;
    # the last one would take the task past 1500
    write(folder, {"steps.log": 300, "dumps/ui.xml": 600, "screenshot.png": 1200, "x.txt": 700})
    (tmp_path / "secret").write_text("not an artifact")
    (folder / "link.txt").symlink_to(tmp_path / "secret")

    assert artifacts.keep(store, 7, folder) == ["dumps/ui.xml", "steps.log"]
    assert artifacts.listing(store, 7) == [("dumps/ui.xml", 600), ("steps.log", 300)]
    assert artifacts.read(store, 7, "steps.log") == b"s" * 300
    assert artifacts.read(store, 7, "link.txt") is None


def test_a_later_failed_attempts_artifacts_replace_the_last_ones(
    store: Any, tmp_path: Path
) -> None:
    from runner.hosts import artifacts

    folder = tmp_path / "8"
    write(folder, {"steps.log": 10, "screenshot.png": 20})
    artifacts.keep(store, 8, folder)
    (folder / "screenshot.png").unlink()
    write(folder, {"steps.log": 30})

    artifacts.keep(store, 8, folder)

    assert artifacts.listing(store, 8) == [("steps.log", 30)]
    assert artifacts.listing(store, 9) == []
