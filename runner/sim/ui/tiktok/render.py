"""Composing the app's window: the screen on top of the stack, its sheet, popups and toasts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from runner.sim.ui.dialog import render_dialog
from runner.sim.ui.node import HEIGHT, WIDTH, Node
from runner.sim.ui.tiktok import (
    actions,
    render_login,
    render_player,
    render_profile,
    render_search,
    render_upload,
)
from runner.sim.ui.tiktok.build import Builder
from runner.sim.ui.tiktok.state import Screen

if TYPE_CHECKING:
    from runner.sim.ui.tiktok.tiktok_app import TikTokApp

BAR_TOP = HEIGHT - 150


def render_app(app: TikTokApp) -> Node:
    b = Builder(app)
    if app.popup is not None:  # an in-app dialog is its own (active) window
        return render_dialog(
            app.popup, package=app.package, on_press=lambda label: _press(app, label)
        )
    screen = app.top
    root = Node(package=app.package)
    renderer = SCREENS[screen.kind]
    root.add(renderer(b, screen))
    if screen.kind in ("feed", "friends", "inbox", "me"):
        root.add(bottom_bar(b, screen.kind))
        if app.uploads:
            percent = min(99, int(100 * actions_progress(app)))
            root.add(b.text("", (40, 220, 600, 290), b.t("uploading", n=percent)))
    if screen.sheet:
        root.add(SHEETS[screen.sheet](b, screen))
    if app.toast:
        root.add(
            Node(
                cls="android.widget.Toast",
                bounds=(240, 2000, 840, 2080),
                text=app.toast[0],
                package=app.package,
            )
        )
    return root


def actions_progress(app: TikTokApp) -> float:
    import time

    upload = app.uploads[0]
    span = max(upload.finishes - upload.started, 1e-6)
    return max(0.0, min(1.0, (time.monotonic() - upload.started) / span))


def _press(app: TikTokApp, label: str) -> None:
    popup, app.popup = app.popup, None
    if popup is not None and popup.on_button is not None:
        popup.on_button(label)


def bottom_bar(b: Builder, current: str) -> Node | None:
    """The bottom bar (47.0.3 capture): FrameLayout tabs described by their label, holding a
    TextView with it; "Create" is a Button with a description only."""
    app = b.app
    width = WIDTH // 5
    tabs = [
        ("tab_home", b.t("tab_home"), "feed"),
        ("tab_friends", b.t("tab_friends"), "friends"),
        ("btn_create", b.t("tab_create"), ""),
        ("tab_inbox", b.t("tab_inbox"), "inbox"),
        ("tab_profile", b.t("tab_profile"), "me"),
    ]
    items = []
    for i, (name, label, kind) in enumerate(tabs):
        left, right = i * width, (i + 1) * width
        bounds = (left, BAR_TOP, right, HEIGHT)
        if name == "btn_create":
            items.append(
                b.node(
                    name,
                    "android.widget.Button",
                    bounds,
                    desc=label,
                    on_tap=lambda: actions.open_upload(app) if actions.logged_in(app) else None,
                )
            )
            continue
        tab = b.node(
            name,
            "android.widget.FrameLayout",
            bounds,
            desc=label,
            selected=kind == current,
            on_tap=lambda kind=kind: app.switch_tab(kind),
        )
        if tab is not None:
            tab.add(b.text("", (left, HEIGHT - 112, right, HEIGHT - 78), label))
        items.append(tab)
    return b.group(
        "bottom_bar", (0, BAR_TOP, WIDTH, HEIGHT), *items, cls="android.widget.LinearLayout"
    )


def _simple(title_key: str) -> Callable[[Builder, Screen], Node | None]:
    """Friends and Inbox: tabs no script uses; a title only (stand-in, no capture)."""

    def render(b: Builder, screen: Screen) -> Node | None:
        return b.group("", (0, 0, WIDTH, BAR_TOP), b.text("", (0, 100, WIDTH, 200), b.t(title_key)))

    return render


SCREENS: dict[str, Callable[[Builder, Screen], Node | None]] = {
    "feed": render_player.feed,
    "video": render_player.video,
    "live": render_player.live,
    "search": render_search.search,
    "profile": render_profile.profile,
    "me": render_profile.own_profile,
    "friends": _simple("tab_friends"),
    "inbox": _simple("tab_inbox"),
    "camera": render_upload.camera,
    "gallery": render_upload.gallery,
    "editor": render_upload.editor,
    "post": render_upload.post,
    "login": render_login.login,
    "edit_profile": render_profile.edit_profile,
    "edit_field": render_profile.edit_field,
    "photo_picker": render_profile.photo_picker,
    "photo_crop": render_profile.photo_crop,
}
SHEETS = {
    "comments": render_player.comment_sheet,
    "share": render_player.share_sheet,
    "switcher": render_profile.switcher,
    "unfollow": render_profile.unfollow_sheet,
    "photo": render_profile.photo_sheet,
}
