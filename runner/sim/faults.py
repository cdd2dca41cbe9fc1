"""Per-phone faults: the ways a real phone misbehaves, on a schedule or on demand from a test.

Each fault gives the runner what a real phone would: a dropped TCP connection (the adb server
shows the phone offline and re-dials), a vanished listener, slowness, a command that never
answers, an app that crashes, a dialog nobody expected, an unauthorized phone.

`parse_fault` / `apply_faults` give `campaign sim up --fault NAME[=VALUE][@WHERE]` the same
faults for one phone, a share of the fleet or every phone.
"""

from __future__ import annotations

import asyncio
import collections
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from runner.errors import UsageError
from runner.sim.spec import FaultSpec, PhoneSpec
from runner.sim.truth import KINDS
from runner.sim.ui.dialog import Dialog

if TYPE_CHECKING:
    from runner.sim.phone import SimPhone

UNEXPECTED_DIALOG = ("Let's do a quick security checkup", ["Not now", "Start"])


class FaultState:
    def __init__(self, phone: SimPhone, spec: FaultSpec | None) -> None:
        self.phone = phone
        self.spec = spec or FaultSpec()
        self.unauthorized = self.spec.unauthorized
        self.latency = self.spec.latency
        self.hang_on = self.spec.hang_on
        self.disconnect_after = self.spec.disconnect_after
        self.disconnect_on = self.spec.disconnect_on
        self.dialog_after = self.spec.dialog_after
        self.crash_after_taps = self.spec.crash_after_taps
        self.layout = self.spec.layout
        self.hide = tuple(self.spec.hide)
        self.compressed_idle_failure = self.spec.compressed_idle_failure
        self.u2_unavailable = self.spec.u2_unavailable
        self.commands = 0
        self.recent: collections.deque[str] = collections.deque(maxlen=64)  # for test diagnostics
        self.taps = 0
        self.disconnect_after_effect = self.spec.disconnect_after_effect
        self.hang_after_effect = self.spec.hang_after_effect
        phone.truth.on_record = self.after_effect
        # screen reads the phone answered: (reader, "animating"|"still", "ok"|"idle error")
        self.screen_reads: collections.Counter[tuple[str, str, str]] = collections.Counter()
        self._armed = False

    def arm(self) -> None:
        """Schedule the timed faults once, relative to the phone's first listen."""
        if self._armed or self.phone.loop is None:
            return
        self._armed = True
        loop = self.phone.loop
        if self.spec.disconnect_at is not None:
            loop.call_later(self.spec.disconnect_at, self._timed_disconnect)
        if self.spec.offline_at is not None:
            loop.call_later(self.spec.offline_at, self._timed_offline)

    def _timed_disconnect(self) -> None:
        if not self.phone.stopped:
            self.phone.drop_connections()

    def _timed_offline(self) -> None:
        if not self.phone.stopped:
            asyncio.ensure_future(self.offline(self.spec.offline_for))

    async def before_command(self, command: str) -> bool:
        """Apply faults to one shell command; False means the connection was dropped instead."""
        self.commands += 1
        self.recent.append(command)
        if self.hang_on is not None and self.hang_on in command:
            await asyncio.Event().wait()  # never answers; cancelled when the host closes the stream
        if self.disconnect_after is not None and self.commands >= self.disconnect_after:
            self.disconnect_after = None
            self.phone.drop_connections()
            return False
        if self.disconnect_on is not None and self.disconnect_on in command:
            self.disconnect_on = None
            self.phone.drop_connections()
            return False
        delay = self.latency + (self._realistic_delay(command) if self.phone.realistic else 0.0)
        if delay > 0:
            await asyncio.sleep(delay)
        if self.dialog_after is not None and self.commands >= self.dialog_after:
            self.dialog_after = None
            self.show_unexpected_dialog()
        return True

    def after_effect(self, kind: str) -> None:
        """The app just recorded an effect (a comment, a post): fire the faults waiting for it.

        Called inside the command that caused it, so the fault hits the *next* command: the
        tap went through, its answer may even arrive, and then the phone is gone or stuck."""
        if kind in (self.disconnect_after_effect or "").split(","):
            self.disconnect_after_effect = None
            self.disconnect_on = ""  # the next command, whatever it is
        if kind in (self.hang_after_effect or "").split(","):
            self.hang_after_effect = None
            self.hang_on = ""  # every command from now on, until a test clears it

    def _realistic_delay(self, command: str) -> float:
        rng = self.phone.rng
        if "uiautomator dump" in command:
            return 0.0  # the command itself costs what a real dump costs (cmd_input.uiautomator)
        if "screencap" in command:
            return rng.uniform(0.3, 0.5)
        if command.lstrip().startswith("input "):
            return rng.uniform(0.05, 0.1)
        if command.lstrip().startswith(("am ", "monkey ")):
            return rng.uniform(0.15, 0.4)
        return rng.uniform(0.01, 0.03)

    def on_tap(self) -> bool:
        """Count a tap; True when this tap is the one that crashes the app."""
        self.taps += 1
        if self.crash_after_taps is not None and self.taps >= self.crash_after_taps:
            self.crash_after_taps = None
            return True
        return False

    def show_unexpected_dialog(
        self, title: str | None = None, buttons: list[str] | None = None
    ) -> None:
        default_title, default_buttons = UNEXPECTED_DIALOG
        with self.phone.lock:
            self.phone.display.show_dialog(
                Dialog(title or default_title, buttons or list(default_buttons))
            )

    async def offline(self, seconds: float) -> None:
        """Listener down (the adb server's re-dials fail), then up again on the same port."""
        await self.phone.close_listener()
        await asyncio.sleep(seconds)
        if not self.phone.stopped:
            await self.phone.listen(self.phone.host)


