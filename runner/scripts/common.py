"""Steps several scripts share: start the app, switch account, search, pick a comment."""

from __future__ import annotations

import random
from pathlib import Path

from runner.campaign.media import OutsideMediaRoots, confine, media_roots
from runner.errors import FailureClass
from runner.scripts.context import Ctx

EMOJIS = ("😀", "🔥", "😍", "👏", "💯", "🙌", "✨", "😂", "❤️", "👍")


MAX_BACKS = 6


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


def switch_account(ctx: Ctx, username: str) -> bool:
    """Make ``username`` the app's active account; True if a switch happened. Verified."""
    launch(ctx)
    ctx.step(f"switch to account {username}")
    ctx.tap("profile.tab")
    current = ctx.wait("profile.account_switcher")
    if current.text.lstrip("@") == username:
        ctx.device.note(f"already on {username}")
        return False
    ctx.device.tap(current)
    ctx.wait("switcher.title")
    row = ctx.device.last_dump.find({"text": username}) if ctx.device.last_dump else None
    if row is None:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"account {username!r} is not logged in in {ctx.package} on {ctx.device.serial}",
            hint="log it in on the phone or fix the inventory",
        )
    ctx.device.tap(row)
    ok = ctx.until(
        5,
        lambda: (
            (n := ctx.look("profile.account_switcher")) is not None
            and n.text.lstrip("@") == username
        ),
    )
    if not ok:
        raise ctx.fail(
            FailureClass.VERIFICATION_FAILED,
            f"switched to {username!r} but the profile still shows another account",
            screen=True,
        )
    return True


def search(ctx: Ctx, query: str) -> None:
    """Open search, type ``query`` and submit it."""
    ctx.step(f"search {query!r}")
    ctx.tap("search.button")
    ctx.fill("search.input", query)
    ctx.tap("search.submit")


def pick_line(ctx: Ctx, text: str, *, order: str = "random") -> str:
    """One line of a newline-separated list: random, or the task's turn for `sequential`."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    if order == "sequential":
        return lines[ctx.task.task_id % len(lines)]
    return ctx.rng.choice(lines)


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
