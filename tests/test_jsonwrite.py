"""The JSON writer every `--format json` command uses: json.dumps's bytes, iterators streamed."""

from __future__ import annotations

import enum
import io
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runner.cli.jsonwrite import FLUSH_ITEMS, Later, write_json
from runner.cli.output import _default


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_default) + "\n"


def _written(data: Any) -> str:
    out = io.StringIO()
    write_json(data, out, _default)
    return out.getvalue()


class Level(enum.IntEnum):
    HIGH = 3


class Name(str):
    pass


EDGE_VALUES: list[Any] = [
    "",
    'quote " backslash \\ slash /',
    "tab\t newline\n return\r bell\x07 nul\x00 unit separator\x1f del\x7f",
    "ünïcødé 日本語 emoji 😀 line separator \u2028",
    0,
    -1,
    10**30,
    True,
    False,
    None,
    0.1,
    -0.0,
    1e16,
    1.5e-7,
    float("nan"),
    float("inf"),
    float("-inf"),
    [],
    {},
    [[]],
    {"": {}},
    (1, "two"),
    {1: "int key", 2.5: "float key", False: "bool key", None: "none key"},
    Level.HIGH,
    Name("a str subclass"),
    {Name("k"): Name("v")},
    datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
    Path("workflows/c.yaml"),
]


def _tree(rng: random.Random, depth: int) -> Any:
    kind = rng.randrange(9 if depth < 4 else 5)
    if kind == 0:
        return "".join(rng.choice('ab "\\\n\té😀\x01') for _ in range(rng.randrange(6)))
    if kind == 1:
        return rng.randrange(-(10**12), 10**12)
    if kind == 2:
        return rng.choice([None, True, False])
    if kind == 3:
        return rng.uniform(-1e6, 1e6)
    if kind == 4:
        return rng.choice(EDGE_VALUES)
    if kind in (5, 6):
        return [_tree(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {f"k{i}" + rng.choice('é"'): _tree(rng, depth + 1) for i in range(rng.randrange(4))}


def test_edge_values_give_the_bytes_of_json_dumps() -> None:
    for value in EDGE_VALUES:
        assert _written(value) == _dumps(value), value
        assert _written({"nested": [value, {"v": value}]}) == _dumps(
            {"nested": [value, {"v": value}]}
        )


def test_generated_documents_give_the_bytes_of_json_dumps() -> None:
    rng = random.Random(11)
    for _ in range(300):
        doc = {"top": _tree(rng, 0), "list": [_tree(rng, 1) for _ in range(3)]}
        assert _written(doc) == _dumps(doc)


def test_an_iterator_is_written_as_the_array_it_gives() -> None:
    items = [{"key": "a", "n": 1}, {"key": "b", "config": {"list": ["x"]}}]
    assert _written({"tasks": iter(items), "total": 2}) == _dumps({"tasks": items, "total": 2})
    assert _written({"tasks": (x for x in ()), "total": 0}) == _dumps({"tasks": [], "total": 0})
    deeper = {"a": [iter([1, 2])]}
    assert _written(deeper) == _dumps({"a": [[1, 2]]})


def test_a_streamed_array_goes_out_while_its_items_are_still_being_made() -> None:
    """The writer takes one item at a time and writes as it goes: when the generator makes its
    last item, most of the array is already in the output, so the array is never held whole."""
    out = io.StringIO()
    total = 3 * FLUSH_ITEMS
    written_before_last: list[int] = []

    def tasks() -> Any:
        for n in range(total):
            if n == total - 1:
                written_before_last.append(out.getvalue().count('"key"'))
            yield {"key": f"task{n}"}

    write_json({"tasks": tasks()}, out, _default)
    assert json.loads(out.getvalue()) == {"tasks": [{"key": f"task{n}"} for n in range(total)]}
    assert written_before_last[0] >= 2 * FLUSH_ITEMS


def test_a_later_value_is_made_after_the_streamed_values_before_it() -> None:
    """`plan` finds its diff while its tasks are written: the diff is made only after them."""
    seen: list[str] = []

    def tasks() -> Any:
        for key in ("a", "b"):
            seen.append(key)
            yield {"key": key}

    doc = {"tasks": tasks(), "diff": Later(lambda: {"new": list(seen)})}
    assert _written(doc) == _dumps(
        {"tasks": [{"key": "a"}, {"key": "b"}], "diff": {"new": ["a", "b"]}}
    )
