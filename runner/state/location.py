"""Where the state file lives when nobody says: $CAMPAIGN_STATE, else .campaign/state.db in the root."""

from __future__ import annotations

import os
from pathlib import Path


def state_path(explicit: Path | None, root: Path | None = None) -> Path:
    return explicit or Path(
        os.environ.get("CAMPAIGN_STATE") or (root or Path.cwd()) / ".campaign" / "state.db"
    )
