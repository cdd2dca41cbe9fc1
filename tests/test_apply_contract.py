"""What runs is what the files say: apply before dispatch, removed and disabled campaigns,
`run PATHS` scope, phones nobody has seen, and rehearsals that leave their ground truth."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runner.campaign import expand_campaign, load_repo
from runner.cli.main import main
from runner.state import Store

INVENTORY = """\
devices:
  - serial: SIMAPP01
    accounts: [{username: app_a, package: com.zhiliaoapp.musically}]
"""
WARMUP = """\
name: {name}
script_name: account_warmup
serials: [{serials}]
script_config: {{task_duration: {seconds}, min_duration: 0.2, max_duration: 0.3}}
retry: {{max: 0}}
timeout: {timeout}
"""
FOLLOW = """\
name: {name}
script_name: follow
usernames: [app_a]
script_config: {{target_users: [{target}], access_method: direct}}
retry: {{max: 0}}
"""


def write(root: Path, name: str, text: str) -> Path:
    (root / "workflows").mkdir(exist_ok=True)
    (root / "inventory.yaml").write_text(INVENTORY)
    path = root / "workflows" / f"{name}.yaml"
    path.write_text(text)
    return path


def warmup(
    root: Path,
    name: str = "warm",
    *,
    seconds: float = 0.3,
    timeout: float = 30,
    serials: str = "SIMAPP01",
) -> Path:
    text = WARMUP.format(name=name, seconds=seconds, timeout=timeout, serials=serials)
    return write(root, name, text)


def run(root: Path, *extra: str) -> int:
    return main(["run", "--root", str(root), "--state", str(root / "state.db"), "--sim", *extra])


def truth(root: Path) -> dict:
    """The simulated phones' ground truth the last `run --sim` left beside the state file."""
    return json.loads((root / "sim" / "ground_truth.json").read_text())


def apply_only(root: Path, *files: Path) -> Store:
    """Apply campaign files to the state the way a runner does, without running anything."""
    repo = load_repo([*files, root / "inventory.yaml"], root=root)
    assert not repo.problems, [str(p) for p in repo.problems]
    specs = [t for c in repo.campaigns for t in expand_campaign(c, repo.inventory)]
    store = Store(root / "state.db")
    store.apply(specs, campaigns=[c.name for c in repo.campaigns])
    return store


