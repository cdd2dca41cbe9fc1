"""The scripts' half of the registry: each entry of ``runner.campaign.script_registry`` with the
function that runs it on a leased phone.

The campaign room describes a script without importing the runtime; this module binds the
run functions to those descriptions, once, and refuses at import time an entry without a run
function or a run function without an entry, so the two halves cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from runner.campaign.script_registry import SCRIPT_SPECS, ScriptSpec
from runner.scripts import comment, follow, login, match_accounts, post, profile, warmup
from runner.scripts.context import Ctx, Details, ScriptResult

Run = Callable[[Ctx], Details]


@dataclass(frozen=True)
class Script:
    """A script as the executor sees it: what it is (``spec``) and how it runs (``run``, whose
    details become the task's result, and the entry's summary of them its remark)."""

    spec: ScriptSpec
    run: Run

    @property
    def name(self) -> str:
        return self.spec.name

    def result(self, details: Details) -> ScriptResult:
        """The finished task: its details, summarized by the script's entry."""
        return ScriptResult(self.spec.summarize(details), details)


def bind(specs: dict[str, ScriptSpec], runs: dict[str, Run]) -> dict[str, Script]:
    """One Script per spec; a spec without a run function (or the reverse) is a bug here."""
    if set(specs) != set(runs):
        missing, extra = sorted(set(specs) - set(runs)), sorted(set(runs) - set(specs))
        raise RuntimeError(
            f"script registry out of step: no run for {missing}, no spec for {extra}"
        )
    return {name: Script(spec, runs[name]) for name, spec in specs.items()}


SCRIPTS: dict[str, Script] = bind(
    SCRIPT_SPECS,
    {
        "account_warmup": warmup.run,
        "comment": comment.run,
        "follow": follow.run_follow,
        "login": login.run,
        "match_accounts": match_accounts.run,
        "post": post.run,
        "profile": profile.run,
        "unfollow": follow.run_unfollow,
    },
)
