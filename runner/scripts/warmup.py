"""`account_warmup`: watch videos like a person for `task_duration`, with random engagement.

Each video is watched for a random time in [min_duration, max_duration]; ads and lives are
swiped past; like / follow / favourite / comment happen with the configured probabilities.
"""

from __future__ import annotations

import time
from typing import Any

from runner.scripts.chatgpt import generate_comment
from runner.scripts.comment import write_comment
from runner.scripts.common import launch, pick_line, search, with_emoji
from runner.scripts.context import Ctx, Details

COUNTERS = (
    "videos",
    "watched_seconds",
    "likes",
    "follows",
    "favourites",
    "comments",
    "skipped_ads",
    "skipped_lives",
)


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


def engage(ctx: Ctx, stats: dict[str, Any]) -> None:
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
        caption_node = ctx.find_in(tree, "video.caption")
        caption = caption_node.text if caption_node is not None else ""
        text = _comment(ctx, caption)
        if text:
            ctx.tap("video.comment")
            write_comment(ctx, text)
            ctx.device.back()
            stats["comments"] += 1
            stats.setdefault("comment_texts", []).append(text)


def watch_one(ctx: Ctx, stats: dict[str, Any], deadline: float) -> None:
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
            engage(ctx, stats)
    ctx.check()
    ctx.device.swipe_up()


def run(ctx: Ctx) -> Details:
    duration = float(ctx.config.get("task_duration", 600))
    deadline = time.monotonic() + duration
    stats: dict[str, Any] = {k: 0 for k in COUNTERS}
    launch(ctx)
    open_topic(ctx, stats)
    ctx.wait("feed.video", timeout=15)
    while time.monotonic() < deadline:
        watch_one(ctx, stats, deadline)
    stats["account"] = ctx.task.username
    stats["duration"] = duration
    return stats
