"""Profiles: another user's (Follow / Following / Friends) and one's own with the account switcher.

Another user's profile follows the 47.0.3 capture: the display name is a Button without id, the
handle a Button "@<user>", each stat a clickable group of a value and a label (the "Following"
label is a TextView too: a selector on the word alone reads the wrong node). The follow control
is a TextView inside a clickable LinearLayout that has no id (43.1.4: `eme`, 46.9.3: `fm9`,
47.0.3: `fmp` under fmr < fmj < fmk); followed, the row holds "Message" and the state's word.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from runner.sim.ui.node import HEIGHT, WIDTH, Node
from runner.sim.ui.tiktok import actions
from runner.sim.ui.tiktok.state import Screen
from runner.sim.ui.tiktok.world import display_name

if TYPE_CHECKING:
    from runner.sim.ui.tiktok.build import Builder

LINEAR = "android.widget.LinearLayout"


def profile(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    user = screen.params["user"]
    back = b.image("", (0, 90, 120, 210), b.t("back"), on_tap=app.pop)
    if not app.world.user_exists(user):  # stand-in: no capture of a missing account
        return b.group(
            "",
            (0, 0, WIDTH, HEIGHT),
            back,
            b.text("", (60, 900, WIDTH - 60, 1000), b.t("profile_missing")),
        )
    relation = actions.relation(app, user)
    header = b.group(
        "profile_header",
        (0, 269, WIDTH, 689),
        b.group(
            "",
            (42, 275, 754, 542),
            b.button("", (42, 275, 520, 375), display_name(user), on_tap=lambda: None),
            b.button("profile_username", (42, 380, 400, 419), f"@{user}", on_tap=lambda: None),
            b.node("", "android.widget.ImageView", (405, 386, 431, 412), on_tap=lambda: None),
            _stats(b, user),
            cls=LINEAR,
        ),
        _actions(b, user, relation),
        cls=LINEAR,
    )
    nodes: list[Node | None] = [back, header]
    videos = app.world.user_videos(user)
    for i in range(len(videos)):
        row, col = divmod(i, 3)
        left, top = col * 360, 960 + row * 480
        nodes.append(
            b.node(
                "",
                "android.widget.FrameLayout",
                (left, top, left + 360, top + 470),
                on_tap=lambda i=i: app.push(Screen("video", {"videos": list(videos), "index": i})),
            )
        )
    return b.group("", (0, 0, WIDTH, HEIGHT), *nodes)


def _stats(b: Builder, user: str) -> Node | None:
    counts = [
        (str(len(user) * 7), "stat_following"),
        (f"{len(user) * 31}K", "stat_followers"),
        (f"{len(user) * 2}M", "stat_likes"),
    ]
    cells = []
    for i, (value, label) in enumerate(counts):
        left = 42 + i * 200
        cells.append(
            b.group(
                "",
                (left, 456, left + 190, 542),
                b.text("profile_stat_value", (left, 456, left + 190, 506), value),
                b.text("profile_stat_label", (left, 503, left + 190, 542), b.t(label)),
                cls=LINEAR,
                on_tap=lambda: None,
            )
        )
    return b.group("", (42, 456, 754, 542), *cells, cls=LINEAR)


def _control(
    b: Builder, bounds: tuple[int, int, int, int], word: str, on_tap: Callable[[], None]
) -> Node | None:
    """A clickable LinearLayout without id holding the layout's id chain and the TextView."""
    node = b.text("profile_follow_text", bounds, word)
    for short in reversed(b.layout.flag("profile_follow_chain") or []):
        node = Node(cls=LINEAR, bounds=bounds, rid=b.raw_rid(short), package=b.package).add(node)
    return b.group("", bounds, node, cls=LINEAR, on_tap=on_tap)


