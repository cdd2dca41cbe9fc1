"""A `uiautomator dump` as a tree of nodes, and selector queries over it.

A selector is a small dict (data, so app updates are data changes):
``resource-id`` (exact), ``id`` (the part after ``:id/``, any package), ``text``,
``text-contains``, ``text-matches`` (regex), ``content-desc``, ``desc-contains``,
``desc-matches``, ``class``, ``clickable``/``selected``/``checked``/``enabled``/``focused``
(booleans), ``index`` (the n-th match, 0-based) and ``xpath`` (a small subset:
``//node[@attr='v' and contains(@attr,'v')]``, ``//android.widget.Button[@text='Follow']``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")
BOOL_KEYS = ("clickable", "selected", "checked", "enabled", "focused", "scrollable", "checkable")
Selector = Mapping[str, Any]


class SelectorError(ValueError):
    """A selector in the data files is malformed (unknown key, bad XPath)."""


@dataclass(frozen=True)
class UiNode:
    attrs: Mapping[str, str]
    bounds: tuple[int, int, int, int]
    children: tuple[UiNode, ...] = field(default=(), repr=False)

    @property
    def text(self) -> str:
        return self.attrs.get("text", "")

    @property
    def desc(self) -> str:
        return self.attrs.get("content-desc", "")

    @property
    def resource_id(self) -> str:
        return self.attrs.get("resource-id", "")

    @property
    def center(self) -> tuple[int, int]:
        left, top, right, bottom = self.bounds
        return (left + right) // 2, (top + bottom) // 2

    def walk(self) -> Iterator[UiNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    def label(self) -> str:
        """A short human description for logs and error messages."""
        cls = self.attrs.get("class", "node").rsplit(".", 1)[-1]
        name = self.text or self.desc or self.resource_id
        return f"{cls} {name!r}" if name else cls


@dataclass(frozen=True)
class UiTree:
    root: UiNode
    xml: str

    @property
    def package(self) -> str:
        return next(
            (n.attrs.get("package", "") for n in self.root.walk() if n.attrs.get("package")), ""
        )

    def nodes(self) -> Iterator[UiNode]:
        return self.root.walk()

    def find_all(self, selector: Selector) -> list[UiNode]:
        matcher = compile_selector(selector)
        found = [n for n in self.nodes() if matcher(n)]
        if "index" in selector:
            index = int(selector["index"])
            return found[index : index + 1] if -len(found) <= index < len(found) else []
        return found

    def find(self, selector: Selector) -> UiNode | None:
        found = self.find_all(selector)
        return found[0] if found else None

    def tap_point(self, target: UiNode) -> tuple[int, int]:
        """Where a tap lands on ``target``: its centre, or the first point of a 6x6 grid inside
        it that no later-drawn clickable node covers (a moved button can sit under a sibling)."""
        after, seen = [], False
        inside = {id(n) for n in target.walk()}
        for node in self.nodes():
            if node is target:
                seen = True
            elif seen and id(node) not in inside and node.attrs.get("clickable") == "true":
                after.append(node.bounds)
        left, top, right, bottom = target.bounds
        steps = [(2 * k + 1) / 12 for k in range(6)]
        candidates = [target.center] + [
            (int(left + (right - left) * fx), int(top + (bottom - top) * fy))
            for fy in steps
            for fx in steps
        ]
        for x, y in candidates:
            if not any(left <= x < r and t <= y < b for left, t, r, b in after):
                return x, y
        return target.center

    def texts(self, limit: int = 12) -> list[str]:
        """The visible texts/descriptions, to show what was on screen in an error."""
        seen: list[str] = []
        for node in self.nodes():
            value = node.text or node.desc
            if value and value not in seen:
                seen.append(value)
        return seen[:limit]

    def summary(self) -> str:
        return f"{self.package or 'unknown app'} showing " + ", ".join(
            repr(t) for t in self.texts()
        )


def parse_dump(xml: str) -> UiTree:
    """Parse uiautomator's XML; raises ValueError on anything that is not a hierarchy."""
    start, end = xml.find("<?xml"), xml.rfind("</hierarchy>")
    if start < 0:
        start = xml.find("<hierarchy")
    if start < 0 or end < 0:
        raise ValueError(f"not a UI dump: {xml[:120]!r}")
    body = xml[start : end + len("</hierarchy>")]
    return UiTree(_node(ET.fromstring(body)), body)


