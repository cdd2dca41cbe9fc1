"""TikMatrix's profile, match_accounts and login scripts through the API and `validate`: the
documented bodies create tasks (code 0), run on the phones (ground truth), and bad configs are
refused before a phone is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.cli.main import main
from tests.test_api_flows import NO_RETRY, wait_finished


def test_documented_profile_and_match_accounts_bodies_run_on_the_phone(api_stack):
    api = api_stack(phones=1, accounts=2)
    profile = {
        "serials": ["SIM000001"],
        "script_name": "profile",
        "script_config": {
            "nicknames": "User One\nUser Two",
            "bios": "Bio for user one\nBio for user two",
            "profile_order": "sequential",
        },
        "enable_multi_account": True,
        "retry": NO_RETRY,
    }
    created = api.ok("POST", "/api/v1/task", json=profile)
    assert created["created_count"] == 2
    tasks = wait_finished(api, created["task_ids"])
    assert [(t["username"], t["status"]) for t in tasks] == [("user001_1", 2), ("user001_2", 2)]
    saved = {
        user: {entry["field"]: entry["value"] for entry in kinds["profile"]}
        for user, kinds in api.fleet.ground_truth()["SIM000001"].items()
    }
    assert sorted(saved.values(), key=str) == [
        {"name": "User One", "bio": "Bio for user one"},
        {"name": "User Two", "bio": "Bio for user two"},
    ]
    match = {"serials": ["SIM000001"], "script_name": "match_accounts", "script_config": {}}
    [task_id] = api.ok("POST", "/api/v1/task", json=match)["task_ids"]
    [task] = wait_finished(api, [task_id])
    # the active account first: the last profile task left user001_2 active
    assert (task["status"], task["remark"]) == (2, "2 account(s) logged in: @user001_2, @user001_1")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"usernames": "fine_name\nnot a name"},
            "script_config.usernames: 'not a name' is not a username TikTok accepts (2 to 24 "
            "letters, digits, '.' or '_')",
        ),
        (
            {"profile_order": "random"},
            "script_config: nothing to set: give nicknames, usernames, bios, link_url or avatars_path",
        ),
    ],
)
def test_profile_configs_the_phone_would_refuse_answer_40001(api_server, config, message):
    api = api_server()
    body = {"serials": ["SIM000001"], "script_name": "profile", "script_config": config}
    answer = api.call("POST", "/api/v1/task", json=body)
    assert (answer["code"], answer["message"]) == (40001, message)


def test_match_accounts_runs_once_per_phone_even_with_multi_account(api_stack):
    api = api_stack(phones=1, accounts=2)
    body = {
        "serials": ["SIM000001"],
        "script_name": "match_accounts",
        "script_config": {},
        "enable_multi_account": True,  # TikMatrix forces it off for this script
    }
    created = api.ok("POST", "/api/v1/task", json=body)
    [task] = wait_finished(api, created["task_ids"])
    assert (created["created_count"], task["username"], task["status"]) == (1, None, 2)
    assert task["remark"] == "2 account(s) logged in: @user001_1, @user001_2"


def test_login_body_for_accounts_without_password_env_answers_40001(api_stack):
    api = api_stack(phones=1, accounts=2)  # the generated inventory names no password_env
    body = {"serials": ["SIM000001"], "script_name": "login", "script_config": {}}
    answer = api.call("POST", "/api/v1/task", json=body)
    assert (answer["code"], answer["message"]) == (
        40001,
        "devices[0].accounts[0]: account 'user001_1' has no password_env in inventory.yaml: "
        "the login script reads the account's password from that environment variable",
    )
    assert api.call("GET", "/api/v1/task")["data"]["total"] == 0
    truth = api.fleet.ground_truth()["SIM000001"]
    assert all(not kinds["logins"] for kinds in truth.values())


def test_validate_flags_a_login_account_without_password_env_at_its_inventory_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "login.yaml").write_text(
        "name: log-in\nscript_name: login\nserials: [SIM000001]\nscript_config: {}\n",
        encoding="utf-8",
    )
    (tmp_path / "inventory.yaml").write_text(
        "devices:\n  - serial: SIM000001\n    accounts:\n"
        "      - {username: brand, password_env: BRAND_PASSWORD}\n"
        "      - {username: other}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    code = main(["validate", "login.yaml", "inventory.yaml"])
    out, _ = capsys.readouterr()
    assert (code, out.splitlines()[0]) == (
        1,
        "inventory.yaml:5:9: devices[0].accounts[1]: account 'other' has no password_env in "
        "inventory.yaml: the login script reads the account's password from that environment "
        "variable (set password_env: NAME on the account and export NAME=<password> for the "
        "runner)",
    )


def test_match_accounts_takes_no_parameters(api_server):
    api = api_server()
    body = {"serials": ["SIM000001"], "script_name": "match_accounts", "script_config": {"x": 1}}
    answer = api.call("POST", "/api/v1/task", json=body)
    assert answer["code"] == 40001 and "x" in answer["message"]


def test_validate_accepts_campaign_files_of_the_three_scripts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "profile.yaml").write_text(
        "name: brand-profiles\nscript_name: profile\nserials: [SIM000001]\n"
        "script_config:\n  nicknames: |\n    MyBrand Official\n  bios: 'Official account\\n"
        "Follow for updates!'\n  link_url: https://example.com\n  profile_order: sequential\n",
        encoding="utf-8",
    )
    (tmp_path / "match.yaml").write_text(
        "name: sync-accounts\nscript_name: match_accounts\nserials: [SIM000001]\n"
        "script_config: {}\n",
        encoding="utf-8",
    )
    (tmp_path / "login.yaml").write_text(
        "name: log-in\nscript_name: login\nserials: [SIM000001]\nscript_config: {}\n",
        encoding="utf-8",
    )
    (tmp_path / "inventory.yaml").write_text(
        "devices:\n  - serial: SIM000001\n    accounts:\n"
        "      - {username: brand, email: brand@example.com, password_env: BRAND_PASSWORD}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    code = main(["validate", "profile.yaml", "match.yaml", "login.yaml", "inventory.yaml"])
    out, _ = capsys.readouterr()
    assert (code, out) == (0, "ok: 4 files, 3 campaigns\n")