def test_an_edited_failed_task_runs_with_its_new_config(
    tmp_path: Path, adb_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    warmup(tmp_path, seconds=30, timeout=1)
    assert run(tmp_path) == 1
    assert main(["retry", "1", "--state", str(tmp_path / "state.db")]) == 0
    warmup(tmp_path, seconds=0.3, timeout=30)
    capsys.readouterr()
    assert run(tmp_path) == 0
    assert "0 new, 1 changed" in capsys.readouterr().out
    store = Store(tmp_path / "state.db")
    attempts = store.attempts(1)
    assert [(a["outcome"], a["failure_class"]) for a in attempts] == [
        ("failed", "timeout"),
        ("completed", None),
    ]
    assert store.get(1).result["watched_seconds"] < 5  # type: ignore[union-attr,index]
    watched = truth(tmp_path)["SIMAPP01"]["app_a"]["watched"]
    assert 0 < sum(w["seconds"] for w in watched) < 5


def test_a_claim_of_a_task_changed_after_it_was_read_is_refused(tmp_path: Path) -> None:
    path = warmup(tmp_path, seconds=30)
    store = apply_only(tmp_path, path)
    [stale] = store.due(datetime.now(UTC))
    apply_only(tmp_path, warmup(tmp_path, seconds=0.3))
    assert store.claim_many([stale]) == {}
    [fresh] = store.due(datetime.now(UTC))
    assert fresh.script_config["task_duration"] == 0.3
    assert store.claim_many([fresh]) == {fresh.id: 1}


def test_a_deleted_campaign_never_reaches_the_phone_and_plan_says_why(
    tmp_path: Path, adb_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = write(tmp_path, "gone", FOLLOW.format(name="gone", target="never_followed"))
    apply_only(tmp_path, gone)
    gone.unlink()
    warmup(tmp_path)
    plan = ["plan", "--root", str(tmp_path), "--state", str(tmp_path / "state.db"), "--json"]
    assert main(plan) == 0
    diff = json.loads(capsys.readouterr().out)["diff"]
    assert (len(diff["new"]), len(diff["removed"])) == (1, 1)
    assert diff["reasons"] == {"gone": f"campaign gone: {gone} no longer exists"}
    assert run(tmp_path) == 0
    out = capsys.readouterr().out
    assert "1 new, 0 changed, 0 unchanged, 1 removed" in out
    assert out.splitlines()[-1].startswith("1 completed, 0 failed, 0 pending of 1 task(s)")
    assert truth(tmp_path)["SIMAPP01"]["app_a"]["follows"] == []
    events = Store(tmp_path / "state.db").events(1)
    assert events[-1]["kind"] == "removed"
    assert events[-1]["message"] == f"campaign gone: {gone} no longer exists"


def test_a_disabled_campaign_loses_its_pending_tasks_with_the_reason(
    tmp_path: Path, adb_server: int
) -> None:
    path = write(tmp_path, "off", FOLLOW.format(name="off", target="never_followed"))
    apply_only(tmp_path, path)
    path.write_text("enabled: false\n" + path.read_text())
    assert run(tmp_path) == 0
    store = Store(tmp_path / "state.db")
    assert store.get(1) is None
    assert store.events(1)[-1]["message"] == (
        f"campaign off is disabled (enabled: false, {path}:1:1)"
    )
    assert truth(tmp_path)["SIMAPP01"]["app_a"]["follows"] == []


def test_run_paths_runs_only_the_given_campaigns_and_counts_those(
    tmp_path: Path, adb_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    other = write(tmp_path, "other", FOLLOW.format(name="other", target="not_now"))
    apply_only(tmp_path, other)
    mine = warmup(tmp_path)
    capsys.readouterr()
    assert run(tmp_path, str(mine), str(tmp_path / "inventory.yaml")) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2:-1] == ["warm  1 completed"]
    assert out[-1].startswith("1 completed, 0 failed, 0 pending of 1 task(s)")
    store = Store(tmp_path / "state.db")
    assert (store.get(1).status, store.attempts(1)) == (0, [])  # type: ignore[union-attr]
    assert truth(tmp_path)["SIMAPP01"]["app_a"]["follows"] == []


def test_a_removed_campaigns_running_task_finishes_but_is_never_queued_again(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "gone", FOLLOW.format(name="gone", target="someone"))
    store = apply_only(tmp_path, path)
    assert store.claim(1, serial="SIMAPP01") == 1
    path.unlink()
    repo = load_repo([tmp_path / "inventory.yaml"], root=tmp_path)
    diff = store.apply([], campaigns=[], gone=store.gone_campaigns(repo))
    assert (diff.removed, len(diff.retired)) == ([], 1)
    store.mark_failed(
        1, failure_class="device_lost", message="phone dropped", retry_at=datetime.now(UTC)
    )
    row = store.get(1)
    assert (row.status, row.remark) == (  # type: ignore[union-attr]
        3,
        f"phone dropped; not queued again: campaign gone: {path} no longer exists",
    )


def test_a_typod_serial_never_runs_and_run_says_so_up_front_and_at_the_end(
    tmp_path: Path, adb_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    warmup(tmp_path, serials="SIMAPP01, SIMAPPO1")
    assert run(tmp_path) == 1
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert (
        "campaign run: warning: no phone SIMAPPO1 on the adb server(s): 1 task(s) will wait "
        "for it (check `campaign devices`)"
    ) in err
    assert err[-1] == (
        "campaign run: 1 task(s) not run: phone SIMAPPO1: no such phone on the adb server(s) "
        "(tasks 2; they run when it is back)"
    )
    store = Store(tmp_path / "state.db")
    row = store.get(2)
    assert (row.status, row.remark) == (  # type: ignore[union-attr]
        0,
        "waiting for phone SIMAPPO1: no such phone on the adb server(s)",
    )
    assert "started" not in [e["kind"] for e in store.events(2)]
    assert store.get(1).status == 2  # type: ignore[union-attr]


def test_run_prints_the_warnings_validate_prints(
    tmp_path: Path, adb_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    warmup(tmp_path, serials="SIMAPP01, SIMAPP01")
    assert main(["validate", "--root", str(tmp_path)]) == 0
    warnings = [line for line in capsys.readouterr().out.splitlines() if ": warning: " in line]
    assert warnings
    assert run(tmp_path) == 0
    err = capsys.readouterr().err.splitlines()
    assert [f"campaign run: {w}" for w in warnings] == err[: len(warnings)]


def test_run_wait_says_what_it_waits_for(
    tmp_path: Path, adb_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = warmup(tmp_path)
    later = (datetime.now(UTC) + timedelta(seconds=4)).isoformat(timespec="seconds")
    path.write_text(path.read_text() + f"start_time: '{later}'\n")
    assert run(tmp_path, "--wait") == 0
    out = capsys.readouterr().out.splitlines()
    waiting = [line for line in out if line.startswith("waiting: ")]
    assert waiting, out
    assert waiting[0].startswith("waiting: 1 task(s) pending, next start ")
    assert out[-1].startswith("1 completed, 0 failed, 0 pending of 1 task(s)")


def test_run_sim_leaves_the_ground_truth_that_sim_state_reads(
    tmp_path: Path,
    adb_server: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "fol", FOLLOW.format(name="fol", target="rehearsed"))
    assert main(["run", "--sim"]) == 0
    capsys.readouterr()
    assert main(["sim", "state"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert state["SIMAPP01"]["app_a"]["follows"] == ["rehearsed"]


def test_run_sim_uses_a_fleet_already_on_the_adb_server(
    tmp_path: Path,
    sim_fleet,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    fleet = sim_fleet(phones=1, accounts=1)
    hw = fleet.phones[0].serial
    user = fleet.specs[0].accounts[0].username
    (tmp_path / "inventory.yaml").write_text(
        f"devices:\n  - serial: {hw}\n    accounts: [{{username: {user}}}]\n"
    )
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "f.yaml").write_text(
        FOLLOW.replace("[app_a]", f"[{user}]").format(name="f", target="twinless")
    )
    assert run(tmp_path) == 0
    assert "--sim uses the 1 phone(s) already on the adb server" in capsys.readouterr().err
    assert fleet.ground_truth()[hw][user]["follows"] == ["twinless"]


def test_run_sim_refuses_a_second_fleet_with_serials_already_on_the_server(
    tmp_path: Path,
    sim_fleet,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    fleet = sim_fleet(phones=1, accounts=1)
    hw = fleet.phones[0].serial
    (tmp_path / "inventory.yaml").write_text(f"devices:\n  - serial: {hw}\n  - serial: SIMTWIN9\n")
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "w.yaml").write_text(
        WARMUP.format(name="w", seconds=0.3, timeout=30, serials=hw)
    )
    assert run(tmp_path) == 2
    err = capsys.readouterr().err
    assert f"--sim: phones {hw} are already on the adb server" in err
    assert "SIMTWIN9 are not" in err
