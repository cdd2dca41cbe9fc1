"""`account_warmup`: watch videos like a person for `task_duration`, with random engagement.

Each video is watched for a random time in [min_duration, max_duration]; ads and lives are
swiped past; like / follow / favourite / comment happen with the configured probabilities.

Comments cannot be undone, and an interrupted task runs again from the start (a topic's search
shows the same videos, the same random choices pick the same words). So a warm-up comments at
most once per video per task: before each Send tap it records durably (runner/scripts/commit.py)
every video the task commented on or is about to, named by what the feed shows of it (author
and caption: the feed shows no video id). A later attempt does not comment on those videos
again, whether their comment went through or not: a warm-up comment is optional, so skipping
one that may not have been posted costs nothing, while looking for it could not tell an
interrupted comment from one of the same words the account left there earlier.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from runner.device import UiTree
from runner.scripts import commit
from runner.scripts.chatgpt import generate_comment
from runner.scripts.comment import own_name, write_comment
from runner.scripts.common import clean_text, launch, pick_line, search, with_emoji
from runner.scripts.context import Ctx, Details

ACTION = commit.action_of("account_warmup")  # the commit mark's action: its comments

COUNTERS = (
    "videos",
    "watched_seconds",
    "likes",
    "follows",
    "favourites",
    "comments",
    "skipped_ads",
    "skipped_lives",
    "comments_skipped",  # videos not commented on again: an earlier attempt did (or may have)
)


@dataclass
class Comments:
    """What the session's comments need: the account's display name (how the comment list
    names it) and every video this task commented on, in earlier attempts too (the mark)."""

    author: str | None
    done: list[dict[str, Any]] = field(default_factory=list)


def _chance(ctx: Ctx, key: str, *aliases: str) -> bool:
    value = next((ctx.config[k] for k in (key, *aliases) if ctx.config.get(k) is not None), 0)
    return ctx.rng.uniform(0, 100) < float(value or 0)


def open_topic(ctx: Ctx, stats: dict[str, Any]) -> None:
    topic = pick_line(ctx, str(ctx.config.get("topic", "")))
    if not topic:
        return
    search(ctx, topic)
    ctx.tap("search.videos_tab")
    ctx.tap("search.video_tile")
    stats["topic"] = topic


def _comment(ctx: Ctx, caption: str) -> str:
    if ctx.config.get("generate_by_chatgpt"):
        text = generate_comment(
            dict(ctx.config.get("chatgpt_settings") or {}), video_caption=caption
        )
    else:
        text = pick_line(
            ctx, str(ctx.config.get("comment", "")), order=ctx.config.get("comment_order", "random")
        )
    return with_emoji(ctx.rng, text) if text and ctx.config.get("insert_emoji") else text


def engage(ctx: Ctx, stats: dict[str, Any], comments: Comments) -> None:
    """Maybe like, follow, favourite and comment on the video on screen."""
    tree = ctx.device.dump()
    like = ctx.find_in(tree, "video.like")
    # the real like Button stays selected="false" once liked: ask the app data (video.liked)
    liked = ctx.find_in(tree, "video.liked") is not None
    if like is not None and not liked and _chance(ctx, "like_probable"):
        ctx.device.tap(like)
        stats["likes"] += 1
    follow = ctx.find_in(tree, "video.follow")
    if follow is not None and _chance(ctx, "floow_probable", "follow_probable"):
        ctx.device.tap(follow)
        stats["follows"] += 1
    favourite = ctx.find_in(tree, "video.favourite")
    if (
        favourite is not None
        and favourite.attrs.get("selected") != "true"
        and _chance(ctx, "collect_probable")
    ):
        ctx.device.tap(favourite)
        stats["favourites"] += 1
    if _chance(ctx, "comment_probable"):
        key = video_key(ctx, tree)
        if not first_comment(ctx, stats, comments, key):
            return
        caption_node = ctx.find_in(tree, "video.caption")
        caption = caption_node.text if caption_node is not None else ""
        text = _comment(ctx, caption)
        if text and key is not None:
            send_comment(ctx, stats, comments, key, text)


def video_key(ctx: Ctx, tree: UiTree) -> dict[str, str] | None:
    """What tells the video on screen apart from others: its author's name and its caption
    (the feed shows no video id); None when neither shows."""
    author = ctx.find_in(tree, "video.author")
    caption = ctx.find_in(tree, "video.caption")
    key = {
        "author": clean_text(author.text) if author is not None else "",
        "caption": clean_text(caption.text) if caption is not None else "",
    }
    return key if any(key.values()) else None


def first_comment(
    ctx: Ctx, stats: dict[str, Any], comments: Comments, key: dict[str, str] | None
) -> bool:
    """May the task comment on this video? Not when it already did, in this attempt or an
    earlier one (which may have been interrupted right at that comment's tap), nor when the
    video cannot be told apart (a later attempt could not know it): at most once per video."""
    if key is not None and all(entry["video"] != key for entry in comments.done):
        return True
    why = "it cannot be told apart" if key is None else "this task already commented on it"
    ctx.device.note(f"no comment on this video: {why} (at most once)")
    stats["comments_skipped"] += 1
    return False


def send_comment(
    ctx: Ctx, stats: dict[str, Any], comments: Comments, key: dict[str, str], text: str
) -> None:
    """Open the comments, write, and mark the video as commented right before the Send tap."""

    def mark(_shown: int) -> None:
        comments.done.append({"video": key, "text": text})
        commit.mark(ctx, ACTION, {"comments": comments.done})

    ctx.tap("video.comment")
    write_comment(ctx, text, author=comments.author, before_send=mark)
    ctx.device.back()
    stats["comments"] += 1
    stats.setdefault("comment_texts", []).append(text)


def watch_one(ctx: Ctx, stats: dict[str, Any], comments: Comments, deadline: float) -> None:
    tree = ctx.device.dump()
    if ctx.find_in(tree, "feed.ad_marker") is not None:
        stats["skipped_ads"] += 1
    elif ctx.find_in(tree, "feed.live_marker") is not None:
        stats["skipped_lives"] += 1
    else:
        low = float(ctx.config.get("min_duration", 15))
        high = max(low, float(ctx.config.get("max_duration", 30)))
        seconds = min(ctx.rng.uniform(low, high), max(0.0, deadline - time.monotonic()))
        ctx.step(f"watch for {seconds:.1f}s")
        ctx.sleep(seconds)
        stats["videos"] += 1
        stats["watched_seconds"] = round(stats["watched_seconds"] + seconds, 1)
        if time.monotonic() < deadline:
            engage(ctx, stats, comments)
    ctx.check()
    ctx.device.swipe_up()


def run(ctx: Ctx) -> Details:
    duration = float(ctx.config.get("task_duration", 600))
    deadline = time.monotonic() + duration
    stats: dict[str, Any] = {k: 0 for k in COUNTERS}
    earlier = commit.earlier(ctx, ACTION) or {}
    # own_name first: the own profile is still on screen
    comments = Comments(own_name(ctx), list(earlier.get("comments") or []))
    launch(ctx)
    open_topic(ctx, stats)
    ctx.wait("feed.video", timeout=15)
    while time.monotonic() < deadline:
        watch_one(ctx, stats, comments, deadline)
    stats["account"] = ctx.task.username
    stats["duration"] = duration
    return stats
