"""`campaign sim up --fault NAME[=VALUE][@WHERE]`: faults for a phone, a share or the fleet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.cli.main import main
from runner.errors import UsageError
from runner.sim import FaultSpec, default_phones
from runner.sim.faults import apply_faults, parse_fault
from runner.state import Store


def faulty(phones, option: str, seed: int = 0) -> dict[str, FaultSpec]:  # type: ignore[no-untyped-def]
    out = apply_faults(phones, [parse_fault(option)], seed=seed)
    return {p.serial: p.faults for p in out if p.faults is not None}


def test_a_share_of_the_fleet_is_picked_by_the_seed() -> None:
    phones = default_phones(40, 1)
    first = faulty(phones, "offline=20:60@20%")
    assert len(first) == 8 and faulty(phones, "offline=20:60@20%") == first
    assert set(faulty(phones, "offline=20:60@20%", seed=1)) != set(first)
    assert {(f.offline_at, f.offline_for) for f in first.values()} == {(20.0, 60.0)}


def test_named_phones_and_every_phone() -> None:
    phones = default_phones(3, 1)
    assert list(faulty(phones, "hang=uiautomator dump@SIM000002,SIM000003")) == [
        "SIM000002",
        "SIM000003",
    ]
    assert {f.latency for f in faulty(phones, "latency=0.2").values()} == {0.2}
    assert len(faulty(phones, "app-crash=4@all")) == 3


def test_faults_on_one_phone_add_up() -> None:
    [phone] = default_phones(1, 1)
    options = [parse_fault("disconnect-after=comments,posts"), parse_fault("unauthorized")]
    [out] = apply_faults([phone], options)
    assert (out.faults.disconnect_after_effect, out.faults.unauthorized) == (  # type: ignore[union-attr]
        "comments,posts",
        True,
    )


@pytest.mark.parametrize(
    ("option", "why"),
    [
        ("nope=1", "unknown fault 'nope'"),
        ("latency=x", "latency=x: give a number of 0 or more"),
        ("latency=-1", "give a number of 0 or more"),
        ("offline=nan", "give a number of 0 or more"),
        ("hang-after=kisses", "kinds are follows, unfollows"),
        ("latency=1@0%", "share 0% is not between 0 and 100 %"),
        ("latency", "latency needs =VALUE"),
        ("unauthorized=1", "unauthorized takes no value"),
    ],
)
def test_a_bad_fault_option_says_what_is_wrong(option: str, why: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_fault(option)
    assert str(info.value).startswith(f"--fault {option}: ") and why in str(info.value)
    assert "see `campaign sim up --help`" in str(info.value)


def test_an_unknown_phone_is_named_with_the_ones_there_are() -> None:
    with pytest.raises(UsageError, match="no simulated phone SIM9 .the phones are SIM000001"):
        faulty(default_phones(1, 1), "latency=1@SIM9")


def test_sim_up_help_lists_every_fault(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        main(["sim", "up", "--help"])
    out = capsys.readouterr().out
    for name in ("disconnect", "disconnect-after", "offline", "hang", "app-crash", "latency"):
        assert f"\n  {name} " in out
    assert "a share like 20%" in out


@pytest.fixture
def workdir(tmp_path, monkeypatch, adb_server):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    main(["sim", "down"])


def write_comment_repo(root: Path) -> None:
    (root / "inventory.yaml").write_text(
        "devices:\n  - serial: SIM000001\n    accounts: [{username: user001_1}]\n"
    )
    (root / "workflows").mkdir()
    (root / "workflows" / "c.yaml").write_text(
        "name: c\nscript_name: comment\nserials: [SIM000001]\nscript_config:\n"
        "  target_post_urls: [https://www.tiktok.com/@chef.marco/video/7300000000000000001]\n"
        "  comment_content: hello there\n"
    )


def test_drops_after_each_comment_from_the_command_line_publish_nothing_twice(
    workdir: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    write_comment_repo(workdir)
    assert main(["sim", "up", "--detach", "--fault", "disconnect-after=comments@SIM000001"]) == 0
    assert main(["run", "--state", str(workdir / "state.db")]) == 0
    capsys.readouterr()
    main(["sim", "state"])
    truth = json.loads(capsys.readouterr().out)
    assert [c["text"] for c in truth["SIM000001"]["user001_1"]["comments"]] == ["hello there"]
    outcomes = [a["failure_class"] for a in Store(workdir / "state.db").attempts()]
    assert outcomes == ["device_lost", None]


def test_run_sim_takes_the_same_faults_in_one_command(workdir: Path) -> None:
    write_comment_repo(workdir)
    state = workdir / "state" / "state.db"
    argv = ["run", "--sim", "--fault", "disconnect-after=comments@SIM000001"]
    assert main([*argv, "--state", str(state)]) == 0
    truth = json.loads((state.parent / "sim" / "ground_truth.json").read_text())
    assert [c["text"] for c in truth["SIM000001"]["user001_1"]["comments"]] == ["hello there"]
    outcomes = [a["failure_class"] for a in Store(state).attempts()]
    assert outcomes == ["device_lost", None]


def test_fault_without_sim_is_a_usage_error(workdir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    write_comment_repo(workdir)
    assert main(["run", "--fault", "latency=1"]) == 2
    assert "--fault needs --sim" in capsys.readouterr().err
