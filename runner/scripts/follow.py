"""`follow` and `unfollow`: open the profile (deep link or search), press the button, verify."""

from __future__ import annotations

from runner.device import UiNode
from runner.errors import FailureClass
from runner.scripts.common import clean_text, control_of, launch, search, state_of
from runner.scripts.context import Ctx, Details

# follow states (word groups follow_state.* of the app data) in which the account follows
FOLLOWING = frozenset({"following", "friends", "requested"})


def target_user(ctx: Ctx) -> str:
    raw = (
        ctx.task.target
        or next(iter(ctx.config.get("target_users") or []), "")
        or ctx.config.get("target_user", "")
    )
    user = (
        str(raw).strip().splitlines()[0].split(",")[0].strip().lstrip("@")
        if str(raw).strip()
        else ""
    )
    if not user:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR, "no target user", hint="set target_users in script_config"
        )
    return user


def open_profile(ctx: Ctx, user: str) -> None:
    if ctx.config.get("access_method", "direct") == "search":
        launch(ctx)
        search(ctx, user)
        ctx.tap("search.users_tab")
        ctx.step(f"pick exactly @{user} in the results")
        ctx.wait("search.user_row")
        tree = ctx.device.last_dump
        names = ctx.find_all_in(tree, "search.user_name") if tree is not None else []
        exact = [n for n in names if clean_text(n.text).lstrip("@") == user]
        if not exact:
            raise ctx.fail(
                FailureClass.CONFIG_ERROR,
                f"no account named exactly {user!r} in search results "
                f"(found {', '.join(repr(clean_text(n.text)) for n in names) or 'none'})",
                hint="check the username",
            )
        ctx.device.tap(exact[0])  # the name, not the row: the row also holds its Follow button
    else:
        ctx.step(f"open profile @{user}")
        ctx.device.open_url(ctx.app.profile_url.format(user=user), ctx.package)


def button_state(ctx: Ctx, user: str) -> tuple[str, UiNode]:
    """The profile's follow control and the state it shows (read on that control only)."""
    element, node = ctx.wait_any("profile.follow_button", "profile.missing", timeout=15)
    if element == "profile.missing":
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"account @{user} does not exist (the app says {node.text!r})",
            hint="check the username in the campaign",
        )
    control = control_of(ctx, node, "profile.follow_button")
    return state_of(control), control


def run(ctx: Ctx, *, follow: bool) -> Details:
    user = target_user(ctx)
    open_profile(ctx, user)
    state, control = button_state(ctx, user)
    action = "follow" if follow else "unfollow"
    details = {
        "target": user,
        "action": action,
        "method": ctx.config.get("access_method", "direct"),
        "before": state,
        "account": ctx.task.username,
    }
    if follow and _follows(ctx, state):
        return {**details, "changed": False, "after": state}
    if not follow and not _follows(ctx, state):
        return {**details, "changed": False, "after": state}
    ctx.step(f"{action} @{user}")
    ctx.device.tap(control)
    if not follow:
        ctx.tap("unfollow.confirm")
    after = ctx.until(6, lambda: _state_if(ctx, follow))
    if not after:
        now = _state_now(ctx)
        raise ctx.fail(
            FailureClass.VERIFICATION_FAILED,
            f"pressed {state!r} for @{user} but the control shows {now or 'nothing'!r}",
            screen=True,
        )
    return {**details, "changed": True, "after": after}


def _state_now(ctx: Ctx) -> str | None:
    node = ctx.look("profile.follow_button")
    return state_of(control_of(ctx, node, "profile.follow_button")) if node is not None else None


def _state_if(ctx: Ctx, follow: bool) -> str | None:
    state = _state_now(ctx)
    if state is None:
        return None
    return state if _follows(ctx, state) == follow else None


def _follows(ctx: Ctx, state: str) -> bool:
    """Whether the control's word says the account follows (the app data's word groups)."""
    return ctx.app.state_of(state) in FOLLOWING


def run_follow(ctx: Ctx) -> Details:
    return run(ctx, follow=True)


def run_unfollow(ctx: Ctx) -> Details:
    return run(ctx, follow=False)
