"""`comment`: open the post, open comments, type the comment (and image), send, verify it is listed."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any

from runner.device import UiTree
from runner.device.textinput import as_dumped
from runner.errors import FailureClass
from runner.scripts import commit
from runner.scripts.common import clean_text, local_path, newest_tiles, pick_line, with_emoji
from runner.scripts.context import Ctx, Details

ACTION = commit.action_of("comment")  # the commit mark's action: its at-most-once tap


def post_url(ctx: Ctx) -> str:
    raw = (
        ctx.task.target
        or next(iter(ctx.config.get("target_post_urls") or []), "")
        or ctx.config.get("target_post_url", "")
    )
    url = str(raw).strip().splitlines()[0].split(",")[0].strip() if str(raw).strip() else ""
    if not url:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            "no target post URL",
            hint="set target_post_urls in script_config",
        )
    return url


def comment_text(ctx: Ctx) -> str:
    text = pick_line(
        ctx,
        str(ctx.config.get("comment_content", "")),
        order=ctx.config.get("comment_order", "random"),
    )
    if ctx.config.get("insert_emoji"):
        text = with_emoji(ctx.rng, text)
    return text


def attach_image(ctx: Ctx, raw: str) -> str:
    """Push the image, pick it in the comment's image picker, check it is attached.

    The picker's tiles carry no file name: the image just pushed and scanned is the newest, the
    first tile."""
    local = local_path(ctx, raw)
    ctx.step(f"attach image {local.name}")
    remote = ctx.device.push_media(local)
    ctx.tap("comment.add_image")
    ctx.step(f"pick {posixpath.basename(remote)} (the newest tile) in the picker")
    ctx.device.tap(newest_tiles(ctx, ctx.wait_all("upload.gallery_item"))[0])
    attached = {k: v for k, v in ctx.app.rule("comment_image").items() if k != "source"}
    if not attached:
        ctx.wait("comment.attachment")
    elif not ctx.until(8, lambda: ctx.device.dump().find(attached) is not None):
        raise ctx.fail(
            FailureClass.ELEMENT_NOT_FOUND,
            f"no attached image shows after picking {posixpath.basename(remote)} "
            f"(rules.comment_image: {attached})",
            hint="update rules.comment_image in apps/tiktok.yaml from a capture",
            screen=True,
        )
    return posixpath.basename(remote)


def write_comment(
    ctx: Ctx,
    text: str,
    *,
    image: str = "",
    author: str | None = None,
    before_send: Callable[[int], None] | None = None,
) -> str | None:
    """In an open comment sheet: type, attach, send and wait for the comment in the list.

    ``before_send(shown)`` runs right before the Send tap (the commit point), with how many
    comments of these words by ``author`` the list showed then: the one just sent must make
    one more, so another account's identical comment never passes for ours."""
    if text:
        ctx.fill("comment.input", text)
    attached = attach_image(ctx, image) if image else None
    ctx.step("send the comment")
    send = ctx.wait("comment.send")
    tree = ctx.device.last_dump
    shown = own_rows(ctx, tree, text, author) if text and tree is not None else 0
    if before_send is not None:  # as close to the tap as it gets: nothing can fail in between
        before_send(shown)
    ctx.device.tap(send)
    if text and not ctx.until(8, lambda: own_rows(ctx, ctx.device.dump(), text, author) > shown):
        raise ctx.fail(
            FailureClass.VERIFICATION_FAILED,
            f"sent the comment {text!r} but it is not in the list"
            + (f" under {author!r}" if author else ""),
            hint="the account may be restricted from commenting, or the text was filtered",
            screen=True,
        )
    return attached


def own_name(ctx: Ctx) -> str | None:
    """The account's display name: comment rows show their author by it, not by the handle
    (FACTS.md, Comments). Read on the own profile every task starts on (the account check ends
    there); None when it shows none, and then a row's author cannot be checked."""
    tree = ctx.device.last_dump
    node = ctx.find_in(tree, "own.name") if tree is not None else None
    name = clean_text(node.text) if node is not None else ""
    return name or None


