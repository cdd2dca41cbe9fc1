"""Steps several scripts share: start the app, switch account, search, pick a comment."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from runner.campaign.media import OutsideMediaRoots, confine, media_roots
from runner.device import UiNode
from runner.errors import FailureClass
from runner.scripts.context import Ctx

EMOJIS = ("😀", "🔥", "😍", "👏", "💯", "🙌", "✨", "😂", "❤️", "👍")


MAX_BACKS = 6
T = TypeVar("T")


def media_file(ctx: Ctx, raw: str) -> Path:
    """The real path of a media file or folder, refused (config_error) outside the media roots."""
    try:
        return confine(raw, media_roots(ctx.repo_root))
    except OutsideMediaRoots as exc:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"media path {exc}",
            hint="add the folder with serve --media-root or CAMPAIGN_RUNNER_MEDIA_ROOTS",
        ) from None


def launch(ctx: Ctx) -> None:
    """Bring the app to its home feed, wherever an earlier task left it.

    Back out of pages (profiles, videos, sheets) until the bottom bar shows; if that fails,
    restart the app cold. Ends on the For You feed with the Home tab tapped.
    """
    ctx.step(f"start {ctx.package} on its home feed")
    ctx.device.app_start(ctx.package, ctx.app.launch_activity or None)
    for _ in range(MAX_BACKS):
        ctx.check()
        home = ctx.look("tab.home")
        if home is not None:
            ctx.device.tap(home)
            return
        ctx.device.back()
        if ctx.device.current_app() != ctx.package:
            ctx.device.app_start(ctx.package, ctx.app.launch_activity or None)
    ctx.device.note("could not back out to the home feed: restarting the app")
    ctx.device.app_stop(ctx.package)
    ctx.device.app_start(ctx.package, ctx.app.launch_activity or None)
    ctx.tap("tab.home", timeout=15)


def own_profile(ctx: Ctx) -> UiNode | None:
    """Launch the app and open the own profile tab: the handle it shows (the ``own.username``
    node, read once), or None when the app is logged out (the tab offers its log-in prompt)."""
    launch(ctx)
    ctx.tap("profile.tab")
    element, node = ctx.wait_any("own.username", "login.prompt")
    return node if element == "own.username" else None


def open_own_profile(ctx: Ctx) -> UiNode:
    """Open the own profile tab and return its handle node, failing at once when the app is
    logged out.

    A logged-out app offers its log-in prompt there instead of a handle; every later step would
    only miss its elements and be retried for minutes, so this is a config_error (never retried)
    that says how to log the phone in."""
    node = own_profile(ctx)
    if node is None:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"{ctx.package} on {ctx.task.serial} is not logged in to any account "
            "(its profile tab offers to log in)",
            hint="run the login script for the phone's inventory accounts (username, email, "
            "password_env) or log in by hand on the phone, then run match_accounts",
            screen=True,
        )
    return node


def switch_account(ctx: Ctx, username: str) -> bool:
    """Make ``username`` the app's active account; True if a switch happened. Verified on the
    own profile's handle, which names the account that is really active."""
    shown = handle_of(open_own_profile(ctx))
    ctx.step(f"switch to account {username}")
    if shown == username:
        ctx.device.note(f"already on {username}")
        return False
    rows = switcher_rows(ctx)
    row = next((r for r in rows if account_of_row(ctx, r) == username), None)
    if row is None:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"account {username!r} is not logged in in {ctx.package} on {ctx.device.serial} "
            f"(the switcher lists "
            f"{', '.join(repr(account_of_row(ctx, r)) for r in rows) or 'no account'})",
            hint="log it in on the phone or fix the inventory",
        )
    switch_to_row(ctx, row, username)
    return True


def switch_to_row(ctx: Ctx, row: UiNode, username: str) -> None:
    """Tap the switcher row of ``username``; the own profile's handle must then name it."""
    ctx.device.tap(row)
    if not ctx.until(5, lambda: own_handle(ctx) == username):
        raise ctx.fail(
            FailureClass.VERIFICATION_FAILED,
            f"switched to {username!r} but the profile still shows {own_handle(ctx)!r}",
            screen=True,
        )


def switcher_rows(ctx: Ctx) -> list[UiNode]:
    """Open the account switcher from the own profile; its rows, one per logged-in account."""
    ctx.tap("profile.account_switcher")
    ctx.wait("switcher.title")
    tree = ctx.device.last_dump
    return ctx.find_all_in(tree, "switcher.account_row") if tree is not None else []


