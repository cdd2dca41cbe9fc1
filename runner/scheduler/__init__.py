"""Scheduler, per-phone queue and executor (see docs/internals.md, "scheduler")."""

from __future__ import annotations

from runner.scheduler.options import RunnerOptions
from runner.scheduler.runner import Runner

__all__ = ["Runner", "RunnerOptions"]
