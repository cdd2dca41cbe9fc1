"""A `uiautomator dump` as a tree of nodes, and selector queries over it.

A selector is a small dict (data, so app updates are data changes):
``resource-id`` (exact), ``id`` (the part after ``:id/``, any package), ``text``,
``text-contains``, ``text-matches`` (regex), ``text-in`` (the text, without surrounding blanks,
is one of a list of words), ``content-desc``, ``desc-contains``, ``desc-matches``, ``desc-in``,
``class``, ``clickable``/``selected``/``checked``/``enabled``/``focused``/``scrollable``/
``checkable`` (booleans), ``index`` (the n-th match, 0-based) and ``xpath``.

``xpath`` is real XPath 1.0 (lxml) over the dump, whose elements are ``node``: quoted values
with " and ", ``or``, ``not()``, positions and axes (``ancestor::node[@clickable='true'][1]``,
``..``) all work. A dotted class name as a step (``//android.widget.Button[@text='Follow']``) is
read as ``node[@class='android.widget.Button']``, as the old subset did. The expression must
select nodes; the other keys of the selector then filter what it selected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lxml import etree

BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")
BOOL_KEYS = ("clickable", "selected", "checked", "enabled", "focused", "scrollable", "checkable")
Selector = Mapping[str, Any]
# Windows a multi-window dump shows beside the app's: not "the app in front", not its texts.
SYSTEM_WINDOWS = frozenset({"com.android.systemui", "com.google.android.inputmethod.latin"})


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
    # The parsed document and, per lxml element, its UiNode: XPath runs on the first and its
    # answers come back as the second (the dict also keeps lxml's element proxies alive).
    document: Any = field(default=None, repr=False, compare=False)
    by_element: Mapping[Any, UiNode] = field(default_factory=dict, repr=False, compare=False)

    @property
    def package(self) -> str:
        """The package of the app's window, not the first node's: a multi-window dump starts
        with the status bar (System UI), which is never the app in front."""
        packages = [n.attrs.get("package", "") for n in self.root.walk() if n.attrs.get("package")]
        return next(
            (p for p in packages if p not in SYSTEM_WINDOWS), packages[0] if packages else ""
        )

    def nodes(self) -> Iterator[UiNode]:
        return self.root.walk()

    def find_all(self, selector: Selector) -> list[UiNode]:
        return compile_selector(selector).find_all(self)

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
            if value and value not in seen and node.attrs.get("package") not in SYSTEM_WINDOWS:
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
    try:
        document = etree.fromstring(body.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not a UI dump ({exc}): {xml[:120]!r}") from None
    by_element: dict[Any, UiNode] = {}
    return UiTree(_node(document, by_element), body, document, by_element)


# Dumps come from phones and files: no DTD, no entities expanded, no network.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True
)


def _node(element: Any, by_element: dict[Any, UiNode]) -> UiNode:
    match = BOUNDS.match(element.get("bounds", ""))
    bounds = tuple(int(v) for v in match.groups()) if match else (0, 0, 0, 0)
    children = tuple(_node(child, by_element) for child in element if child.tag == "node")
    node = UiNode(dict(element.attrib), bounds, children)  # type: ignore[arg-type]
    by_element[element] = node
    return node


@dataclass(frozen=True)
class CompiledSelector:
    """One selector, ready to run: an optional XPath, attribute tests, an optional index."""

    xpath: Any  # etree.XPath or None
    tests: tuple[Callable[[UiNode], bool], ...]
    index: int | None

    def __call__(self, node: UiNode) -> bool:
        """Whether ``node`` passes the attribute tests (the XPath needs the whole tree)."""
        return all(test(node) for test in self.tests)

    def find_all(self, tree: UiTree) -> list[UiNode]:
        if self.xpath is None:
            found = [n for n in tree.nodes() if self(n)]
        else:
            found = [n for n in _xpath_nodes(self.xpath, tree) if self(n)]
        if self.index is None:
            return found
        if not -len(found) <= self.index < len(found):
            return []
        return [found[self.index]]


def _xpath_nodes(xpath: Any, tree: UiTree) -> list[UiNode]:
    if tree.document is None:
        return []
    result = xpath(tree.document)
    if not isinstance(result, list):
        raise SelectorError(
            f"XPath {xpath.path!r} gives a {type(result).__name__}, not nodes: "
            "select nodes, e.g. //node[...]"
        )
    nodes = [tree.by_element.get(item) for item in result]
    return [n for n in nodes if n is not None]


def compile_selector(selector: Selector) -> CompiledSelector:
    """Check and prepare one selector dict; raises SelectorError naming what is wrong."""
    tests: list[Callable[[UiNode], bool]] = []
    xpath = None
    for key, value in selector.items():
        if key == "index":
            continue
        if key == "xpath":
            xpath = compile_xpath(str(value))
        else:
            tests.append(_attr_test(key, value))
    index = selector.get("index")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
        raise SelectorError(f"index must be a whole number, not {index!r}")
    return CompiledSelector(xpath, tuple(tests), index)


KNOWN_KEYS = (
    "resource-id, id, text, text-contains, text-matches, text-in, content-desc, desc-contains, "
    "desc-matches, desc-in, class, package, clickable, selected, checked, enabled, focused, "
    "scrollable, checkable, index, xpath"
)


def _attr_test(key: str, value: Any) -> Callable[[UiNode], bool]:
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
        attr = "text" if key.startswith("text") else "content-desc"
        try:
            pattern = re.compile(str(value))
        except re.error as exc:
            raise SelectorError(f"{key}: bad regular expression {value!r}: {exc}") from None
        return lambda n: pattern.search(n.attrs.get(attr, "")) is not None
    if key in ("text-in", "desc-in"):
        attr = "text" if key.startswith("text") else "content-desc"
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise SelectorError(f"{key} needs a list of words (or a word group of the app data)")
        words = frozenset(str(word).strip() for word in value)
        return lambda n: n.attrs.get(attr, "").strip() in words
    raise SelectorError(f"unknown selector key {key!r} (known: {KNOWN_KEYS})")


@lru_cache(maxsize=512)
def compile_xpath(expression: str) -> Any:
    """An lxml XPath for ``expression``, with dotted class-name steps read as node[@class=...]."""
    try:
        return etree.XPath(_class_steps(expression))
    except etree.XPathSyntaxError as exc:
        raise SelectorError(f"bad XPath {expression!r}: {exc}") from None


# A step that is a dotted class name (android.widget.Button, X.05ht), right after "/" or "::".
_CLASS_STEP = re.compile(r"(?<=/|:)([A-Za-z_][\w$]*(?:\.[\w$]+)+)")


def _class_steps(expression: str) -> str:
    """Rewrite class-name steps outside string literals; keep everything else as written."""
    parts = re.split(r"(\"[^\"]*\"|'[^']*')", expression)
    return "".join(
        part if index % 2 else _CLASS_STEP.sub(lambda m: f"node[@class='{m.group(1)}']", part)
        for index, part in enumerate(parts)
    )


def xpath_literal(value: str) -> str:
    """``value`` as an XPath 1.0 string literal (concat() when it holds both quote kinds)."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    pieces = value.split("'")
    return "concat(" + ', "\'", '.join(f"'{p}'" for p in pieces) + ")"
