"""Spintax ``{a|b|c}``: resolved per task, deterministically, from the task key.

``plan`` must show exactly what a task will post and show the same thing every time, so picks
come from hashes of the task key rather than a global random generator.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import lru_cache
from hashlib import blake2b


class Picks:
    """Deterministic choices for one task, drawn from hashes of the task key.

    Cheaper than seeding a Mersenne Twister per task (100,000 tasks) and just as stable:
    `plan` and the runner always pick the same caption and comment for the same task key.
    One 256-bit digest gives eight picks (by divmod); the next block hashes the key with a counter.
    """

    __slots__ = ("_seed", "_value", "_left", "_block")

    def __init__(self, seed: str) -> None:
        self._seed = seed.encode("utf-8")
        self._value = self._left = self._block = 0

    def choice(self, options: Sequence[str]) -> str:
        if not self._left:
            self._block += 1
            digest = blake2b(self._seed + b"/%d" % self._block, digest_size=32).digest()
            self._value, self._left = int.from_bytes(digest, "big"), 8
        self._left -= 1
        self._value, index = divmod(self._value, len(options))
        return options[index]


@lru_cache(maxsize=4096)
def _parse_spin(text: str) -> tuple[object, ...]:
    """Spintax parsed once per distinct text: literals and groups of alternatives.

    A brace group is spintax only when it holds ``|`` at its own level; other braces (and
    unbalanced ones) stay literal, with spintax inside them still resolved.
    """
    items, _ = _parse_until(text, 0, top=True)
    return tuple(items)


def _parse_until(text: str, i: int, *, top: bool) -> tuple[list[object], int]:
    """Parse from ``i`` to the closing brace of the current group (or the end at top level)."""
    alternatives: list[list[object]] = [[]]
    current = alternatives[0]
    literal = ""
    while i < len(text):
        ch = text[i]
        if ch == "{" and "}" in text[i:]:
            inner, j = _parse_until(text, i + 1, top=False)
            if j < 0:  # unbalanced: the brace is literal
                literal += ch
                i += 1
                continue
            if literal:
                current.append(literal)
                literal = ""
            current.extend(inner)
            i = j
        elif ch == "|" and not top:
            current.append(literal)
            literal, current = "", []
            alternatives.append(current)
            i += 1
        elif ch == "}" and not top:
            current.append(literal)
            if len(alternatives) == 1:
                return ["{", *alternatives[0], "}"], i + 1
            return [tuple(tuple(a) for a in alternatives)], i + 1
        else:
            literal += ch
            i += 1
    if top:
        current.append(literal)
        return alternatives[0], i
    return [], -1


def spin(text: str, rng: Picks | random.Random | None) -> str:
    """Resolve spintax ``{a|b|c}`` (nested allowed) with ``rng``."""
    if "|" not in text or "{" not in text or rng is None:
        return text
    return _emit(_parse_spin(text), rng)


def _emit(items: Sequence[object], rng: Picks | random.Random) -> str:
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        else:
            out.append(_emit(rng.choice(item), rng))  # type: ignore[arg-type]
    return "".join(out)
