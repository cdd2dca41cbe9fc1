"""`campaign plan`: the tasks of every workflow, stable output, the JSON shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def _many_campaigns(root: Path) -> None:
    """Campaigns of every kind at once: templates, spintax, accounts, a schedule, a disabled
    one, a fixed start, JSON-unfriendly text."""
    (root / "inventory.yaml").write_text(
        "timezone: UTC\ndevices:\n"
        + "".join(
            f"  - {{serial: P{i}, groups: [g{i % 2}], vars: {{city: 'Köln \"{i}\"'}},"
            f" accounts: [{{username: u{i}a}}, {{username: u{i}b}}]}}\n"
            for i in range(4)
        ),
        encoding="utf-8",
    )
    workflows = root / "workflows"
    workflows.mkdir()
    (workflows / "comment.yaml").write_text(
        "name: c\nscript_name: comment\ngroups: [g0]\nstart_time: '2026-12-01T10:00:00-05:00'\n"
        "script_config:\n  target_post_urls: [https://vm.tiktok.com/a/, https://vm.tiktok.com/b/]\n"
        "  comment_content: |\n    {Hi|Hello} from {{ vars.city }}\n    \\t{{ account.username }}\n",
        encoding="utf-8",
    )
    (workflows / "follow.yaml").write_text(
        "name: f\nscript_name: follow\ngroups: [g1]\nenable_multi_account: true\n"
        "schedule: '0 3 * * *'\ntimezone: Europe/Berlin\n"
        "script_config:\n  target_users: [x, y, z]\n",
        encoding="utf-8",
    )
    (workflows / "warmup.yaml").write_text(
        "name: w\nscript_name: account_warmup\nserials: [P0, P3]\ngrace: 12.5\n",
        encoding="utf-8",
    )
    (workflows / "off.yaml").write_text(
        "name: off\nscript_name: follow\nserials: [P0]\nenabled: false\n"
        "script_config:\n  target_users: [a]\n",
        encoding="utf-8",
    )


def test_json_plan_of_many_campaigns_is_the_document_of_their_expanded_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Written as the tasks are made, the document is byte for byte what json.dumps gives for
    the campaigns expanded into lists the ordinary way."""
    from datetime import datetime

    from runner.campaign import expand, load_repo
    from runner.campaign.plan_model import next_fire, task_json

    _many_campaigns(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAMPAIGN_STATE", raising=False)
    code, out, err = _run(["plan", "--json", "--at", AT], capsys)
    assert (code, err) == (0, "")

    now = datetime.fromisoformat(AT)
    repo = load_repo(root=tmp_path, now=now)
    tasks = [
        task_json(t)
        for c in repo.campaigns
        if c.enabled
        for t in expand(
            c, repo.inventory, occurrence=next_fire(c, now) if c.schedule else None, now=now
        ).tasks
    ]
    document = json.loads(out)
    assert [c["tasks"] for c in document["campaigns"]] == [4, 12, 0, 2]
    assert len(tasks) == 18
    expected = {**document, "tasks": tasks}
    assert out == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"


def test_json_plan_writes_tasks_out_while_later_ones_are_still_to_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tasks are never all in memory: the first ones are on stdout before the last is made."""
    from runner.campaign import plan_model

    (tmp_path / "c.yaml").write_text(
        "script_name: follow\nserials: [P1]\nscript_config:\n  target_users:\n"
        + "".join(f"    - user{i}\n" for i in range(5000)),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    made = 0
    written_when_last_made: list[int] = []
    task_json = plan_model.task_json

    def counting(task: Any) -> dict[str, Any]:
        nonlocal made
        made += 1
        if made == 5000:
            written_when_last_made.append(capsys.readouterr().out.count('"key"'))
        return task_json(task)

    monkeypatch.setattr(plan_model, "task_json", counting)
    assert _run(["plan", "--json", "--at", AT, "c.yaml"], capsys)[0] == 0
    assert written_when_last_made and written_when_last_made[0] > 1000


def test_tasks_starting_at_one_instant_in_two_zones_show_each_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Start times are formatted once per distinct time: equal instants in other zones are
    other times on the page."""
    for name, zone, start in (("berlin", "Europe/Berlin", "10:00"), ("utc", "UTC", "09:00")):
        (tmp_path / f"{name}.yaml").write_text(
            f"name: {name}\nscript_name: account_warmup\nserials: [P1]\ntimezone: {zone}\n"
            f"start_time: '{start}'\n",
            encoding="utf-8",
        )
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run(["plan", "--at", AT, "berlin.yaml", "utc.yaml"], capsys)
    assert out.splitlines()[1:3] == [
        "berlin    P1     -        account_warmup  -       2026-11-29 10:00 CET  2026-11-29 09:00",
        "utc       P1     -        account_warmup  -       2026-11-29 09:00 UTC  2026-11-29 09:00",
    ]
    _, out, _ = _run(["plan", "--json", "--at", AT, "berlin.yaml", "utc.yaml"], capsys)
    assert [t["start_time"] for t in json.loads(out)["tasks"]] == [
        "2026-11-29T10:00:00+01:00",
        "2026-11-29T09:00:00+00:00",
    ]
