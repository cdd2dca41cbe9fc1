"""`login`: log an inventory account in on the phone, as TikMatrix's login script does.

TikMatrix reads the credentials from its account list: the e-mail when there is one, else the
username, and the password. Here the inventory entry of the account gives its ``email`` and
``password_env``, the name of the environment variable holding the password: no password is
written in a file, a task, a log or an error. One task per account of the phone
(``enable_multi_account`` is always on, as documented). An account already logged in is made
active and not logged in again. TikMatrix documents that TikTok may ask for a verification code
or a CAPTCHA: the task then fails as ``verification_failed`` with the screen in its artifacts.
Only the tabs of the log-in screen come from a capture (43.1.4 fr); see runner/apps/tiktok.yaml.
"""

from __future__ import annotations

import os

from runner.campaign.records import Account
from runner.campaign.repo import inventory_file, load_repo
from runner.errors import FailureClass
from runner.scripts.common import (
    account_of_row,
    handle_of,
    own_profile,
    switch_to_row,
    switcher_rows,
)
from runner.scripts.context import Ctx, Details


def inventory_account(ctx: Ctx, username: str) -> Account | None:
    """The account's inventory entry (the campaign repo's inventory.yaml), or None."""
    root = ctx.repo_root
    path = inventory_file(root) if root else None
    if path is None:
        return None
    inventory = load_repo([str(path)], root=root).inventory
    return next((a for d in inventory.devices for a in d.accounts if a.username == username), None)


def credentials(ctx: Ctx) -> tuple[str, str]:
    """(e-mail or username, password), checked before the phone is touched."""
    username = ctx.task.username
    if not username:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            "login needs an account: the phone has no accounts in inventory.yaml",
            hint="list the phone's accounts (username, email, password_env) in inventory.yaml",
        )
    account = inventory_account(ctx, username)
    if account is None or not account.password_env:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"account {username!r} has no password_env in inventory.yaml",
            hint="set password_env: NAME on the account and export NAME=<password> for the runner",
        )
    password = os.environ.get(account.password_env, "")
    if not password:
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"environment variable {account.password_env} (the password of {username!r}) is "
            "not set for the runner",
            hint=f"export {account.password_env}=... before campaign run / serve",
        )
    return account.email or username, password


def run(ctx: Ctx) -> Details:
    username = str(ctx.task.username or "")
    identifier, password = credentials(ctx)
    ctx.step("look for the account on the phone")
    handle = own_profile(ctx)
    if handle is not None:
        if handle_of(handle) == username:
            return _already(username)
        rows = switcher_rows(ctx)
        row = next((r for r in rows if account_of_row(ctx, r) == username), None)
        if row is not None:
            switch_to_row(ctx, row, username)  # a switch that did not happen fails
            return _already(username)
        ctx.tap("switcher.add_account")
    else:
        ctx.tap("login.prompt")
    ctx.step(f"log in as {identifier}")
    ctx.tap("login.email_tab")
    ctx.fill("login.identifier", identifier)
    ctx.tap("login.continue")
    field = ctx.tap("login.password")
    ctx.device.clear_field(field)
    ctx.device.type_secret(password)
    ctx.tap("login.submit")
    if not ctx.until(15, lambda: _active(ctx) == username):
        raise ctx.fail(
            FailureClass.VERIFICATION_FAILED,
            f"logged in as {identifier!r} but the profile does not show @{username}: TikTok may "
            "have refused the password or asked for a verification code or a CAPTCHA",
            hint="finish the log-in by hand on the phone (TikMatrix: TikTok log-in is not fully "
            "automatic), then run match_accounts",
            screen=True,
        )
    return {"account": username, "with": "email" if identifier != username else "username"}


def _active(ctx: Ctx) -> str:
    node = ctx.look("own.username")
    return handle_of(node) if node is not None else ""


def _already(username: str) -> Details:
    return {"account": username, "with": "already logged in"}
