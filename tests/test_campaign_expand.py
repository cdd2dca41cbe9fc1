"""Expansion: phones × accounts × targets, stable keys, templates, spintax, start times."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from runner.campaign import Inventory, expand_campaign, load_repo
from runner.errors import CampaignError

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # 13:00 in Berlin

INVENTORY = """\
timezone: Europe/Berlin
devices:
  - serial: P1
    groups: [eu]
    vars: {city: Berlin, product: socks}
    accounts: [{username: anna}, {username: ben, package: com.ss.android.ugc.trill}]
  - serial: P2
    groups: [eu]
    vars: {city: Paris}
    accounts: [{username: cleo}]
groups:
  eu: {vars: {product: shoes, region: EU}}
"""


def _repo(tmp_path: Path, campaign: str, inventory: str = INVENTORY):  # type: ignore[no-untyped-def]
    (tmp_path / "inventory.yaml").write_text(inventory, encoding="utf-8")
    (tmp_path / "materials").mkdir(exist_ok=True)  # posts need a video in the library
    (tmp_path / "materials" / "clip.mp4").write_bytes(b"")
    (tmp_path / "c.yaml").write_text(campaign, encoding="utf-8")
    repo = load_repo([tmp_path / "c.yaml"], root=tmp_path, now=NOW)
    assert [str(p) for p in repo.problems] == []
    return repo


def _tasks(tmp_path: Path, campaign: str, inventory: str = INVENTORY):  # type: ignore[no-untyped-def]
    repo = _repo(tmp_path, campaign, inventory)
    return expand_campaign(repo.campaigns[0], repo.inventory, now=NOW)


@pytest.mark.parametrize(
    ("script", "config"),
    [
        ("follow", "target_users: [u1, u2, u3]"),
        ("unfollow", 'target_user: "u1\\nu2, u3"'),
        (
            "comment",
            "target_post_urls: [https://vm.tiktok.com/A1/, https://vm.tiktok.com/A2/, "
            "https://vm.tiktok.com/A3/]\n  comment_content: hi",
        ),
    ],
)
def test_three_targets_on_two_devices_make_six_tasks(
    tmp_path: Path, script: str, config: str
) -> None:
    tasks = _tasks(
        tmp_path, f"script_name: {script}\nserials: [P1, P2]\nscript_config:\n  {config}\n"
    )
    assert len(tasks) == 6
    assert len({t.key for t in tasks}) == 6
    assert [t.serial for t in tasks] == ["P1", "P1", "P1", "P2", "P2", "P2"]


def test_target_list_wins_over_target_string_and_config_is_narrowed(tmp_path: Path) -> None:
    tasks = _tasks(
        tmp_path,
        "script_name: follow\nserials: [P1]\nscript_config:\n  target_users: ['@a', b]\n  target_user: c\n",
    )
    assert [t.target for t in tasks] == ["a", "b"]
    assert tasks[0].script_config == {
        "target_users": ["a"],
        "target_user": "a",
        "access_method": "direct",
    }


def test_duplicate_targets_are_dropped_with_a_warning(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path, "script_name: follow\nserials: [P1]\nscript_config:\n  target_user: 'a, b, a'\n"
    )
    assert [str(w) for w in repo.warnings] == [
        f"{repo.files[0]}:4:16: script_config.target_user: duplicate target 'a' ignored"
    ]
    assert [t.target for t in expand_campaign(repo.campaigns[0], repo.inventory, now=NOW)] == [
        "a",
        "b",
    ]


def test_keys_are_stable_and_editing_one_target_changes_one_key(tmp_path: Path) -> None:
    text = "script_name: follow\nserials: [P1, P2]\nscript_config:\n  target_users: [a, b, c]\n"
    first = {t.key for t in _tasks(tmp_path, text)}
    again = {t.key for t in _tasks(tmp_path, text)}
    edited = {t.key for t in _tasks(tmp_path, text.replace("c]", "d]"))}
    assert first == again
    assert len(first - edited) == 2 and len(edited - first) == 2


def test_multi_account_makes_one_task_per_account_with_its_package(tmp_path: Path) -> None:
    tasks = _tasks(
        tmp_path, "script_name: account_warmup\ngroups: [eu]\nenable_multi_account: true\n"
    )
    assert [(t.serial, t.username, t.package) for t in tasks] == [
        ("P1", "anna", "com.zhiliaoapp.musically"),
        ("P1", "ben", "com.ss.android.ugc.trill"),
        ("P2", "cleo", "com.zhiliaoapp.musically"),
    ]


def test_usernames_resolve_to_their_phone(tmp_path: Path) -> None:
    tasks = _tasks(tmp_path, "script_name: account_warmup\nusernames: [cleo, '@ben']\n")
    assert [(t.serial, t.username) for t in tasks] == [("P2", "cleo"), ("P1", "ben")]


def test_defaults_fill_the_script_config(tmp_path: Path) -> None:
    tasks = _tasks(
        tmp_path,
        "script_name: account_warmup\nserials: [P1]\nscript_config:\n  follow_probable: 7\n",
    )
    config = tasks[0].script_config
    assert config["floow_probable"] == 7 and "follow_probable" not in config
    assert (config["task_duration"], config["min_duration"], config["max_duration"]) == (
        600,
        15,
        30,
    )
    assert config["chatgpt_settings"]["model"] == "gpt-4o-mini"


def test_vars_campaign_over_group_over_device(tmp_path: Path) -> None:
    text = (
        "script_name: post\nserials: [P1, P2]\nvars: {region: World}\nscript_config:\n"
        "  captions: '{{ vars.product }} {{ vars.city }} {{ vars.region }} {{ device.serial }} {{ date }}'\n"
    )
    assert [t.script_config["captions"] for t in _tasks(tmp_path, text)] == [
        "shoes Berlin World P1 2026-11-28",
        "shoes Paris World P2 2026-11-28",
    ]


def test_spintax_is_resolved_per_task_and_the_same_on_every_expansion(tmp_path: Path) -> None:
    text = "script_name: post\nserials: [P1, P2]\nscript_config:\n  captions: '{a|b|c}-{x|{y|z}}'\n"
    first = [t.script_config["captions"] for t in _tasks(tmp_path, text)]
    assert first == [t.script_config["captions"] for t in _tasks(tmp_path, text)]
    for caption in first:
        left, right = caption.split("-")
        assert left in {"a", "b", "c"} and right in {"x", "y", "z"}


def test_sequential_comments_cycle_in_task_order(tmp_path: Path) -> None:
    text = (
        "script_name: comment\nserials: [P1, P2]\nscript_config:\n"
        "  target_post_urls: [https://vm.tiktok.com/A1/, https://vm.tiktok.com/A2/]\n"
        '  comment_content: "one\\ntwo\\nthree"\n  comment_order: sequential\n'
    )
    assert [t.script_config["comment_content"] for t in _tasks(tmp_path, text)] == [
        "one",
        "two",
        "three",
        "one",
    ]


def test_hh_mm_start_time_is_today_when_ahead_and_tomorrow_when_past(tmp_path: Path) -> None:
    later = _tasks(tmp_path, "script_name: account_warmup\nserials: [P1]\nstart_time: '14:30'\n")
    earlier = _tasks(tmp_path, "script_name: account_warmup\nserials: [P1]\nstart_time: '09:00'\n")
    assert later[0].start_time.isoformat() == "2026-11-28T14:30:00+01:00"
    assert earlier[0].start_time.isoformat() == "2026-11-29T09:00:00+01:00"
    assert later[0].timezone == "Europe/Berlin"


def test_iso_start_time_is_taken_as_written_and_absent_means_asap(tmp_path: Path) -> None:
    iso = _tasks(
        tmp_path,
        "script_name: account_warmup\nserials: [P1]\nstart_time: 2026-12-01T08:00:00-05:00\n",
    )
    asap = _tasks(tmp_path, "script_name: account_warmup\nserials: [P1]\n")
    assert iso[0].start_time.isoformat() == "2026-12-01T08:00:00-05:00"
    assert asap[0].start_time is None


def test_task_carries_campaign_settings(tmp_path: Path) -> None:
    text = (
        "script_name: account_warmup\nname: warm\nserials: [P1]\nretry: {max: 1}\ntimeout: 30\n"
        "random_order: true\non_missed: skip\ngrace: 60\nmin_interval: 1\nmax_interval: 2\n"
    )
    task = _tasks(tmp_path, text)[0]
    assert (task.campaign, task.occurrence, task.source) == ("warm", "once", "file")
    assert (task.retry.max, task.retry.delay_min, task.retry.delay_max) == (1, 5.0, 60.0)
    assert (task.timeout, task.random_order, task.on_missed, task.grace) == (30, True, "skip", 60)
    assert (task.min_interval, task.max_interval) == (1.0, 2.0)
    assert str(task.origin).endswith("c.yaml:1:1")


def test_recurring_occurrences_give_distinct_keys(tmp_path: Path) -> None:
    from runner.campaign import next_occurrences

    repo = _repo(tmp_path, "script_name: account_warmup\nserials: [P1]\nschedule: '30 9 * * *'\n")
    campaign = repo.campaigns[0]
    fires = next_occurrences(campaign, after=NOW, until=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    assert [f.isoformat() for f in fires] == [
        "2026-11-29T09:30:00+01:00",
        "2026-11-30T09:30:00+01:00",
    ]
    keys = [expand_campaign(campaign, repo.inventory, occurrence=f)[0].key for f in fires]
    assert len(set(keys)) == 2


def test_expand_campaign_raises_for_an_unknown_username_with_its_line(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "script_name: account_warmup\nusernames: [anna]\n")
    with pytest.raises(CampaignError) as caught:
        expand_campaign(repo.campaigns[0], Inventory(), now=NOW)
    assert str(caught.value) == (
        f"{repo.files[0]}:2:13: usernames[0]: unknown username 'anna': not in an inventory (there is no inventory.yaml)"
    )


def test_hundred_thousand_tasks_have_unique_keys() -> None:
    from runner.campaign.check import check_campaign
    from runner.campaign.records import InventoryDevice
    from runner.campaign.yamlload import Document

    inventory = Inventory(
        devices=tuple(InventoryDevice(f"S{i:04d}", groups=("all",)) for i in range(1000)),
        present=True,
    )
    body = {
        "script_name": "follow",
        "groups": ["all"],
        "script_config": {"target_users": [f"u{i}" for i in range(100)]},
    }
    campaign, problems, _ = check_campaign(
        Document("mem", 0, body), default_name="big", default_tz="UTC"
    )
    assert problems == [] and campaign is not None
    tasks = expand_campaign(campaign, inventory, now=NOW)
    assert len({t.key for t in tasks}) == 100_000


def test_fast_built_task_equals_the_normal_constructor(tmp_path: Path) -> None:
    from dataclasses import asdict

    from runner.campaign.model import TaskSpec

    task = _tasks(
        tmp_path, "script_name: follow\nserials: [P1]\nscript_config:\n  target_users: [a]\n"
    )[0]
    assert TaskSpec(**asdict(task) | {"retry": task.retry, "origin": task.origin}) == task
    assert hash(task.key) and repr(task).startswith("TaskSpec(key=")


def test_a_template_in_a_target_is_refused_where_it_is_written(tmp_path: Path) -> None:
    text = "script_name: follow\nserials: [P1]\nscript_config:\n  target_users: [a, '{{ vars.city }}']\n"
    (tmp_path / "inventory.yaml").write_text(INVENTORY, encoding="utf-8")
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    repo = load_repo([tmp_path / "c.yaml"], root=tmp_path, now=NOW)
    assert [(p.line, p.field, p.reason) for p in repo.problems] == [
        (
            4,
            "script_config.target_users[1]",
            "templates are not rendered in this field (follow: in none)",
        )
    ]


def test_templates_inside_lists_are_rendered_per_task(tmp_path: Path) -> None:
    text = "script_name: post\nserials: [P1, P2]\nscript_config:\n  material_list: ['m/{{ device.serial }}.mp4', m/x.jpg]\n"
    (tmp_path / "m").mkdir()
    for name in ("x.jpg", "P1.mp4", "P2.mp4"):  # media must exist, as written or rendered
        (tmp_path / "m" / name).write_bytes(b"")
    tasks = _tasks(tmp_path, text)
    assert [t.script_config["material_list"] for t in tasks] == [
        ["m/P1.mp4", "m/x.jpg"],
        ["m/P2.mp4", "m/x.jpg"],
    ]
