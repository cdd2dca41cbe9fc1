"""`campaign run` end to end: --sim phones, exit codes, --junit, --json, re-apply, a second runner."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC
from pathlib import Path

import pytest

from runner.cli.main import main
from runner.state import Store

INVENTORY = """\
devices:
  - serial: SIMRUN01
    accounts: [{username: run_a, package: com.zhiliaoapp.musically}]
  - serial: SIMRUN02
    accounts: [{username: run_b, package: com.zhiliaoapp.musically}]
"""
WARMUP = """\
name: {name}
script_name: account_warmup
serials: [SIMRUN01, SIMRUN02]
script_config: {{task_duration: {seconds}, min_duration: 0.3, max_duration: 0.5}}
retry: {{max: 0}}
timeout: {timeout}
"""


def repo(root: Path, *, seconds: float = 0.5, timeout: float = 30, name: str = "warm") -> Path:
    (root / "workflows").mkdir(exist_ok=True)
    (root / "inventory.yaml").write_text(INVENTORY)
    (root / "workflows" / "warm.yaml").write_text(
        WARMUP.format(name=name, seconds=seconds, timeout=timeout)
    )
    return root


def run(root: Path, *extra: str) -> int:
    return main(["run", "--root", str(root), "--state", str(root / "state.db"), "--sim", *extra])


def test_sim_run_completes_with_junit_and_a_summary(
    tmp_path: Path, adb_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    repo(tmp_path)
    assert run(tmp_path, "--junit", str(tmp_path / "junit.xml")) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0]
        == f"campaign run: 2 new, 0 changed, 0 unchanged, 0 removed task(s) in {tmp_path / 'state.db'}"
    )
    assert out[-2:-1] == ["warm  2 completed"]
    assert out[-1].startswith("2 completed, 0 failed, 0 pending of 2 task(s) in ")
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("2", "0")
    assert [c.get("name") for c in suite.iter("testcase")] == [
        "task 1: account_warmup on SIMRUN01",
        "task 2: account_warmup on SIMRUN02",
    ]


def test_rerun_applies_nothing_new_and_runs_nothing_again(
    tmp_path: Path, adb_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    repo(tmp_path)
    assert run(tmp_path) == 0
    capsys.readouterr()
    assert run(tmp_path, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["applied"] == {"new": 0, "changed": 0, "unchanged": 2, "removed": 0}
    assert out["stats"] == {
        "total": 2,
        "pending": 0,
        "running": 0,
        "completed": 2,
        "failed": 0,
    }
    assert [len(Store(tmp_path / "state.db").attempts(i)) for i in (1, 2)] == [1, 1]


def test_failed_task_exits_1_and_junit_names_class_and_message(
    tmp_path: Path, adb_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    repo(tmp_path, seconds=20, timeout=1)
    assert run(tmp_path, "--junit", str(tmp_path / "junit.xml")) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-3].startswith("0 completed, 2 failed, 0 pending of 2 task(s) in ")
    assert out[-2:] == [
        "  task 1 account_warmup on SIMRUN01: timeout: took longer than its timeout of 1 s",
        "  task 2 account_warmup on SIMRUN02: timeout: took longer than its timeout of 1 s",
    ]
    failures = list(ET.parse(tmp_path / "junit.xml").getroot().iter("failure"))
    assert [(f.get("type"), f.get("message")) for f in failures] == [
        ("timeout", "took longer than its timeout of 1 s")
    ] * 2


def test_invalid_campaign_exits_1_with_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo(tmp_path)
    (tmp_path / "workflows" / "bad.yaml").write_text(
        "name: bad\nscript_name: like\nserials: [SIMRUN01]\n"
    )
    assert run(tmp_path) == 1
    err = capsys.readouterr().err
    assert "workflows/bad.yaml:2" in err and "script_name" in err
    assert not (tmp_path / "state.db").exists()


def test_invalid_campaign_with_format_json_lists_the_problem_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo(tmp_path)
    (tmp_path / "workflows" / "bad.yaml").write_text(
        "name: bad\nscript_name: like\nserials: [SIMRUN01]\n"
    )
    assert run(tmp_path, "--format", "json") == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["valid"], out["files"]) == (False, 3)
    [problem] = out["problems"]
    assert (Path(problem["path"]).name, problem["line"], problem["field"]) == (
        "bad.yaml",
        2,
        "script_name",
    )
    assert not (tmp_path / "state.db").exists()


def test_second_runner_on_a_held_state_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo(tmp_path)
    store = Store(tmp_path / "state.db")
    store.acquire_lock()
    holder = store.lock_holder()
    assert main(["run", "--root", str(tmp_path), "--state", str(tmp_path / "state.db")]) == 1
    assert capsys.readouterr().err == (
        f"campaign run: error: {tmp_path / 'state.db'} is locked by pid {holder.pid} on {holder.host} "  # type: ignore[union-attr]
        f"since {holder.started} (stop that runner, or pass --force-unlock if it is gone)\n"
    )  # type: ignore[union-attr]


def test_future_tasks_wait_only_with_wait_and_an_edit_changes_only_its_tasks(
    tmp_path: Path, adb_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import datetime, timedelta

    repo(tmp_path, name="now")
    later = (datetime.now(UTC) + timedelta(seconds=6)).isoformat(timespec="seconds")
    future = WARMUP.format(name="later", seconds=0.5, timeout=30) + f"start_time: '{later}'\n"
    (tmp_path / "workflows" / "later.yaml").write_text(future)
    assert run(tmp_path, "--json") == 0
    first = json.loads(capsys.readouterr().out)
    assert sorted((t["campaign"], t["status"]) for t in first["tasks"]) == [
        ("later", 0),
        ("later", 0),
        ("now", 2),
        ("now", 2),
    ]
    (tmp_path / "workflows" / "later.yaml").write_text(
        future.replace("task_duration: 0.5", "task_duration: 0.4")
    )
    assert run(tmp_path, "--json", "--wait") == 0
    second = json.loads(capsys.readouterr().out)
    assert second["applied"] == {"new": 0, "changed": 2, "unchanged": 2, "removed": 0}
    assert sorted(
        (t["campaign"], t["status"], t["script_config"]["task_duration"]) for t in second["tasks"]
    ) == [("later", 2, 0.4), ("later", 2, 0.4), ("now", 2, 0.5), ("now", 2, 0.5)]
    assert sorted(t["id"] for t in second["tasks"]) == [
        1,
        2,
        3,
        4,
    ]  # updated in place, not re-created


def test_concurrency_cap_runs_one_task_at_a_time_across_phones(
    tmp_path: Path, adb_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    repo(tmp_path)
    assert run(tmp_path, "--concurrency", "1") == 0
    first, second = Store(tmp_path / "state.db").list(page_size=None)[0]
    assert {first.serial, second.serial} == {"SIMRUN01", "SIMRUN02"}
    earlier, later = sorted((first, second), key=lambda r: r.started_at)  # type: ignore[arg-type,return-value]
    assert earlier.ended_at <= later.started_at  # type: ignore[operator]


def test_daily_cap_across_campaigns_defers_the_rest_with_the_reason(
    tmp_path: Path, adb_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "inventory.yaml").write_text(INVENTORY + "daily_caps: {account_warmup: 1}\n")
    for name in (
        "one",
        "two",
    ):  # two campaigns, one account each phone: only one may run today
        (tmp_path / "workflows" / f"{name}.yaml").write_text(
            WARMUP.format(name=name, seconds=0.3, timeout=30).replace(
                "serials: [SIMRUN01, SIMRUN02]", "usernames: [run_a]"
            )
        )
    assert run(tmp_path) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "  1 task(s) deferred by daily caps (see `campaign status --status 0`)"
    done, deferred = sorted(
        Store(tmp_path / "state.db").list(page_size=None)[0], key=lambda r: -r.status
    )
    assert (done.status, deferred.status, deferred.deferred) == (2, 0, True)
    assert deferred.remark.startswith(
        "daily cap reached: 1 of 1 account_warmup tasks for @run_a today; deferred to "
    )
