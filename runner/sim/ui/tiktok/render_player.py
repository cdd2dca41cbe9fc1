"""The video player (For You feed and a video opened by link), lives, and the comment sheet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.sim.ui.node import HEIGHT, WIDTH, Node
from runner.sim.ui.tiktok import actions
from runner.sim.ui.tiktok.state import Screen
from runner.sim.ui.tiktok.world import Video

if TYPE_CHECKING:
    from runner.sim.ui.tiktok.build import Builder

RAIL = 940
SHEET_TOP = 840


def _count(n: int) -> str:
    return (
        f"{n / 1_000_000:.1f}M" if n >= 1_000_000 else f"{n / 1000:.1f}K" if n >= 10_000 else str(n)
    )


def feed(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    video = app.world.feed_item(app.phone.serial, screen.params["index"])

    def open_search() -> None:
        app.push(Screen("search", {"query": None, "tab": "Top"}), popup=False)
        app.focus("search")

    top = b.group(
        "",
        (0, 80, WIDTH, 220),
        b.text("feed_tab_following", (300, 110, 520, 190), "Following", on_tap=lambda: None),
        b.text(
            "feed_tab_foryou", (560, 110, 780, 190), "For You", selected=True, on_tap=lambda: None
        ),
        b.image("feed_search", (960, 100, 1060, 200), "Search", on_tap=open_search),
    )
    return b.group(
        "", (0, 0, WIDTH, HEIGHT - 150), player(b, video, video.url, bottom=HEIGHT - 150), top
    )


def video(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    current = actions.screen_video(app, screen)
    url = actions.screen_url(screen, current)
    back = b.image("video_back", (20, 90, 140, 210), "Back", on_tap=app.pop)
    return b.group("", (0, 0, WIDTH, HEIGHT), player(b, current, url, bottom=HEIGHT), back)


def player(b: Builder, item: Video, url: str, *, bottom: int) -> Node | None:
    """One full-screen item: the video (or ad / live) with its right rail and caption."""
    app = b.app
    body = b.node(
        "video_player",
        "android.view.View",
        (0, 0, WIDTH, bottom),
        desc="Video",
        long_clickable=True,
        on_tap=(lambda: app.push(Screen("live"), popup=False))
        if item.kind == "live"
        else (lambda: None),
    )
    group = b.group("", (0, 0, WIDTH, bottom), body)
    if group is None:
        return None
    if item.kind == "live":
        group.add(
            b.text("live_label", (40, 1700, 200, 1770), "LIVE"),
            b.text(
                "live_enter",
                (40, 1780, 700, 1850),
                "Tap to watch LIVE",
                on_tap=lambda: app.push(Screen("live"), popup=False),
            ),
            b.text("video_author", (40, 1860, 700, 1930), f"@{item.creator}"),
        )
        return group
    group.add(*_rail(b, item, url, bottom))
    shift = bottom - 2250
    group.add(
        b.text(
            "video_author",
            (40, 1900 + shift, 700, 1960 + shift),
            f"@{item.creator}",
            on_tap=lambda: app.push(Screen("profile", {"user": item.creator})),
        ),
        b.text("video_caption", (40, 1970 + shift, 900, 2080 + shift), item.caption),
    )
    if item.kind == "ad":
        group.add(
            b.text("sponsored_label", (40, 1840 + shift, 260, 1890 + shift), "Sponsored"),
            b.button(
                "ad_cta", (40, 2090 + shift, 900, 2170 + shift), "Learn more", on_tap=lambda: None
            ),
        )
    return group


def _rail(b: Builder, item: Video, url: str, bottom: int) -> list[Node | None]:
    app = b.app
    account = app.account
    liked = bool(account and item.id in account.liked)
    faved = bool(account and item.id in account.favourites)
    following = bool(account and item.creator in account.following)
    y = bottom - 1250
    nodes: list[Node | None] = [
        b.image(
            "video_avatar",
            (RAIL, y, RAIL + 120, y + 120),
            item.creator,
            on_tap=lambda: app.push(Screen("profile", {"user": item.creator})),
        ),
    ]
    if item.kind == "video" and not following:
        nodes.append(
            b.image(
                "video_follow",
                (RAIL + 30, y + 100, RAIL + 90, y + 160),
                "Follow",
                on_tap=lambda: actions.follow(app, item.creator),
            )
        )
    likes = item.likes + (1 if liked else 0)
    nodes += [
        b.image(
            "video_like",
            (RAIL, y + 200, RAIL + 120, y + 320),
            "Unlike" if liked else "Like video",
            selected=liked,
            on_tap=lambda: actions.toggle_like(app, item),
        ),
        b.text("video_like_count", (RAIL, y + 320, RAIL + 120, y + 370), _count(likes)),
        b.image(
            "video_comment",
            (RAIL, y + 390, RAIL + 120, y + 510),
            "Read or add comments",
            on_tap=lambda: actions.open_comments(app),
        ),
        b.text(
            "video_comment_count",
            (RAIL, y + 510, RAIL + 120, y + 560),
            str(len(app.world.comments(item.id))),
        ),
        b.image(
            "video_favourite",
            (RAIL, y + 580, RAIL + 120, y + 700),
            "Add or remove this video from Favourites",
            selected=faved,
            on_tap=lambda: actions.toggle_favourite(app, item),
        ),
        b.image(
            "video_share",
            (RAIL, y + 760, RAIL + 120, y + 880),
            "Share video",
            on_tap=lambda: app.top.params.__setitem__("sheet", "share"),
        ),
    ]
    return nodes


def live(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    return b.group(
        "",
        (0, 0, WIDTH, HEIGHT),
        b.text("live_label", (40, 120, 200, 190), "LIVE"),
        b.image("video_back", (940, 100, 1060, 220), "Close", on_tap=app.pop),
        b.text("", (40, 2200, 800, 2300), "Say something..."),
    )


def _scrim(b: Builder) -> Node:
    app = b.app

    def close() -> None:
        app.top.params["sheet"] = None
        app.focused = None

    return Node(bounds=(0, 0, WIDTH, SHEET_TOP), package=b.package, on_tap=close)


def comment_sheet(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    item = (
        actions.screen_video(app, screen)
        if screen.kind == "video"
        else app.world.feed_item(app.phone.serial, screen.params["index"])
    )
    url = actions.screen_url(screen, item) if screen.kind == "video" else item.url
    comments = app.world.comments(item.id)
    rows = []
    for i, (user, text) in enumerate(comments[-8:]):
        top = 1000 + i * 140
        rows.append(
            b.group(
                "comment_row",
                (0, top, WIDTH, top + 130),
                b.text("comment_user", (140, top + 10, 900, top + 50), user),
                b.text("comment_text", (140, top + 55, 1000, top + 120), text),
                cls="android.widget.LinearLayout",
            )
        )
    attachment = screen.params.get("attachment")
    panel = b.group(
        "",
        (0, SHEET_TOP, WIDTH, HEIGHT),
        b.text(
            "comment_title",
            (300, SHEET_TOP + 30, 780, SHEET_TOP + 110),
            f"{len(comments)} comments",
        ),
        b.image(
            "comment_close",
            (960, SHEET_TOP + 20, 1060, SHEET_TOP + 120),
            "Close",
            on_tap=lambda: screen.params.__setitem__("sheet", None),
        ),
        b.group(
            "comment_list",
            (0, 980, WIDTH, 2150),
            *rows,
            cls="androidx.recyclerview.widget.RecyclerView",
            scrollable=True,
        ),
        b.image(
            "comment_attachment",
            (40, 2040, 200, 2150),
            "Attached image",
            on_tap=lambda: screen.params.__setitem__("attachment", None),
        )
        if attachment
        else None,
        b.edit(
            "comment_input",
            (40, 2200, 760, 2330),
            "comment",
            "Add comment...",
            desc="Add comment...",
        ),
        b.image(
            "comment_image",
            (770, 2210, 870, 2320),
            "Add image",
            on_tap=lambda: actions.open_gallery(app, mode="comment_image"),
        ),
        b.image(
            "comment_post",
            (900, 2210, 1040, 2320),
            "Post",
            on_tap=lambda: actions.post_comment(app, item, url),
        ),
        cls="android.widget.LinearLayout",
    )
    return Node(package=b.package).add(_scrim(b), panel)


def share_sheet(b: Builder, screen: Screen) -> Node | None:
    def close() -> None:
        screen.params["sheet"] = None

    panel = b.group(
        "share_sheet",
        (0, 1700, WIDTH, HEIGHT),
        b.text("", (0, 1730, WIDTH, 1800), "Share to"),
        b.button("share_option", (60, 1850, 300, 2000), "Copy link", on_tap=close),
        b.button("share_option", (330, 1850, 570, 2000), "More", on_tap=close),
        b.button("", (60, 2200, WIDTH - 60, 2320), "Cancel", on_tap=close),
    )
    return Node(package=b.package).add(
        Node(bounds=(0, 0, WIDTH, 1700), package=b.package, on_tap=close), panel
    )