def account_of_row(ctx: Ctx, row: UiNode) -> str:
    """The account a switcher row stands for, as the app data's rule `account_row` says where
    the row names it (e.g. content-desc, the bare handle)."""
    rule = ctx.app.rule("account_row")
    raw = row.attrs.get(str(rule.get("name_from", "content-desc")), "")
    return clean_text(raw).strip(str(rule.get("strip", "")))


def own_handle(ctx: Ctx) -> str:
    """The handle the own profile shows (the account really active), without "@"."""
    return handle_of(ctx.wait("own.username"))


def handle_of(node: UiNode) -> str:
    """The handle an ``own.username`` node shows, without "@" and invisible marks."""
    return clean_text(node.text).lstrip("@")


BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u2066\u2067\u2068\u2069\u202a\u202b\u202c"))


def clean_text(text: str) -> str:
    """A text as a person reads it: without the invisible direction marks the app wraps names in
    (47.0.3 search rows read "\u200e\u2068name\u2069") and without surrounding blanks."""
    return text.translate(BIDI_MARKS).strip()


def control_of(ctx: Ctx, node: UiNode, element: str) -> UiNode:
    """The control ``node`` is part of: itself when clickable, else its nearest clickable
    ancestor. Refused when that control shows other texts too: the selector then matched a label
    (e.g. the profile's "Following" count label, whose box also shows the count), not a control."""
    tree = ctx.device.last_dump
    path = _path_to(tree.root, node) if tree is not None else None
    clickable = [n for n in (path or [node]) if n.attrs.get("clickable") == "true"]
    control = clickable[-1] if clickable else node
    texts = [clean_text(n.text) for n in control.walk() if clean_text(n.text)]
    if len(texts) > 1:
        raise ctx.fail(
            FailureClass.ELEMENT_NOT_FOUND,
            f"{element}: the selector matched {node.label()} inside a control that also shows "
            f"{', '.join(repr(t) for t in texts if t != clean_text(node.text))}: a label, not "
            f"the control to press",
            hint=f"make the {element} selector match the control itself (apps/ override)",
            screen=True,
        )
    return control


def state_of(control: UiNode) -> str:
    """What a control says: its one text (a TextView inside a clickable row, or its own)."""
    return next((clean_text(n.text) for n in control.walk() if clean_text(n.text)), "")


def newest_tiles(ctx: Ctx, tiles: list[UiNode]) -> list[UiNode]:
    """The picker's tiles, newest first, as the app data's rule `gallery_tile` says they show."""
    choose = ctx.app.rule("gallery_tile").get("choose", "newest")
    if choose == "oldest":
        return list(reversed(tiles))
    if choose != "newest":
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"rules.gallery_tile.choose {choose!r} is not known",
            hint="use newest or oldest in apps/tiktok.yaml",
        )
    return tiles


def _path_to(root: UiNode, target: UiNode) -> list[UiNode] | None:
    if root is target:
        return [root]
    for child in root.children:
        found = _path_to(child, target)
        if found is not None:
            return [root, *found]
    return None


def search(ctx: Ctx, query: str) -> None:
    """Open search, type ``query`` and submit it."""
    ctx.step(f"search {query!r}")
    ctx.tap("search.button")
    ctx.fill("search.input", query)
    ctx.tap("search.submit")


def pick(ctx: Ctx, items: Sequence[T], *, order: str = "random") -> T:
    """The task's item of ``items``: its turn for `sequential` (task N takes item N, cycling),
    else one drawn with the task's seeded random (a retry draws the same)."""
    if order == "sequential":
        return items[ctx.task.task_id % len(items)]
    return ctx.rng.choice(items)


def pick_line(ctx: Ctx, text: str, *, order: str = "random") -> str:
    """One line of a newline-separated list, picked as `pick` does ("" for no line)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return pick(ctx, lines, order=order) if lines else ""


def with_emoji(rng: random.Random, text: str) -> str:
    return f"{text} {rng.choice(EMOJIS)}".strip()


def local_path(ctx: Ctx, raw: str) -> Path:
    """A media path from the config: absolute, or relative to the campaign repo; its real path
    must be inside the media roots (checked again here, right before the file is read)."""
    path = media_file(ctx, raw)
    if not path.is_file():
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"media file {raw!r} not found (looked at {path})",
            hint="fix the path in the campaign; relative paths start at the campaign repo",
        )
    return path
