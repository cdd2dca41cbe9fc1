"""The phone's /system/bin/sh, run directly on a phone object (no network needed)."""

from __future__ import annotations

import asyncio

import pytest

from runner.sim import PhoneSpec, phones_for_inventory
from runner.sim.commands import all_commands
from runner.sim.phone import SimPhone
from runner.sim.shell import run_line


@pytest.fixture(scope="module")
def phone() -> SimPhone:
    return SimPhone(PhoneSpec("SIMSHELL1"), commands=all_commands(), app_factory=None)


def sh(phone: SimPhone, line: str) -> tuple[str, int]:
    result = asyncio.run(run_line(phone, line, phone.commands))
    return result.merged.decode(), result.exit_code


def test_dollar_question_is_the_previous_status(phone) -> None:  # type: ignore[no-untyped-def]
    assert sh(phone, "false; echo X4EXIT:$?") == ("X4EXIT:1\n", 0)


def test_single_quotes_keep_dollar_literal(phone) -> None:  # type: ignore[no-untyped-def]
    assert sh(phone, "echo '$?' \"$?\"") == ("$? 0\n", 0)


def test_subprocess_style_double_quotes_group_words(phone) -> None:  # type: ignore[no-untyped-def]
    assert sh(phone, 'echo "a  b" c\\ d') == ("a  b c d\n", 0)


def test_redirect_writes_and_appends_to_a_file(phone) -> None:  # type: ignore[no-untyped-def]
    sh(phone, "echo one > /data/local/tmp/f.txt; echo two >> /data/local/tmp/f.txt")
    assert sh(phone, "cat /data/local/tmp/f.txt") == ("one\ntwo\n", 0)


def test_stderr_to_dev_null_hides_errors_but_keeps_status(phone) -> None:  # type: ignore[no-untyped-def]
    assert sh(phone, "cat /nope 2>/dev/null") == ("", 1)


def test_pipe_into_grep_filters_lines(phone) -> None:  # type: ignore[no-untyped-def]
    assert sh(phone, "pm list packages | grep adbkeyboard") == (
        "package:com.android.adbkeyboard\n",
        0,
    )


def test_unbalanced_quote_is_a_syntax_error(phone) -> None:  # type: ignore[no-untyped-def]
    assert sh(phone, "echo 'oops") == ("/system/bin/sh: unterminated single quote\n", 1)


def test_exit_stops_the_line(phone) -> None:  # type: ignore[no-untyped-def]
    assert sh(phone, "echo a; exit 3; echo b") == ("a\n", 3)


def test_getprop_without_key_lists_all_properties(phone) -> None:  # type: ignore[no-untyped-def]
    out, _ = sh(phone, "getprop")
    assert "[ro.serialno]: [SIMSHELL1]\n" in out and "[ro.build.version.release]: [12]\n" in out


def test_settings_round_trip(phone) -> None:  # type: ignore[no-untyped-def]
    sh(phone, "settings put global stay_on_while_plugged_in 3")
    assert sh(phone, "settings get global stay_on_while_plugged_in") == ("3\n", 0)


def test_dumpsys_battery_reports_the_level(phone) -> None:  # type: ignore[no-untyped-def]
    assert "  level: 87\n" in sh(phone, "dumpsys battery")[0]


def test_pm_path_of_missing_package_fails_silently(phone) -> None:  # type: ignore[no-untyped-def]
    assert sh(phone, "pm path com.example.none") == ("", 1)


def test_phones_for_inventory_accepts_yaml_dicts() -> None:
    devices = [
        {
            "serial": "R58M1",
            "accounts": [
                {"username": "a"},
                {"username": "b", "package": "com.ss.android.ugc.trill"},
            ],
        }
    ]
    (spec,) = phones_for_inventory(devices)
    assert (spec.serial, [(a.username, a.package) for a in spec.accounts]) == (
        "R58M1",
        [("a", "com.zhiliaoapp.musically"), ("b", "com.ss.android.ugc.trill")],
    )


def test_fleet_on_a_busy_port_says_which_phone_and_port() -> None:
    import socket

    from runner.errors import CampaignRunnerError
    from runner.sim import SimFleet

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        if port < 6000:
            pytest.skip("the OS handed out a port below 6000")
        fleet = SimFleet([PhoneSpec("SIMBUSY01")], base_port=port)
        with pytest.raises(CampaignRunnerError) as info:
            fleet.start()
    assert str(info.value) == (
        f"simulated phone SIMBUSY01 cannot listen on 127.0.0.1:{port}: Address already in use "
        "(pick another base port, or free that one)"
    )


def test_am_start_dash_s_cold_starts_the_app() -> None:
    from runner.sim.ui.tiktok.tiktok_app import make_app
    from runner.sim.ui.tiktok.world import World

    phone = SimPhone(
        PhoneSpec("SIMAMS001"), commands=all_commands(), app_factory=make_app, world=World()
    )
    component = "com.zhiliaoapp.musically/com.ss.android.ugc.aweme.splash.SplashActivity"
    sh(phone, f"am start -n {component}")
    sh(phone, "am start -a android.intent.action.VIEW -d https://www.tiktok.com/@zed")
    sh(phone, f"am start -S -n {component}")
    assert phone.foreground() == (
        "com.zhiliaoapp.musically",
        "com.ss.android.ugc.aweme.main.MainActivity",
    )


def test_am_start_of_an_unknown_activity_is_error_type_3() -> None:
    phone = SimPhone(
        PhoneSpec("SIMAMX001"), commands=all_commands(), app_factory=_app_factory(), world=None
    )
    out, code = sh(phone, "am start -n com.zhiliaoapp.musically/.Nope")
    assert (out.splitlines()[1:], code) == (
        ["Error type 3", "Error: Activity class {com.zhiliaoapp.musically/.Nope} does not exist."],
        1,
    )


def _app_factory():  # type: ignore[no-untyped-def]
    from runner.sim.ui.tiktok.tiktok_app import make_app

    return make_app
