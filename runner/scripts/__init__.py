"""Scripts: follow, unfollow, comment, post, account_warmup, written in device actions."""

from __future__ import annotations

from runner.scripts.context import ScriptResult, ScriptTask
from runner.scripts.execute import run_script
from runner.scripts.registry import SCRIPTS, Script

__all__ = ["SCRIPTS", "Script", "ScriptResult", "ScriptTask", "run_script"]
