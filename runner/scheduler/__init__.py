"""Scheduler, per-phone queue and executor (see docs/internals.md, "scheduler")."""

from __future__ import annotations

from runner.scheduler.dispatcher import Runner
from runner.scheduler.options import RunnerOptions

__all__ = ["Runner", "RunnerOptions"]
