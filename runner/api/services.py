"""What the API's handlers work with, gathered in one record the app factory builds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from runner.api.envelope import NOT_FOUND
from runner.errors import ApiError

if TYPE_CHECKING:
    from runner.api.campaigns import CampaignSource
    from runner.campaign import Repo
    from runner.campaign.model import TaskSpec
    from runner.pool.info import DeviceInfo
    from runner.state import ApplyDiff, Store, TaskRow


class TaskRunner(Protocol):
    """What the API asks of the runner that executes tasks (``runner.scheduler.Runner``)."""

    def submit(self, specs: Sequence[TaskSpec]) -> list[int]: ...

    def stop_task(self, task_id: int) -> bool: ...

    def apply(self, repo: Repo) -> ApplyDiff: ...


class PhoneRoster(Protocol):
    """What the API asks of the phones (``runner.pool.DevicePool``): who they are, how they are."""

    def devices(self, *, details: bool = True) -> list[DeviceInfo]: ...

    def identity(self, serial: str) -> str: ...


@dataclass(frozen=True)
class Services:
    """``runner`` and ``pool`` are None when the API runs over a bare state file (no phones)."""

    store: Store
    campaigns: CampaignSource
    runner: TaskRunner | None = None
    pool: PhoneRoster | None = None
    media_roots: tuple[Path, ...] = ()
    artifacts_root: Path | None = None

    def phone(self, serial: str | None) -> str | None:
        """The name tasks are filed under for a phone given by adb or hardware serial, so a
        filter by `127.0.0.1:5555` finds the queue of the phone behind it."""
        if serial is None or self.pool is None:
            return serial
        return self.pool.identity(serial)

    def task(self, task_id: int) -> TaskRow:
        """The task row, or the 40401 answer every per-task endpoint gives for an unknown id."""
        row = self.store.get(task_id)
        if row is None:
            raise ApiError(NOT_FOUND, f"task {task_id} not found")
        return row
