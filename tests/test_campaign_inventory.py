"""inventory.yaml: its own schema, unique serials and usernames, lookups."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.campaign import load_repo

REPO = Path(__file__).resolve().parent.parent


def _problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> list[str]:
    (tmp_path / "inventory.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return [str(p) for p in load_repo(["inventory.yaml"], root=tmp_path).problems]


def test_schema_problems_are_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "devices:\n"
        "  - serial: P1\n"
        "    acounts: []\n"
        "adb_servers:\n"
        "  - {host: 10.0.0.2, port: 70000}\n"
        "daily_caps:\n"
        "  folow: 3\n"
    )
    assert _problems(tmp_path, monkeypatch, text) == [
        "inventory.yaml:3:5: devices[0].acounts: unknown key 'acounts' (did you mean 'accounts'?)",
        "inventory.yaml:5:28: adb_servers[0].port: expected at most 65535, found 70000",
        "inventory.yaml:7:3: daily_caps.folow: 'folow' is not one of "
        "['post', 'follow', 'unfollow', 'comment', 'account_warmup', 'profile', 'match_accounts', "
        "'login'] (did you mean 'follow'?)",
    ]


def test_serials_and_usernames_must_be_unique_and_zone_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        "timezone: Europe/Paaris\n"
        "devices:\n"
        "  - serial: P1\n"
        "    accounts: [{username: anna}]\n"
        "  - serial: P1\n"
        "    accounts: [{username: '@anna'}]\n"
    )
    assert _problems(tmp_path, monkeypatch, text) == [
        "inventory.yaml:1:11: timezone: unknown time zone 'Europe/Paaris' (expected an IANA name like Europe/Berlin)",
        "inventory.yaml:5:13: devices[1].serial: serial 'P1' is listed twice (first on line 3)",
        "inventory.yaml:6:27: devices[1].accounts[0].username: username 'anna' is listed twice (first on line 4)",
    ]


def test_project_inventory_lookups() -> None:
    inventory = load_repo(root=REPO).inventory
    assert inventory.device_for_username("demo_carol") == ("SIM000002", "com.zhiliaoapp.musically")
    assert inventory.device_for_username("nobody") is None
    assert [d.serial for d in inventory.devices_in_group("eu")] == ["SIM000001", "SIM000002"]
    assert inventory.adb_servers == (("127.0.0.1", 5037),)
    assert inventory.daily_caps == {"follow": 50, "comment": 30, "post": 3}
    assert inventory.group_vars("demo") == {"brand": "Acme"}


def test_no_inventory_is_an_empty_one(tmp_path: Path) -> None:
    inventory = load_repo([], root=tmp_path).inventory
    assert (inventory.present, inventory.devices, inventory.adb_servers) == (
        False,
        (),
        (("127.0.0.1", 5037),),
    )
