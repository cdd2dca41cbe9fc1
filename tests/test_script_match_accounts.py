"""match_accounts end to end: the accounts the phone really has logged in, read from the app."""

from __future__ import annotations

from runner.sim import PhoneSpec
from runner.sim.spec import AccountSpec


def _app(fleet, phone: int = 0):  # type: ignore[no-untyped-def]
    sim = fleet.phone(fleet.phones[phone].serial)
    return sim.display.app("com.zhiliaoapp.musically")


def test_match_accounts_reports_every_account_logged_in_on_the_phone(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=3)
    result = run_task(fleet, "match_accounts", {})
    truth = sorted(_app(fleet).accounts)  # what the phone really has logged in
    assert sorted(a["username"] for a in result.details["accounts"]) == truth
    assert result.details["active"] == _app(fleet).current == "user001_1"
    assert {a["package"] for a in result.details["accounts"]} == {"com.zhiliaoapp.musically"}


def test_match_accounts_changes_nothing_on_the_phone(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=2)
    first = run_task(fleet, "match_accounts", {})
    second = run_task(fleet, "match_accounts", {})
    assert first.details == second.details
    truth = fleet.ground_truth()[fleet.phones[0].serial]
    assert all(not kinds["switches"] for kinds in truth.values())


def test_match_accounts_reads_accounts_the_inventory_does_not_name(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    spec = PhoneSpec(
        serial="SIM000090",
        accounts=(AccountSpec("only.here"), AccountSpec("second_one")),
    )
    fleet = sim_fleet(specs=[spec])
    result = run_task(fleet, "match_accounts", {})
    assert [a["username"] for a in result.details["accounts"]] == ["only.here", "second_one"]
