"""The phones of every host, as the API and `campaign apply` see them: the ``phones`` table.

Stands where a DevicePool stands in one process (``PhoneRoster`` of runner/api/services.py,
and ``identity``/``known`` for the apply and the API door) without touching adb: a process that
serves the API or applies files runs no script worker and drives no phone.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from runner.errors import UsageError
from runner.hosts import tables
from runner.pool.info import DeviceInfo

LIST = "SELECT serial, host, adb_serial FROM phones ORDER BY serial"


class HostPhones:
    def __init__(self, store: Any) -> None:
        self.store = store
        with store.connection() as raw:
            tables.ensure(raw)

    def devices(self, *, details: bool = True) -> list[DeviceInfo]:
        """Every phone any host reported: ``device`` while a host holds it, else ``gone``."""
        with self.store.connection() as raw:
            rows = raw.execute(LIST).fetchall()
        return [
            DeviceInfo(
                serial=adb or serial,
                hw_serial=serial,
                state="device" if host else "gone",
                server=f"host {host}" if host else "",
            )
            for serial, host, adb in rows
        ]

    def identity(self, serial: str) -> str:
        """The hardware serial of a phone named by its adb serial on some host (else as given)."""
        with self.store.connection() as raw:
            return tables.identity(raw, serial)

    def known(self, serial: str) -> bool:
        with self.store.connection() as raw:
            row = raw.execute(
                "SELECT 1 FROM phones WHERE serial = %s OR adb_serial = %s", (serial, serial)
            ).fetchone()
        return row is not None

    def waiting_reason(self, serial: str, *, grace: float = 0.0) -> tuple[str, bool] | None:
        with self.store.connection() as raw:
            host = tables.host_of(raw, self.identity(serial))
        return None if host else (f"phone {serial} is attached to no host", True)

    def use_inventory(self, inventory: Any) -> None:
        """Nothing to keep: the phones table is the hosts' own report."""

    def watch_seen(self, on_seen: Any) -> None:
        """Nothing to report: the workers that drive the phones record them (hosts/worker.py)."""

    def lease(self, serial: str, *, timeout: float | None = None) -> AbstractContextManager[Any]:
        """Never: this process drives no phone (the scheduler's PhonePool asks for it)."""
        raise UsageError(
            f"phone {serial}: this process runs no task", hint="tasks run in `campaign worker`"
        )

    def start(self) -> None:
        """Nothing to follow: the workers keep the table current."""

    def stop(self) -> None:
        """Nothing to stop."""
