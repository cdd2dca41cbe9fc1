"""`match_accounts`: which accounts are logged in on the phone, read from the app itself.

TikMatrix's script of that name scans a phone and adds what it finds to its account list; it
takes no parameters. Here the accounts are the task's result (``details.accounts``); the
inventory file is the user's: `campaign inventory sync` shows the accounts it lacks and, with
``--write``, inserts them (comments and order kept). Nothing on the phone changes (the switcher is
opened and closed again), so running it twice is harmless, as TikMatrix documents.
"""

from __future__ import annotations

from runner.scripts.common import account_of_row, handle_of, own_profile, switcher_rows
from runner.scripts.context import Ctx, Details


def run(ctx: Ctx) -> Details:
    ctx.step("read the accounts logged in")
    handle = own_profile(ctx)
    if handle is None:  # the app is logged out: no account, nothing to open
        return {"accounts": [], "active": None}
    active = handle_of(handle)
    listed = [account_of_row(ctx, row) for row in switcher_rows(ctx)]
    ctx.device.back()  # close the switcher without choosing
    accounts = list(dict.fromkeys(name for name in (active, *listed) if name))
    return {
        "accounts": [{"username": a, "package": ctx.package} for a in accounts],
        "active": active,
    }
