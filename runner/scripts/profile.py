"""`profile`: set the account's name, username, bio and link, as TikMatrix's profile script does.

Each list (``nicknames``, ``usernames``, ``bios``) is one entry per line; ``profile_order``
picks one line per task, at random or in turn (task N takes line N, cycling: consecutive tasks
of a batch get different lines while there are enough). A literal ``\\n`` inside a bio is a line
break. Empty lists leave their field as it is. The edit-profile screens come from no capture
(see runner/apps/tiktok.yaml): every selector used here is a marked stand-in.
"""

from __future__ import annotations

import re

from runner.device import UiNode
from runner.errors import FailureClass
from runner.scripts.common import clean_text, launch, pick_line
from runner.scripts.context import Ctx, ScriptResult

LISTS = (("nicknames", "name"), ("usernames", "username"), ("bios", "bio"))
USERNAME = re.compile(r"^[A-Za-z0-9._]{2,24}$")


def wanted(ctx: Ctx) -> dict[str, str]:
    """The value of each field this task sets, chosen and checked before the phone is touched."""
    if str(ctx.config.get("avatars_path") or "").strip():
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            "avatars_path is not supported by this runner yet (no capture of the photo picker "
            "of the edit-profile screen to build it from)",
            hint="leave avatars_path empty",
        )
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
    if not out:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            "nothing to set",
            hint="give nicknames, usernames, bios or link_url",
        )
    return out


def row_value(row: UiNode) -> str:
    """What a field's row shows after its label ("" when the field is empty)."""
    texts = [n.text for n in row.walk() if n is not row and clean_text(n.text)]
    return texts[1].strip() if len(texts) > 1 else ""


def run(ctx: Ctx) -> ScriptResult:
    values = wanted(ctx)
    launch(ctx)
    ctx.step("open edit profile")
    ctx.tap("profile.tab")
    ctx.tap("own.edit_profile")
    changed: dict[str, str] = {}
    kept: list[str] = []
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
    summary = ", ".join(f"{f} {v!r}" for f, v in changed.items()) or "nothing changed"
    return ScriptResult(
        f"profile: {summary}" + (f" ({', '.join(kept)} already set)" if kept else ""),
        {"changed": changed, "unchanged": kept},
    )


def _shows(ctx: Ctx, element: str, value: str) -> bool:
    row = ctx.look(element)
    return row is not None and row_value(row) == value
