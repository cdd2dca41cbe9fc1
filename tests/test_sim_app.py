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


def test_tap_on_like_turns_it_into_unlike_and_records_the_like(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Like video")
    node = ui_find(device, content_desc="Unlike")
    assert (node["selected"], len(_truth(fleet)["likes"])) == ("true", 1)


def test_profile_link_follow_then_unfollow_through_the_dialog(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    _open(device, "https://www.tiktok.com/@alice")
    ui_tap(device, text="Follow", **{"class": "android.widget.Button"})
    ui_tap(device, text="Following")
    ui_tap(device, text="Unfollow")
    truth = _truth(fleet)
    assert (truth["follows"], truth["unfollows"], ui_find(device, text="Follow")["class"]) == (
        ["alice"],
        ["alice"],
        "android.widget.Button",
    )


def test_mutual_user_shows_friends_after_follow(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, mutual_users=("bestie",))
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    _open(device, "https://www.tiktok.com/@bestie")
    ui_tap(device, text="Follow")
    assert (
        ui_find(device, resource_id=f"{TIKTOK}:id/" + _rid("profile_follow"))["text"] == "Friends"
    )


def _rid(name: str) -> str:
    from runner.sim.ui.tiktok.ids import layouts

    return layouts()["default"].ids[name]


def test_missing_user_profile_says_it_cannot_be_found(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, missing_users=("ghost",))
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    _open(device, "https://www.tiktok.com/@ghost")
    assert ui_find(device, text="Couldn't find this account")["package"] == TIKTOK


def test_video_link_comment_in_unicode_is_recorded_with_its_url(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    url = "https://www.tiktok.com/@bob/video/7312345678901234567"
    _open(device, url)
    ui_tap(device, content_desc="Read or add comments")
    ui_tap(device, content_desc="Add comment...")
    _type_unicode(device, "so good 🔥 ça va")
    ui_tap(device, content_desc="Post")
    assert _truth(fleet)["comments"] == [
        {"video_id": "7312345678901234567", "url": url, "text": "so good 🔥 ça va", "image": None}
    ]


def test_posted_comment_shows_in_the_list(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    _open(device, "https://www.tiktok.com/@bob/video/7312345678901234568")
    ui_tap(device, content_desc="Read or add comments")
    ui_tap(device, content_desc="Add comment...")
    device.shell("input text 'nice%sone'")
    ui_tap(device, content_desc="Post")
    assert ui_find(device, text="nice one")["class"] == "android.widget.TextView"


def test_short_link_opens_a_video_player(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    _open(device, "https://vm.tiktok.com/ZMabc123/")
    assert (
        device.app_current().activity,
        ui_find(device, content_desc="Share video")["clickable"],
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
    names = [
        n["text"] for n in ui_nodes(device) if n["resource-id"].endswith("/" + _rid("user_name"))
    ]
    assert names[:2] == ["chef.marco", "chef.marco_official"]


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
    ui_tap(device, text="Upload")
    tiles = [
        n["content-desc"]
        for n in ui_nodes(device)
        if n["resource-id"].endswith("/" + _rid("gallery_item"))
    ]
    ui_tap(device, content_desc="Video, new.mp4")
    ui_tap(device, text="Next")
    ui_tap(device, text="Add a description")
    device.shell("input text 'hello%sworld'")
    ui_tap(device, text="Post", **{"class": "android.widget.Button"})
    assert (tiles, _truth(fleet)["posts"]) == (
        ["Video, new.mp4", "Video, old.mp4"],
        [{"caption": "hello world", "media": ["new.mp4"]}],
    )


def test_unscanned_media_is_not_in_the_gallery(phone) -> None:  # type: ignore[no-untyped-def]
    _, device = phone
    device.sync.push(b"\x00", "/sdcard/DCIM/Camera/hidden.mp4")
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Create")
    ui_tap(device, text="Upload")
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
    ui_tap(device, text="user001_1")
    labels = [
        n["text"]
        for n in ui_nodes(device)
        if n["text"] in ("user001_1", "user001_2", "Add account")
    ]
    ui_tap(device, text="user001_2")
    assert (
        labels[1:],
        _truth(fleet, "user001_2")["switches"],
        ui_find(device, text="@user001_2")["package"],
    ) == (
        ["user001_1", "user001_2", "Add account"],
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
    assert ui_find(device, text="Following")["class"] == "android.widget.Button"


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
    ui_tap(device, text="Upload")
    assert (
        out.startswith("Result: Bundle[{uri=content://media/external/file/"),
        ui_find(device, content_desc="Photo, p.jpg")["clickable"],
    ) == (True, "true")


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
        "android.widget.Button",
    )


def test_favourite_is_recorded_and_shown_selected(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    _open(device, "https://www.tiktok.com/@dana/video/7399999999999999999")
    ui_tap(device, content_desc="Add or remove this video from Favourites")
    node = ui_find(device, content_desc="Add or remove this video from Favourites")
    assert (node["selected"], _truth(fleet)["favourites"]) == (
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
        texts = {n["text"] for n in ui_nodes(device)}
        seen |= texts & {"Sponsored", "LIVE"}
        device.shell("input swipe 540 1800 540 600 20")
    watched = _truth(fleet)["watched"]
    assert (seen, len(watched)) == (
        {"Sponsored", "LIVE"},
        8,
    )  # items 0-10: ads at 3 and 10, a live at 5


def test_search_video_result_opens_the_player_and_swipes_through_results(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Search")
    device.shell("input text cooking")
    ui_tap(device, text="Search", **{"class": "android.widget.TextView"})
    ui_tap(device, text="Videos")
    tiles = [n for n in ui_nodes(device) if " by @" in n["content-desc"]]
    device.shell("input tap 270 600")
    first = ui_find(device, content_desc="Read or add comments")
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
    ui_tap(device, text="Upload")
    prompt = ui_find(device, text="Allow")
    ui_tap(device, text="Allow")
    assert (prompt["package"], ui_find(device, text="Recents")["package"]) == (
        "com.google.android.permissioncontroller",
        TIKTOK,
    )


def test_layout_v2_names_the_users_tab_accounts(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    from runner.sim import FaultSpec

    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(layout="v2"))
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Search")
    device.shell("input text bob")
    device.shell("input keyevent 66")
    tabs = [
        n["text"]
        for n in ui_nodes(device)
        if n["class"] == "android.widget.TextView" and n["clickable"] == "true"
    ]
    assert tabs[-6:] == ["Top", "Accounts", "Videos", "Sounds", "LIVE", "Shop"]


def test_dump_shows_only_the_dialog_window_while_a_dialog_is_up(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    device.app_start(TIKTOK)
    fleet.phones[0].show_dialog("Remind me later", ["Remind me later", "Update"])
    texts = [n["text"] for n in ui_nodes(device) if n["text"]]
    ui_tap(device, text="Update")
    assert (texts, ui_find(device, content_desc="Home")["package"]) == (
        ["Remind me later", "Remind me later", "Update"],
        TIKTOK,
    )


def test_tap_beside_a_popup_cancels_it_and_reaches_nothing_else(phone) -> None:  # type: ignore[no-untyped-def]
    fleet, device = phone
    _open(device, "https://www.tiktok.com/@zoe")
    fleet.phones[0].show_dialog("Remind me later", ["Remind me later", "Update"])
    follow = {"x": 540, "y": 820}
    device.shell(f"input tap {follow['x']} {follow['y']}")
    assert (ui_find(device, text="Follow")["class"], _truth(fleet)["follows"]) == (
        "android.widget.Button",
        [],
    )
