"""The upload flow: camera ("Upload") -> gallery -> editor ("Next") -> post (caption, "Post")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.sim.ui.node import HEIGHT, WIDTH, Node
from runner.sim.ui.tiktok import actions
from runner.sim.ui.tiktok.state import Screen

if TYPE_CHECKING:
    from runner.sim.ui.tiktok.build import Builder


def camera(b: Builder, screen: Screen) -> Node | None:
    """The camera: the Upload control is `upload_hot_area`, a clickable frame with no text and
    no description (47.0.3); the rest is a stand-in."""
    app = b.app
    return b.group(
        "",
        (0, 0, WIDTH, HEIGHT),
        b.image("", (20, 90, 140, 210), b.t("close"), on_tap=app.pop),
        b.image("", (420, 1960, 660, 2200), b.t("camera_record"), on_tap=lambda: None),
        b.node(
            "camera_upload",
            "android.widget.FrameLayout",
            (0, 2118, 210, 2314),
            on_tap=lambda: actions.open_gallery(app),
        ),
    )


def gallery(b: Builder, screen: Screen) -> Node | None:
    """The picker (47.0.3 capture): title `tv_title`, tabs described "Videos" / "Photos", a
    GridView `jmm` of unlabelled clickable tiles, newest first, each with a selection Button `l34`
    (text: the selection order) inside `imk`; Button `xyk` "Next (<n>)" once something is chosen."""
    app = b.app
    mode = screen.params.get("mode", "post")
    media = actions.gallery_media(app, "Photos" if mode == "comment_image" else "All")
    selected: list[str] = screen.params.get("selected", [])
    header = b.group(
        "",
        (0, 132, WIDTH, 258),
        b.node("gallery_close", "android.widget.ImageView", (21, 142, 126, 247), on_tap=app.pop),
        b.group(
            "",
            (396, 147, 683, 242),
            b.text("gallery_title", (438, 169, 593, 219), b.t("gallery_title")),
            cls="android.widget.LinearLayout",
            on_tap=lambda: None,
        ),
        cls="android.widget.RelativeLayout",
    )
    nodes: list[Node | None] = [header]
    if mode != "comment_image":
        tabs = []
        for i, key in enumerate(("gallery_videos", "gallery_photos")):
            left = 346 + i * 344
            tab = b.node(
                "",
                "android.widget.FrameLayout",
                (left, 258, left + 344, 376),
                desc=b.t(key),
                on_tap=lambda: None,
            )
            if tab is not None:
                tab.add(b.text("", (left + 26, 258, left + 318, 376), b.t(key)))
            tabs.append(tab)
        nodes.append(
            b.group("", (0, 258, WIDTH, 376), *tabs, cls="android.widget.HorizontalScrollView")
        )
    if not media:
        nodes.append(b.text("", (60, 900, WIDTH - 60, 1000), b.t("gallery_empty")))
    tiles = [_tile(b, i, path, selected) for i, path in enumerate(media[:24])]
    grid = b.group(
        "gallery_grid",
        (0, 376, WIDTH, 1822),
        *tiles,
        cls="android.widget.GridView",
        scrollable=True,
    )
    nodes.append(
        b.group(
            "gallery_pager",
            (0, 376, WIDTH, 1822),
            grid,
            cls="androidx.viewpager.widget.ViewPager",
            scrollable=True,
        )
    )
    if mode != "comment_image" and selected:
        nodes.append(
            b.button(
                "gallery_next",
                (550, 2179, 1048, 2295),
                b.t("gallery_next", n=len(selected)),
                on_tap=lambda: actions.gallery_next(app),
            )
        )
    return b.group("", (0, 0, WIDTH, HEIGHT), *nodes)


def _tile(b: Builder, index: int, path: str, selected: list[str]) -> Node | None:
    app = b.app
    row, col = divmod(index, 3)
    left, top = 5 + col * 359, 381 + row * 362
    is_video = path.lower().endswith(actions.VIDEO_EXT)
    chosen = path in selected
    toggle = lambda: actions.toggle_media(app, path)  # noqa: E731
    tile = b.node(
        "", "android.widget.FrameLayout", (left, top, left + 354, top + 357), on_tap=toggle
    )
    if tile is None:
        return None
    tile.add(
        b.node("gallery_thumb", "android.widget.ImageView", (left, top, left + 354, top + 357)),
        b.group(
            "gallery_tick_frame",
            (left + 238, top, left + 354, top + 116),
            b.button(
                "gallery_tick",
                (left + 275, top + 16, left + 338, top + 79),
                str(selected.index(path) + 1) if chosen else "",
                on_tap=toggle,
            ),
            cls="android.widget.FrameLayout",
            on_tap=toggle,
        ),
        b.text("gallery_duration", (left + 229, top + 297, left + 354, top + 357), "00:15")
        if is_video
        else None,
    )
    return tile


def editor(b: Builder, screen: Screen) -> Node | None:
    """The editor: "Next" is a clickable LinearLayout `q03` holding TextView `q05` (47.0.3)."""
    app = b.app
    return b.group(
        "",
        (0, 0, WIDTH, HEIGHT),
        b.image("", (20, 132, 140, 248), b.t("back"), on_tap=app.pop),
        b.group(
            "editor_next",
            (545, 2192, 1048, 2308),
            b.text("editor_next_text", (722, 2223, 871, 2276), b.t("editor_next")),
            cls="android.widget.LinearLayout",
            on_tap=lambda: actions.editor_next(app),
        ),
    )


def post(b: Builder, screen: Screen) -> Node | None:
    """The post screen (47.0.3): EditText `h8e` showing its hint, Buttons `ght` (drafts) and
    `tiq` (post)."""
    app = b.app
    return b.group(
        "",
        (0, 0, WIDTH, HEIGHT),
        b.image("", (16, 132, 131, 248), b.t("back"), on_tap=app.pop),
        b.edit("caption_input", (42, 270, 673, 677), "caption", b.t("caption_hint")),
        b.group(
            "",
            (32, 2179, 1048, 2305),
            b.button("drafts_button", (32, 2179, 529, 2305), b.t("drafts"), on_tap=lambda: None),
            b.button(
                "post_button",
                (550, 2179, 1048, 2305),
                b.t("post"),
                on_tap=lambda: actions.press_post(app),
            ),
            cls="android.widget.LinearLayout",
        ),
    )
