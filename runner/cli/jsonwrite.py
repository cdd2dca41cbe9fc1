"""One JSON document written piece by piece, the bytes of ``json.dumps(indent=2, ensure_ascii=False)``.

Why not the standard encoder: with ``indent`` it falls back to its pure-Python generators (a
yield per token through every nesting level), which took longer than expanding the tasks of a
100,000-task plan; and it needs every value in memory first. This writer gives the same bytes
(tests/test_jsonwrite.py compares them on generated documents) with plain recursion, and writes
an *iterator* value (a generator) as an array one item at a time, so `plan --format json`
never holds its tasks, their dicts or the document as one string; a `Later` value of the top
mapping is made only when the writer reaches it.

Also like ``json.dumps``: ``default`` turns an unknown value into one it can write, dict keys
that are numbers, booleans or None become strings, NaN and infinities are written as
``NaN`` / ``Infinity``. Unlike it: no check for cycles (our documents are trees).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from json.encoder import encode_basestring
from typing import Any, TextIO

INDENT = "  "
FLUSH_ITEMS = 2000  # streamed items held before a write: a few hundred kB at most
NAMES_KEPT = 1000  # keys whose written text is kept


class Later:
    """A value of the top mapping made when the writer reaches it: one that depends on the
    streamed values before it (`plan`'s diff, found while its tasks are written out)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


class _Writer:
    __slots__ = ("out", "parts", "default", "names")

    def __init__(self, out: TextIO, default: Callable[[Any], Any]) -> None:
        self.out = out
        self.parts: list[str] = []
        self.default = default
        self.names: dict[str, str] = {}

    def flush(self) -> None:
        self.out.write("".join(self.parts))
        self.parts.clear()

    def write(self, o: Any, indent: str) -> None:
        """The top of the document: a mapping's values that are iterators are streamed, the
        rest is made as one string each (a task, a list of keys)."""
        if type(o) is not dict or not o:
            self.parts.append(self.text(o, indent))
            return
        inner = indent + INDENT
        sep = "{\n" + inner
        for key, given in o.items():
            self.parts.append(f"{sep}{encode_basestring(_key(key))}: ")
            item = given.make() if isinstance(given, Later) else given
            if isinstance(item, Iterator):
                self.stream(item, inner)
            else:
                self.parts.append(self.text(item, inner))
            sep = ",\n" + inner
        self.parts.append("\n" + indent + "}")

    def stream(self, items: Iterator[Any], indent: str) -> None:
        """An iterator as an array, written out as it goes: only one item is held at a time."""
        inner = indent + INDENT
        sep = "[\n" + inner
        parts, text = self.parts, self.text
        for item in items:
            parts.append(sep + text(item, inner))
            sep = ",\n" + inner
            if len(parts) > FLUSH_ITEMS:
                self.flush()
        parts.append("[]" if sep[0] == "[" else "\n" + indent + "]")

    def text(self, o: Any, indent: str) -> str:
        """``o`` at this indentation; str and None values are inlined (most of a task)."""
        kind = type(o)
        enc = encode_basestring
        if kind is str:
            return enc(o)
        if kind is dict:
            if not o:
                return "{}"
            inner = indent + INDENT
            text, names, name = self.text, self.names, self.name
            body = (",\n" + inner).join(
                [
                    (names.get(k) or name(k))
                    + (enc(v) if type(v) is str else "null" if v is None else text(v, inner))
                    for k, v in o.items()
                ]
            )
            return f"{{\n{inner}{body}\n{indent}}}"
        if kind is list or kind is tuple:
            if not o:
                return "[]"
            inner = indent + INDENT
            text = self.text
            body = (",\n" + inner).join([enc(v) if type(v) is str else text(v, inner) for v in o])
            return f"[\n{inner}{body}\n{indent}]"
        return self.other(o, indent)

    def name(self, key: Any) -> str:
        """A key as written before its value; the text of the first str keys is kept (a
        task's keys are the same 17 each time: looked up instead of encoded again)."""
        text = encode_basestring(key if type(key) is str else _key(key)) + ": "
        if type(key) is str and len(self.names) < NAMES_KEPT:
            self.names[key] = text
        return text

    def other(self, o: Any, indent: str) -> str:
        """Everything but plain str, dict and list, in json.encoder's order of checks; an
        iterator below the top of the document is written as the list it gives."""
        if isinstance(o, str):
            return encode_basestring(o)
        if o is None or o is True or o is False or isinstance(o, (int, float)):
            return _scalar(o)
        if isinstance(o, (list, tuple)):
            return self.text(list(o), indent)
        if isinstance(o, dict):
            return self.text(dict(o), indent)
        if isinstance(o, Iterator):
            return self.text(list(o), indent)
        return self.text(self.default(o), indent)


def _scalar(o: Any) -> str:
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if isinstance(o, int):
        return int.__repr__(o)
    if math.isnan(o):
        return "NaN"
    if o == float("inf"):
        return "Infinity"
    if o == -float("inf"):
        return "-Infinity"
    return float.__repr__(o)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (int, float)):
        return _scalar(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def write_json(data: Any, out: TextIO, default: Callable[[Any], Any]) -> None:
    """``data`` as one indented JSON document and a newline; an iterator that is a value of the
    top mapping is written as an array item by item (deeper ones are read into a list first)."""
    writer = _Writer(out, default)
    writer.write(data, "")
    writer.parts.append("\n")
    writer.flush()