def _actions(b: Builder, user: str, relation: str) -> Node | None:
    app = b.app
    press: Callable[[], None] = lambda: actions.press_follow(app, user)  # noqa: E731
    if relation == "Follow":
        row = [_control(b, (42, 584, 912, 689), b.t("profile_follow"), press)]
    else:
        word = b.t("profile_friends" if relation == "Friends" else "profile_following")
        row = [
            _control(b, (42, 584, 649, 689), b.t("profile_message"), lambda: None),
            _control(b, (670, 584, 912, 689), word, press),
        ]
    row.append(
        b.group(
            "",
            (933, 584, 1038, 689),
            b.node(
                "profile_suggested",
                "android.widget.ImageView",
                (933, 584, 1038, 689),
                on_tap=lambda: None,
            ),
            cls=LINEAR,
        )
    )
    return b.group("", (42, 584, 1038, 689), *row, cls=LINEAR)


def own_profile(b: Builder, screen: Screen) -> Node | None:
    """One's own profile (43.1.4 capture: display name Button `qf8` in a clickable FrameLayout,
    handle Button `qh5`). The header name `rfm` that opens the account switcher comes from notes
    (Beautiful-Engineering/tiktok-tools); no capture shows it."""
    app = b.app
    account = app.account
    if account is None:  # stand-in: a guest's profile tab
        return b.group(
            "",
            (0, 0, WIDTH, HEIGHT - 150),
            b.button(
                "",
                (200, 1000, 880, 1120),
                b.t("login_title"),
                on_tap=lambda: app.push(Screen("login")),
            ),
        )
    name = account.username
    open_switcher = lambda: screen.params.__setitem__("sheet", "switcher")  # noqa: E731
    nodes: list[Node | None] = [
        b.button("own_switcher", (468, 93, 838, 203), name, on_tap=open_switcher),
        b.node(
            "",
            "android.widget.Button",
            (948, 93, 1058, 203),
            desc=b.t("own_menu"),
            on_tap=lambda: None,
        ),
        b.group(
            "",
            (374, 333, 744, 402),
            b.button(
                "own_name",
                (374, 333, 744, 402),
                account.name,
                on_tap=lambda: None,
            ),
            cls="android.widget.FrameLayout",
            on_tap=lambda: None,
        ),
        b.button("own_username", (319, 402, 700, 458), f"@{name}", on_tap=lambda: None),
        _own_stats(b, len(account.following)),
        b.button(
            "edit_button",
            (300, 760, 780, 880),
            b.t("own_edit"),
            on_tap=lambda: app.push(Screen("edit_profile"), popup=False),
        ),
    ]
    for i, post in enumerate(reversed(account.posts[-9:])):
        row, col = divmod(i, 3)
        left, top = col * 360, 960 + row * 420
        nodes.append(
            b.node(
                "",
                "android.widget.FrameLayout",
                (left, top, left + 360, top + 410),
                desc=post["caption"] or b.t("video"),
                on_tap=lambda: None,
            )
        )
    return b.group("", (0, 0, WIDTH, HEIGHT - 150), *nodes)


def _own_stats(b: Builder, following: int) -> Node | None:
    cells = []
    for i, (value, label) in enumerate(
        ((following, "stat_following"), (0, "stat_followers"), (0, "stat_likes"))
    ):
        left = 100 + i * 300
        cells.append(
            b.group(
                "",
                (left, 620, left + 280, 720),
                b.text("profile_stat_value", (left, 620, left + 280, 670), str(value)),
                b.text("profile_stat_label", (left, 670, left + 280, 720), b.t(label)),
                cls=LINEAR,
                on_tap=lambda: None,
            )
        )
    return b.group("", (100, 620, 980, 720), *cells, cls=LINEAR)


EDIT_ROWS = (
    ("name", "edit_name"),
    ("username", "edit_username"),
    ("bio", "edit_bio"),
    ("link", "edit_link"),
)


