"""The upload flow: camera ("Upload") -> gallery -> editor ("Next") -> post (caption, "Post")."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from runner.sim.ui.node import HEIGHT, WIDTH, Node
from runner.sim.ui.tiktok import actions
from runner.sim.ui.tiktok.state import Screen

if TYPE_CHECKING:
    from runner.sim.ui.tiktok.build import Builder


def camera(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    return b.group(
        "",
        (0, 0, WIDTH, HEIGHT),
        b.image("camera_close", (20, 90, 140, 210), "Close", on_tap=app.pop),
        b.text("", (380, 110, 700, 190), "Add sound"),
        b.image("camera_record", (420, 1960, 660, 2200), "Record video", on_tap=lambda: None),
        b.text("", (100, 2040, 300, 2120), "Effects"),
        b.group(
            "camera_upload",
            (820, 1990, 1020, 2200),
            b.image("", (860, 1990, 980, 2110), "Upload"),
            b.text("", (820, 2120, 1020, 2190), "Upload"),
            cls="android.widget.LinearLayout",
            on_tap=lambda: actions.open_gallery(app),
        ),
        b.text("", (300, 2260, 780, 2340), "Templates   Camera   Text"),
    )


def gallery(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    mode = screen.params.get("mode", "post")
    tab = "Photos" if mode == "comment_image" else screen.params.get("tab", "All")
    media = actions.gallery_media(app, tab)
    selected: list[str] = screen.params.get("selected", [])
    nodes: list[Node | None] = [
        b.image("gallery_close", (20, 90, 140, 210), "Close", on_tap=app.pop),
        b.text("", (380, 110, 700, 190), "Recents"),
    ]
    if mode != "comment_image":
        for i, name in enumerate(("All", "Videos", "Photos")):
            nodes.append(
                b.text(
                    "gallery_tab",
                    (60 + i * 320, 230, 360 + i * 320, 310),
                    name,
                    selected=name == tab,
                    on_tap=lambda name=name: screen.params.__setitem__("tab", name),
                )
            )
    if not media:
        nodes.append(b.text("", (60, 900, WIDTH - 60, 1000), "No videos or photos"))
    for i, path in enumerate(media[:24]):
        nodes.append(_tile(b, i, path, selected))
    if mode != "comment_image":
        label = f"Next ({len(selected)})" if len(selected) > 1 else "Next"
        nodes.append(
            b.button(
                "gallery_next",
                (700, 2230, 1040, 2350),
                label,
                enabled=bool(selected),
                on_tap=lambda: actions.gallery_next(app),
            )
        )
    return b.group("", (0, 0, WIDTH, HEIGHT), *nodes)


def _tile(b: Builder, index: int, path: str, selected: list[str]) -> Node | None:
    app = b.app
    row, col = divmod(index, 4)
    left, top = col * 270, 340 + row * 270
    name = posixpath.basename(path)
    is_video = path.lower().endswith(actions.VIDEO_EXT)
    chosen = path in selected
    tile = b.node(
        "gallery_item",
        "android.widget.FrameLayout",
        (left, top, left + 265, top + 265),
        desc=f"{'Video' if is_video else 'Photo'}, {name}",
        selected=chosen,
        on_tap=lambda: actions.toggle_media(app, path),
    )
    if tile is None:
        return None
    tile.add(
        b.node(
            "gallery_select",
            "android.widget.CheckBox",
            (left + 185, top + 10, left + 255, top + 80),
            desc="Select",
            checkable=True,
            checked=chosen,
            on_tap=lambda: actions.toggle_media(app, path),
        ),
        b.text("", (left + 10, top + 215, left + 140, top + 260), "00:15") if is_video else None,
    )
    return tile


def editor(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    tools = [
        b.text("", (940, 300 + i * 160, 1060, 440 + i * 160), name, on_tap=lambda: None)
        for i, name in enumerate(("Text", "Stickers", "Effects", "Filters", "Voice"))
    ]
    return b.group(
        "",
        (0, 0, WIDTH, HEIGHT),
        b.image("", (20, 90, 140, 210), "Back", on_tap=app.pop),
        b.text("editor_sound", (380, 110, 700, 190), "Add sound", on_tap=lambda: None),
        *tools,
        b.button(
            "editor_next", (700, 2230, 1040, 2350), "Next", on_tap=lambda: actions.editor_next(app)
        ),
    )


def post(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    return b.group(
        "",
        (0, 0, WIDTH, HEIGHT),
        b.image("", (20, 90, 140, 210), "Back", on_tap=app.pop),
        b.edit("caption_input", (40, 260, 760, 620), "caption", "Add a description"),
        b.image("", (800, 260, 1040, 620), "Select cover"),
        b.text("", (40, 660, 300, 730), "# Hashtags", on_tap=lambda: None),
        b.text("", (320, 660, 580, 730), "@ Mention", on_tap=lambda: None),
        b.text("", (40, 800, 1040, 880), "Location", on_tap=lambda: None),
        b.text("", (40, 900, 1040, 980), "Everyone can view this post", on_tap=lambda: None),
        b.button("drafts_button", (40, 2230, 520, 2350), "Drafts", on_tap=lambda: None),
        b.button(
            "post_button", (560, 2230, 1040, 2350), "Post", on_tap=lambda: actions.press_post(app)
        ),
    )
