"""What the API's handlers work with, gathered in one record the app factory builds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.api.envelope import NOT_FOUND
from runner.errors import ApiError

if TYPE_CHECKING:
    from runner.api.campaigns import CampaignSource
    from runner.state import Store, TaskRow


@dataclass(frozen=True)
class Services:
    """``runner`` and ``pool`` are None when the API runs over a bare state file (no phones)."""

    store: Store
    campaigns: CampaignSource
    runner: Any = None
    pool: Any = None
    media_roots: tuple[Path, ...] = ()
    artifacts_root: Path | None = None

    def task(self, task_id: int) -> TaskRow:
        """The task row, or the 40401 answer every per-task endpoint gives for an unknown id."""
        row = self.store.get(task_id)
        if row is None:
            raise ApiError(NOT_FOUND, f"task {task_id} not found")
        return row
