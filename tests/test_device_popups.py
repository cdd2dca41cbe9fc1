"""Popup rules (data) against dumps, and the selector data with version and repo overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.device.appdata import load_app
from runner.device.popups import find_dismissal
from runner.device.uitree import parse_dump
from runner.errors import FailureClass, TaskFailed

PKG = "com.zhiliaoapp.musically"


def _dialog(title: str, *buttons: str, package: str = PKG) -> str:
    nodes = "".join(
        f'<node text="{b}" class="android.widget.Button" clickable="true" package="{package}" '
        f'bounds="[{140 + i * 300},1320][{420 + i * 300},1440]" />'
        for i, b in enumerate(buttons)
    )
    return (
        f'<?xml version="1.0"?><hierarchy><node class="android.widget.FrameLayout" package="{package}" bounds="[0,0][1080,2400]">'
        f'<node text="" class="android.view.View" package="{package}" bounds="[0,0][1080,2400]" />'
        f'<node class="android.widget.LinearLayout" package="{package}" bounds="[90,900][990,1500]">'
        f'<node text="{title}" class="android.widget.TextView" package="{package}" bounds="[140,960][940,1060]" />'
        f"{nodes}</node></node></hierarchy>"
    )


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    return load_app("tiktok", PKG).popups


@pytest.mark.parametrize(
    ("title", "buttons", "expected"),
    [
        ("Read status", ("OK",), "dismissed dialog 'Read status' (press back)"),
        (
            "Your friends on TikTok",
            ("Not now", "Find friends"),
            "dismissed dialog 'Your friends on TikTok' (tap 'Not now')",
        ),
        (
            "Review your date of birth",
            ("OK",),
            "dismissed dialog 'Review your date of birth' (tap 'OK')",
        ),
        (
            "What languages do you understand",
            ("Confirm",),
            "dismissed dialog 'What languages do you understand' (tap 'Confirm')",
        ),
        (
            "Publish video publicly",
            ("Cancel", "Publish now"),
            "dismissed dialog 'Publish video publicly' (tap 'Publish now')",
        ),
        (
            "Allow TikTok to access photos and media on your device?",
            ("Allow", "Don't allow"),
            "dismissed dialog 'Allow TikTok to access photos and media on your device?' (tap 'Allow')",
        ),
        ("Something new", ("Got it",), "dismissed dialog '(unknown dialog)' (tap 'Got it')"),
    ],
)
def test_known_dialogs_are_dismissed_as_the_table_says(rules, title, buttons, expected) -> None:  # type: ignore[no-untyped-def]
    assert find_dismissal(parse_dump(_dialog(title, *buttons)), rules).describe() == expected


def test_the_unfollow_confirmation_is_not_a_popup(rules) -> None:  # type: ignore[no-untyped-def]
    assert (
        find_dismissal(parse_dump(_dialog("Unfollow carol?", "Cancel", "Unfollow")), rules) is None
    )


def test_version_override_puts_its_selectors_first() -> None:
    assert load_app("tiktok", PKG, "47.0.3").selectors("video.follow")[0] == {"id": "ivs"}
    assert load_app("tiktok", PKG, "46.9.3").selectors("video.follow")[0] == {"id": "ivc"}
    # a version nobody captured: words and structure only
    assert "id" not in load_app("tiktok", PKG, "48.0.0").selectors("video.follow")[0]


def test_repo_apps_folder_overrides_elements_and_popups(tmp_path: Path) -> None:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "tiktok.yaml").write_text(
        "elements:\n  video.like: [{content-desc: 'Me gusta'}]\n"
    )
    (tmp_path / "apps" / "popups.yaml").write_text("rules:\n  - {title: 'Hola', press: ['Vale']}\n")
    app = load_app("tiktok", PKG, "47.0.3", repo_root=tmp_path)
    assert app.selectors("video.like")[0] == {"content-desc": "Me gusta"}
    assert app.selectors("video.like")[1]["id"] == "g75"
    assert app.popups[0] == {"title": "Hola", "press": ["Vale"]}


def test_package_placeholder_is_filled_in() -> None:
    selectors = load_app("tiktok", "com.zhiliaoapp.musically.gb", "47.0.3").selectors(
        "search.user_row"
    )
    assert selectors[0] == {
        "xpath": "//node[@resource-id='com.zhiliaoapp.musically.gb:id/ve6']"
        "/parent::node[@class='android.widget.Button']"
    }


def test_unknown_element_and_bad_selector_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(TaskFailed) as info:
        load_app("tiktok", PKG).selectors("video.dislike")
    assert (info.value.failure_class, info.value.message) == (
        FailureClass.CONFIG_ERROR,
        "no selectors for 'video.dislike' in tiktok.yaml",
    )
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "tiktok.yaml").write_text("elements:\n  video.like: [{txt: x}]\n")
    with pytest.raises(TaskFailed) as info:
        load_app("tiktok", PKG, repo_root=tmp_path)
    assert info.value.message.endswith(
        "apps/tiktok.yaml:2:17: elements.video.like[0].txt: unknown key 'txt' (did you mean 'text'?)"
    )