def edit_profile(b: Builder, screen: Screen) -> Node | None:
    """The edit-profile screen, a stand-in (no capture shows it in any version): one clickable
    row per field holding its label and its value, without resource-ids."""
    app = b.app
    account = app.account
    if account is None:
        return None
    open_sheet = lambda: screen.params.__setitem__("sheet", "photo")  # noqa: E731
    rows: list[Node | None] = [
        b.image("", (20, 90, 140, 210), b.t("back"), on_tap=app.pop),
        b.text("", (300, 110, 780, 190), b.t("own_edit")),
        b.group(
            "edit_photo",
            (390, 250, 690, 560),
            b.node("", "android.widget.ImageView", (440, 250, 640, 450)),
            b.text("", (390, 470, 690, 540), b.t("edit_photo")),
            cls=LINEAR,
            on_tap=open_sheet,
        ),
    ]
    for i, (field, label) in enumerate(EDIT_ROWS):
        top = 600 + i * 140
        value = account.username if field == "username" else account.profile.get(field, "")
        rows.append(
            b.group(
                "edit_row",
                (0, top, WIDTH, top + 130),
                b.text("", (40, top + 40, 400, top + 90), b.t(label)),
                b.text("", (420, top + 40, 1000, top + 90), value) if value else None,
                cls=LINEAR,
                on_tap=lambda field=field: actions.open_profile_field(app, field),
            )
        )
    return b.group("", (0, 0, WIDTH, HEIGHT), *rows)


def edit_field(b: Builder, screen: Screen) -> Node | None:
    """One field of the edit-profile screen, a stand-in (no capture): its label as the title, an
    EditText holding the value, Save."""
    app = b.app
    field = screen.params["field"]
    label = dict(EDIT_ROWS)[field]
    return b.group(
        "",
        (0, 0, WIDTH, HEIGHT),
        b.image("", (20, 90, 140, 210), b.t("back"), on_tap=app.pop),
        b.text("", (300, 110, 780, 190), b.t(label)),
        b.button(
            "edit_save",
            (880, 100, 1060, 200),
            b.t("edit_save"),
            on_tap=lambda: actions.save_profile_field(app, field),
        ),
        b.edit(
            "edit_input", (40, 300, 1040, 420 if field != "bio" else 700), f"profile_{field}", ""
        ),
    )


def photo_sheet(b: Builder, screen: Screen) -> Node | None:
    """What "Change photo" opens, a stand-in (no capture): a sheet offering "Take photo",
    "Upload photo" (the gallery) and "Cancel"."""
    app = b.app

    def close() -> None:
        screen.params["sheet"] = None

    def upload() -> None:
        close()
        actions.open_gallery(app, "avatar")

    top = HEIGHT - 560
    entries = (("photo_take", lambda: None), ("photo_upload", upload), ("cancel", close))
    rows = [
        b.button("", (0, top + 40 + i * 160, WIDTH, top + 180 + i * 160), b.t(key), on_tap=tap)
        for i, (key, tap) in enumerate(entries)
    ]
    return _bottom_sheet(b, "photo_sheet", top, rows, close)


def photo_picker(b: Builder, screen: Screen) -> Node | None:
    """The photo picker of "Upload photo", a stand-in (no capture): the gallery's photos,
    newest first, as unlabelled clickable tiles of a GridView; a tile opens the crop screen."""
    app = b.app
    tiles = []
    for i, path in enumerate(actions.gallery_media(app, "Photos")[:24]):
        row, col = divmod(i, 3)
        left, top = 5 + col * 359, 381 + row * 362
        tiles.append(
            b.node(
                "photo_tile",
                "android.widget.FrameLayout",
                (left, top, left + 354, top + 357),
                on_tap=lambda path=path: app.push(
                    Screen("photo_crop", {"path": path}), popup=False
                ),
            )
        )
    return b.group(
        "",
        (0, 0, WIDTH, HEIGHT),
        b.image("", (21, 142, 126, 247), b.t("close"), on_tap=app.pop),
        b.text("", (438, 169, 700, 219), b.t("gallery_photos")),
        b.group("", (0, 376, WIDTH, 1822), *tiles, cls="android.widget.GridView", scrollable=True),
    )


