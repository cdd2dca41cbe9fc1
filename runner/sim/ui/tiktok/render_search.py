"""Search: the input with its hint, then result tabs (Top, Users/Accounts, Videos, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.sim.ui.node import HEIGHT, WIDTH, Node
from runner.sim.ui.tiktok import actions
from runner.sim.ui.tiktok.state import Screen

if TYPE_CHECKING:
    from runner.sim.ui.tiktok.build import Builder

TOP = 320


def search(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    header = [
        b.image("search_back", (0, 90, 110, 210), "Back", on_tap=app.pop),
        b.edit("search_input", (120, 100, 850, 200), "search", "Search"),
        b.text(
            "search_button",
            (870, 100, 1060, 200),
            "Search",
            on_tap=lambda: actions.submit_search(app),
        ),
    ]
    query = screen.params.get("query")
    body: list[Node | None] = []
    if query:
        body.append(_tabs(b, screen))
        tab = screen.params.get("tab", "Top")
        if tab == "Top":
            body += _user_rows(b, app.world.similar_users(query)[:1], TOP)
            body += _video_tiles(b, query, TOP + 200)
        elif tab == b.layout.users_tab:
            body += _user_rows(b, app.world.similar_users(query), TOP)
        elif tab == "Videos":
            body += _video_tiles(b, query, TOP)
        else:
            body.append(b.text("", (60, TOP + 100, WIDTH - 60, TOP + 180), "No results found"))
    return b.group("", (0, 0, WIDTH, HEIGHT), *header, *body)


def _tabs(b: Builder, screen: Screen) -> Node | None:
    names = ["Top", b.layout.users_tab, "Videos", "Sounds", "LIVE", "Shop"]
    current = screen.params.get("tab", "Top")
    tabs = []
    for i, name in enumerate(names):
        left = 20 + i * 175
        tabs.append(
            b.text(
                "search_tab",
                (left, 220, left + 170, 300),
                name,
                selected=name == current,
                on_tap=lambda name=name: screen.params.__setitem__("tab", name),
            )
        )
    return b.group(
        "", (0, 210, WIDTH, 310), *tabs, cls="android.widget.HorizontalScrollView", scrollable=True
    )


def _user_rows(b: Builder, users: list[str], top: int) -> list[Node | None]:
    app = b.app
    rows: list[Node | None] = []
    for i, user in enumerate(users):
        y = top + i * 190
        relation = actions.relation(app, user)
        rows.append(
            b.group(
                "user_row",
                (0, y, WIDTH, y + 180),
                b.image("", (30, y + 20, 170, y + 160), user),
                b.text("user_name", (200, y + 30, 760, y + 90), user),
                b.text(
                    "user_nickname",
                    (200, y + 95, 760, y + 150),
                    f"{user.replace('_', ' ').title()} · {(i + 3) * 17}K followers",
                ),
                b.button(
                    "user_follow",
                    (780, y + 50, 1050, y + 130),
                    relation,
                    on_tap=lambda user=user: actions.press_follow(app, user),
                ),
                cls="android.widget.LinearLayout",
                on_tap=lambda user=user: app.push(Screen("profile", {"user": user})),
            )
        )
    return rows


def _video_tiles(b: Builder, query: str, top: int) -> list[Node | None]:
    app = b.app
    videos = app.world.search_videos(query)
    tiles: list[Node | None] = []
    for i, video in enumerate(videos[:6]):
        row, col = divmod(i, 2)
        left, y = col * 540, top + row * 560
        tiles.append(
            b.node(
                "video_tile",
                "android.widget.FrameLayout",
                (left, y, left + 540, y + 550),
                desc=f"{video.caption} by @{video.creator}",
                on_tap=lambda i=i, videos=videos: app.push(
                    Screen("video", {"videos": list(videos), "index": i})
                ),
            )
        )
    return tiles
