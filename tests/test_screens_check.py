"""`campaign screens check` on real captures (tests/screens/): every element a real screen shows
is found with its tap point inside the real element, and nothing else is reported.

The expected elements and bounds below are read from the captures themselves (see each file's
header and tests/screens/tiktok/FACTS.md), not from the selector data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.cli.main import main
from runner.cli.screens import check_screen, dump_version

SCREENS = Path(__file__).parent / "screens" / "tiktok"
PACKAGE = "com.zhiliaoapp.musically"

FEED_46 = {
    "tab.home": (0, 2208, 216, 2337),
    "profile.tab": (864, 2208, 1080, 2337),
    "feed.for_you": (766, 132, 933, 284),
    "feed.video": (0, 0, 1080, 2208),
    "video.author": (32, 1873, 365, 1931),
    "video.caption": (32, 1942, 870, 2042),
    "video.like": (912, 1320, 1080, 1478),
    "video.follow": (921, 1231, 1080, 1320),
    "video.comment": (870, 1478, 1080, 1636),
    "video.favourite": (870, 1636, 1080, 1794),
    "video.share": (912, 1794, 1080, 1952),
    "search.button": (933, 134, 1080, 281),
    "upload.create": (432, 2208, 648, 2337),
}
FEED_43_47 = {  # same geometry in 43.1.4 fr and 47.0.3 fr, different ids and words
    "tab.home": (0, 2208, 216, 2337),
    "profile.tab": (864, 2208, 1080, 2337),
    "feed.video": (0, 0, 1080, 2208),
    "video.like": (912, 1414, 1080, 1572),
    "video.follow": (921, 1325, 1080, 1414),
    "video.comment": (912, 1572, 1080, 1730),
    "video.favourite": (912, 1730, 1080, 1888),
    "video.share": (912, 1888, 1080, 2046),
    "search.button": (933, 134, 1080, 281),
    "upload.create": (432, 2208, 648, 2337),
}

# file -> (app version to check with, {element the screen shows: its real bounds})
EXPECTED: dict[str, tuple[str | None, dict[str, tuple[int, int, int, int]]]] = {
    "46.9.3/en/feed_video.xml": (None, FEED_46),
    "46.9.3/en/feed_ad.xml": (
        None,
        {
            "feed.video": (0, 0, 1080, 2208),
            "feed.ad_marker": (32, 2138, 96, 2188),
            "video.author": (32, 1936, 294, 1994),
            "video.caption": (32, 2015, 870, 2117),
            "video.like": (912, 1414, 1080, 1572),
            "video.follow": (921, 1325, 1080, 1414),
            "video.comment": (870, 1572, 1080, 1730),
            "video.favourite": (870, 1730, 1080, 1888),
        },
    ),
    "46.9.3/fr/feed_live.xml": (
        None,
        # a LIVE: the surface is there, no like/comment/share buttons
        {"feed.video": (0, 0, 1080, 2208), "feed.live_marker": (0, 0, 1080, 2208)},
    ),
    # 46.6.3 has other tab ids than 46.9.3: found by their descriptions; its top "Friends" tab
    # is not a follow control
    "46.6.3/en/friends_tab.xml": (
        None,
        {
            "tab.home": (0, 2208, 216, 2337),
            "profile.tab": (864, 2208, 1080, 2337),
            "upload.create": (432, 2208, 648, 2337),
            "search.button": (933, 135, 1080, 282),
            "upload.progress": (56, 344, 127, 383),  # tvProgress "66%", a window of its own
        },
    ),
    "43.1.4/fr/feed_video.xml": (
        None,
        {
            **FEED_43_47,
            "feed.for_you": (729, 132, 883, 284),
            "video.author": (32, 1996, 273, 2054),
            "video.caption": (32, 2072, 870, 2123),
        },
    ),
    "47.0.3/fr/feed_video.xml": (
        None,
        {
            **FEED_43_47,
            "feed.for_you": (759, 132, 933, 284),
            "video.author": (32, 2066, 115, 2124),
            "video.caption": (32, 2135, 870, 2186),
        },
    ),
    "43.1.4/fr/comment_sheet.xml": (
        None,
        {
            # the "Rechercher" icon of the sheet's suggestion bar is not search.button
            "comment.input": (199, 1949, 704, 2030),
            "comment.add_image": (715, 1956, 820, 2055),  # Button jfd, desc unresolved
            "comment.close": (992, 707, 1047, 762),
            "comment.list_item": (0, 905, 1080, 1128),
            "comment.author": (162, 927, 397, 971),  # a display name ("name_14 name_15")
        },
    ),
    "47.0.3/fr/own_profile.xml": (
        None,
        {
            # the handle Button t3y, not the TextView t3y "Compte non recommandé"; no follow control:
            # the stats' "Suivis" label sits in a box with two TextViews
            "profile.username": (42, 390, 412, 429),
            "own.username": (42, 390, 412, 429),
            "own.name": (42, 285, 484, 385),  # Button t7l, the display name
        },
    ),
    "46.9.3/en/feed_ad_promoted_sound.xml": (
        None,
        {
            "feed.video": (0, 0, 1080, 2208),
            # no "Ad" label: the sound Button "Sound: Promoted Music by ..." tells the ad
            "feed.ad_marker": (870, 2046, 1080, 2208),
            "video.follow": (921, 1325, 1080, 1414),
            "video.like": (912, 1414, 1080, 1572),
            "video.comment": (870, 1572, 1080, 1730),
            "video.favourite": (870, 1730, 1080, 1888),
            "video.share": (912, 1888, 1080, 2046),
            "video.author": (32, 1907, 268, 1965),
            "video.caption": (32, 1976, 870, 2078),
        },
    ),
    "46.9.3/fr/feed_ad.xml": (
        None,
        {
            "feed.video": (0, 0, 1080, 2208),
            "feed.ad_marker": (32, 2086, 190, 2136),  # Button i8p "Publicité"
            "video.follow": (921, 1325, 1080, 1414),
            "video.like": (912, 1414, 1080, 1572),
            "video.comment": (912, 1572, 1080, 1730),
            "video.favourite": (912, 1730, 1080, 1888),
            "video.share": (912, 1888, 1080, 2046),
            "video.author": (32, 1895, 359, 1953),
            "video.caption": (32, 1974, 870, 2076),
        },
    ),
    "unversioned/fr/profile_follows_us.xml": (
        None,
        {
            # "Suivre en retour": the follow-back state of the control
            "profile.follow_button": (42, 584, 912, 689),
            "profile.follow_state": (42, 584, 912, 689),
            "profile.username": (42, 380, 239, 419),
            "own.username": (42, 380, 239, 419),
        },
    ),
    "43.1.4/fr/search_users.xml": (
        None,
        {
            "search.input": (137, 99, 947, 198),
            "search.users_tab": (188, 220, 468, 330),
            "search.videos_tab": (468, 220, 659, 330),
            "search.user_row": (0, 352, 1080, 555),
            "search.user_name": (236, 375, 381, 427),
            "search.user_handle": (236, 427, 761, 471),
        },
    ),
    "43.1.4/fr/camera.xml": (
        None,
        {
            "upload.upload": (0, 2118, 210, 2314),  # FrameLayout ymg (47.0.3: upload_hot_area)
            "upload.add_sound": (332, 203, 748, 319),
        },
    ),
    "43.1.4/fr/video_liked.xml": (
        None,
        {
            "video.follow": (914, 1033, 1080, 1128),
            "video.like": (904, 1128, 1080, 1293),  # "Vidéo aimée"
            "video.liked": (904, 1128, 1080, 1293),
            "video.comment": (904, 1293, 1080, 1458),
            "video.favourite": (904, 1458, 1080, 1623),
        },
    ),
    "47.0.3/fr/video_liked.xml": (
        None,
        {
            # no tabs, no follow button, no author title on this video page; the "Rechercher" Button
            # of its suggestion bar is not search.submit (no search field)
            "feed.video": (0, 0, 1080, 2208),
            "video.like": (912, 1419, 1080, 1577),  # "Vidéo aimée"
            "video.liked": (912, 1419, 1080, 1577),
            "video.comment": (912, 1577, 1080, 1735),
            "video.favourite": (912, 1735, 1080, 1893),
            "video.share": (912, 1893, 1080, 2051),
            "video.caption": (32, 2137, 870, 2188),
        },
    ),
    "43.1.4/fr/profile_not_followed.xml": (
        None,
        {
            # the clickable LinearLayout around TextView "Suivre", not the "Suivis" count label
            "profile.follow_button": (44, 873, 479, 972),
            "profile.follow_state": (44, 873, 479, 972),
            "profile.username": (319, 362, 474, 418),
            "own.username": (319, 362, 474, 418),  # the handle of the profile on screen
        },
    ),
    "47.0.3/fr/profile_followed.xml": (
        None,
        {
            "profile.follow_button": (670, 584, 912, 689),
            "profile.follow_state": (723, 584, 870, 689),
            "profile.username": (42, 380, 186, 419),
            "own.username": (42, 380, 186, 419),
        },
    ),
    "43.1.4/fr/own_profile.xml": (
        None,
        # no capture shows what opens the account switcher: not expected
        {
            "profile.username": (319, 402, 531, 458),
            "own.username": (319, 402, 531, 458),
            "own.name": (374, 333, 744, 402),  # Button qf8, the display name
        },
    ),
    "43.1.4/fr/login_phone.xml": (
        None,
        # the phone tab: the e-mail tab to switch to and Continue; no e-mail/password field shows
        {"login.email_tab": (540, 279, 997, 389), "login.continue": (88, 1309, 992, 1452)},
    ),
    "43.1.4/fr/popup_collections.xml": (None, {}),
    "43.1.4/fr/popup_update_prompt.xml": (None, {}),  # its "Accueil" is the system's home key
    "47.0.3/fr/comment_sheet.xml": (
        None,
        {
            "comment.input": (189, 2201, 721, 2282),
            "comment.add_image": (732, 2210, 832, 2305),  # Button l12, desc "@2131823358"
            "comment.close": (995, 909, 1048, 962),
            "comment.list_item": (0, 994, 1080, 1209),
            "comment.author": (167, 1015, 394, 1059),
        },
    ),
    "47.0.3/fr/search_field.xml": (
        None,
        {"search.input": (130, 153, 783, 247), "search.submit": (783, 142, 1080, 257)},
    ),
    "46.9.3/fr/search_users.xml": (
        None,
        {
            "search.input": (130, 153, 955, 247),
            "search.users_tab": (409, 268, 672, 373),
            "search.videos_tab": (672, 268, 852, 373),
            "search.sounds_tab": (852, 268, 997, 373),
            "search.user_row": (0, 394, 1080, 589),
            "search.user_name": (226, 424, 359, 474),
            "search.user_handle": (226, 474, 775, 516),
        },
    ),
    "47.0.3/fr/search_users.xml": (
        None,
        {
            "search.input": (130, 153, 955, 247),
            "search.users_tab": (409, 268, 672, 373),
            "search.videos_tab": (672, 268, 852, 373),
            "search.user_row": (0, 394, 1080, 589),
            "search.user_name": (226, 424, 361, 474),
            "search.user_handle": (226, 474, 775, 516),
        },
    ),
    "47.0.3/fr/camera.xml": (
        None,
        {"upload.upload": (0, 2118, 210, 2314), "upload.add_sound": (332, 203, 748, 319)},
    ),
    "47.0.3/fr/gallery_selected.xml": (
        None,
        {
            "upload.gallery_item": (5, 381, 359, 738),  # newest first: the first tile
            "upload.gallery_tab_videos": (346, 258, 690, 376),
            "upload.gallery_tab_photos": (690, 258, 1038, 376),
            "upload.next": (550, 2179, 1048, 2295),
        },
    ),
    "47.0.3/fr/editor.xml": (None, {"upload.editor_next": (545, 2192, 1048, 2308)}),
    "43.1.4/en/post.xml": (
        None,
        {"upload.caption": (44, 221, 684, 620), "upload.post": (551, 1923, 1047, 2055)},
    ),
    "47.0.3/fr/post.xml": (
        None,
        {"upload.caption": (42, 270, 673, 677), "upload.post": (550, 2179, 1048, 2305)},
    ),
    # text-only source (no class, no id): the trailing space tells the control from the label
    "unversioned/en/unfollow_sheet.xml": (
        None,
        {
            "profile.follow_button": (648, 546, 870, 651),
            "profile.follow_state": (648, 546, 870, 651),
            "profile.username": (347, 345, 699, 384),
            "unfollow.sheet": (0, 2007, 1080, 2601),
            "unfollow.confirm": (84, 2392, 865, 2445),
        },
    ),
    "unversioned/en/unfollow_friends_dialog.xml": (
        None,
        {
            "profile.follow_button": (648, 546, 870, 651),
            "profile.follow_state": (648, 546, 870, 651),
            "unfollow.confirm": (540, 1430, 907, 1555),
        },
    ),
    # ClawdAgent's pt-BR captures do not record the version; their ids are 46.9.3's
    "unversioned/pt-BR/feed_ad.xml": (
        "46.9.3",
        {
            "tab.home": (0, 2135, 216, 2270),
            "profile.tab": (864, 2135, 1080, 2270),
            "feed.video": (0, 0, 1080, 2135),
            "feed.ad_marker": (33, 2069, 226, 2113),
            "video.author": (33, 1856, 185, 1917),
            "video.caption": (33, 1939, 860, 2047),
            "video.like": (904, 1304, 1080, 1469),
            "video.follow": (914, 1209, 1080, 1304),
            "video.comment": (860, 1469, 1080, 1634),
            "video.favourite": (860, 1634, 1080, 1799),
            "video.share": (904, 1799, 1080, 1964),
            "search.button": (926, 97, 1080, 251),
            "upload.create": (432, 2135, 648, 2270),
        },
    ),
    # a flat source (no nesting): a comment row cannot be told apart, so it is not expected
    "unversioned/pt-BR/comment_sheet.xml": (
        "46.9.3",
        {
            "comment.input": (199, 2127, 809, 2212),
            "comment.close": (992, 824, 1047, 879),
            "comment.author": (154, 934, 238, 984),  # a display name ("Uber")
        },
    ),
    "unversioned/pt-BR/profile_not_followed.xml": (
        None,
        {
            "profile.follow_button": (44, 586, 463, 696),
            "profile.follow_state": (44, 586, 463, 696),
            "profile.username": (44, 374, 205, 415),
            "own.username": (44, 374, 205, 415),
        },
    ),
}


def test_every_capture_of_the_corpus_has_an_expectation() -> None:
    files = {p.relative_to(SCREENS).as_posix() for p in SCREENS.rglob("*.xml")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_real_screen_shows_exactly_its_elements_with_taps_inside_them(name: str) -> None:
    version, expected = EXPECTED[name]
    _, elements = check_screen((SCREENS / name).read_text(encoding="utf-8"), version=version)
    found = {k for k, v in elements.items() if v["found"]}
    assert found == set(expected)
    for element, (left, top, right, bottom) in expected.items():
        x, y = elements[element]["tap"]
        assert left <= x < right and top <= y < bottom, (element, (x, y))


def test_the_dump_header_names_the_version_per_version_ids_use() -> None:
    xml = (SCREENS / "47.0.3/fr/feed_video.xml").read_text(encoding="utf-8")
    assert dump_version(xml) == "47.0.3"
    assert dump_version((SCREENS / "unversioned/en/unfollow_sheet.xml").read_text()) is None
    version, elements = check_screen(xml)
    assert version == "47.0.3"
    assert elements["video.follow"]["selector"] == '{id: "ivs"}'
    _, without_ids = check_screen(xml, version="0.0")  # a version nobody captured
    assert without_ids["video.follow"]["selector"].startswith("{class:")


def test_a_liked_video_is_told_apart_from_one_not_liked() -> None:
    for release in ("43.1.4", "47.0.3"):
        liked = (SCREENS / release / "fr/video_liked.xml").read_text(encoding="utf-8")
        not_liked = (SCREENS / release / "fr/feed_video.xml").read_text(encoding="utf-8")
        for version in (None, "0.0"):  # by the release's ids, and without them (words, structure)
            assert check_screen(liked, version=version)[1]["video.liked"]["found"]
            assert check_screen(liked, version=version)[1]["video.like"]["found"]
            assert not check_screen(not_liked, version=version)[1]["video.liked"]["found"]


def test_check_prints_the_documented_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = SCREENS / "47.0.3/fr/editor.xml"
    assert main(["screens", "check", "--format", "json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    [screen] = report["screens"]
    assert set(screen) == {"file", "app_version", "elements"}
    assert (screen["file"], screen["app_version"]) == (str(path), "47.0.3")
    assert screen["elements"]["upload.editor_next"] == {
        "found": True,
        "selector": '{id: "q03"}',
        "bounds": [545, 2192, 1048, 2308],
        "tap": [796, 2250],
    }
    assert screen["elements"]["upload.post"] == {
        "found": False,
        "selector": None,
        "bounds": None,
        "tap": None,
    }


def test_check_of_a_file_that_is_not_a_dump_fails_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "screen.xml"
    bad.write_text("ERROR: could not get idle state.", encoding="utf-8")
    assert main(["screens", "check", str(bad)]) == 1
    assert "not a UI dump" in capsys.readouterr().err


def test_an_override_in_the_repo_fixes_a_changed_id_without_touching_python(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new release renames the comment sheet's add-image Button (found by its id only: it has no
    readable label): the shipped data misses it, one line of the campaign repo's apps/tiktok.yaml
    finds it again."""
    variant = tmp_path / "comment_sheet.xml"
    variant.write_text(
        (SCREENS / "47.0.3/fr/comment_sheet.xml")
        .read_text(encoding="utf-8")
        .replace("app-version: 47.0.3", "app-version: 47.1.0")
        .replace(":id/l12", ":id/q9z"),
        encoding="utf-8",
    )
    _, shipped = check_screen(variant.read_text(encoding="utf-8"))
    assert not shipped["comment.add_image"]["found"]
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "tiktok.yaml").write_text(
        'versions:\n  "47.1.*":\n    elements:\n      comment.add_image: [{id: q9z}]\n',
        encoding="utf-8",
    )
    args = ["screens", "check", "--root", str(tmp_path), "--format", "json", str(variant)]
    assert main(args) == 0
    fixed = json.loads(capsys.readouterr().out)["screens"][0]["elements"]["comment.add_image"]
    assert fixed == {
        "found": True,
        "selector": '{id: "q9z"}',
        "bounds": [732, 2210, 832, 2305],
        "tap": [782, 2257],
    }


