"""Phones named in tasks, checked against what the adb servers have shown.

One function per question, shared by every door: the API refuses a phone no server has ever
shown (40001, like an unknown username), `validate` and `run` warn about it up front, and the
runner writes tasks under the phone's one identity (`DevicePool.identity`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from runner.campaign.model import TaskSpec
from runner.errors import CampaignError


class KnowsPhones(Protocol):
    """A pool that can say whether an adb server ever showed a phone (``DevicePool``)."""

    def known(self, serial: str) -> bool: ...


def unknown_serials(serials: Iterable[str | None], pool: KnowsPhones) -> list[str]:
    """The serials (adb or hardware) no adb server of ``pool`` has shown, sorted, once each."""
    return sorted({s for s in serials if s and not pool.known(s)})


def unknown_phone_text(unknown: Sequence[str]) -> str:
    """The one wording for phones nobody has seen (API refusal, `run` report, warnings)."""
    names = ", ".join(unknown)
    return (
        f"no phone {names} on the adb server(s)"
        if len(unknown) == 1
        else (f"no phones {names} on the adb server(s)")
    )


def refuse_unknown_phones(specs: Sequence[TaskSpec], pool: KnowsPhones) -> None:
    """Raise CampaignError (API code 40001, field ``serials``) naming every unknown phone."""
    unknown = unknown_serials((s.serial for s in specs), pool)
    if unknown:
        raise CampaignError(
            unknown_phone_text(unknown),
            path="<request body>",
            field="serials",
            hint="check the serial with `campaign devices` (adb or hardware serial)",
        )
