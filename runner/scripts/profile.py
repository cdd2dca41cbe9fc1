"""`profile`: set the account's name, username, bio, link and photo, as TikMatrix's profile script does.

Each list (``nicknames``, ``usernames``, ``bios``) is one entry per line; ``profile_order``
picks one line per task, at random or in turn (task N takes line N, cycling: consecutive tasks
of a batch get different lines while there are enough). A literal ``\\n`` inside a bio is a line
break. Empty lists leave their field as it is.

``avatars_path`` is a folder of images: the task takes one of them, sorted by file name, as
``profile_order`` takes lines (image N for task N, or one drawn with the task's seeded random, so
a retry takes the same image). TikMatrix sets "the first photo in the gallery"; so does this
script: it pushes the chosen image (it becomes the gallery's newest photo) and picks the newest
tile of the edit-profile photo picker. The screen shows no trace of which image is set: the
script checks it came back to the edit-profile screen; the simulated phone's ground truth
records the image by content hash.

The edit-profile screens come from no capture (see runner/apps/tiktok.yaml): every selector used
here is a marked stand-in.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path

from runner.campaign.pretouch import IMAGE, avatar_images
from runner.device import UiNode
from runner.errors import FailureClass
from runner.scripts.common import (
    clean_text,
    launch,
    media_file,
    newest_tiles,
    pick,
    pick_line,
)
from runner.scripts.context import Ctx, Details

LISTS = (("nicknames", "name"), ("usernames", "username"), ("bios", "bio"))
USERNAME = re.compile(r"^[A-Za-z0-9._]{2,24}$")


def choose_avatar(ctx: Ctx) -> Path | None:
    """The image of ``avatars_path`` this task sets (None: no avatars_path), chosen before the
    phone is touched; the folder's real path is confined to the media roots."""
    raw = str(ctx.config.get("avatars_path") or "").strip()
    if not raw:
        return None
    folder = media_file(ctx, raw)
    images = avatar_images(folder) if folder.is_dir() else []
    if not images:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"avatars_path {raw!r}: no image in {folder}"
            if folder.is_dir()
            else f"avatars_path {raw!r}: no such folder (looked at {folder})",
            hint=f"put {', '.join(IMAGE)} files in the folder; relative paths start at the "
            "campaign repo",
        )
    chosen = pick(ctx, images, order=str(ctx.config.get("profile_order") or "random"))
    return media_file(ctx, str(chosen))  # again: a symlink inside the folder may point out


def wanted(ctx: Ctx) -> dict[str, str]:
    """The value of each text field this task sets, chosen and checked before the phone is
    touched."""
    order = str(ctx.config.get("profile_order") or "random")
    out: dict[str, str] = {}
    for key, field in LISTS:
        line = pick_line(ctx, str(ctx.config.get(key) or ""), order=order)
        if line:
            out[field] = line.replace("\\n", "\n") if field == "bio" else line
    link = str(ctx.config.get("link_url") or "").strip()
    if link:
        out["link"] = link
    if "username" in out:
        out["username"] = out["username"].lstrip("@")
        if not USERNAME.match(out["username"]):
            raise ctx.fail(
                FailureClass.CONFIG_ERROR,
                f"username {out['username']!r} is not one TikTok accepts",
                hint="2 to 24 letters, digits, '.' or '_'",
            )
    return out


def row_value(row: UiNode) -> str:
    """What a field's row shows after its label ("" when the field is empty)."""
    texts = [n.text for n in row.walk() if n is not row and clean_text(n.text)]
    return texts[1].strip() if len(texts) > 1 else ""


def set_avatar(ctx: Ctx, remote: str) -> None:
    """Change photo > Upload photo > the newest tile (the image just pushed) > Save, back on
    the edit-profile screen."""
    ctx.step(f"set the photo to {posixpath.basename(remote)} (the newest photo in the picker)")
    ctx.tap("profile_edit.photo")
    ctx.tap("profile_edit.photo_upload")
    ctx.device.tap(newest_tiles(ctx, ctx.wait_all("profile_edit.photo_tile"))[0])
    ctx.tap("profile_edit.save")
    if not ctx.until(8, lambda: ctx.look("profile_edit.photo") is not None):
        raise ctx.fail(
            FailureClass.VERIFICATION_FAILED,
            f"saved the photo {posixpath.basename(remote)} but the edit-profile screen did not "
            "come back",
            screen=True,
        )


def run(ctx: Ctx) -> Details:
    values = wanted(ctx)
    avatar = choose_avatar(ctx)
    if not values and avatar is None:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            "nothing to set",
            hint="give nicknames, usernames, bios, link_url or avatars_path",
        )
    remote = ""
    if avatar is not None:
        ctx.step(f"push the photo {avatar.name}")
        remote = ctx.device.push_media(avatar)
    launch(ctx)
    ctx.step("open edit profile")
    ctx.tap("profile.tab")
    ctx.tap("own.edit_profile")
    changed: dict[str, str] = {}
    kept: list[str] = []
    photo: dict[str, str] = {}
    if avatar is not None:
        set_avatar(ctx, remote)
        digest = hashlib.sha256(avatar.read_bytes()).hexdigest()
        photo = {"file": avatar.name, "sha256": digest}
    for field, value in values.items():
        element = f"profile_edit.{field}"
        row = ctx.wait(element)
        if row_value(row) == value:
            kept.append(field)
            continue
        ctx.step(f"set {field} to {value!r}")
        ctx.device.tap(row)
        ctx.fill("profile_edit.input", value)
        ctx.tap("profile_edit.save")
        shown = ctx.until(5, lambda element=element, value=value: _shows(ctx, element, value))
        if not shown:
            raise ctx.fail(
                FailureClass.VERIFICATION_FAILED,
                f"saved {field} {value!r} but the edit-profile screen does not show it"
                + (" (the app may refuse a username that is taken)" if field == "username" else ""),
                screen=True,
            )
        changed[field] = value
    ctx.device.back()
    details: Details = {"changed": changed, "unchanged": kept}
    if photo:
        details["avatar"] = photo
    return details


def _shows(ctx: Ctx, element: str, value: str) -> bool:
    row = ctx.look(element)
    return row is not None and row_value(row) == value
