"""`campaign status`, `retry` and `stop` over a real state file (no runner needed)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from runner.campaign.model import TaskSpec
from runner.cli.main import main
from runner.state import Store, task_to_api


def spec(key: str, serial: str, script: str = "follow", **over: object) -> TaskSpec:
    base = TaskSpec(
        key=key,
        campaign="grow",
        occurrence="once",
        script_name=script,
        script_config={"target_users": [key]},
        serial=serial,
        username=f"{serial}_u",
        target=key,
    )
    return replace(base, **over)  # type: ignore[arg-type]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """Four tasks: completed, failed, running, pending; and one API task."""
    store = Store(tmp_path / "state.db")
    store.apply(
        [
            spec("a", "P1"),
            spec("b", "P1"),
            spec("c", "P2"),
            spec("d", "P2", "unfollow"),
        ],
        campaigns=["grow"],
    )
    store.insert([spec("e", "P3", source="api", campaign="api")])
    store.mark_running(1, serial="P1")
    store.mark_completed(1, result={}, summary="followed @a")
    store.mark_running(2, serial="P1")
    store.mark_failed(
        2, failure_class="element_not_found", message="no Follow button", retry_at=None
    )
    store.mark_running(3, serial="P2")
    return store.path


def test_status_json_is_api_task_objects_with_offset_times_and_stats(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--state", str(state), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    store = Store(state)
    rows = [store.get(i) for i in range(1, 6)]
    times = ("start_time", "end_time", "scheduled_time", "created_at")
    assert [{k: v for k, v in t.items() if k not in times} for t in out["tasks"]] == [
        {k: v for k, v in task_to_api(r).items() if k not in times}  # type: ignore[arg-type]
        for r in rows
    ]
    assert [datetime.fromisoformat(t["created_at"]) for t in out["tasks"]] == [
        r.created_at.replace(microsecond=0)  # type: ignore[union-attr]
        for r in rows
    ]
    assert all(datetime.fromisoformat(t["created_at"]).tzinfo for t in out["tasks"])
    assert out["stats"] == {"total": 5, "pending": 2, "running": 1, "completed": 1, "failed": 1}


def test_old_json_flag_still_selects_json(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--state", str(state), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stats"]["total"] == 5


@pytest.mark.parametrize(
    ("argv", "ids"),
    [
        (["--status", "3"], [2]),
        (["--serial", "P2"], [3, 4]),
        (["--script", "unfollow"], [4]),
        (["--source", "api"], [5]),
        (["--campaign", "grow", "--status", "0"], [4]),
    ],
)
def test_status_filters_like_the_api(
    state: Path, capsys: pytest.CaptureFixture[str], argv: list[str], ids: list[int]
) -> None:
    assert main(["status", "--state", str(state), "--json", *argv]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [t["id"] for t in out["tasks"]] == ids
    assert out["stats"]["total"] == len(ids)


def test_status_text_table_and_counts(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--state", str(state), "--status", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "id",
        "status",
        "campaign",
        "phone",
        "account",
        "script",
        "target",
        "tries",
        "remark",
    ]
    assert lines[1].split(None, 8) == [
        "2",
        "failed",
        "grow",
        "P1",
        "P1_u",
        "follow",
        "b",
        "0",
        "element_not_found: no Follow button",
    ]
    assert lines[-1] == "1 total, 0 pending, 0 running, 0 completed, 1 failed"


def test_status_without_state_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--state", str(tmp_path / "none.db")]) == 2
    assert capsys.readouterr().err == (
        f"campaign status: error: no state file at {tmp_path / 'none.db'} "
        "(run `campaign run` first, or pass --state PATH)\n"
    )


def test_retry_failed_requeues_every_failed_task(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["retry", "--state", str(state), "--failed"]) == 0
    assert capsys.readouterr().out == "1 failed task(s) queued again\n"
    assert Store(state).get(2).status == 0  # type: ignore[union-attr]


def test_retry_failed_leaves_stopped_tasks_and_says_so(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stop", "--state", str(state), "4"]) == 0  # pending: cancelled before it ran
    capsys.readouterr()
    assert main(["retry", "--state", str(state), "--failed"]) == 0
    assert capsys.readouterr().out == (
        "1 failed task(s) queued again; 1 stopped task(s) left as they are"
        " (--include-cancelled retries them too)\n"
    )
    assert Store(state).get(4).status == 3  # type: ignore[union-attr]
    args = ["retry", "--state", str(state), "--failed", "--include-cancelled", "--format", "json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == {"queued": 1, "tasks": None, "left_stopped": 0}


def test_retry_of_a_completed_task_says_why_not(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["retry", "--state", str(state), "1"]) == 1
    assert capsys.readouterr().err == (
        "campaign retry: error: task 1 is completed, only failed tasks can be retried\n"
    )


def test_retry_needs_ids_or_failed(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["retry", "--state", str(state)]) == 2
    assert (
        capsys.readouterr().err == "campaign retry: error: give task ids or --failed (not both)\n"
    )


def test_stop_running_requests_and_pending_cancels(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stop", "--state", str(state), "3", "4"]) == 0
    assert (
        capsys.readouterr().out
        == "task 3: will stop at its next step\ntask 4: cancelled before it ran\n"
    )
    store = Store(state)
    assert store.get(3).stop_requested and store.get(4).failure_class == "cancelled"  # type: ignore[union-attr]


def test_stop_of_a_finished_or_unknown_task_fails(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stop", "--state", str(state), "1", "99"]) == 1
    assert (
        capsys.readouterr().out
        == "task 1: not stopped: it is already completed\ntask 99: no such task\n"
    )