def own_rows(ctx: Ctx, tree: UiTree, text: str, author: str | None) -> int:
    """How many comments with these words the list shows by ``author`` (by anyone when None:
    the name could not be read). A comment's text follows its author's name in the dump, in
    nested rows (47.0.3) and in a flat list (pt-BR) alike; the comment field does not count,
    and the words are compared as a dump prints them (4-byte emoji read "..")."""
    shown = as_dumped(text)
    authors = {id(n): clean_text(n.text) for n in ctx.find_all_in(tree, "comment.author")}
    by: str | None = None
    count = 0
    for node in tree.nodes():
        if id(node) in authors:
            by = authors[id(node)]
        elif (
            node.text == shown
            and "EditText" not in node.attrs.get("class", "")
            and (author is None or by == author)
        ):
            count += 1
    return count


def comment_count(desc: str) -> int | None:
    """The exact comment count in the comment button's description ("Read or add comments.
    42 comments"); None when there is none or it is rounded (1.2K, 1,2 mil)."""
    match = re.search(r"(\d[\d.,\s]*)(K|M|mil|k)?\b\D*$", desc)
    if match is None or match.group(2):
        return None
    return int(re.sub(r"\D", "", match.group(1)))


def _published_before(
    ctx: Ctx, earlier: dict[str, Any], text: str, count: int | None, author: str | None
) -> bool:
    """Did the interrupted attempt's comment go through? True: the list shows one more comment
    of these words by this account than that attempt saw before its tap (another account's
    identical comment is not ours). False: it does not, and the video has exactly as many
    comments as when that attempt opened it, so its tap never took. Otherwise nothing proves it
    absent (the list shows a few comments, ours may be out of view): sending again could
    publish it twice, so the task fails instead."""
    if not text:
        raise commit.unverifiable(ctx, ACTION, "an image-only comment cannot be found")
    before = int(earlier.get("shown") or 0)  # marks written before "shown" existed: 0
    if ctx.until(3, lambda: own_rows(ctx, ctx.device.dump(), text, author) > before):
        return True
    if count is not None and earlier.get("count") == count:
        return False
    by = f" by {author!r}" if author else ""
    raise commit.unverifiable(
        ctx,
        ACTION,
        f"{text!r}{by} is not among the comments shown, while the video's comment count moved "
        f"({earlier.get('count')} then, {count} now): it may be further down the list",
    )


def run(ctx: Ctx) -> Details:
    author = own_name(ctx)  # first: the own profile is still on screen
    url = post_url(ctx)
    text = comment_text(ctx)
    image = str(ctx.config.get("comment_image_path") or "")
    if not text and not image:
        raise ctx.fail(FailureClass.CONFIG_ERROR, "nothing to comment", hint="set comment_content")
    earlier = commit.earlier(ctx, ACTION)
    if earlier is not None:  # the words of the attempt that may have posted them
        text = str(earlier.get("text", text))
        author = author or earlier.get("author")
    ctx.step(f"open {url}")
    ctx.device.open_url(url, ctx.package)
    count = comment_count(ctx.tap("video.comment", timeout=15).desc)
    details = {"url": url, "comment": text, "image": None, "account": ctx.task.username}
    if earlier is not None and _published_before(ctx, earlier, text, count, author):
        ctx.device.back()
        details["image"] = earlier.get("image")
        return {**details, "recovered": True}
    detail = {
        "url": url,
        "text": text,
        "image": posixpath.basename(image) if image else None,
        "count": count,  # comments on the video when it was opened, for an interrupted attempt
        "author": author,  # the display name its rows show
    }

    def mark(shown: int) -> None:
        commit.mark(ctx, ACTION, {**detail, "shown": shown})  # ours in view before the tap

    attached = write_comment(ctx, text, image=image, author=author, before_send=mark)
    ctx.device.back()
    return {**details, "image": attached}
