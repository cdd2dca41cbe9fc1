"""Scripts: follow, unfollow, comment, post, account_warmup, written in device actions."""

from __future__ import annotations

from runner.scripts.context import ScriptResult, ScriptTask
from runner.scripts.execute import SCRIPTS, run_script

__all__ = ["SCRIPTS", "ScriptResult", "ScriptTask", "run_script"]
