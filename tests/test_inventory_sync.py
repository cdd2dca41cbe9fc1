"""`campaign inventory sync`: the accounts match_accounts found on a phone, into inventory.yaml,
with the user's comments and order kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.campaign.inventory_edit import add_accounts
from runner.campaign.model import RetryPolicy, TaskSpec
from runner.cli.main import main
from runner.pool import DevicePool
from runner.scheduler import Runner, RunnerOptions
from runner.state import Store

TIKTOK = "com.zhiliaoapp.musically"
INVENTORY = """# my phones
devices:
  - serial: {serial}   # on the desk
    accounts:
      - {{username: user001_1, package: com.zhiliaoapp.musically}}

groups: {{}}  # none yet
"""


@pytest.fixture
def matched(
    tmp_path: Path,
    sim_fleet: Callable[..., Any],
    adb_server: int,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Path, str]]:
    """A repo whose inventory lists one of the two accounts logged in on its phone, and a state
    in which a match_accounts task on that phone completed."""
    serial = sim_fleet(phones=1, accounts=2).phones[0].serial
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(INVENTORY.format(serial=serial))
    store = Store(tmp_path / ".campaign" / "state.db")
    pool = DevicePool()
    pool.start()
    runner = Runner(store=store, pool=pool, options=RunnerOptions())
    runner.start()
    spec = TaskSpec(
        key="",
        campaign="t",
        occurrence="once",
        script_name="match_accounts",
        script_config={},
        serial=serial,
        retry=RetryPolicy(max=0, delay_min=0.1, delay_max=0.1),
        source="api",
    )
    [task_id] = runner.submit([spec])
    runner.wait_idle(timeout=120)
    runner.shutdown(graceful=True, timeout=10)
    pool.stop()
    assert store.get(task_id).result["accounts"][1]["username"] == "user001_2"  # type: ignore[union-attr]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAMPAIGN_STATE", raising=False)
    yield inventory, serial


def test_inventory_sync_write_adds_the_accounts_found_and_keeps_the_comments(
    matched: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    inventory, serial = matched
    assert main(["inventory", "sync", "--write"]) == 0
    assert inventory.read_text() == (
        "# my phones\n"
        "devices:\n"
        f"  - serial: {serial}   # on the desk\n"
        "    accounts:\n"
        f"      - {{username: user001_1, package: {TIKTOK}}}\n"
        f"      - {{username: user001_2, package: {TIKTOK}}}\n"
        "\n"
        "groups: {}  # none yet\n"
    )
    assert capsys.readouterr().out == (
        f"campaign inventory: added 1 account(s) on 1 phone(s) to {inventory}\n"
    )


def test_inventory_sync_without_write_shows_the_lines_and_changes_nothing(
    matched: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    inventory, serial = matched
    before = inventory.read_text()
    assert main(["inventory", "sync"]) == 0
    assert capsys.readouterr().out == (
        f"# under the phone {serial}'s accounts: in inventory.yaml\n"
        f"- {{username: user001_2, package: {TIKTOK}}}\n"
        "campaign inventory: run again with --write to insert them\n"
    )
    assert inventory.read_text() == before


def test_new_accounts_go_into_a_flow_list_and_new_phones_after_the_last_phone() -> None:
    text = (
        "devices:\n"
        "  - serial: P1  # first\n"
        "    accounts: [{username: a}]\n"
        "  - serial: P2\n"
        "    name: two\n"
        "\n"
        "# the groups\n"
        "groups: {}\n"
    )
    out = add_accounts(text, {"P1": [("b", "pk")], "P2": [("c", "pk")]}, {"P3": [("d:e", "pk")]})
    assert out == (
        "devices:\n"
        "  - serial: P1  # first\n"
        "    accounts: [{username: a}, {username: b, package: pk}]\n"
        "  - serial: P2\n"
        "    name: two\n"
        "    accounts:\n"
        "      - {username: c, package: pk}\n"
        "  - serial: P3\n"
        "    accounts:\n"
        '      - {username: "d:e", package: pk}\n'
        "\n"
        "# the groups\n"
        "groups: {}\n"
    )
