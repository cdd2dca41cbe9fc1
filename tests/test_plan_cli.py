"""`campaign plan`: the tasks of every workflow, stable output, the JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.cli.main import main

REPO = Path(__file__).resolve().parent.parent
AT = "2026-11-28T12:00:00+00:00"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def repo_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("CAMPAIGN_STATE", str(REPO / "tests" / "no-such-state.db"))
    return REPO


def test_every_workflow_plans(repo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["plan", "--json", "--at", AT], capsys)
    assert (code, err) == (0, "")
    plan = json.loads(out)
    counts = {c["name"]: c["tasks"] for c in plan["campaigns"]}
    assert counts == {
        "demo-warmup": 3,
        "demo-comment": 2,
        "demo-follow": 6,
        "demo-post": 4,
        "demo-unfollow": 4,
    }
    assert plan["totals"] == {"campaigns": 5, "tasks": 19}
    assert plan["diff"] is None


def test_plan_output_is_identical_across_runs(
    repo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _run(["plan", "--at", AT], capsys)
    second = _run(["plan", "--at", AT], capsys)
    assert first == second and first[0] == 0


def test_json_task_shape(repo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(["plan", "--json", "--at", AT, "workflows/comment.yaml"], capsys)
    task = json.loads(out)["tasks"][0]
    assert sorted(task) == [
        "campaign",
        "key",
        "occurrence",
        "package",
        "script_config",
        "script_name",
        "serial",
        "start_time",
        "start_time_utc",
        "target",
        "timezone",
        "username",
    ]
    assert (task["campaign"], task["serial"], task["username"], task["start_time"]) == (
        "demo-comment",
        "SIM000003",
        None,
        None,
    )
    assert task["target"] == "https://www.tiktok.com/@tiktok/video/7300000000000000001"
    assert task["script_config"]["comment_content"] in {
        "Love this, greetings from Austin!",
        "Really like this, greetings from Austin!",
    }


def test_text_plan_shows_start_times_and_on_missed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "c.yaml").write_text(
        "name: nightly\nscript_name: account_warmup\nserials: [P1]\ntimezone: Europe/Berlin\n"
        "start_time: '09:00'\non_missed: run\ngrace: 300\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(["plan", "--at", AT, "c.yaml"], capsys)
    assert code == 0
    assert out == (
        "campaign  phone  account  script          target  start (local)         start (UTC)       text\n"
        "nightly   P1     -        account_warmup  -       2026-11-29 09:00 CET  2026-11-29 08:00\n"
        "\n"
        "nightly (account_warmup, c.yaml:1:1): 1 task on 1 phone, start: 2026-11-29T09:00:00+01:00 (tomorrow)\n"
        "  on_missed: if no runner is up at the start time, the tasks run when one is back, up to 300 s late; "
        "later they are marked missed\n"
        "total: 1 task in 1 campaign\n"
    )


def test_invalid_campaign_makes_plan_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "c.yaml").write_text("script_name: like\nserials: [P1]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(["plan", "c.yaml"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("c.yaml:1:14: script_name: script 'like' is not supported yet")


def test_bad_at_is_a_usage_error(repo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["plan", "--at", "tomorrow"], capsys) == (
        2,
        "",
        "campaign plan: error: --at expects an ISO 8601 datetime with offset, found 'tomorrow'\n",
    )


def test_plan_shows_what_applying_would_change_in_the_state_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import datetime

    from runner.campaign import expand_campaign, load_repo
    from runner.state import Store

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAMPAIGN_STATE", raising=False)
    campaign = tmp_path / "c.yaml"
    campaign.write_text(
        "script_name: follow\nserials: [P1]\nscript_config:\n  target_users: [a, b, c]\n",
        encoding="utf-8",
    )
    repo = load_repo(["c.yaml"], root=tmp_path)
    (tmp_path / ".campaign").mkdir()
    store = Store(tmp_path / ".campaign" / "state.db")
    store.apply(
        expand_campaign(repo.campaigns[0], repo.inventory, now=datetime.fromisoformat(AT)),
        campaigns=["c"],
    )
    campaign.write_text(campaign.read_text(encoding="utf-8").replace("c]", "d]"), encoding="utf-8")

    code, out, _ = _run(["plan", "--at", AT, "c.yaml"], capsys)
    assert code == 0
    assert out.splitlines()[-1] == "state: 1 new, 0 changed, 2 unchanged, 1 removed"
    _, out, _ = _run(["plan", "--json", "--at", AT, "c.yaml"], capsys)
    diff = json.loads(out)["diff"]
    assert (
        len(diff["new"]),
        len(diff["changed"]),
        len(diff["unchanged"]),
        len(diff["removed"]),
    ) == (1, 0, 2, 1)
