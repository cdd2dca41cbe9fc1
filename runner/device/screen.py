"""Finding elements: selector lists tried in order, known dialogs dismissed while waiting.

`wait_for` is where "element not found" becomes a failure that explains itself: which
element, every selector tried, and what the screen showed instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from runner.device.device import Device
from runner.device.popups import find_dismissal
from runner.device.uitree import Selector, UiNode, UiTree
from runner.errors import FailureClass, TaskFailed

MAX_DISMISSALS = 10


def first_match(tree: UiTree, selectors: Sequence[Selector]) -> UiNode | None:
    for selector in selectors:
        node = tree.find(selector)
        if node is not None:
            return node
    return None


def dismiss_popup(device: Device, tree: UiTree, rules: Sequence[Mapping[str, Any]]) -> bool:
    """Dismiss a known dialog if one is on screen; True when something was done."""
    dismissal = find_dismissal(tree, rules)
    if dismissal is None:
        return False
    device.note(dismissal.describe())
    if dismissal.button is None:
        device.back()
    else:
        device.tap(dismissal.button)
    return True


def wait_for(
    device: Device,
    selectors: Sequence[Selector],
    *,
    name: str,
    timeout: float = 10.0,
    popups: Sequence[Mapping[str, Any]] = (),
    interval: float = 0.3,
    check: Callable[[], None] | None = None,
) -> UiNode:
    """The first node matching any selector, dismissing known popups meanwhile.

    A known dialog is dismissed before matching: it covers the screen, so an element seen
    under it cannot be tapped. Raises TaskFailed(element_not_found) naming the element, the
    selectors and the screen. ``check`` runs before every look, so a stop request ends a long
    wait at once instead of after its timeout.
    """
    deadline = time.monotonic() + timeout
    dismissed = 0
    while True:
        if check is not None:
            check()
        tree = device.dump()
        if dismissed < MAX_DISMISSALS and dismiss_popup(device, tree, popups):
            dismissed += 1
            continue
        node = first_match(tree, selectors)
        if node is not None:
            return node
        if time.monotonic() >= deadline:
            raise not_found(device, name, selectors, tree)
        time.sleep(interval)


def find_now(
    device: Device, selectors: Sequence[Selector], *, popups: Sequence[Mapping[str, Any]] = ()
) -> UiNode | None:
    """One look (dismissing at most a couple of popups); None when absent."""
    for _ in range(3):
        tree = device.dump()
        if not dismiss_popup(device, tree, popups):
            return first_match(tree, selectors)
    return None


def not_found(
    device: Device, name: str, selectors: Sequence[Selector], tree: UiTree | None
) -> TaskFailed:
    screen = tree.summary() if tree is not None else "no screen dump"
    tried = "; ".join(_format(s) for s in selectors)
    return TaskFailed(
        FailureClass.ELEMENT_NOT_FOUND,
        f"{name} not found on {device.serial} (tried {tried}); screen: {screen}",
        serial=device.serial,
        details={"element": name, "selectors": [dict(s) for s in selectors], "screen": screen},
        hint="the app layout may have changed: update the selectors in apps/<app>.yaml",
    )


def _format(selector: Selector) -> str:
    return "{" + ", ".join(f"{k}={v!r}" for k, v in selector.items()) + "}"
