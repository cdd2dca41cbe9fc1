"""The TikTok-like app seen through uiautomator dumps and input, like a runner sees it."""

from __future__ import annotations

import base64
import time

import adbutils
import pytest
from fixtures_sim import ui_find, ui_nodes, ui_tap

from runner.sim import AccountSpec, PhoneSpec

TIKTOK = "com.zhiliaoapp.musically"


@pytest.fixture
def phone(sim_fleet):  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=2)
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    return fleet, device


def _truth(fleet, user: str = "user001_1") -> dict:  # type: ignore[no-untyped-def]
    return fleet.ground_truth()[fleet.phones[0].serial][user]


def _open(device, url: str) -> None:  # type: ignore[no-untyped-def]
    device.shell(["am", "start", "-a", "android.intent.action.VIEW", "-d", url])


def _type_unicode(device, text: str) -> None:  # type: ignore[no-untyped-def]
    device.shell("ime set com.android.adbkeyboard/.AdbIME")
    device.shell(
        f"am broadcast -a ADB_INPUT_B64 --es msg {base64.b64encode(text.encode()).decode()}"
    )


def test_dump_to_file_prints_the_real_message_and_writes_xml(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    out = device.shell("uiautomator dump")
    assert (out, device.sync.read_bytes("/sdcard/window_dump.xml")[:37]) == (
        "UI hierchary dumped to: /sdcard/window_dump.xml",
        b"<?xml version='1.0' encoding='UTF-8' ",
    )


def test_adbutils_dump_hierarchy_parses_a_still_screen(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    assert 'text="TikTok"' in device.dump_hierarchy()  # the launcher


def test_adbutils_dump_hierarchy_fails_on_the_playing_feed_like_on_a_real_phone(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    device.app_start(TIKTOK)
    with pytest.raises(adbutils.AdbError, match="could not get idle state"):
        device.dump_hierarchy()


def test_tap_on_like_selects_its_heart_and_records_the_like(phone) -> None:  # type: ignore[no-untyped-def]
    """As the 43.1.4 and 47.0.3 captures of a liked video show: the like Button itself stays
    selected="false", the heart image inside it turns selected="true"."""
    fleet, device = phone
    device.app_start(TIKTOK)
    before = _desc_starting(device, "Like video. ")
    _tap(device, before)
    after = _desc_starting(device, "Like video. ")
    heart = next(n for n in ui_nodes(device) if n["content-desc"] == "Like")
    assert (before["class"], after["selected"], heart["selected"], len(_truth(fleet)["likes"])) == (
        "android.widget.Button",
        "false",
        "true",
        1,
    )


def test_profile_link_follow_then_unfollow_through_the_sheet(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    _open(device, "https://www.tiktok.com/@alice")
    ui_tap(device, text="Follow", resource_id=_rid("profile_follow_text"))
    ui_tap(device, text="Following ", resource_id=_rid("profile_follow_text"))
    sheet = ui_find(device, content_desc="Bottom sheet")
    ui_tap(device, text="Unfollow")
    truth = _truth(fleet)
    assert (
        sheet["class"],
        truth["follows"],
        truth["unfollows"],
        ui_find(device, text="Follow")["class"],
    ) == ("android.widget.FrameLayout", ["alice"], ["alice"], "android.widget.TextView")


def test_unfollowing_a_friend_asks_in_a_dialog(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    spec = PhoneSpec("SIMF00005", accounts=(AccountSpec("me", following=("bestie",)),))
    fleet = sim_fleet(specs=[spec], mutual_users=("bestie",))
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    _open(device, "https://www.tiktok.com/@bestie")
    ui_tap(device, text="Friends", resource_id=_rid("profile_follow_text"))
    question = ui_find(
        device, text="Unfollow this person? You and this person are currently friends."
    )
    ui_tap(device, text="Unfollow")
    assert (question["package"], _truth(fleet, "me")["unfollows"]) == (TIKTOK, ["bestie"])


def test_profile_follow_is_a_textview_in_a_clickable_row_without_id(phone) -> None:  # type: ignore[no-untyped-def]
    """47.0.3: LinearLayout (clickable, no id) > fmk > fmj > fmr > TextView fmp "Follow"."""
    _, device = phone
    _open(device, "https://www.tiktok.com/@alice")
    chain = _ancestors(device, text="Follow", resource_id=_rid("profile_follow_text"))
    assert [
        (n["class"].rsplit(".", 1)[-1], n["resource-id"].rsplit("/", 1)[-1], n["clickable"])
        for n in chain[-5:]
    ] == [
        ("LinearLayout", "", "true"),
        ("LinearLayout", "fmk", "false"),
        ("LinearLayout", "fmj", "false"),
        ("LinearLayout", "fmr", "false"),
        ("TextView", "fmp", "false"),
    ]


def test_followed_profile_has_a_following_label_besides_the_button(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    spec = PhoneSpec("SIMF00003", accounts=(AccountSpec("me", following=("carol",)),))
    fleet = sim_fleet(specs=[spec])
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    _open(device, "https://www.tiktok.com/@carol")
    following = [
        (n["resource-id"].rsplit("/", 1)[-1], n["text"])
        for n in ui_nodes(device)
        if n["text"].strip() in ("Following", "Message")
    ]
    assert following == [("t89", "Following"), ("fmp", "Message"), ("fmp", "Following ")]


def test_mutual_user_shows_friends_after_follow(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, mutual_users=("bestie",))
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    _open(device, "https://www.tiktok.com/@bestie")
    ui_tap(device, text="Follow")
    assert ui_find(device, resource_id=_rid("profile_follow_text"), text="Friends")["class"] == (
        "android.widget.TextView"
    )


def _rid(name: str, version: str = "47.0.3") -> str:
    from runner.sim.ui.tiktok.layout import layouts

    return f"{TIKTOK}:id/{layouts()[version].ids[name]}"


def _desc_starting(device, prefix: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return next(n for n in ui_nodes(device) if n["content-desc"].startswith(prefix))


def _tap(device, node: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    import re

    left, top, right, bottom = map(int, re.findall(r"-?\d+", node["bounds"]))
    device.shell(f"input tap {(left + right) // 2} {(top + bottom) // 2}")


def _ancestors(device, **attrs: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The node matching ``attrs`` and its ancestors, outermost first."""
    import xml.etree.ElementTree as ET

    raw = device.shell("uiautomator dump --compressed /dev/tty")
    root = ET.fromstring(raw[: raw.rindex("</hierarchy>") + len("</hierarchy>")])
    wanted = {k.replace("_", "-"): v for k, v in attrs.items()}

    def walk(node, path):  # type: ignore[no-untyped-def]
        path = [*path, dict(node.attrib)]
        if node.tag == "node" and all(node.get(k) == v for k, v in wanted.items()):
            return path
        for child in node:
            found = walk(child, path)
            if found:
                return found
        return None

    return [n for n in walk(root, []) or [] if n.get("class")]


def test_missing_user_profile_says_it_cannot_be_found(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, missing_users=("ghost",))
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    _open(device, "https://www.tiktok.com/@ghost")
    assert ui_find(device, text="Couldn't find this account")["package"] == TIKTOK


def test_video_link_comment_in_unicode_is_recorded_with_its_url(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    url = "https://www.tiktok.com/@bob/video/7312345678901234567"
    _open(device, url)
    _tap(device, _desc_starting(device, "Read or add comments. "))
    ui_tap(device, text="Add comment...")
    _type_unicode(device, "so good 🔥 ça va")
    ui_tap(device, content_desc="Post")
    assert _truth(fleet)["comments"] == [
        {"video_id": "7312345678901234567", "url": url, "text": "so good 🔥 ça va", "image": None}
    ]


def test_posted_comment_shows_in_the_list(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    _open(device, "https://www.tiktok.com/@bob/video/7312345678901234568")
    _tap(device, _desc_starting(device, "Read or add comments. "))
    ui_tap(device, text="Add comment...")
    device.shell("input text 'nice%sone'")
    ui_tap(device, content_desc="Post")
    assert ui_find(device, text="nice one")["class"] == "android.widget.TextView"


def test_short_link_opens_a_video_player(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    _open(device, "https://vm.tiktok.com/ZMabc123/")
    assert (
        device.app_current().activity,
        _desc_starting(device, "Share video. ")["clickable"],
    ) == ("com.ss.android.ugc.aweme.detail.ui.DetailActivity", "true")


def test_input_text_drops_characters_a_keyboard_cannot_type(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Search")
    device.shell(["input", "text", "café世界"])
    assert ui_find(device, **{"class": "android.widget.EditText"})["text"] == "caf"


def test_adb_keyboard_broadcast_reaches_nobody_unless_the_ime_is_active(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Search")
    out = device.shell(
        f"am broadcast -a ADB_INPUT_B64 --es msg {base64.b64encode('日本'.encode()).decode()}"
    )
    assert (
        out.splitlines()[-1],
        ui_find(device, **{"class": "android.widget.EditText"})["text"],
    ) == ("Broadcast completed: result=0", "Search")


def test_phone_without_adb_keyboard_does_not_list_it(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, adb_keyboard=False)
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    result = device.shell2("ime set com.android.adbkeyboard/.AdbIME")
    assert (device.shell("ime list -s"), result.returncode) == (
        "com.android.inputmethod.latin/.LatinIME",
        255,
    )


def test_search_users_tab_lists_the_exact_username_first(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Search")
    device.shell("input text chef.marco")
    device.shell("input keyevent KEYCODE_ENTER")
    ui_tap(device, text="Users")
    names = [n["text"] for n in ui_nodes(device) if n["resource-id"] == _rid("user_name")]
    assert names[:2] == ["\u200e\u2068chef.marco\u2069", "\u200e\u2068chef.marco_official\u2069"]


def test_upload_flow_posts_the_newest_scanned_media_with_caption(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    for name in ("old.mp4", "new.mp4"):
        device.sync.push(b"\x00" * 64, f"/sdcard/DCIM/Camera/{name}")
        device.shell(
            f"am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE -d file:///sdcard/DCIM/Camera/{name}"
        )
    device.shell("touch /sdcard/DCIM/Camera/new.mp4")
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Create")
    ui_tap(device, resource_id=f"{TIKTOK}:id/upload_hot_area")
    tiles = _gallery_tiles(device)
    _tap(device, tiles[0])
    ui_tap(device, text="Next (1)", **{"class": "android.widget.Button"})
    ui_tap(device, text="Next")
    ui_tap(device, text="Add a description...")
    device.shell("input text 'hello%sworld'")
    ui_tap(device, text="Post", **{"class": "android.widget.Button"})
    assert ([t["content-desc"] for t in tiles], _truth(fleet)["posts"]) == (
        ["", ""],
        [{"caption": "hello world", "media": ["new.mp4"]}],
    )


def _gallery_tiles(device) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The picker's tiles: the GridView's children (they have no content-desc)."""
    import xml.etree.ElementTree as ET

    raw = device.shell("uiautomator dump --compressed /dev/tty")
    root = ET.fromstring(raw[: raw.rindex("</hierarchy>") + len("</hierarchy>")])
    grid = next(n for n in root.iter("node") if n.get("class") == "android.widget.GridView")
    return [dict(n.attrib) for n in grid]


def test_unscanned_media_is_not_in_the_gallery(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    device.sync.push(b"\x00", "/sdcard/DCIM/Camera/hidden.mp4")
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Create")
    ui_tap(device, resource_id=f"{TIKTOK}:id/upload_hot_area")
    assert ui_find(device, text="No videos or photos")["package"] == TIKTOK


def test_send_multiple_intent_jumps_into_the_editor(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    for name in ("a.jpg", "b.jpg"):
        device.sync.push(b"\xff\xd8", f"/sdcard/Pictures/{name}")
    device.shell(
        "am start -a android.intent.action.SEND_MULTIPLE -t image/* -p com.zhiliaoapp.musically "
        "--eua android.intent.extra.STREAM file:///sdcard/Pictures/a.jpg,file:///sdcard/Pictures/b.jpg"
    )
    ui_tap(device, text="Next")
    ui_tap(device, text="Post", **{"class": "android.widget.Button"})
    assert _truth(fleet)["posts"] == [{"caption": "", "media": ["a.jpg", "b.jpg"]}]


def test_account_switcher_lists_accounts_and_switches(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Profile")
    ui_tap(device, text="user001_1", **{"class": "android.widget.Button"})
    sheet = ui_find(device, content_desc="Bottom sheet")
    rows = [n["content-desc"] for n in ui_nodes(device) if n["content-desc"].startswith("user001_")]
    ui_tap(device, content_desc="user001_2")
    assert (
        sheet["class"],
        rows,
        _truth(fleet, "user001_2")["switches"],
        ui_find(device, text="@user001_2")["package"],
    ) == (
        "android.widget.FrameLayout",
        ["user001_1", "user001_2"],
        [{"from": "user001_1", "to": "user001_2"}],
        TIKTOK,
    )


def test_watched_seconds_follow_wall_time_on_a_video(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    device.app_start(TIKTOK)
    time.sleep(0.4)
    device.shell("input swipe 540 1800 540 600 50")
    watched = _truth(fleet)["watched"]
    assert 0.4 <= watched[0]["seconds"] < 2.0 and watched[0]["video_id"] != watched[1]["video_id"]


def test_popup_at_launch_is_dismissed_by_back(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, popup_probability=1.0)
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    device.app_start(TIKTOK)
    before = sum(
        n["class"] == "android.widget.Button" and n["text"] != "" for n in ui_nodes(device)
    )
    device.keyevent(4)
    assert (before >= 1, ui_find(device, content_desc="Home")["package"]) == (True, TIKTOK)


def test_seeded_following_shows_following_on_the_profile(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    spec = PhoneSpec("SIMF00001", accounts=(AccountSpec("me", following=("carol",)),))
    fleet = sim_fleet(specs=[spec])
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    _open(device, "https://www.tiktok.com/@carol")
    assert ui_find(device, text="Following ", resource_id=_rid("profile_follow_text"))["class"] == (
        "android.widget.TextView"
    )


def test_deep_link_to_other_site_is_not_resolved(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    result = device.shell2(
        ["am", "start", "-a", "android.intent.action.VIEW", "-d", "https://example.com/x"]
    )
    assert result.returncode == 1 and "unable to resolve Intent" in result.output


def test_content_call_scan_file_indexes_media_for_the_picker(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    device.sync.push(b"\xff\xd8", "/sdcard/Pictures/p.jpg")
    out = device.shell(
        "content call --uri content://media --method scan_file --arg /sdcard/Pictures/p.jpg"
    )
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Create")
    ui_tap(device, resource_id=f"{TIKTOK}:id/upload_hot_area")
    assert (
        out.startswith("Result: Bundle[{uri=content://media/external/file/"),
        [t["clickable"] for t in _gallery_tiles(device)],
    ) == (True, ["true"])


def test_send_without_package_shows_a_chooser_with_both_tiktoks(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    device.sync.push(b"\x00", "/sdcard/Movies/v.mp4")
    device.shell(
        "am start -a android.intent.action.SEND -t video/* --eu android.intent.extra.STREAM file:///sdcard/Movies/v.mp4"
    )
    buttons = [n["text"] for n in ui_nodes(device) if n["class"] == "android.widget.Button"]
    ui_tap(device, text=f"TikTok ({TIKTOK})")
    assert (buttons, device.app_current().package, ui_find(device, text="Next")["class"]) == (
        [f"TikTok ({TIKTOK})", "TikTok (com.ss.android.ugc.trill)"],
        TIKTOK,
        "android.widget.TextView",
    )


def test_favourite_is_recorded_and_shown_selected(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    _open(device, "https://www.tiktok.com/@dana/video/7399999999999999999")
    ui_tap(device, content_desc="Add or remove this video from Favorites.")
    node = ui_find(device, content_desc="Add or remove this video from Favorites.")
    assert (node["clickable"], node["selected"], _truth(fleet)["favourites"]) == (
        "false",
        "true",
        [
            {
                "video_id": "7399999999999999999",
                "url": "https://www.tiktok.com/@dana/video/7399999999999999999",
            }
        ],
    )


def test_feed_has_ads_and_lives_that_are_not_counted_as_watched(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    device.app_start(TIKTOK)
    seen = set()
    for _ in range(10):
        texts = {n["text"] or n["content-desc"] for n in ui_nodes(device)}
        seen |= texts & {"Ad", "LIVE"}  # the ad label; a LIVE's surface is described "LIVE"
        device.shell("input swipe 540 1800 540 600 20")
    watched = _truth(fleet)["watched"]
    assert (seen, len(watched)) == (
        {"Ad", "LIVE"},
        8,
    )  # items 0-10: ads at 3 and 10, a live at 5


def test_search_video_result_opens_the_player_and_swipes_through_results(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Search")
    device.shell("input text cooking")
    ui_tap(device, text="Search", **{"class": "android.widget.Button"})
    ui_tap(device, text="Videos")
    tiles = [n for n in ui_nodes(device) if " by @" in n["content-desc"]]
    device.shell("input tap 270 600")
    first = _desc_starting(device, "Read or add comments. ")
    device.shell("input swipe 540 1800 540 600 20")
    watched = [w["video_id"] for w in _truth(fleet)["watched"]]
    assert (len(tiles), first["package"], len(set(watched))) == (
        6,
        TIKTOK,
        3,
    )  # feed video, then two results


def test_realistic_phone_takes_about_a_second_to_dump(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, realistic=True)
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    start = time.monotonic()
    device.shell("uiautomator dump /dev/tty")
    assert 1.0 <= time.monotonic() - start < 3.0


def test_first_upload_without_storage_permission_asks_for_it(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, storage_granted=False)
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Create")
    ui_tap(device, resource_id=f"{TIKTOK}:id/upload_hot_area")
    prompt = ui_find(device, text="Allow")
    ui_tap(device, text="Allow")
    assert (prompt["package"], ui_find(device, text="Recents")["package"]) == (
        "com.google.android.permissioncontroller",
        TIKTOK,
    )


def test_app_version_picks_the_layout_of_that_real_version(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, app_version="43.1.4")
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    device.app_start(TIKTOK)
    home = ui_find(device, content_desc="Home")
    follow = _desc_starting(device, "Follow ")
    assert (
        home["resource-id"],
        follow["resource-id"],
        follow["class"],
        device.shell("dumpsys package com.zhiliaoapp.musically | grep versionName").strip(),
    ) == (
        _rid("tab_home", "43.1.4"),
        _rid("video_follow", "43.1.4"),
        "android.widget.Button",
        "versionName=43.1.4",
    )


def test_french_phone_shows_suivis_with_its_trailing_space(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    spec = PhoneSpec("SIMF00004", accounts=(AccountSpec("moi", following=("carol",)),), locale="fr")
    fleet = sim_fleet(specs=[spec])
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    _open(device, "https://www.tiktok.com/@carol")
    words = [
        n["text"]
        for n in ui_nodes(device)
        if n["resource-id"] in (_rid("profile_follow_text"), _rid("profile_stat_label"))
    ]
    assert words == ["Suivis", "Followers", "J'aime", "Message", "Suivis "]


def test_portuguese_phone_describes_the_rail_in_portuguese(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, locale="pt-BR", app_version="46.9.3")
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    device.app_start(TIKTOK)
    assert (
        ui_find(device, resource_id=_rid("tab_home", "46.9.3"))["content-desc"],
        _desc_starting(device, "Leia ou adicione comentários. ")["resource-id"],
        _desc_starting(device, "Seguir ")["resource-id"],
    ) == ("Início", _rid("video_comment", "46.9.3"), _rid("video_follow", "46.9.3"))


def test_unknown_app_version_is_refused_naming_the_known_ones() -> None:
    from runner.sim.commands import all_commands
    from runner.sim.phone import SimPhone

    with pytest.raises(
        ValueError,
        match=r"unknown TikTok app version '34.1.3'; the sim knows: 47.0.3, 46.9.3, 43.1.4",
    ):
        SimPhone(PhoneSpec("SIMX", app_version="34.1.3"), commands=all_commands(), app_factory=None)


def test_dump_lists_the_status_bar_window_before_the_app(phone) -> None:  # type: ignore[no-untyped-def]
    import xml.etree.ElementTree as ET

    _, device = phone
    device.app_start(TIKTOK)
    raw = device.shell("uiautomator dump --compressed /dev/tty")
    windows = ET.fromstring(raw[: raw.rindex("</hierarchy>") + len("</hierarchy>")])
    assert [w.get("package") for w in windows] == ["com.android.systemui", TIKTOK]


def test_four_byte_emoji_read_back_as_two_dots(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Search")
    _type_unicode(device, "chef 🔥 ❤ ça")
    assert ui_find(device, **{"class": "android.widget.EditText"})["text"] == "chef .. ❤ ça"


def test_dump_shows_only_the_dialog_window_while_a_dialog_is_up(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    device.app_start(TIKTOK)
    fleet.phones[0].show_dialog("Remind me later", ["Remind me later", "Update"])
    texts = [n["text"] for n in ui_nodes(device) if n["text"]]
    ui_tap(device, text="Update")
    assert (texts, ui_find(device, content_desc="Home")["package"]) == (
        ["12:00", "Remind me later", "Remind me later", "Update"],
        TIKTOK,
    )


def test_tap_beside_a_popup_cancels_it_and_reaches_nothing_else(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    _open(device, "https://www.tiktok.com/@zoe")
    fleet.phones[0].show_dialog("Remind me later", ["Remind me later", "Update"])
    follow = {"x": 540, "y": 820}
    device.shell(f"input tap {follow['x']} {follow['y']}")
    assert (ui_find(device, text="Follow")["class"], _truth(fleet)["follows"]) == (
        "android.widget.TextView",
        [],
    )