# --- faults from the command line: `campaign sim up --fault NAME[=VALUE][@WHERE]` ------------------
FAULT_HELP = {
    "disconnect": "SECONDS: drop the connection that long after start (the adb server re-dials)",
    "disconnect-on": "TEXT: drop the connection on the first command containing TEXT",
    "disconnect-after": "KINDS: drop the connection right after the first comment/post/... "
    "(ground-truth kinds, comma-separated: comments,posts,follows,likes,...)",
    "offline": "SECONDS[:FOR]: listener down at SECONDS for FOR seconds (default 5), then back",
    "hang": "TEXT: commands containing TEXT never answer (empty: every command)",
    "hang-after": "KINDS: every command hangs right after the first such effect",
    "app-crash": "N: the app crashes back to the launcher on its Nth tap",
    "latency": "SECONDS: added to every command",
    "dialog": "N: an unexpected dialog covers the app after N commands",
    "unauthorized": "the phone shows as unauthorized (no value)",
    "no-u2": "uiautomator2's server cannot start on the phone (no value): read with the dump",
    "compressed-idle": "P: probability (0-1) that `uiautomator dump --compressed` also fails "
    "on a playing video",
}
FLAGS = {"unauthorized": (("unauthorized", True),), "no-u2": (("u2_unavailable", True),)}
WHERE_HELP = "@WHERE: all phones (default), a share like 20% (picked with --seed), or hw serials"


@dataclass(frozen=True)
class FaultOption:
    """One ``--fault``: FaultSpec fields to set, on which phones."""

    text: str
    fields: tuple[tuple[str, object], ...]
    share: float | None = None  # percent of the fleet
    serials: tuple[str, ...] = ()  # or these hw serials; neither: every phone


def parse_fault(text: str) -> FaultOption:
    """``NAME[=VALUE][@WHERE]`` -> FaultOption; UsageError says what is wrong and the forms."""
    body, share = text, None
    serials: tuple[str, ...] = ()
    head, at, where = text.rpartition("@")
    if at and _WHERE.fullmatch(where):
        body = head
        if where.endswith("%"):
            share = float(where[:-1])
            if not 0 < share <= 100:
                raise _usage(text, f"share {where} is not between 0 and 100 %")
        elif where != "all":
            serials = tuple(s for s in where.split(",") if s)
    name, eq, value = body.partition("=")
    name = name.strip()
    if name not in FAULT_HELP:
        raise _usage(text, f"unknown fault {name!r}")
    if (name in FLAGS) == bool(eq):
        raise _usage(text, f"{name} takes no value" if eq else f"{name} needs =VALUE")
    return FaultOption(text, _fields(text, name, value), share, serials)


def apply_faults(
    phones: Sequence[PhoneSpec], options: Sequence[FaultOption], *, seed: int = 0
) -> list[PhoneSpec]:
    """The phones with each option's faults set on the phones it names."""
    out = list(phones)
    known = [p.serial for p in out]
    for option in options:
        missing = [s for s in option.serials if s not in known]
        if missing:
            raise UsageError(
                f"--fault {option.text}: no simulated phone {', '.join(missing)}",
                hint=f"the phones are {', '.join(known[:10])}{' ...' if len(known) > 10 else ''}",
            )
        chosen = set(option.serials or known)
        if option.share is not None:
            count = max(1, round(len(known) * option.share / 100))
            chosen = set(random.Random(f"{seed}:{option.text}").sample(known, count))
        fields: dict[str, Any] = dict(option.fields)  # each value parsed to its field's type
        for index, phone in enumerate(out):
            if phone.serial in chosen:
                faults = replace(phone.faults or FaultSpec(), **fields)
                out[index] = replace(phone, faults=faults)
    return out


_WHERE = re.compile(r"all|\d+(\.\d+)?%|[A-Za-z0-9._:-]+(,[A-Za-z0-9._:-]+)*")


def _fields(text: str, name: str, value: str) -> tuple[tuple[str, object], ...]:
    if name in FLAGS:
        return FLAGS[name]
    try:
        if name == "disconnect":
            return (("disconnect_at", _positive(value)),)
        if name == "disconnect-on":
            return (("disconnect_on", value),)
        if name in ("disconnect-after", "hang-after"):
            kinds = [k.strip() for k in value.split(",") if k.strip()]
            wrong = [k for k in kinds if k not in KINDS]
            if not kinds or wrong:
                raise ValueError(f"kinds are {', '.join(KINDS)}")
            field = "disconnect_after_effect" if name == "disconnect-after" else "hang_after_effect"
            return ((field, ",".join(kinds)),)
        if name == "offline":
            at, _, span = value.partition(":")
            return (("offline_at", _positive(at)), ("offline_for", _positive(span or "5")))
        if name == "hang":
            return (("hang_on", value),)
        if name == "app-crash":
            return (("crash_after_taps", int(_positive(value))),)
        if name == "latency":
            return (("latency", _positive(value)),)
        if name == "dialog":
            return (("dialog_after", int(_positive(value))),)
        probability = _positive(value)  # compressed-idle
        if probability > 1:
            raise ValueError("give a probability between 0 and 1")
        return (("compressed_idle_failure", probability),)
    except ValueError as exc:
        raise _usage(text, f"{name}={value}: {exc}") from None


def _positive(raw: str) -> float:
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise ValueError("give a number of 0 or more")
    return number


def _usage(text: str, why: str) -> UsageError:
    return UsageError(
        f"--fault {text}: {why}",
        hint=f"NAME[=VALUE][@WHERE], NAME one of {', '.join(FAULT_HELP)}; "
        "see `campaign sim up --help`",
    )
