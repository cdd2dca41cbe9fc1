"""Simulated phones: an adbd over TCP with a TikTok-like app, behind the real adb server.

Public API: ``SimFleet``, ``SimPhone``, ``PhoneSpec``, ``AccountSpec``, ``FaultSpec``,
``default_phones``, ``phones_for_inventory``. Imports nothing of the runner but ``runner.errors``.
"""

from __future__ import annotations

from runner.sim.fleet import SimFleet
from runner.sim.phone import SimPhone
from runner.sim.spec import (
    AccountSpec,
    FaultSpec,
    PhoneSpec,
    default_phones,
    phones_for_inventory,
)

__all__ = [
    "AccountSpec",
    "FaultSpec",
    "PhoneSpec",
    "SimFleet",
    "SimPhone",
    "default_phones",
    "phones_for_inventory",
]
