"""App data (runner/apps/tiktok.yaml and a campaign repo's apps/ overrides): how entries combine,
the words and rules the scripts read, and the checks `campaign validate` runs on a repo's apps/."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.cli.main import main
from runner.device.appdata import APPS_DIR, check_app_file, load_app
from runner.device.uitree import parse_dump
from runner.errors import FailureClass, TaskFailed

SCREENS = Path(__file__).parent / "screens" / "tiktok"
PKG = "com.zhiliaoapp.musically"


def repo_with(tmp_path: Path, text: str, name: str = "tiktok.yaml") -> Path:
    (tmp_path / "apps").mkdir(exist_ok=True)
    (tmp_path / "workflows").mkdir(exist_ok=True)
    (tmp_path / "apps" / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_shipped_app_data_passes_its_own_checks() -> None:
    assert check_app_file(APPS_DIR / "tiktok.yaml", override=False) == []
    assert check_app_file(APPS_DIR / "popups.yaml", override=False) == []


def test_version_entries_go_before_the_defaults_and_only_for_their_version() -> None:
    assert load_app("tiktok", PKG, "47.0.3").selectors("video.follow")[0] == {"id": "ivs"}
    assert load_app("tiktok", PKG, "46.9.3").selectors("video.follow")[0] == {"id": "ivc"}
    assert (
        load_app("tiktok", PKG, "").selectors("video.follow")[0]["class"] == "android.widget.Button"
    )


@pytest.mark.parametrize(
    ("entry", "first", "count_change"),
    [
        ("[{id: new1}]", {"id": "new1"}, 1),  # a list is tried first
        ("{prepend: [{id: new1}]}", {"id": "new1"}, 1),
        ("{append: [{id: new1}]}", {"id": "upload_hot_area"}, 1),
        ("{replace: [{id: new1}]}", {"id": "new1"}, None),
    ],
)
def test_a_repo_entry_prepends_appends_or_replaces(
    tmp_path: Path, entry: str, first: dict[str, str], count_change: int | None
) -> None:
    shipped = load_app("tiktok", PKG, "47.0.3").selectors("upload.upload")
    root = repo_with(tmp_path, f"elements:\n  upload.upload: {entry}\n")
    got = load_app("tiktok", PKG, "47.0.3", repo_root=root).selectors("upload.upload")
    assert got[0] == first
    if count_change is None:
        assert got == ({"id": "new1"},)
    else:
        assert len(got) == len(shipped) + count_change


def test_a_repo_sets_packages_launch_activity_and_profile_url(tmp_path: Path) -> None:
    root = repo_with(
        tmp_path,
        "packages: [com.zhiliaoapp.musically.gb]\n"
        "launch_activity: com.example.Main\n"
        'profile_url: "https://example.test/u/{user}"\n',
    )
    app = load_app("tiktok", repo_root=root)
    assert (app.packages, app.package, app.launch_activity, app.profile_url) == (
        ("com.zhiliaoapp.musically.gb",),
        "com.zhiliaoapp.musically.gb",
        "com.example.Main",
        "https://example.test/u/{user}",
    )


def test_follow_state_words_cover_every_language_and_ignore_the_trailing_space() -> None:
    app = load_app("tiktok", PKG)
    assert app.state_of("Suivis ") == "following"
    assert app.state_of("Following ") == "following"
    assert app.state_of("Seguir") == "follow"
    assert app.state_of("Message") is None
    assert app.words_of("follow_state.follow", "fr") == ("Suivre",)


def test_the_follow_state_is_read_from_the_control_not_from_the_count_label() -> None:
    """43.1.4 fr, not followed: the stats row says "Suivis" (a following word) before the
    control says "Suivre". Reading the first follow word on screen would report "already
    following" and tap nothing; the data reads the control."""
    tree = parse_dump((SCREENS / "43.1.4/fr/profile_not_followed.xml").read_text(encoding="utf-8"))
    for version in ("43.1.4", ""):  # by id, and by structure alone
        app = load_app("tiktok", PKG, version)
        node = next(n for s in app.selectors("profile.follow_state") if (n := tree.find(s)))
        assert (node.text, app.state_of(node.text)) == ("Suivre", "follow")
    first_follow_word = next(n for n in tree.nodes() if app.state_of(n.text))
    assert app.state_of(first_follow_word.text) == "following"  # the trap the data avoids


def test_word_groups_and_package_are_written_into_selectors(tmp_path: Path) -> None:
    root = repo_with(
        tmp_path,
        'words:\n  greeting: {en: [Hi], fr: ["Salut l\'ami"]}\n'
        "elements:\n  upload.post: [{text-in: greeting}, {xpath: \"//node[{text-in:greeting}][@package='{package}']\"}]\n",
    )
    first, second = load_app("tiktok", "com.example", repo_root=root).selectors("upload.post")[:2]
    assert first == {"text-in": ["Hi", "Salut l'ami"]}
    assert second == {
        "xpath": "//node[(normalize-space(@text)='Hi' or normalize-space(@text)=\"Salut l'ami\")]"
        "[@package='com.example']"
    }


def test_rules_the_scripts_read_are_data() -> None:
    app = load_app("tiktok", PKG)
    assert app.rule("gallery_tile") == {"choose": "newest"}
    assert app.rule("account_row") == {"name_from": "content-desc", "strip": "@"}
    assert app.rule("nothing") == {}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "elements:\n  video.like:\n    - {desc-contain: Like}\n",
            "apps/tiktok.yaml:3:8: elements.video.like[0].desc-contain: unknown key "
            "'desc-contain' (did you mean 'desc-contains'?)",
        ),
        (
            "elements:\n  profile.follow_buton: [{text: Follow}]\n",
            "apps/tiktok.yaml:2:3: elements.profile.follow_buton: unknown element "
            "'profile.follow_buton' (did you mean 'profile.follow_button'?)",
        ),
        (
            "elements:\n  video.like: {replace: [{xpath: \"//node[@text='a'\"}]}\n",
            "apps/tiktok.yaml:2:26: elements.video.like.replace[0]: bad XPath",
        ),
        (
            "elements:\n  video.like: [{text-in: no_such_group}]\n",
            "apps/tiktok.yaml:2:16: elements.video.like[0]: unknown word group 'no_such_group'",
        ),
        (
            "elements:\n  video.like: {swap: []}\n",
            "apps/tiktok.yaml:2:16: elements.video.like.swap: unknown key 'swap'",
        ),
        (
            "rules:\n  - {title: Hello}\n",
            "apps/popups.yaml:2:5: rules[0]: a rule needs press or back",
        ),
    ],
)
def test_validate_reports_a_bad_repo_apps_file_at_file_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    problem: str,
) -> None:
    name = "popups.yaml" if text.startswith("rules") else "tiktok.yaml"
    repo_with(tmp_path, text, name)
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 1
    out = capsys.readouterr()
    assert problem in out.out + out.err


def test_a_bad_override_fails_the_task_as_a_config_error(tmp_path: Path) -> None:
    root = repo_with(tmp_path, "elements:\n  video.like:\n    - {desc-contain: Like}\n")
    with pytest.raises(TaskFailed) as info:
        load_app("tiktok", PKG, repo_root=root)
    assert info.value.failure_class == FailureClass.CONFIG_ERROR
    assert "unknown key 'desc-contain'" in str(info.value)


def test_a_good_override_validates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo_with(tmp_path, 'versions:\n  "48.*":\n    elements:\n      upload.upload: [{id: ua1}]\n')
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 0
