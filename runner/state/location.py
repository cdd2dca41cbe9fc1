"""Where the state lives when nobody says: $CAMPAIGN_STATE, else .campaign/state.db in the root.

A ``postgresql://`` URL instead of a path selects the shared database of several hosts
(runner/state/pg.py, docs/hosts.md); everything else is a SQLite file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runner.state.store import Store


def is_dsn(state: object) -> bool:
    """True for a PostgreSQL URL (``postgresql://`` or ``postgres://``)."""
    return str(state or "").startswith(("postgresql://", "postgres://"))


def state_path(explicit: str | Path | None, root: Path | None = None) -> Path | str:
    """The state file's Path, or the database URL (a str) when the state is PostgreSQL."""
    chosen = explicit or os.environ.get("CAMPAIGN_STATE")
    if is_dsn(chosen):
        return str(chosen)
    return Path(chosen) if chosen else (root or Path.cwd()) / ".campaign" / "state.db"


def open_state(location: str | Path, *, local_dir: Path | None = None) -> Store:
    """The Store for a path, or the PostgreSQL store for a URL (one pool per URL)."""
    if is_dsn(location):
        from runner.state.pg import open_store

        return open_store(str(location), local_dir=local_dir)
    from runner.state.store import Store

    return Store(location)
