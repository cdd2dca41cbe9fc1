"""`campaign sim up|down|state` as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from runner.cli.main import main
from runner.sim import adbhost

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def workdir(tmp_path, monkeypatch, adb_server):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    main(["sim", "down"])


def _listed() -> dict[str, str]:
    return dict(line.split("\t") for line in adbhost.request("host:devices").splitlines())


def test_up_detached_connects_phones_and_down_stops_them(workdir, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["sim", "up", "--phones", "2", "--accounts", "1", "--detach"]) == 0
    out = capsys.readouterr().out
    serials = [line.split()[1] for line in out.splitlines() if line.startswith("  SIM")]
    states = [_listed().get(s) for s in serials]
    assert main(["sim", "down"]) == 0
    assert (len(serials), states, [_listed().get(s) for s in serials]) == (
        2,
        ["device", "device"],
        [None, None],
    )


def test_state_prints_ground_truth_json_by_serial_and_account(workdir, capsys) -> None:  # type: ignore[no-untyped-def]
    main(["sim", "up", "--phones", "1", "--accounts", "2", "--detach"])
    capsys.readouterr()
    assert main(["sim", "state"]) == 0
    truth = json.loads(capsys.readouterr().out)
    assert (list(truth), list(truth["SIM000001"]), truth["SIM000001"]["user001_1"]["follows"]) == (
        ["SIM000001"],
        ["user001_1", "user001_2"],
        [],
    )


def test_up_without_phones_simulates_the_inventory(workdir, capsys) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(REPO / "inventory.yaml", workdir / "inventory.yaml")
    main(["sim", "up", "--detach"])
    out = capsys.readouterr().out
    main(["sim", "state"])
    truth = json.loads(capsys.readouterr().out)
    assert ("SIM000003" in out, sorted(truth["SIM000002"])) == (True, ["demo_carol", "demo_dave"])


def test_second_up_is_refused_while_phones_run(workdir, capsys) -> None:  # type: ignore[no-untyped-def]
    main(["sim", "up", "--phones", "1", "--detach"])
    capsys.readouterr()
    assert main(["sim", "up", "--phones", "1"]) == 2
    assert "simulated phones are already running" in capsys.readouterr().err


def test_up_without_inventory_names_the_way_out(workdir, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["sim", "up"]) == 2
    assert capsys.readouterr().err == (
        "campaign sim: error: no inventory at inventory.yaml "
        "(run in a campaign repo, pass --inventory FILE or --phones N)\n"
    )


def test_foreground_up_stops_on_sigterm_and_writes_ground_truth(workdir) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "runner", "sim", "up", "--phones", "1"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(2)]
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=30)
    proc.stdout.close()
    truth = json.loads((workdir / ".campaign/sim/ground_truth.json").read_text())
    assert (code, lines[1].split()[0], list(truth)) == (0, "SIM000001", ["SIM000001"])


def test_up_and_down_with_format_json_print_one_object_each(workdir, capsys) -> None:  # type: ignore[no-untyped-def]
    up = ["sim", "up", "--phones", "1", "--accounts", "1", "--detach", "--format", "json"]
    assert main(up) == 0
    started = json.loads(capsys.readouterr().out)
    [(hw, adb_serial)] = started["phones"].items()
    assert (hw, _listed().get(adb_serial)) == ("SIM000001", "device")
    assert started["adb_server_port"] == adbhost.server_port()
    assert main(["sim", "down", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "stopped": 1,
        "ground_truth": str(Path(".campaign") / "sim" / "ground_truth.json"),
    }


def test_up_deals_app_versions_and_locales_to_the_phones(workdir, capsys) -> None:  # type: ignore[no-untyped-def]
    import adbutils

    main(
        ["sim", "up", "--phones", "2", "--accounts", "1", "--detach"]
        + ["--app-version", "43.1.4,47.0.3", "--locale", "fr"]
    )
    out = capsys.readouterr().out
    serials = [line.split()[1] for line in out.splitlines() if line.startswith("  SIM")]
    versions = [
        adbutils.AdbClient().device(s).shell("dumpsys package com.zhiliaoapp.musically")
        for s in serials
    ]
    locales = [adbutils.AdbClient().device(s).getprop("persist.sys.locale") for s in serials]
    assert (
        ["versionName=43.1.4" in versions[0], "versionName=47.0.3" in versions[1]],
        locales,
    ) == ([True, True], ["fr-FR", "fr-FR"])


def test_up_with_an_unknown_app_version_names_the_known_ones(workdir, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["sim", "up", "--phones", "1", "--app-version", "34.1.3"]) == 2
    assert capsys.readouterr().err == (
        "campaign sim: error: --app-version 34.1.3: unknown TikTok app version '34.1.3'; "
        "the sim knows: 47.0.3, 46.9.3, 43.1.4, variant\n"
    )