def photo_crop(b: Builder, screen: Screen) -> Node | None:
    """The crop screen after a photo is picked, a stand-in (no capture): "Cancel", "Save"."""
    app = b.app
    path = screen.params["path"]
    return b.group(
        "",
        (0, 0, WIDTH, HEIGHT),
        b.text("", (300, 110, 780, 190), b.t("photo_crop")),
        b.node("", "android.widget.ImageView", (0, 400, WIDTH, 1480)),
        b.button("", (40, 2100, 500, 2240), b.t("cancel"), on_tap=app.pop),
        b.button(
            "edit_save",
            (580, 2100, 1040, 2240),
            b.t("edit_save"),
            on_tap=lambda: actions.save_avatar(app, path),
        ),
    )


def switcher(b: Builder, screen: Screen) -> Node | None:
    """The account switcher, a stand-in after notes (no capture shows it): a sheet described
    "Bottom sheet" whose rows carry the account's bare handle (no @) in content-desc."""
    app = b.app
    names = list(app.accounts)
    top = HEIGHT - 400 - 170 * len(names)

    def close() -> None:
        screen.params["sheet"] = None

    rows: list[Node | None] = [b.text("", (0, top + 30, WIDTH, top + 110), b.t("switcher_title"))]
    for i, name in enumerate(names):
        y = top + 140 + i * 170
        rows.append(
            b.group(
                "switcher_row",
                (0, y, WIDTH, y + 160),
                b.node("", "android.widget.ImageView", (40, y + 20, 160, y + 140)),
                b.text("", (200, y + 50, 800, y + 110), display_name(name)),
                b.node("", "android.widget.ImageView", (940, y + 50, 1020, y + 110), selected=True)
                if name == app.current
                else None,
                desc=name,
                on_tap=lambda name=name: actions.switch_account(app, name),
            )
        )
    y = top + 140 + len(names) * 170

    def add_account() -> None:
        close()
        app.push(Screen("login"))

    rows.append(b.button("", (200, y + 30, 900, y + 110), b.t("switcher_add"), on_tap=add_account))
    return _bottom_sheet(b, "switcher_sheet", top, rows, close)


def _bottom_sheet(
    b: Builder, name: str, top: int, rows: list[Node | None], close: Callable[[], None]
) -> Node | None:
    """A sheet described "Bottom sheet" from ``top`` down; a tap above it closes it."""
    panel = b.group(
        name,
        (0, top, WIDTH, HEIGHT),
        *rows,
        cls="android.widget.FrameLayout",
        desc=b.t("bottom_sheet"),
    )
    return Node(package=b.package).add(
        Node(bounds=(0, 0, WIDTH, top), package=b.package, on_tap=close), panel
    )


def unfollow_sheet(b: Builder, screen: Screen) -> Node | None:
    """What tapping "Following " opens (UF capture, English, texts and bounds only): a sheet
    described "Bottom sheet" with an entry "Unfollow"."""
    app = b.app
    user = screen.params.get("unfollow_user", "")

    def close() -> None:
        screen.params["sheet"] = None

    def unfollow() -> None:
        close()
        actions.unfollow(app, user)

    panel = b.group(
        "",
        (0, 2007, WIDTH, HEIGHT),
        b.text("", (63, 2049, 600, 2107), display_name(user)),
        b.group(
            "",
            (0, 2370, WIDTH, HEIGHT),
            b.text("", (84, 2372, 865, 2398), b.t("unfollow")),
            cls=LINEAR,
            on_tap=unfollow,
        ),
        cls="android.widget.FrameLayout",
        desc=b.t("unfollow_sheet"),
    )
    return Node(package=b.package).add(
        Node(bounds=(0, 0, WIDTH, 2007), package=b.package, on_tap=close), panel
    )
