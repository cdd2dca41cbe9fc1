"""Profiles: another user's (Follow / Following / Friends) and one's own with the account switcher."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.sim.ui.node import HEIGHT, WIDTH, Node
from runner.sim.ui.tiktok import actions
from runner.sim.ui.tiktok.state import Screen

if TYPE_CHECKING:
    from runner.sim.ui.tiktok.build import Builder


def profile(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    user = screen.params["user"]
    back = b.image("profile_back", (0, 90, 120, 210), "Back", on_tap=app.pop)
    if not app.world.user_exists(user):
        return b.group(
            "",
            (0, 0, WIDTH, HEIGHT),
            back,
            b.text("profile_missing", (60, 900, WIDTH - 60, 1000), "Couldn't find this account"),
            b.text(
                "",
                (60, 1010, WIDTH - 60, 1080),
                "Looking for videos? Try browsing our trending creators.",
            ),
        )
    relation = actions.relation(app, user)
    nodes = [
        back,
        b.text(
            "profile_title", (200, 110, 880, 190), user.replace("_", " ").replace(".", " ").title()
        ),
        b.image("", (420, 260, 660, 500), user),
        b.text("profile_username", (200, 520, 880, 590), f"@{user}"),
        b.text(
            "profile_stats",
            (100, 620, 980, 720),
            f"{len(user) * 7} Following   {len(user) * 31}K Followers   {len(user) * 2}M Likes",
        ),
        b.button(
            "profile_follow",
            (240, 760, 640 if relation != "Follow" else 840, 880),
            relation,
            on_tap=lambda: actions.press_follow(app, user),
        ),
    ]
    if relation != "Follow":
        nodes.append(
            b.button("profile_message", (660, 760, 840, 880), "Message", on_tap=lambda: None)
        )
    videos = app.world.user_videos(user)
    for i, video in enumerate(videos):
        row, col = divmod(i, 3)
        left, top = col * 360, 960 + row * 480
        nodes.append(
            b.node(
                "profile_video",
                "android.widget.FrameLayout",
                (left, top, left + 360, top + 470),
                desc=video.caption,
                on_tap=lambda i=i: app.push(Screen("video", {"videos": list(videos), "index": i})),
            )
        )
    return b.group("", (0, 0, WIDTH, HEIGHT), *nodes)


def own_profile(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    account = app.account
    if account is None:
        return b.group(
            "",
            (0, 0, WIDTH, HEIGHT - 150),
            b.text("login_title", (60, 800, WIDTH - 60, 900), "Sign up for an account"),
            b.button(
                "", (200, 1000, 880, 1120), "Sign up", on_tap=lambda: app.push(Screen("login"))
            ),
        )
    name = account.username
    nodes = [
        b.text(
            "own_username",
            (300, 100, 780, 190),
            name,
            desc=f"{name}, switch account",
            on_tap=lambda: screen.params.__setitem__("sheet", "switcher"),
        ),
        b.image("", (420, 260, 660, 500), name),
        b.text("own_handle", (200, 520, 880, 590), f"@{name}"),
        b.text(
            "profile_stats",
            (100, 620, 980, 720),
            f"{len(account.following)} Following   0 Followers   0 Likes",
        ),
        b.button("own_edit", (300, 760, 780, 880), "Edit profile", on_tap=lambda: None),
    ]
    for i, post in enumerate(reversed(account.posts[-9:])):
        row, col = divmod(i, 3)
        left, top = col * 360, 960 + row * 420
        nodes.append(
            b.node(
                "own_post",
                "android.widget.FrameLayout",
                (left, top, left + 360, top + 410),
                desc=post["caption"] or "Video",
                on_tap=lambda: None,
            )
        )
    return b.group("", (0, 0, WIDTH, HEIGHT - 150), *nodes)


def switcher(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    names = list(app.accounts)
    top = HEIGHT - 400 - 170 * len(names)

    def close() -> None:
        screen.params["sheet"] = None

    rows: list[Node | None] = [
        b.text("switcher_title", (0, top + 30, WIDTH, top + 110), "Switch account")
    ]
    for i, name in enumerate(names):
        y = top + 140 + i * 170
        rows.append(
            b.group(
                "switcher_row",
                (0, y, WIDTH, y + 160),
                b.image("", (40, y + 20, 160, y + 140), name),
                b.text("", (200, y + 50, 800, y + 110), name),
                b.image("switcher_check", (940, y + 50, 1020, y + 110), "Selected")
                if name == app.current
                else None,
                cls="android.widget.LinearLayout",
                on_tap=lambda name=name: actions.switch_account(app, name),
            )
        )
    y = top + 140 + len(names) * 170

    def add_account() -> None:
        close()
        app.push(Screen("login"))

    rows.append(
        b.text("switcher_add", (200, y + 30, 900, y + 110), "Add account", on_tap=add_account)
    )
    panel = b.group("", (0, top, WIDTH, HEIGHT), *rows, cls="android.widget.LinearLayout")
    return Node(package=b.package).add(
        Node(bounds=(0, 0, WIDTH, top), package=b.package, on_tap=close), panel
    )
