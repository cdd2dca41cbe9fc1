"""The commit point of a script that publishes: at most once, also across a crash.

A comment or a post cannot be undone, and a task interrupted after its Post tap (the runner
killed, the phone dropped) used to run again from the start and publish twice. So:

1. right before the irreversible tap the script calls `mark`: the executor writes a durable
   "about to commit" mark (action and what is published) in the state file, committed before
   the tap; if the mark cannot be written the tap does not happen;
2. an attempt that finds an earlier attempt's mark (`earlier`) first looks on the phone for
   the effect of *this account* and, when it is there, completes without tapping again: a
   comment row under the account's display name (how real rows name their author) with the
   same words, or a post with the caption on the own profile (only the account's own posts),
   beyond those the interrupted attempt saw before its tap (the mark's ``shown``). When it is
   not there: a post publishes again unless an identical caption was already on view; a
   comment only when the video still has exactly the comment count it had when the
   interrupted attempt opened it (the list shows only some comments, ours may be out of view);
   otherwise the task fails (`unverifiable`) rather than risk a copy the world can see;
3. a warm-up (many optional comments per task) marks every video it commented on so far and
   a later attempt skips them all: skipping a comment that may not have gone through costs
   nothing, and it cannot be told from the same words the account left there before.

Scripts whose taps read their state first (follow, unfollow, like: the button says whether it
is done) need no mark.
"""

from __future__ import annotations

from typing import Any

from runner.campaign.script_registry import SCRIPT_SPECS
from runner.errors import FailureClass, TaskFailed
from runner.scripts.context import Ctx


def action_of(script: str) -> str:
    """The script's commit action from its registry entry (``ScriptSpec.commit``)."""
    action = SCRIPT_SPECS[script].commit
    if action is None:
        raise RuntimeError(f"{script} publishes nothing: it has no commit point")
    return action


def earlier(ctx: Ctx, action: str) -> dict[str, Any] | None:
    """What an earlier attempt of this task was about to publish, if it reached the tap."""
    mark = ctx.task.commit_mark
    if not mark or mark.get("action") != action:
        return None
    return dict(mark.get("detail") or {})


def mark(ctx: Ctx, action: str, detail: dict[str, Any]) -> None:
    """Record durably that the tap which cannot be undone comes next."""
    ctx.step(f"commit point: {action}")
    if ctx.on_commit is not None:
        ctx.on_commit(action, detail)


def unverifiable(ctx: Ctx, action: str, why: str) -> TaskFailed:
    """An earlier attempt reached the tap and nothing on the phone can tell whether it took."""
    return ctx.fail(
        FailureClass.VERIFICATION_FAILED,
        f"an earlier attempt was interrupted right at its {action} tap and {why}; "
        f"not publishing again (at most once)",
        hint=f"check the account on the phone; if the {action} is not there, run the task again "
        "as a new one",
    )
