"""How a Runner behaves; every field has the default `campaign run` and `serve` use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunnerOptions:
    concurrency: int | None = None  # at most this many tasks at once over all phones
    force_unlock: bool = False  # take the state file from a holder that is gone
    state_dir: Path | None = (
        None  # artifacts go to <state_dir>/artifacts/<task id>; default: beside the state
    )
    repo_root: Path | None = None  # where materials/ and apps/ live; default: the repo's root
    # how long a phone that dropped may take to come back before a bounded run stops waiting
    # for its tasks (they never hold a worker meanwhile)
    device_wait: float = 30.0
    lease_timeout: float = 10.0  # how long to wait for a phone's lease
    poll_interval: float = 0.25  # how often stop requests from other processes are noticed
    rescan_interval: float = (
        1.0  # how often tasks queued by other processes (`campaign retry`) are noticed
    )
    missed_skip_grace: float = 60.0  # on_missed: skip without a grace: this late is still on time
    # only the file tasks of these campaigns run (`campaign run PATHS`); None: every task (serve)
    scope: frozenset[str] | None = None
    stop_removed: bool = False  # running tasks of a campaign that left the files are stopped
