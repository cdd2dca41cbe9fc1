"""Search: the input, the submit Button "Search", then result tabs (Top, Users, Videos, ...).

A users-tab row follows the 47.0.3 capture: a clickable Button without id, as wide as the
screen, holding a RelativeLayout with the avatar, the handle (`tv_username`; 47.0.3 wraps it in
bidi marks), the display name (`tv_aweme_id`), the follower line and the row's own follow Button.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.sim.ui.node import HEIGHT, WIDTH, Node
from runner.sim.ui.tiktok import actions
from runner.sim.ui.tiktok.state import Screen
from runner.sim.ui.tiktok.world import display_name

if TYPE_CHECKING:
    from runner.sim.ui.tiktok.build import Builder

TOP = 373
TABS = ("top", "users", "videos", "sounds", "shop")  # "sounds": stand-in, no capture shows it


def search(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    header = [
        b.node("search_back", "android.widget.ImageView", (15, 142, 130, 257), on_tap=app.pop),
        b.group(
            "",
            (130, 153, 783, 247),
            b.edit("search_input", (130, 153, 783, 247), "search", b.t("search_hint")),
            cls="android.widget.FrameLayout",
        ),
        b.group(
            "",
            (783, 142, 1080, 257),
            b.button(
                "search_submit",
                (783, 142, 1080, 257),
                b.t("search_submit"),
                on_tap=lambda: actions.submit_search(app),
            ),
            cls="android.widget.FrameLayout",
        ),
    ]
    query = screen.params.get("query")
    body: list[Node | None] = []
    if query:
        body.append(_tabs(b, screen))
        tab = screen.params.get("tab", "top")
        if tab == "top":
            body.append(_user_rows(b, app.world.similar_users(query)[:1], TOP))
            body += _video_tiles(b, query, TOP + 200)
        elif tab == "users":
            body.append(_user_rows(b, app.world.similar_users(query), TOP))
        elif tab == "videos":
            body += _video_tiles(b, query, TOP)
        else:
            body.append(b.text("", (60, TOP + 100, WIDTH - 60, TOP + 180), b.t("no_results")))
    return b.group("", (0, 0, WIDTH, HEIGHT), *header, *body)


def _tabs(b: Builder, screen: Screen) -> Node | None:
    """Result tabs: FrameLayouts described by their label, holding a TextView with it; the
    selected one is not clickable (47.0.3 capture)."""
    current = screen.params.get("tab", "top")
    tabs = []
    for i, key in enumerate(TABS):
        left = 20 + i * 210
        label, selected = b.t(f"tab_{key}"), key == current
        tab = b.node(
            "",
            "android.widget.FrameLayout",
            (left, 268, left + 210, 373),
            desc=label,
            selected=selected,
            on_tap=None if selected else lambda key=key: screen.params.__setitem__("tab", key),
        )
        if tab is not None:
            tab.add(b.text("", (left + 26, 268, left + 184, 373), label, selected=selected))
        tabs.append(tab)
    return b.group(
        "search_tabs",
        (0, 268, WIDTH, 373),
        *tabs,
        cls="android.widget.HorizontalScrollView",
        scrollable=True,
    )


def _user_rows(b: Builder, users: list[str], top: int) -> Node | None:
    app = b.app
    bidi = bool(b.layout.flag("bidi_usernames"))
    rows: list[Node | None] = []
    for i, user in enumerate(users):
        y = top + 21 + i * 195
        following = actions.relation(app, user) != "Follow"
        open_profile = lambda user=user: app.push(Screen("profile", {"user": user}))  # noqa: E731
        inner = b.group(
            "user_row_inner",
            (0, y, WIDTH, y + 195),
            b.node(
                "user_avatar",
                b.layout.flag("avatar_class") or "android.widget.ImageView",
                (45, y + 24, 192, y + 171),
                on_tap=open_profile,
            ),
            b.group(
                "user_text",
                (226, y + 30, 775, y + 164),
                b.text(
                    "user_name",
                    (226, y + 30, 600, y + 80),
                    f"\u200e\u2068{user}\u2069" if bidi else user,
                ),
                b.text(
                    "user_nickname",
                    (226, y + 80, 775, y + 122),
                    f"@{user}" if b.layout.flag("handle_line_has_at") else display_name(user),
                ),
                b.text("user_desc", (226, y + 122, 734, y + 164), b.t("user_desc", n=(i + 3) * 17)),
                cls="android.widget.LinearLayout",
            ),
            b.group(
                "user_follow_frame",
                (807, y + 53, 1038, y + 137),
                b.button(
                    "user_follow",
                    (807, y + 53, 1038, y + 137),
                    b.t("user_following" if following else "user_follow"),
                    on_tap=lambda user=user: actions.press_follow(app, user),
                ),
                cls="android.widget.FrameLayout",
            ),
            cls="android.widget.RelativeLayout",
            on_tap=open_profile,
        )
        rows.append(
            b.group(
                "", (0, y, WIDTH, y + 195), inner, cls="android.widget.Button", on_tap=open_profile
            )
        )
    return b.group(
        "search_results",
        (0, top, WIDTH, HEIGHT),
        *rows,
        cls="androidx.recyclerview.widget.RecyclerView",
    )


def _video_tiles(b: Builder, query: str, top: int) -> list[Node | None]:
    """Stand-in tiles (no capture of the videos tab is used here)."""
    app = b.app
    videos = app.world.search_videos(query)
    tiles: list[Node | None] = []
    for i, video in enumerate(videos[:6]):
        row, col = divmod(i, 2)
        left, y = col * 540, top + row * 560
        tiles.append(
            b.node(
                "",
                "android.widget.FrameLayout",
                (left, y, left + 540, y + 550),
                desc=f"{video.caption} by @{video.creator}",  # stand-in wording
                on_tap=lambda i=i, videos=videos: app.push(
                    Screen("video", {"videos": list(videos), "index": i})
                ),
            )
        )
    return tiles
