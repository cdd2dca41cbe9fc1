"""`campaign devices` against simulated phones."""

from __future__ import annotations

import json
from pathlib import Path

from runner.cli.main import main


def test_devices_json_lists_each_phone_with_inventory_names(
    sim_fleet, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=2, accounts=1)
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "devices:\n  - serial: SIM000001\n    name: desk-1\n    groups: [eu]\n"
        "    accounts: [{username: user001_1}]\n"
    )
    assert main(["devices", "--json", "--inventory", str(inventory)]) == 0
    listed = {d["hw_serial"]: d for d in json.loads(capsys.readouterr().out)}
    first = listed["SIM000001"]
    assert (
        first["serial"],
        first["name"],
        first["groups"],
        first["accounts"],
        first["state"],
        first["battery"],
    ) == (fleet.phones[0].adb_serial, "desk-1", ["eu"], ["user001_1"], "device", 87)
    assert (listed["SIM000002"]["name"], listed["SIM000002"]["app_version"]) == ("", "47.0.3")


def test_devices_table_has_a_header_and_a_row_per_phone(sim_fleet, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    assert main(["devices", "--inventory", str(tmp_path / "none.yaml")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "serial",
        "hw",
        "serial",
        "name",
        "groups",
        "state",
        "model",
        "android",
        "battery",
        "screen",
        "app",
        "accounts",
        "reader",
    ]
    assert [line.split() for line in lines[1:] if fleet.phones[0].adb_serial in line] == [
        [
            fleet.phones[0].adb_serial,
            "SIM000001",
            "-",
            "-",
            "device",
            "SimPhone",
            "12",
            "87%",
            "on",
            "47.0.3",
            "-",
            "auto",
        ]
    ]


def test_unreachable_adb_server_is_reported_with_the_fix(
    adb_server, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    from runner.sim.adbhost import free_port

    port = free_port()
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(f"adb_servers:\n  - {{host: 127.0.0.2, port: {port}}}\ndevices: []\n")
    assert main(["devices", "--inventory", str(inventory)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"adb server 127.0.0.2:{port}: 127.0.0.2:{port}: cannot reach the adb server (connect to adb server failed:"
    )
