"""The video player (For You feed and a video opened by link), lives, and the comment sheet.

The rail follows the 43.1.4 captures: avatar ImageView "<name> profile", a Button described
"Follow <name>", like as a Button "Like video. <n> likes" holding the heart and its count,
comments "Read or add comments. <n> comments", favourites a non-clickable Button inside a
clickable frame, share "Share video. <n> shares"; the author is the Button `title` with the
plain name and the caption is `desc`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.sim.ui.node import HEIGHT, WIDTH, Node
from runner.sim.ui.tiktok import actions
from runner.sim.ui.tiktok.state import Screen
from runner.sim.ui.tiktok.world import Video

if TYPE_CHECKING:
    from runner.sim.ui.tiktok.build import Builder

SHEET_TOP = 840


def feed(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    video = app.world.feed_item(app.phone.serial, screen.params["index"])

    def open_search() -> None:
        app.push(Screen("search", {"query": None, "tab": "top"}), popup=False)
        app.focus("search")

    top = b.group(
        "",
        (0, 132, WIDTH, 284),
        _top_tab(
            b, (440, 132, 573, 284), b.t("feed_following"), "android.widget.FrameLayout", False
        ),
        _top_tab(b, (573, 132, 933, 284), b.t("for_you"), "android.widget.LinearLayout", True),
        b.image("feed_search", (933, 134, 1080, 281), b.t("search_icon"), on_tap=open_search),
    )
    return b.group(
        "", (0, 0, WIDTH, HEIGHT - 150), player(b, video, video.url, bottom=HEIGHT - 150), top
    )


def _top_tab(
    b: Builder, bounds: tuple[int, int, int, int], label: str, cls: str, selected: bool
) -> Node | None:
    """A top tab: a clickable wrapper, a view described by the label, the TextView text1."""
    inner = Node(cls=cls, bounds=bounds, desc=label, selected=selected, package=b.package).add(
        Node(
            cls="android.widget.TextView",
            bounds=bounds,
            text=label,
            rid="android:id/text1",
            selected=selected,
            package=b.package,
        )
    )
    return b.group(
        "", bounds, inner, cls="android.widget.FrameLayout", selected=selected, on_tap=lambda: None
    )


def video(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    current = actions.screen_video(app, screen)
    url = actions.screen_url(screen, current)
    back = b.image("", (20, 90, 140, 210), b.t("back"), on_tap=app.pop)
    return b.group("", (0, 0, WIDTH, HEIGHT), player(b, current, url, bottom=HEIGHT), back)


def player(b: Builder, item: Video, url: str, *, bottom: int) -> Node | None:
    """One full-screen item: the video (or ad / live) with its right rail and caption."""
    app = b.app
    body = b.node(
        "video_player",
        "android.view.View",
        (0, 0, WIDTH, bottom),
        desc=b.t("live_label") if item.kind == "live" else b.t("video"),
        long_clickable=True,
        on_tap=(lambda: app.push(Screen("live"), popup=False))
        if item.kind == "live"
        else (lambda: None),
    )
    group = b.group("", (0, 0, WIDTH, bottom), body, cls="android.widget.FrameLayout")
    if group is None:
        return None
    if item.kind == "live":  # 46.9.3 fr capture: no rail, a tip, "LIVE now", the host's name
        shift = bottom - 2208
        group.add(
            b.group(
                "",
                (0, 1829 + shift, WIDTH, 2176 + shift),
                b.group(
                    "",
                    (0, 1829 + shift, WIDTH, 1887 + shift),
                    b.text("live_tips", (267, 1829 + shift, 875, 1887 + shift), b.t("live_enter")),
                    cls="android.widget.FrameLayout",
                    on_tap=lambda: app.push(Screen("live"), popup=False),
                ),
                b.text("live_now", (45, 1971 + shift, 296, 2029 + shift), b.t("live_now")),
                b.button(
                    "live_nickname",
                    (32, 2050 + shift, 264, 2108 + shift),
                    item.creator,
                    on_tap=lambda: app.push(Screen("live"), popup=False),
                ),
                b.text("live_title", (32, 2129 + shift, 537, 2176 + shift), item.caption),
            )
        )
        return group
    group.add(*_rail(b, item, url, bottom))
    shift = bottom - 2208
    caption_class = b.layout.flag("caption_class") or "android.widget.TextView"
    group.add(
        b.group(
            "author_frame",
            (32, 1936 + shift, 400, 1994 + shift),
            b.button(
                "video_author",
                (32, 1936 + shift, 400, 1994 + shift),
                item.creator,
                on_tap=lambda: app.push(Screen("profile", {"user": item.creator})),
            ),
            cls="android.widget.LinearLayout",
            on_tap=lambda: app.push(Screen("profile", {"user": item.creator})),
        ),
        b.group(
            "caption_frame",
            (32, 2015 + shift, 870, 2117 + shift),
            b.node(
                "video_caption",
                caption_class,
                (32, 2015 + shift, 870, 2117 + shift),
                text=item.caption,
                on_tap=lambda: None,
            ),
            cls="android.widget.LinearLayout",
            on_tap=lambda: None,
        ),
    )
    if item.kind == "ad":  # the label is a Button (46.9.3 en: i8p "Ad"; pt-BR "Publicidade")
        group.add(
            b.button(
                "ad_label",
                (32, 2138 + shift, 200, 2188 + shift),
                b.t("ad_label"),
                on_tap=lambda: None,
            )
        )
    return group


def _rail(b: Builder, item: Video, url: str, bottom: int) -> list[Node | None]:
    """The right rail, as the 46.9.3 / 47.0.3 captures nest it: each control in a clickable
    frame (`evv` / `ewa`); the favourites Button itself is not clickable, its frame is."""
    app = b.app
    account = app.account
    liked = bool(account and item.id in account.liked)
    faved = bool(account and item.id in account.favourites)
    following = bool(account and item.creator in account.following)
    comments = len(app.world.comments(item.id))
    likes = item.likes + (1 if liked else 0)
    y = bottom - 2208
    rail = 912

    def frame(top: int, bottom_: int, *children: Node | None, on_tap=None) -> Node | None:  # type: ignore[no-untyped-def]
        return b.group(
            "rail_frame",
            (rail, top + y, WIDTH, bottom_ + y),
            *children,
            cls="android.widget.FrameLayout",
            on_tap=on_tap or (lambda: None),
        )

    avatar = b.group(
        "",
        (921, 1236 + y, WIDTH, 1390 + y),
        b.image(
            "video_avatar",
            (942, 1254 + y, 1059, 1371 + y),
            b.t("video_avatar", name=item.creator),
            on_tap=lambda: app.push(Screen("profile", {"user": item.creator})),
        ),
        cls="android.widget.RelativeLayout",
        on_tap=lambda: app.push(Screen("profile", {"user": item.creator})),
    )
    follow = (
        b.node(
            "video_follow",
            "android.widget.Button",
            (921, 1325 + y, WIDTH, 1414 + y),
            desc=b.t("video_follow", name=item.creator),
            on_tap=lambda: actions.follow(app, item.creator),
        )
        if item.kind == "video" and not following
        else None
    )
    like = b.node(
        "video_like",
        "android.widget.Button",
        (rail, 1414 + y, WIDTH, 1572 + y),
        # a liked video: the Button's description changes (fr "Vidéo aimée") and stays
        # selected="false"; its heart image is selected="true". Source: taktik-bot fixtures
        # tt4314_fr_liked_video and tt4703_fr_liked_video (tests/screens/tiktok/*/fr/video_liked.xml)
        desc=b.t("video_liked" if liked else "video_like", n=likes),
        on_tap=lambda: actions.toggle_like(app, item),
    )
    if like is not None:
        like.add(
            b.node(
                "video_like_icon",
                "android.widget.ImageView",
                (942, 1414 + y, 1060, 1531 + y),
                desc=b.t("video_like_icon"),
                selected=liked,
            ),
            b.node(
                "video_like_count",
                "android.widget.Button",
                (rail, 1531 + y, WIDTH, 1553 + y),
                text=str(likes),
                on_tap=lambda: actions.toggle_like(app, item),
            ),
        )
    comment = b.node(
        "video_comment",
        "android.widget.Button",
        (rail, 1572 + y, WIDTH, 1730 + y),
        desc=b.t("video_comment", n=comments),
        on_tap=lambda: actions.open_comments(app),
    )
    favourite = b.group(
        "video_favourite_frame",
        (rail, 1730 + y, WIDTH, 1888 + y),
        b.node(
            "video_favourite",
            "android.widget.Button",
            (rail, 1730 + y, WIDTH, 1888 + y),
            desc=b.t("video_favourite"),
            selected=faved,
        ),
        cls="android.widget.FrameLayout",
        on_tap=lambda: actions.toggle_favourite(app, item),
    )
    if "video_favourite" in b.hidden and favourite is not None:
        favourite.children = []
    share = b.node(
        "video_share",
        "android.widget.Button",
        (rail, 1888 + y, WIDTH, 2046 + y),
        desc=b.t("video_share", n=item.likes // 40),
        on_tap=lambda: app.top.params.__setitem__("sheet", "share"),
    )
    sound = b.node(
        "video_sound",
        "android.widget.Button",
        (rail, 2046 + y, WIDTH, 2208 + y),
        desc=b.t("video_sound", name=item.creator),
        on_tap=lambda: None,
    )
    return [
        frame(1215, 1414, avatar, follow),
        frame(1414, 1572, like),
        frame(1572, 1730, comment),
        frame(1730, 1888, favourite),
        frame(1888, 2046, share),
        frame(2046, 2208, sound),
    ]


def live(b: Builder, screen: Screen) -> Node | None:
    """Stand-in: no capture of the live room is used here."""
    app = b.app
    return b.group(
        "",
        (0, 0, WIDTH, HEIGHT),
        b.text("", (40, 120, 200, 190), b.t("live_label")),
        b.image("", (940, 100, 1060, 220), b.t("close"), on_tap=app.pop),
    )


def _scrim(b: Builder) -> Node:
    app = b.app

    def close() -> None:
        app.top.params["sheet"] = None
        app.focused = None

    return Node(bounds=(0, 0, WIDTH, SHEET_TOP), package=b.package, on_tap=close)


def comment_sheet(b: Builder, screen: Screen) -> Node | None:
    """The composer is an EditText whose text is the hint and whose description is empty; the
    add-image and close controls are unlabelled image buttons (46.9.3 / pt-BR captures)."""
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
                b.node(
                    "",
                    "android.widget.ImageView",
                    (35, top + 10, 130, top + 105),
                    on_tap=lambda: None,
                ),
                b.button(
                    "comment_author", (167, top + 5, 600, top + 45), user, on_tap=lambda: None
                ),
                b.text("comment_text", (167, top + 50, 1048, top + 100), text),
                b.button(
                    "comment_reply",
                    (298, top + 100, 459, top + 128),
                    b.t("comment_reply"),
                    on_tap=lambda: None,
                ),
                cls="android.widget.LinearLayout",
            )
        )
    attachment = screen.params.get("attachment")
    typed = bool(app.fields.get("comment")) or bool(attachment)
    panel = b.group(
        "",
        (0, SHEET_TOP, WIDTH, HEIGHT),
        b.group(
            "comment_title_frame",
            (0, SHEET_TOP, WIDTH, SHEET_TOP + 116),
            b.text(
                "comment_title",
                (292, SHEET_TOP, 692, SHEET_TOP + 116),
                b.t("comments_title", n=len(comments)),
            ),
            cls="android.widget.LinearLayout",
            on_tap=lambda: None,
        ),
        b.node(
            "comment_close",
            "android.widget.ImageView",
            (995, SHEET_TOP + 31, 1048, SHEET_TOP + 84),
            on_tap=lambda: screen.params.__setitem__("sheet", None),
        ),
        b.group(
            "comment_list",
            (0, 994, WIDTH, 2179),
            *rows,
            cls="androidx.recyclerview.widget.RecyclerView",
            scrollable=True,
        ),
        b.image(  # stand-in: no capture shows an attached image
            "",
            (40, 2040, 200, 2150),
            b.t("comment_attachment"),
            on_tap=lambda: screen.params.__setitem__("attachment", None),
        )
        if attachment
        else None,
        b.edit("comment_input", (189, 2201, 721, 2282), "comment", b.t("comment_hint")),
        b.node(
            "comment_image",
            "android.widget.Button",
            (732, 2210, 832, 2305),
            desc=b.layout.flag("comment_image_desc") or "",
            on_tap=lambda: actions.open_gallery(app, mode="comment_image"),
        ),
        b.node(  # stand-in: the send control shows only once something is typed, and no capture
            # shows it (pt-BR automation code names it "Enviar", id d1u)
            "comment_send",
            "android.widget.ImageView",
            (937, 2210, 1032, 2305),
            desc=b.t("comment_send"),
            on_tap=lambda: actions.post_comment(app, item, url),
        )
        if typed
        else None,
        cls="android.widget.FrameLayout",
    )
    return Node(package=b.package).add(_scrim(b), panel)


def share_sheet(b: Builder, screen: Screen) -> Node | None:
    """Stand-in: no script uses the share sheet."""

    def close() -> None:
        screen.params["sheet"] = None

    panel = b.group(
        "",
        (0, 1700, WIDTH, HEIGHT),
        b.button("", (60, 2200, WIDTH - 60, 2320), b.t("cancel"), on_tap=close),
    )
    return Node(package=b.package).add(
        Node(bounds=(0, 0, WIDTH, 1700), package=b.package, on_tap=close), panel
    )
