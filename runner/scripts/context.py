"""What a running script holds: the phone, the task, the app's selectors, cancel and the log.

Scripts speak in logical element names (`ctx.tap("profile.follow_button")`); the selectors
behind a name are data (runner/apps/<app>.yaml). Every step checks `cancel` first.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.device import Device, UiNode, UiTree
from runner.device.appdata import AppData
from runner.device.screen import find_now, first_match, wait_for
from runner.errors import FailureClass, TaskFailed

# Multiplies every element wait and verification poll; real phones need the defaults, tests of
# missing elements shrink it (a failing wait otherwise costs its whole timeout).
WAIT_SCALE = 1.0


@dataclass(frozen=True)
class ScriptTask:
    """What a script needs from a task row."""

    task_id: int
    script_name: str
    script_config: dict[str, Any]
    serial: str
    username: str | None
    package: str | None
    target: str | None
    campaign: str | None
    commit_mark: dict[str, Any] | None = None  # an earlier attempt reached its commit point


Details = dict[str, Any]  # what a run function returns: the task's result, stored as JSON


@dataclass(frozen=True)
class ScriptResult:
    """A finished task: its ``details`` and the ``summary`` its script's registry entry makes
    of them (``ScriptSpec.summarize``), e.g. "followed @alice", stored as the task's remark."""

    summary: str
    details: Details


@dataclass
class Ctx:
    device: Device
    task: ScriptTask
    app: AppData
    cancel: threading.Event
    repo_root: Path | None
    rng: random.Random
    notes: list[str] = field(default_factory=list)
    on_commit: Callable[[str, dict[str, Any]], None] | None = None  # runner/scripts/commit.py

    @property
    def config(self) -> dict[str, Any]:
        return self.task.script_config

    @property
    def package(self) -> str:
        return self.app.package

    def check(self) -> None:
        """Stop here if the task was cancelled, leaving the phone on its home screen."""
        if self.cancel.is_set():
            try:
                self.device.home()
            finally:
                raise TaskFailed(
                    FailureClass.CANCELLED,
                    "stopped by request",
                    serial=self.device.serial,
                    task_id=self.task.task_id,
                )

    def step(self, message: str) -> None:
        self.check()
        self.device.note(f"step: {message}")

    def selectors(self, element: str) -> tuple[dict[str, Any], ...]:
        return self.app.selectors(element)  # type: ignore[return-value]

    def wait(self, element: str, *, timeout: float = 10.0) -> UiNode:
        self.check()
        return wait_for(
            self.device,
            self.selectors(element),
            name=element,
            timeout=timeout * WAIT_SCALE,
            popups=self.app.popups,
            check=self.check,
        )

    def wait_any(self, *elements: str, timeout: float = 10.0) -> tuple[str, UiNode]:
        """The first of several elements to show up, and which one it was."""
        selectors = [s for e in elements for s in self.selectors(e)]
        node = wait_for(
            self.device,
            selectors,
            name=" or ".join(elements),
            timeout=timeout * WAIT_SCALE,
            popups=self.app.popups,
            check=self.check,
        )
        tree = self.device.last_dump
        for element in elements:
            if tree is not None and first_match(tree, self.selectors(element)) == node:
                return element, node
        return elements[0], node

    def look(self, element: str) -> UiNode | None:
        self.check()
        return find_now(self.device, self.selectors(element), popups=self.app.popups)

    def find_in(self, tree: UiTree, element: str) -> UiNode | None:
        return first_match(tree, self.selectors(element))

    def find_all_in(self, tree: UiTree, element: str) -> list[UiNode]:
        """Every node of ``tree`` the first matching selector of ``element`` finds, in order."""
        for selector in self.selectors(element):
            found = tree.find_all(selector)
            if found:
                return found
        return []

    def wait_all(self, element: str, *, timeout: float = 10.0) -> list[UiNode]:
        """Wait for ``element``; every node of it on that same screen read, in order (a
        picker's tiles, a list's rows)."""
        self.wait(element, timeout=timeout)
        tree = self.device.last_dump
        return self.find_all_in(tree, element) if tree is not None else []

    def tap(self, element: str, *, timeout: float = 10.0) -> UiNode:
        node = self.wait(element, timeout=timeout)
        self.device.tap(node)
        return node

    def fill(self, element: str, text: str, *, timeout: float = 10.0) -> None:
        """Tap a text field, empty what an earlier visit left in it, type ``text`` and read it back."""
        field = self.tap(element, timeout=timeout)
        self.device.clear_field(field)
        self.device.type_text(text, verify=True)

    def sleep(self, seconds: float) -> None:
        """Wait, noticing a cancel within a tenth of a second."""
        if self.cancel.wait(max(0.0, seconds)):
            self.check()

    def until(self, seconds: float, predicate: Any, *, interval: float = 0.3) -> Any:
        """Poll ``predicate`` until truthy or ``seconds`` (times WAIT_SCALE) pass; returns its last value."""
        deadline = time.monotonic() + seconds * WAIT_SCALE
        while True:
            self.check()
            value = predicate()
            if value or time.monotonic() >= deadline:
                return value
            self.sleep(interval)

    def fail(
        self,
        failure_class: FailureClass,
        message: str,
        *,
        hint: str | None = None,
        screen: bool = False,
    ) -> TaskFailed:
        """A TaskFailed for this task; ``screen`` appends what the last dump showed (and, if the
        app is no longer in front, says so: it usually crashed)."""
        tree = self.device.last_dump
        if screen and tree is not None:
            message += f"; screen: {tree.summary()}"
            if tree.package and tree.package != self.package:
                message += f" ({self.package} is not in front: it may have crashed or been closed)"
        return TaskFailed(
            failure_class, message, serial=self.device.serial, task_id=self.task.task_id, hint=hint
        )