def _node(element: ET.Element) -> UiNode:
    match = BOUNDS.match(element.get("bounds", ""))
    bounds = tuple(int(v) for v in match.groups()) if match else (0, 0, 0, 0)
    children = tuple(_node(child) for child in element if child.tag == "node")
    return UiNode(dict(element.attrib), bounds, children)  # type: ignore[arg-type]


def compile_selector(selector: Selector) -> Any:
    """A predicate over UiNode for one selector dict."""
    tests = []
    for key, value in selector.items():
        if key == "index":
            continue
        if key == "xpath":
            tests.extend(_xpath_tests(str(value)))
        else:
            tests.append(_attr_test(key, value))
    return lambda node: all(test(node) for test in tests)


def _attr_test(key: str, value: Any) -> Any:
    if key in BOOL_KEYS:
        want = "true" if value in (True, "true") else "false"
        return lambda n: n.attrs.get(key, "false") == want
    simple = {
        "resource-id": "resource-id",
        "text": "text",
        "content-desc": "content-desc",
        "class": "class",
        "package": "package",
    }
    if key in simple:
        attr = simple[key]
        return lambda n: n.attrs.get(attr, "") == str(value)
    if key == "id":
        return lambda n: n.resource_id.endswith(f":id/{value}")
    if key in ("text-contains", "desc-contains"):
        attr = "text" if key.startswith("text") else "content-desc"
        return lambda n: str(value) in n.attrs.get(attr, "")
    if key in ("text-matches", "desc-matches"):
        attr, pattern = (
            ("text" if key.startswith("text") else "content-desc"),
            re.compile(str(value)),
        )
        return lambda n: pattern.search(n.attrs.get(attr, "")) is not None
    raise SelectorError(
        f"unknown selector key {key!r} (known: resource-id, id, text, text-contains, text-matches, "
        "content-desc, desc-contains, desc-matches, class, clickable, selected, index, xpath)"
    )


XPATH = re.compile(r"^//([\w.*]+)(?:\[(.*)\])?$")
XPATH_TERM = re.compile(
    r"^(?:@([\w-]+)\s*=\s*(['\"])(.*?)\2|contains\(\s*@([\w-]+)\s*,\s*(['\"])(.*?)\5\s*\))$"
)


def _xpath_tests(xpath: str) -> list[Callable[[UiNode], bool]]:
    """``//tag[cond and cond]`` where cond is ``@a='v'`` or ``contains(@a,'v')``."""
    match = XPATH.match(xpath.strip())
    if not match:
        raise SelectorError(
            f"unsupported XPath {xpath!r}: use //node[@attr='value' and contains(@attr,'v')]"
        )
    tag, condition = match.groups()
    tests: list[Callable[[UiNode], bool]] = []
    if tag not in ("node", "*"):
        tests.append(partial(_attr_is, "class", tag))
    for term in re.split(r"\s+and\s+", condition) if condition else []:
        parts = XPATH_TERM.match(term.strip())
        if not parts:
            raise SelectorError(f"unsupported XPath condition {term!r} in {xpath!r}")
        eq_attr, _, eq_value, c_attr, _, c_value = parts.groups()
        if eq_attr:
            tests.append(partial(_attr_is, eq_attr, eq_value))
        else:
            tests.append(partial(_attr_has, c_attr, c_value))
    return tests


def _attr_is(attr: str, value: str, node: UiNode) -> bool:
    return node.attrs.get(attr, "") == value


def _attr_has(attr: str, value: str, node: UiNode) -> bool:
    return value in node.attrs.get(attr, "")
