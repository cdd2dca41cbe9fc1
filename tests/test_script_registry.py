"""Every script is one registry entry, and the pipeline's per-script behaviour comes from it."""

from __future__ import annotations

import pytest

from runner.campaign.schemas import SUPPORTED_SCRIPTS, load_schema
from runner.campaign.script_registry import SCRIPT_SPECS, ScriptSpec
from runner.scripts import SCRIPTS
from runner.scripts.registry import bind


def test_every_supported_script_has_one_entry_and_one_run_function() -> None:
    assert list(SCRIPT_SPECS) == list(SUPPORTED_SCRIPTS) == list(SCRIPTS)
    assert all(SCRIPTS[name].spec is SCRIPT_SPECS[name] for name in SCRIPTS)


@pytest.mark.parametrize("spec", SCRIPT_SPECS.values(), ids=lambda s: s.name)
def test_the_fields_an_entry_names_are_in_its_schema(spec: ScriptSpec) -> None:
    properties = load_schema(spec.schema_file)["properties"]
    named = [*(spec.target_keys or ()), *spec.spintax, spec.lines, spec.text, *spec.templated]
    named += [m.key for m in spec.media] + [m.unless for m in spec.media]
    assert [field for field in named if field is not None and field not in properties] == []


@pytest.mark.parametrize("spec", SCRIPT_SPECS.values(), ids=lambda s: s.name)
def test_per_task_text_and_media_paths_are_templated_and_targets_are_not(spec: ScriptSpec) -> None:
    per_task = {*spec.spintax, spec.lines, spec.text} - {None}
    assert per_task <= set(spec.templated)
    assert set(spec.target_keys or ()) & set(spec.templated) == set()
    assert {m.key for m in spec.media} <= set(spec.templated)


def test_which_fields_are_templates_is_the_entry_of_each_script() -> None:
    assert {n: s.templated for n, s in SCRIPT_SPECS.items() if s.templated} == {
        "account_warmup": ("topic", "comment", "chatgpt_settings"),
        "comment": ("comment_content", "comment_image_path"),
        "post": (
            "captions",
            "material_path",
            "material_list",
            "materials_tags",
            "sound_name",
            "custom_sound_keyword",
        ),
        "profile": ("nicknames", "usernames", "bios", "link_url", "avatars_path"),
    }


def test_media_fields_say_what_they_hold() -> None:
    media = {
        (n, m.key): (m.kind, m.accepts, m.unless) for n, s in SCRIPT_SPECS.items() for m in s.media
    }
    assert media == {
        ("comment", "comment_image_path"): ("file", "image", None),
        ("post", "material_list"): ("files", "content_type", None),
        ("post", "material_path"): ("library", "content_type", "material_list"),
        ("profile", "avatars_path"): ("folder", "image", None),
    }


@pytest.mark.parametrize(
    ("script", "details", "summary"),
    [
        (
            "comment",
            {"url": "https://vm.tiktok.com/A1/", "comment": "nice"},
            "commented 'nice' on https://vm.tiktok.com/A1/",
        ),
        (
            "comment",
            {"url": "https://vm.tiktok.com/A1/", "comment": "nice", "recovered": True},
            "commented 'nice' on https://vm.tiktok.com/A1/ (found after an interrupted attempt)",
        ),
        ("follow", {"target": "alice", "action": "follow", "changed": True}, "followed @alice"),
        (
            "follow",
            {"target": "alice", "action": "follow", "changed": False},
            "already following @alice",
        ),
        ("unfollow", {"target": "bob", "action": "unfollow", "changed": True}, "unfollowed @bob"),
        (
            "unfollow",
            {"target": "bob", "action": "unfollow", "changed": False},
            "not following @bob",
        ),
        ("login", {"account": "newbie", "with": "email"}, "logged in @newbie with e-mail"),
        ("login", {"account": "newbie", "with": "username"}, "logged in @newbie with username"),
        ("login", {"account": "anna", "with": "already logged in"}, "@anna was already logged in"),
        ("match_accounts", {"accounts": [], "active": None}, "0 account(s) logged in"),
        (
            "match_accounts",
            {"accounts": [{"username": "anna"}, {"username": "ben"}], "active": "anna"},
            "2 account(s) logged in: @anna, @ben",
        ),
        ("post", {"caption": "hi", "media": ["a.mp4"]}, "posted 1 file(s) with caption 'hi'"),
        (
            "profile",
            {"changed": {"nickname": "Anna", "bio": "x"}, "unchanged": ["username"]},
            "profile: nickname 'Anna', bio 'x' (username already set)",
        ),
        ("profile", {"changed": {}, "unchanged": []}, "profile: nothing changed"),
        (
            "profile",
            {"changed": {"bio": "x"}, "unchanged": [], "avatar": {"file": "face.jpg"}},
            "profile: bio 'x', photo 'face.jpg'",
        ),
        (
            "account_warmup",
            {
                "duration": 0.5,
                "videos": 3,
                "likes": 1,
                "follows": 0,
                "favourites": 2,
                "comments": 1,
            },
            "warmed up for 0.5s: 3 videos, 1 likes, 0 follows, 2 favourites, 1 comments",
        ),
    ],
)
def test_the_entry_says_what_a_result_reads_as(
    script: str, details: dict[str, object], summary: str
) -> None:
    assert SCRIPTS[script].result(details).summary == summary


def test_binding_refuses_an_entry_without_a_run_function() -> None:
    specs = {
        "follow": SCRIPT_SPECS["follow"],
        "like": ScriptSpec("like", "like posts", lambda details: "liked"),
    }
    with pytest.raises(RuntimeError, match=r"no run for \['like'\]"):
        bind(specs, {"follow": SCRIPTS["follow"].run})


def test_only_the_scripts_that_publish_have_a_commit_point() -> None:
    assert {n: s.commit for n, s in SCRIPT_SPECS.items() if s.commit} == {
        "account_warmup": "comment",  # its comments
        "comment": "comment",
        "post": "post",
    }


def test_plan_text_is_the_field_the_script_publishes() -> None:
    config = {"captions": "hello", "comment_content": "nice"}
    assert [SCRIPT_SPECS[s].task_text(config) for s in ("post", "comment", "follow")] == [
        "hello",
        "nice",
        "",
    ]
