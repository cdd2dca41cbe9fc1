"""YAML text to plain data, remembering where every value was written.

PyYAML's constructors keep the last of two duplicate keys silently and turn timestamps into
``datetime``; both hide mistakes. So we only *compose* (libyaml's C composer when present) and
build the data from the nodes ourselves: duplicate keys become problems, scalars keep YAML 1.2's
simple core types (str, int, float, bool, null), and every value's position is recorded by its
path so a schema error can point at the line a person must change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from runner.campaign.gcpause import paused_gc
from runner.campaign.limits import beyond, limits
from runner.errors import CampaignError

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_IMPLICIT = "?"  # tag of a scalar written without one: _scalar decides its type
_TAGS = {
    yaml.ScalarNode: _IMPLICIT,
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
    yaml.MappingNode: "tag:yaml.org,2002:map",
}


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """Composes only; skips PyYAML's regex-based implicit tag resolution (a third of the time)
    because `_scalar` types plain scalars itself."""

    def resolve(self, kind: type, value: object, implicit: object) -> str:
        return _TAGS[kind]


Path_ = tuple[Any, ...]
Mark = tuple[int, int]  # 1-based line, column

MAX_DEPTH = 50
_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL = {"", "~", "null", "Null", "NULL"}
_SPECIAL_FLOAT = {".inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}


@dataclass
class Budget:
    """What the documents of one load (every file `validate` reads) may still hold, aliases
    expanded: values (YAML_VALUES) and characters of text (YAML_CHARS); shared across files so
    many files each under the limit cannot add up to what `validate` and `plan` cannot hold."""

    values: int
    chars: int

    @classmethod
    def fresh(cls) -> Budget:
        bounds = limits()
        return cls(bounds.yaml_values, bounds.yaml_chars)


@dataclass
class Document:
    """One YAML document: its data, and positions by path (key position and value position)."""

    path: str
    index: int
    data: Any
    values: dict[Path_, Mark] = field(default_factory=dict)
    keys: dict[Path_, Mark] = field(default_factory=dict)
    styles: dict[Path_, str] = field(default_factory=dict)  # block scalar style ('|' or '>')

    def value_mark(self, path: Path_) -> Mark:
        """Where the value at ``path`` starts; falls back to the nearest ancestor."""
        for n in range(len(path), -1, -1):
            mark = self.values.get(tuple(path[:n]))
            if mark:
                return mark
        return (1, 1)

    def key_mark(self, path: Path_) -> Mark:
        """Where the key naming ``path`` was written (or the value, for list items/root)."""
        return self.keys.get(tuple(path)) or self.value_mark(path)


def _mark(node: yaml.Node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _scalar(node: yaml.ScalarNode) -> Any:
    """Resolve a scalar as YAML 1.2 core schema would; quoted scalars always stay strings."""
    value = node.value
    if node.style or node.tag != _IMPLICIT:
        return value  # quoted, block, or explicitly tagged: a string as written
    if value in _NULL:
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        return int(value.replace("_", ""))
    if value.lower() in _SPECIAL_FLOAT:
        return _SPECIAL_FLOAT[value.lower()]
    if _FLOAT.match(value) and any(c.isdigit() for c in value):
        return float(value.replace("_", ""))
    return value


class _Builder:
    """Turns one composed node tree into data, collecting positions and problems."""

    def __init__(self, doc: Document, problems: list[CampaignError], budget: Budget) -> None:
        self.doc = doc
        self.problems = problems
        self.open: set[int] = set()  # collections being built: an alias to one is a cycle
        self.left = budget
        self.over_budget = False

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.doc.values[path] = _mark(node)
        self.left.values -= 1
        if isinstance(node, yaml.ScalarNode):
            if node.style in ("|", ">"):
                self.doc.styles[path] = node.style
            self.left.chars -= len(node.value)
            if self.left.chars < 0 or self.left.values < 0:
                return self._refuse(node, path)
            try:
                return _scalar(node)
            except ValueError:  # an integer of more digits than Python converts (4,300)
                self._problem(node, path, "number too large (write it as a quoted string?)")
                return None
        if self.left.values < 0 or len(path) > MAX_DEPTH or id(node) in self.open:
            return self._refuse(node, path)
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            assert isinstance(node, yaml.MappingNode)
            return self._mapping(node, path)
        finally:
            self.open.discard(id(node))

    def _refuse(self, node: yaml.Node, path: Path_) -> None:
        """Aliases can make a tiny file expand without end (a cycle, or "billion laughs")."""
        if id(node) in self.open:
            self._problem(node, path, "an alias refers to the collection that contains it")
        elif len(path) > MAX_DEPTH:
            self._problem(node, path, f"nested more than {MAX_DEPTH} levels deep")
        elif not self.over_budget:
            self.over_budget = True
            reason = (
                beyond("characters of text in the files read, aliases expanded", "yaml_chars")
                if self.left.chars < 0
                else beyond("values in the files read, aliases expanded", "yaml_values")
            )
            self._problem(node, path, reason)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if (
                key_node.value == "<<"
                and isinstance(key_node, yaml.ScalarNode)
                and not key_node.style
            ):
                self._problem(
                    key_node, path, "merge keys (<<) are not supported; write the keys out"
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, path, "a key must be a plain string")
                continue
            key = key_node.value
            child = path + (key,)
            if key in out:
                first = self.doc.keys[child][0]
                self._problem(
                    key_node, child, f"duplicate key '{key}' (first defined on line {first})"
                )
                continue
            self.doc.keys[child] = _mark(key_node)
            out[key] = self.build(value_node, child)
        return out

    def _problem(self, node: yaml.Node, path: Path_, reason: str) -> None:
        line, column = _mark(node)
        self.problems.append(
            CampaignError(reason, path=self.doc.path, line=line, column=column, field=dotted(path))
        )


def dotted(path: Path_) -> str:
    """``("script_config", "target_users", 2)`` -> ``script_config.target_users[2]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_documents(
    text: str, display_path: str, budget: Budget | None = None
) -> tuple[list[Document], list[CampaignError]]:
    """Every document of a YAML stream, or the syntax problem that stopped the parser.

    Documents before a syntax error are still returned, so their own problems get reported too.
    ``budget``: shared by the files of one load (default: a fresh one for this text).
    """
    budget = budget or Budget.fresh()
    docs: list[Document] = []
    problems: list[CampaignError] = []
    loader = _Loader(text)
    try:
        with paused_gc():  # composing and building make ~3 objects per value, none cyclic
            _build_all(loader, display_path, docs, problems, budget)
    except yaml.MarkedYAMLError as exc:
        problems.append(_syntax_problem(exc, display_path))
    except yaml.YAMLError as exc:  # e.g. a reader error for a control character
        problems.append(
            CampaignError(f"YAML syntax error: {exc}", path=display_path, line=1, column=1)
        )
    finally:
        loader.dispose()
    return docs, problems


def _build_all(
    loader: _Loader,
    display_path: str,
    docs: list[Document],
    problems: list[CampaignError],
    budget: Budget,
) -> None:
    index = 0
    while loader.check_node():
        node = loader.get_node()
        doc = Document(display_path, index, None)
        builder = _Builder(doc, problems, budget)
        doc.data = builder.build(node, ())
        index += 1
        if not builder.over_budget:  # a cut-off document would only add noise
            docs.append(doc)


def _syntax_problem(exc: yaml.MarkedYAMLError, display_path: str) -> CampaignError:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem:
        started = exc.context_mark.line + 1 if exc.context_mark else line
        what += f" ({exc.context} that starts on line {started})"
    return CampaignError(f"YAML syntax error: {what}", path=display_path, line=line, column=column)
