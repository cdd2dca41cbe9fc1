"""``uiautomator dump``, read so that a failure is never mistaken for a screen.

What a real phone does (shared/reference/screen-readers.md): on a screen that never goes idle
(a playing video, the camera) the dump prints ``ERROR: could not get idle state.`` and still
exits 0 without writing its file, so a file read afterwards is the previous screen;
``--compressed`` often gets through where the plain dump does not. Hence:

- the output is a screen only if it holds a whole ``<hierarchy>`` and nothing around it reads
  like an error; every other output is a failed read with its reason;
- after an idle failure the compressed dump is tried, and from then on tried first on this
  phone (it is the one that works on its video screens);
- rounds are repeated with a short bounded back-off, then `ScreenUnreadableError` names the
  reason;
- the file fallback (phones where ``/dev/tty`` gives nothing) removes the old file first, so a
  dump that wrote nothing fails instead of returning the previous screen.
"""

from __future__ import annotations

import re
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runner.device.uitree import UiTree, parse_dump
from runner.errors import ScreenUnreadableError

if TYPE_CHECKING:
    from runner.device.adblink import ShellResult
    from runner.device.device import Device

IDLE_ERROR = "could not get idle state"
DUMP_FILE = "/data/local/tmp/runner_dump.xml"
# Texts real `uiautomator dump`s print instead of a hierarchy (outside the XML only: a caption
# on screen may say "ERROR" too).
FAILURE_PATTERN = re.compile(
    r"ERROR[:\s]|Exception|already registered|Killed|Aborted|not found|No such file|"
    r"inaccessible|Permission denied|null root node|Segmentation fault|cannot|could not",
    re.IGNORECASE,
)
BACKOFF = (0.3, 0.8)  # seconds between rounds: bounded, three rounds in all


@dataclass(frozen=True)
class Attempt:
    """One dump command and what came of it: a tree, or the reason it is not one."""

    command: str
    tree: UiTree | None
    reason: str | None


def interpret(result: ShellResult, command: str) -> Attempt:
    """A screen only when the output holds a whole hierarchy and no failure text around it."""
    text = result.text + result.stderr.decode("utf-8", "replace")
    start, end = text.find("<?xml"), text.rfind("</hierarchy>")
    if start < 0:
        start = text.find("<hierarchy")
    outside = text if start < 0 or end < 0 else text[:start] + text[end + len("</hierarchy>") :]
    failure = FAILURE_PATTERN.search(outside)
    if failure is not None or result.exit_code != 0 or start < 0 or end < 0:
        return Attempt(command, None, _reason(outside, failure, result.exit_code))
    try:
        return Attempt(command, parse_dump(text[start : end + len("</hierarchy>")]), None)
    except (ValueError, ET.ParseError) as exc:
        return Attempt(command, None, f"malformed hierarchy ({exc})")


def _reason(outside: str, failure: re.Match[str] | None, exit_code: int) -> str:
    if failure is not None:
        line_start = outside.rfind("\n", 0, failure.start()) + 1
        line_end = outside.find("\n", failure.end())
        line = outside[line_start : line_end if line_end >= 0 else None].strip()
        return line[:200]
    if exit_code != 0:
        return f"exit {exit_code}: {outside.strip()[:200] or 'no output'}"
    return f"no hierarchy in the output ({outside.strip()[:120] or 'nothing printed'})"


class DumpReader:
    """``uiautomator dump`` with failure recognition, the ``--compressed`` retry and back-off.

    ``compressed_retry=False, rounds=1`` is the old reader (one plain dump), kept for the
    benchmark's "before" figures.
    """

    name = "uiautomator dump"

    def __init__(self, *, compressed_retry: bool = True, rounds: int = 3) -> None:
        self.compressed_retry = compressed_retry
        self.rounds = max(1, rounds)
        self.prefer_compressed = False
        self.reads = self.attempts = self.failures = 0
        self._lock = threading.Lock()

    def describe(self) -> tuple[str, str | None]:
        return "dump", "--compressed first" if self.prefer_compressed else None

    def close(self) -> None:
        """Nothing runs on the phone between reads."""

    def read(self, device: Device) -> UiTree:
        with self._lock:
            self.reads += 1
            reasons: list[str] = []
            for round_ in range(self.rounds):
                for compressed in self._order():
                    attempt = self._attempt(device, compressed=compressed)
                    if attempt.tree is not None:
                        return attempt.tree
                    self.failures += 1
                    reasons.append(f"{attempt.command}: {attempt.reason}")
                    device.note(f"screen read failed: {attempt.reason}")
                    if IDLE_ERROR not in (attempt.reason or ""):
                        continue
                    if not compressed and self.compressed_retry:
                        self.prefer_compressed = True  # its video screens need it
                    elif compressed:
                        break  # the plain dump is no better on a screen that is not idle
                if round_ < self.rounds - 1:
                    time.sleep(BACKOFF[min(round_, len(BACKOFF) - 1)])
            raise _unreadable(device, reasons)

    def _order(self) -> tuple[bool, ...]:
        if not self.compressed_retry:
            return (False,)
        return (True, False) if self.prefer_compressed else (False, True)

    def _attempt(self, device: Device, *, compressed: bool) -> Attempt:
        flag = " --compressed" if compressed else ""
        self.attempts += 1
        command = f"uiautomator dump{flag} /dev/tty"
        attempt = interpret(device.shell(command), command)
        if attempt.tree is not None or IDLE_ERROR in (attempt.reason or ""):
            return attempt
        # Some phones print nothing usable to /dev/tty: the file, removed first, so a dump that
        # writes nothing fails instead of showing the previous screen.
        command = file_command(compressed=compressed)
        self.attempts += 1
        return interpret(device.shell(command), command)


def file_command(*, compressed: bool) -> str:
    """Dump to a file and print it, the old file removed first: no new file, no screen."""
    flag = " --compressed" if compressed else ""
    return f"rm -f {DUMP_FILE}; uiautomator dump{flag} {DUMP_FILE} && cat {DUMP_FILE}"


def _unreadable(device: Device, reasons: list[str]) -> ScreenUnreadableError:
    last = reasons[-1].split(": ", 1)[-1] if reasons else "no attempt"
    idle = any(IDLE_ERROR in r for r in reasons)
    return ScreenUnreadableError(
        f"cannot read the screen: {last} ({len(reasons)} failed dumps)",
        serial=device.serial,
        command="uiautomator dump",
        output="\n".join(reasons),
        hint=(
            "the screen never went idle (a video or camera keeps it changing): the on-device "
            "reader (uiautomator2) reads such screens"
            if idle
            else "is the screen on and unlocked? does `adb shell uiautomator dump /dev/tty` work?"
        ),
    )
