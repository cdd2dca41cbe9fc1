"""What the scheduler asks of the phones: the seam between the runner and a device pool.

``runner.pool.DevicePool`` is the one pool that leases phones; `campaign apply` on a shared
database passes a directory of the phones every host reported, which writes tasks under the
same identities and runs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from runner.campaign import Inventory
    from runner.device import Device


class PhonePool(Protocol):
    def identity(self, serial: str) -> str:
        """The one name tasks are written under (the hardware serial when known)."""
        ...

    def known(self, serial: str) -> bool:
        """Has any adb server ever shown this phone?"""
        ...

    def waiting_reason(self, serial: str, *, grace: float = 0.0) -> tuple[str, bool] | None:
        """Why a task for ``serial`` cannot start now, and whether that is settled."""
        ...

    def watch_seen(self, on_seen: Callable[[Sequence[tuple[str, str]]], None]) -> None:
        """Report (adb serial, hardware serial) of the phones online now and coming online."""
        ...

    def use_inventory(self, inventory: Inventory) -> None:
        """The inventory as just applied (names, groups, accounts of the phones)."""
        ...

    def lease(self, serial: str, *, timeout: float | None = None) -> AbstractContextManager[Device]:
        """The phone for one task, for as long as the task runs."""
        ...
