"""`post`: push the media, bring it into the app (share / Create button / a sound), caption, post, verify."""

from __future__ import annotations

from pathlib import Path

from runner.campaign.pretouch import VIDEO
from runner.device import UiTree
from runner.device.screen import dismiss_popup
from runner.errors import FailureClass
from runner.scripts import commit
from runner.scripts.common import launch, newest_tiles, search
from runner.scripts.context import Ctx, Details
from runner.scripts.materials import choose_media

ACTION = commit.action_of("post")  # the commit mark's action: its at-most-once tap


def _mime(files: list[Path]) -> str:
    return "video/*" if all(f.suffix.lower() in VIDEO for f in files) else "image/*"


def via_share(ctx: Ctx, remote: list[str], files: list[Path]) -> None:
    ctx.step("share the media into the app")
    ctx.device.share_files(remote, _mime(files), ctx.package)
    ctx.tap("upload.editor_next", timeout=15)


def via_gallery(ctx: Ctx, remote: list[str]) -> None:
    """In the picker: the tiles carry no file name, and the files just pushed and scanned are
    the newest, so they are the first tiles; selecting them oldest first keeps the push order."""
    ctx.step(f"select the {len(remote)} newest tile(s) in the gallery")
    tiles = newest_tiles(ctx, ctx.wait_all("upload.gallery_item"))
    if len(tiles) < len(remote):
        raise ctx.fail(
            FailureClass.ELEMENT_NOT_FOUND,
            f"the gallery shows {len(tiles)} tile(s) for the {len(remote)} file(s) just pushed",
            hint="the phone's media scanner may not have indexed them; check storage permission",
            screen=True,
        )
    for tile in reversed(tiles[: len(remote)]):
        ctx.device.tap(tile)
    ctx.tap("upload.next")
    ctx.tap("upload.editor_next", timeout=15)


def via_create(ctx: Ctx, remote: list[str]) -> None:
    launch(ctx)
    ctx.step("Create → Upload")
    ctx.tap("upload.create")
    ctx.tap("upload.upload")
    via_gallery(ctx, remote)


def via_sound(ctx: Ctx, remote: list[str]) -> None:
    sound = str(ctx.config.get("sound_name", "")).strip()
    if not sound:
        raise ctx.fail(FailureClass.CONFIG_ERROR, "post_way useSound needs sound_name")
    launch(ctx)
    search(ctx, sound)
    ctx.tap("search.sounds_tab")
    ctx.tap("sound.row", timeout=float(ctx.config.get("sound_wait_time", 10)))
    ctx.tap("sound.use")
    ctx.tap("upload.upload")
    via_gallery(ctx, remote)


def write_caption(ctx: Ctx, caption: str) -> None:
    if not caption:
        return
    ctx.step("write the caption")
    ctx.fill("upload.caption", caption, timeout=15)


def wait_posted(ctx: Ctx, caption: str, seconds: float, shown: int) -> str:
    """Wait for the "posted" notice; else look for the post on the own profile (one more post
    with this caption than the ``shown`` it had before)."""

    def posted() -> bool:
        tree = ctx.device.dump()
        if ctx.find_in(tree, "upload.done_toast") is not None:
            return True
        dismiss_popup(ctx.device, tree, ctx.app.popups)
        return False

    if ctx.until(max(seconds, 3.0), posted, interval=0.5):
        return "posted notice"
    ctx.tap("profile.tab")
    tree = ctx.device.dump()
    if caption and captioned(tree, caption) > shown:
        return "on profile"
    raise ctx.fail(
        FailureClass.VERIFICATION_FAILED,
        f"the post did not finish within upload_wait_time={seconds:g}s",
        hint="raise upload_wait_time, or check the phone's network",
        screen=True,
    )


def captioned(tree: UiTree, caption: str) -> int:
    """How many posts with this caption a profile's grid shows. The own profile's grid holds
    only the account's own posts: another account's identical caption is never there."""
    return sum(1 for n in tree.nodes() if n.desc == caption)


def on_profile(ctx: Ctx, caption: str, seconds: float, shown: int) -> bool:
    """Does the own profile show more posts with this caption than the ``shown`` it had before
    the interrupted attempt's tap (waiting for an upload in progress)?"""
    launch(ctx)
    ctx.tap("profile.tab")
    return bool(
        ctx.until(seconds, lambda: captioned(ctx.device.dump(), caption) > shown, interval=1)
    )


def shown_before(ctx: Ctx, caption: str) -> int | None:
    """Posts with this caption on the own profile the task starts on (the account check ends
    there); None when the last screen read is not the own profile."""
    tree = ctx.device.last_dump
    if not caption or tree is None or ctx.find_in(tree, "own.username") is None:
        return None
    return captioned(tree, caption)


def run(ctx: Ctx) -> Details:
    files = choose_media(ctx)
    caption = str(ctx.config.get("captions", "") or "")
    way = str(ctx.config.get("post_way", "share"))
    earlier = commit.earlier(ctx, ACTION)
    if earlier is not None:
        caption = str(earlier.get("caption", caption))
    shown = shown_before(ctx, caption)  # before anything leaves the own profile
    if earlier is not None:
        if not caption:
            raise commit.unverifiable(ctx, ACTION, "a post without a caption cannot be told apart")
        wait = min(float(ctx.config.get("upload_wait_time", 30)), 15.0)
        before = int(earlier.get("shown") or 0)  # marks written before "shown" existed: 0
        if on_profile(ctx, caption, wait, before):
            media = list(earlier.get("media") or [p.name for p in files])
            return {
                "caption": caption,
                "media": media,
                "post_way": way,
                "verified": "on profile after an interrupted attempt",
                "account": ctx.task.username,
                "sound": _sound_settings(ctx),
                "recovered": True,
            }
        if before:  # ours may be the one pushed out of view by it
            raise commit.unverifiable(
                ctx,
                ACTION,
                f"the profile showed {before} post(s) captioned {caption!r} before that "
                "attempt's tap and shows no more now: a new one may be out of view",
            )
    remote: list[str] = []
    for path in files:
        ctx.step(f"push {path.name}")
        remote.append(ctx.device.push_media(path))
    if way == "share":
        via_share(ctx, remote, files)
    elif way == "addButton":
        via_create(ctx, remote)
    elif way == "useSound":
        via_sound(ctx, remote)
    else:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"unknown post_way {way!r}",
            hint="share, addButton or useSound",
        )
    write_caption(ctx, caption)
    # shown: this account's posts with this caption on view before the tap (None: not read)
    detail = {"caption": caption, "media": [p.name for p in files], "shown": shown}
    commit.mark(ctx, ACTION, detail)
    ctx.step("post")
    ctx.tap("upload.post")
    how = wait_posted(ctx, caption, float(ctx.config.get("upload_wait_time", 30)), shown or 0)
    media = [p.name for p in files]
    return {
        "caption": caption,
        "media": media,
        "post_way": way,
        "verified": how,
        "account": ctx.task.username,
        "sound": _sound_settings(ctx),
    }


def _sound_settings(ctx: Ctx) -> dict[str, object]:
    keys = (
        "add_sound",
        "sound_name",
        "custom_sound_keyword",
        "origin_sound_volume",
        "add_sound_volume",
    )
    return {k: ctx.config.get(k) for k in keys if k in ctx.config}
