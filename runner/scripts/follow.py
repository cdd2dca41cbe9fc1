"""`follow` and `unfollow`: open the profile (deep link or search), press the button, verify."""

from __future__ import annotations

from runner.errors import FailureClass
from runner.scripts.common import launch, search
from runner.scripts.context import Ctx, ScriptResult

FOLLOWING = ("Following", "Friends", "Requested")


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
        names = (
            [
                n
                for n in tree.nodes()
                if n.text == user and "EditText" not in n.attrs.get("class", "")
            ]
            if tree
            else []
        )
        if not names:
            raise ctx.fail(
                FailureClass.CONFIG_ERROR,
                f"no account named exactly {user!r} in search results",
                hint="check the username",
            )
        ctx.device.tap(names[0])
    else:
        ctx.step(f"open profile @{user}")
        ctx.device.open_url(ctx.app.profile_url.format(user=user), ctx.package)


def button_state(ctx: Ctx, user: str) -> tuple[str, object]:
    element, node = ctx.wait_any("profile.follow_button", "profile.missing", timeout=15)
    if element == "profile.missing":
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"account @{user} does not exist (the app says {node.text!r})",
            hint="check the username in the campaign",
        )
    return node.text, node


def run(ctx: Ctx, *, follow: bool) -> ScriptResult:
    user = target_user(ctx)
    open_profile(ctx, user)
    state, node = button_state(ctx, user)
    action = "follow" if follow else "unfollow"
    details = {
        "target": user,
        "action": action,
        "method": ctx.config.get("access_method", "direct"),
        "before": state,
        "account": ctx.task.username,
    }
    if follow and state in FOLLOWING:
        return ScriptResult(
            f"already following @{user}", {**details, "changed": False, "after": state}
        )
    if not follow and state not in FOLLOWING:
        return ScriptResult(f"not following @{user}", {**details, "changed": False, "after": state})
    ctx.step(f"{action} @{user}")
    ctx.device.tap(node)  # type: ignore[arg-type]
    if not follow:
        ctx.tap("unfollow.confirm")
    after = ctx.until(6, lambda: _state_if(ctx, follow))
    if not after:
        now = ctx.look("profile.follow_button")
        raise ctx.fail(
            FailureClass.VERIFICATION_FAILED,
            f"pressed {state!r} for @{user} but the button shows "
            f"{now.text if now else 'nothing'!r}",
            screen=True,
        )
    verb = "followed" if follow else "unfollowed"
    return ScriptResult(f"{verb} @{user}", {**details, "changed": True, "after": after})


def _state_if(ctx: Ctx, follow: bool) -> str | None:
    node = ctx.look("profile.follow_button")
    if node is None:
        return None
    done = node.text in FOLLOWING if follow else node.text not in FOLLOWING
    return node.text if done else None


def run_follow(ctx: Ctx) -> ScriptResult:
    return run(ctx, follow=True)


def run_unfollow(ctx: Ctx) -> ScriptResult:
    return run(ctx, follow=False)
