"""View nodes: what ``uiautomator dump`` prints and what ``input tap`` hits.

A screen is rendered afresh as a tree of Nodes for every dump and every tap, from the app's
state; a node's ``on_tap`` is the action the app performs when the tap lands inside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

Bounds = tuple[int, int, int, int]
WIDTH, HEIGHT = 1080, 2400


@dataclass
class Node:
    cls: str = "android.widget.FrameLayout"
    bounds: Bounds = (0, 0, WIDTH, HEIGHT)
    text: str = ""
    desc: str = ""
    rid: str = ""
    clickable: bool = False
    focusable: bool = False
    focused: bool = False
    scrollable: bool = False
    checkable: bool = False
    checked: bool = False
    selected: bool = False
    enabled: bool = True
    password: bool = False
    long_clickable: bool = False
    package: str = ""
    on_tap: Callable[[], None] | None = None
    children: list[Node] = field(default_factory=list)

    def add(self, *children: Node | None) -> Node:
        self.children.extend(c for c in children if c is not None)
        return self

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


def contains(bounds: Bounds, x: int, y: int) -> bool:
    left, top, right, bottom = bounds
    return left <= x < right and top <= y < bottom


def hit_test(root: Node, x: int, y: int) -> Node | None:
    """The topmost node under (x, y) that reacts to taps; later siblings draw over earlier ones."""
    if not contains(root.bounds, x, y):
        return None
    for child in reversed(root.children):
        found = hit_test(child, x, y)
        if found is not None:
            return found
    return root if root.on_tap is not None or root.clickable else None


STATUS_BAR = "com.android.systemui"


def status_bar() -> Node:
    """The status bar window: real multi-window dumps (Android 11+) list it before the app's."""
    return Node(
        bounds=(0, 0, WIDTH, 132),
        package=STATUS_BAR,
        rid=f"{STATUS_BAR}:id/status_bar_container",
        children=[
            Node(
                cls="android.widget.TextView",
                bounds=(47, 37, 145, 95),
                text="12:00",
                desc="12:00",
                rid=f"{STATUS_BAR}:id/clock",
                package=STATUS_BAR,
            )
        ],
    )


def dump_xml(root: Node, *, package: str) -> str:
    """The document ``uiautomator dump`` writes, attribute for attribute in the real order: the
    status bar window first, then the window in front."""
    parts = ["<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>", '<hierarchy rotation="0">']
    _emit(status_bar(), 0, STATUS_BAR, parts)
    _emit(root, 0, package, parts)
    parts.append("</hierarchy>")
    return "".join(parts)


def as_dumped(value: str) -> str:
    """Text as real dumps print it: a character outside the BMP (a 4-byte emoji) is two UTF-16
    units, each shown as "." (the sim imports nothing of the runner, so it keeps its own copy of
    runner.device.textinput.as_dumped)."""
    return "".join(".." if ord(ch) > 0xFFFF else ch for ch in value)


def _q(value: str) -> str:
    return '"' + escape(as_dumped(value), {'"': "&quot;", "\n": "&#10;"}) + '"'


def _b(value: bool) -> str:
    return "true" if value else "false"


def _emit(node: Node, index: int, package: str, parts: list[str]) -> None:
    left, top, right, bottom = node.bounds
    attrs = (
        f'<node index="{index}" text={_q(node.text)} resource-id={_q(node.rid)} '
        f'class="{node.cls}" package="{node.package or package}" content-desc={_q(node.desc)} '
        f'checkable="{_b(node.checkable)}" checked="{_b(node.checked)}" clickable="{_b(node.clickable)}" '
        f'enabled="{_b(node.enabled)}" focusable="{_b(node.focusable)}" focused="{_b(node.focused)}" '
        f'scrollable="{_b(node.scrollable)}" long-clickable="{_b(node.long_clickable)}" '
        f'password="{_b(node.password)}" selected="{_b(node.selected)}" '
        f'bounds="[{left},{top}][{right},{bottom}]"'
    )
    if not node.children:
        parts.append(attrs + " />")
        return
    parts.append(attrs + ">")
    for i, child in enumerate(node.children):
        _emit(child, i, package, parts)
    parts.append("</node>")