def test_a_renamed_upload_control_is_still_found_by_its_structure() -> None:
    """The Upload control has no label; a release that renames its id (43.1.4 ymg, 47.0.3
    upload_hot_area) is still found by where it sits."""
    variant = (
        (SCREENS / "47.0.3/fr/camera.xml")
        .read_text(encoding="utf-8")
        .replace("app-version: 47.0.3", "app-version: 47.1.0")
        .replace(":id/upload_hot_area", ":id/ua1")
    )
    found = check_screen(variant)[1]["upload.upload"]
    assert found["found"] and found["bounds"] == [0, 2118, 210, 2314]
    assert found["selector"].startswith("{xpath:")


def test_capture_saves_the_dump_with_its_version_a_screenshot_and_info(
    sim_fleet,  # type: ignore[no-untyped-def]
    adb_server: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fleet = sim_fleet(phones=1, accounts=1)
    serial = fleet.phones[0].adb_serial
    args = ["screens", "capture", serial, "-o", str(tmp_path), "--adb", f"127.0.0.1:{adb_server}"]
    assert main(args) == 0
    folder = Path(capsys.readouterr().out.strip())
    assert folder.parent == tmp_path
    assert sorted(p.name for p in folder.iterdir()) == ["dump.xml", "info.json", "screenshot.png"]
    info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
    xml = (folder / "dump.xml").read_text(encoding="utf-8")
    assert info["serial"] == serial and info["package"] == PACKAGE
    assert dump_version(xml) == info["app_version"] != "unknown"
    assert (folder / "screenshot.png").read_bytes().startswith(b"\x89PNG")
    version, elements = check_screen(xml)  # what was captured can be checked at once
    assert version == info["app_version"] and "video.like" in elements


def test_capture_of_an_unknown_phone_fails_with_a_clear_error(
    adb_server: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "screens",
        "capture",
        "nosuch:1",
        "-o",
        str(tmp_path),
        "--adb",
        f"127.0.0.1:{adb_server}",
    ]
    assert main(args) == 1
    assert "nosuch:1" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
