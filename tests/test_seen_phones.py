"""The phones a runner's pool has seen, kept in the state, and `validate`'s warning about a
serial none of them ever had."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from test_scheduler_runner import warmup

from runner.cli.main import main
from runner.errors import CampaignError
from runner.pool import DevicePool
from runner.scheduler import Runner, RunnerOptions
from runner.state import Store

CAMPAIGN = "name: greet\nscript_name: account_warmup\nserials:\n  - {seen}\n  - SIM000077\n"


@pytest.fixture
def seen_by_a_runner(
    tmp_path: Path, sim_fleet: Callable[..., Any], adb_server: int
) -> Iterator[tuple[Store, Any]]:
    """A state in which a started runner's pool recorded one simulated phone."""
    fleet = sim_fleet(phones=1, accounts=1)
    store = Store(tmp_path / ".campaign" / "state.db")
    pool = DevicePool()
    pool.start()
    runner = Runner(store=store, pool=pool, options=RunnerOptions())
    runner.start()
    deadline = time.monotonic() + 20
    while not store.seen_phones() and time.monotonic() < deadline:
        time.sleep(0.1)
    runner.shutdown(graceful=True, timeout=10)
    pool.stop()
    yield store, fleet.phones[0]


def test_a_runner_keeps_each_phone_its_pool_saw_in_the_state(
    seen_by_a_runner: tuple[Store, Any],
) -> None:
    store, phone = seen_by_a_runner
    [row] = store.seen_phones()
    assert (row["adb_serial"], row["hw_serial"]) == (phone.adb_serial, phone.serial)
    assert row["first_seen"] == row["last_seen"]


def test_validate_warns_about_a_serial_no_phone_seen_by_this_runner_ever_had(
    seen_by_a_runner: tuple[Store, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, phone = seen_by_a_runner
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "greet.yaml").write_text(CAMPAIGN.format(seen=phone.serial))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAMPAIGN_STATE", raising=False)
    before = store.path.read_bytes()
    assert main(["validate"]) == 0
    out, err = capsys.readouterr()
    assert out == (
        "workflows/greet.yaml:5:5: warning: serials[1]: serial SIM000077: no phone with this "
        "serial has ever been seen by this runner (state: "
        f"{tmp_path}/.campaign/state.db); not in the inventory\n"
        "ok: 1 file, 1 campaign, 1 warning\n"
    )
    assert store.path.read_bytes() == before  # read only


def test_validate_without_a_state_says_nothing_of_phones_and_creates_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "greet.yaml").write_text(CAMPAIGN.format(seen="SIM000001"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAMPAIGN_STATE", raising=False)
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == "ok: 1 file, 1 campaign\n"
    assert not (tmp_path / ".campaign").exists()


def test_plan_gives_the_same_warning_about_a_serial_never_seen(
    seen_by_a_runner: tuple[Store, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, phone = seen_by_a_runner
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "greet.yaml").write_text(CAMPAIGN.format(seen=phone.serial))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAMPAIGN_STATE", raising=False)
    assert main(["plan", "--format", "json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert [(w["line"], w["field"], w["message"]) for w in warnings] == [
        (
            5,
            "serials[1]",
            "serial SIM000077: no phone with this serial has ever been seen by this runner "
            f"(state: {store.path}); not in the inventory",
        )
    ]


def test_the_api_door_takes_a_remembered_phone_that_is_offline_under_its_hardware_serial(
    tmp_path: Path, adb_server: int
) -> None:
    store = Store(tmp_path / "state.db")
    store.note_seen_phones([("127.0.0.1:40999", "SIM000099")])  # seen by an earlier run, gone now
    pool = DevicePool()
    pool.start()
    runner = Runner(store=store, pool=pool, options=RunnerOptions())
    runner.start()
    try:
        spec = warmup("127.0.0.1:40999")
        [task_id] = runner.submit([spec])
        with pytest.raises(CampaignError) as refused:
            runner.submit([replace(spec, serial="SIM000077")])
    finally:
        runner.shutdown(graceful=True, timeout=10)
        pool.stop()
    assert store.get(task_id).serial == "SIM000099"  # type: ignore[union-attr]
    assert refused.value.reason == "no phone SIM000077 on the adb server(s)"
