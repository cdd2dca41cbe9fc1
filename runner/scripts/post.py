"""`post`: push the media, bring it into the app (share / Create button / a sound), caption, post, verify."""

from __future__ import annotations

from pathlib import Path

from runner.campaign.pretouch import VIDEO
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
    ctx.wait("upload.gallery_item")
    tree = ctx.device.last_dump
    tiles = newest_tiles(ctx, ctx.find_all_in(tree, "upload.gallery_item") if tree else [])
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


def wait_posted(ctx: Ctx, caption: str, seconds: float) -> str:
    """Wait for the "posted" notice; else look for the post on the own profile."""

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
    if caption and any(n.desc == caption for n in tree.nodes()):
        return "on profile"
    raise ctx.fail(
        FailureClass.VERIFICATION_FAILED,
        f"the post did not finish within upload_wait_time={seconds:g}s",
        hint="raise upload_wait_time, or check the phone's network",
        screen=True,
    )


def on_profile(ctx: Ctx, caption: str, seconds: float) -> bool:
    """Is a post with this caption on the own profile (waiting for an upload in progress)?"""
    launch(ctx)
    ctx.tap("profile.tab")
    return bool(
        ctx.until(
            seconds, lambda: any(n.desc == caption for n in ctx.device.dump().nodes()), interval=1
        )
    )


def run(ctx: Ctx) -> Details:
    files = choose_media(ctx)
    caption = str(ctx.config.get("captions", "") or "")
    way = str(ctx.config.get("post_way", "share"))
    earlier = commit.earlier(ctx, ACTION)
    if earlier is not None:
        caption = str(earlier.get("caption", caption))
        if not caption:
            raise commit.unverifiable(ctx, ACTION, "a post without a caption cannot be told apart")
        wait = min(float(ctx.config.get("upload_wait_time", 30)), 15.0)
        if on_profile(ctx, caption, wait):
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
    commit.mark(ctx, ACTION, {"caption": caption, "media": [p.name for p in files]})
    ctx.step("post")
    ctx.tap("upload.post")
    how = wait_posted(ctx, caption, float(ctx.config.get("upload_wait_time", 30)))
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
