"""The template sandbox: Jinja2's immutable sandbox with bounds on what a template may compute.

Templates come from campaign files and API bodies, both untrusted. Jinja's sandbox stops
attribute escapes but not work: ``{{ 9**(9**9) }}`` froze the server, ``'a' * 10**9`` took
gigabytes. Here every operator (``intercepted_binops``/``call_binop``), call (``call``), filter,
for-loop iterable, output join and string concatenation (``~``) is checked against
``runner.campaign.limits``: integer size, length of any string or list (checked *before* an
amplifying operation allocates it), loop iterations, call depth and render time. Anything over
a bound raises ``TemplateLimit``; ``templates.render`` words it with the template line.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any

from jinja2 import Environment, StrictUndefined, nodes
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from runner.campaign.limits import Limits, env_name, limits

_SIZED = (str, bytes, bytearray, list, tuple, dict, set, frozenset)
_DIGITS = re.compile(r"\d+")


class TemplateLimit(Exception):
    """A template went over one of the limits; the message names it and how to change it."""


class _Budget:
    """What one render may still spend; one per render, per thread."""

    def __init__(self, bounds: Limits) -> None:
        self.bounds = bounds
        self.deadline = time.monotonic() + bounds.template_ms / 1000
        self.iterations = 0
        self.depth = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimit(
                f"rendering took longer than {self.bounds.template_ms} ms"
                f" ({env_name('template_ms')}, see docs/limits.md)"
            )

    def step(self, count: int = 1) -> None:
        self.iterations += count
        if self.iterations > self.bounds.template_loop_iterations:
            raise TemplateLimit(
                f"more than {self.bounds.template_loop_iterations:,} loop iterations"
                f" ({env_name('template_loop_iterations')}, see docs/limits.md)"
            )
        self.tick()


_local = threading.local()


def budget() -> _Budget:
    found = getattr(_local, "budget", None)
    if found is None:  # a render outside ``rendering()``: bounded all the same
        found = _local.budget = _Budget(limits())
    return found


class rendering:  # noqa: N801 - used as ``with rendering():``
    """A fresh budget for one render on this thread."""

    def __enter__(self) -> _Budget:
        budget = _local.budget = _Budget(limits())
        return budget

    def __exit__(self, *exc: object) -> None:
        _local.budget = None


def _too_long(length: int) -> TemplateLimit:
    cap = limits().template_chars
    return TemplateLimit(
        f"a result of {length:,} characters or items is over the limit of {cap:,}"
        f" ({env_name('template_chars')}, see docs/limits.md)"
    )


def _too_big_int(bits: int) -> TemplateLimit:
    cap = limits().template_int_bits
    return TemplateLimit(
        f"an integer of about {bits:,} bits is over the limit of {cap:,} bits"
        f" ({env_name('template_int_bits')}, see docs/limits.md)"
    )


def _want_length(length: int) -> None:
    if length > limits().template_chars:
        raise _too_long(length)


def size(value: Any, cap: int | None = None) -> int:
    """Characters and items of ``value``, nested ones included (what printing it would cost),
    counted only until ``cap`` (default: the limit) is passed."""
    cap = limits().template_chars if cap is None else cap
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, _SIZED):
        return 1
    total = len(value)
    items = value.items() if isinstance(value, dict) else value
    for item in items:
        if total > cap:
            break
        total += size(item, cap - total) if isinstance(item, _SIZED) else 0
    return total


def checked(value: Any) -> Any:
    """``value`` if it is within the size limits (a string, list or integer a template made)."""
    if isinstance(value, _SIZED):
        _want_length(size(value))
    elif isinstance(value, int) and not isinstance(value, bool):
        bits = value.bit_length()
        if bits > limits().template_int_bits:
            raise _too_big_int(bits)
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _before_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be over a limit, before it is computed."""
    if operator == "**" and _is_int(left) and _is_int(right) and right > 0:
        bits = max(left.bit_length() - 1, 0) * right if abs(left) > 1 else 1
        if bits > limits().template_int_bits:
            raise _too_big_int(bits)
    elif operator == "*":
        if _is_int(left) and _is_int(right):
            bits = left.bit_length() + right.bit_length()
            if bits > limits().template_int_bits + 1:
                raise _too_big_int(bits)
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, _SIZED) and _is_int(times):
                _want_length(size(seq) * max(times, 0))
    elif operator == "+" and isinstance(left, _SIZED) and isinstance(right, _SIZED):
        _want_length(size(left) + size(right))
    elif operator == "%" and isinstance(left, str):
        _format_spec(left, right, "%")


def _format_spec(fmt: str, args: Any, field: str) -> None:
    """``'%999999999s' % x`` and ``'{:999999999}'.format(x)`` pad, and ``'{0}{0}{0}'`` or
    ``'%(a)s%(a)s'`` repeat an argument, before anyone can measure: bound both from the format
    string (``field`` is ``%`` or ``{``) and the largest argument."""
    for digits in _DIGITS.findall(fmt):
        if len(digits) > 9 or int(digits) > limits().template_chars:
            raise _too_long(int(digits[:12]))
    if isinstance(args, dict):
        values: Iterable[Any] = args.values()
    else:
        values = args if isinstance(args, (tuple, list)) else (args,)
    biggest = 0
    for value in values:
        if _is_int(value) and value > limits().template_chars:
            raise _too_long(value)
        biggest = max(biggest, size(value) if isinstance(value, _SIZED) else 32)
    _want_length(len(fmt) + fmt.count(field) * biggest)


def _estimate(
    name: str, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any], *, is_filter: bool = False
) -> None:
    """Refuse calls whose result grows past the limits with their arguments (padding, replace,
    join, indent, wrap, slices), before they allocate it. ``owner`` is the string or list the
    method or filter works on."""
    owned = size(owner) if isinstance(owner, _SIZED) else 0
    ints = [v for v in (*args, *kwargs.values()) if _is_int(v)]
    strs = [v for v in (*args, *kwargs.values()) if isinstance(v, str)]
    if name in ("center", "ljust", "rjust", "zfill", "slice", "batch", "expandtabs"):
        grow = max(ints, default=0)
        if name == "expandtabs":
            grow *= max(owned, 1)
        _want_length(max(owned, grow))
    elif name == "replace" and isinstance(owner, str) and len(strs) >= 2:
        old, new = strs[0], strs[1]
        hits = owner.count(old) if old else len(owner) + 1
        _want_length(len(owner) + hits * len(new))
    elif name in ("indent", "wordwrap") and isinstance(owner, str):
        breaks = owner.count("\n") + 1 if name == "indent" else len(owner)
        widest = max([len(s) for s in strs] + [i for i in ints if name == "indent"], default=0)
        _want_length(len(owner) + breaks * widest)
    elif name in ("format", "format_map") and isinstance(owner, str):
        given = tuple(v for a in args for v in (a.values() if isinstance(a, dict) else (a,)))
        _format_spec(owner, (*given, *kwargs.values()), "%" if is_filter else "{")
    elif name == "join":
        items, sep = (args[0] if args else (), owner) if isinstance(owner, str) else (owner, "")
        sep = sep or "".join(strs[:1])
        if isinstance(items, _SIZED):
            _want_length(size(items) + len(sep) * len(items))


class _Bounded(NodeTransformer):
    """Every for-loop iterates through ``bounded_iter`` and every ``~`` joins through
    ``bounded_concat``: Jinja compiles both to plain Python, out of reach of the hooks."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802 - Jinja's visitor naming
        visited = self.generic_visit(node)
        assert isinstance(visited, nodes.For)  # generic_visit keeps the node it is given
        visited.iter = _call("bounded_iter", [visited.iter], visited.lineno)
        return visited

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        visited = self.generic_visit(node)
        assert isinstance(visited, nodes.Concat)
        return _call(
            "bounded_concat", [nodes.List(visited.nodes, lineno=visited.lineno)], visited.lineno
        )


def _call(attribute: str, args: list[nodes.Node], lineno: int) -> nodes.Call:
    return nodes.Call(
        nodes.EnvironmentAttribute(attribute, lineno=lineno),
        list(args),
        [],
        None,
        None,
        lineno=lineno,
    )


def bounded_iter(iterable: Iterable[Any]) -> Iterator[Any]:
    """A for-loop's items, each one counted against the render's iteration budget."""
    spend = budget().step
    for item in iterable:
        spend()
        yield item


def bounded_concat(parts: Iterable[Any]) -> str:
    """Join output pieces (a render's output, a macro's, a ``~`` chain) measuring first."""
    pieces = []
    total = 0
    spend = budget().tick
    for part in parts:
        text = str(part)
        total += len(text)
        if total > limits().template_chars:
            raise _too_long(total)
        pieces.append(text)
        spend()
    return "".join(pieces)


def bounded_range(*args: int) -> range:
    """``range`` for templates: its items count against the render's iteration budget."""
    numbers = range(*args)
    budget().step(len(numbers))
    return numbers


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        budget().tick()
        # filters get (value, ...) or (context/env, value, ...) for pass_* filters
        values = [a for a in args if not isinstance(a, (Context, EvalContext, Environment))]
        owner = values[0] if values else None
        if isinstance(owner, Iterator):  # a generator from another filter: measure it first
            owner = list(bounded_iter(owner))
            args = tuple(owner if a is values[0] else a for a in args)
        _estimate(name, owner, tuple(values[1:]), kwargs, is_filter=True)
        return checked(func(*args, **kwargs))

    return run


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """See the module docstring."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
        self.globals["range"] = bounded_range
        del self.globals["lipsum"]  # lipsum(n=10**6) is unbounded work, and no campaign needs it
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        self.bounded_iter = bounded_iter
        self.bounded_concat = bounded_concat
        self.concat = bounded_concat  # type: ignore[method-assign]

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget().tick()
        _before_binop(operator, left, right)
        return checked(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        state = budget()
        state.tick()
        if __obj is bounded_iter or __obj is bounded_concat:
            return __obj(*args)
        target = getattr(__obj, "__wrapped__", __obj)
        name = getattr(target, "__name__", "")
        if args and isinstance(args[0], Iterator):  # e.g. ', '.join(x|map(...)): measure first
            args = (list(bounded_iter(args[0])), *args[1:])
        _estimate(name, getattr(target, "__self__", None), args, kwargs)
        if state.depth >= state.bounds.template_depth:
            raise TemplateLimit(
                f"calls nested more than {state.bounds.template_depth} deep (a recursive macro?)"
                f" ({env_name('template_depth')}, see docs/limits.md)"
            )
        state.depth += 1
        try:
            return checked(super().call(__context, __obj, *args, **kwargs))
        finally:
            state.depth -= 1

    def bounded_parse(self, text: str) -> nodes.Template:
        """The template's syntax tree with loops and joins routed through the bounds."""
        tree = _Bounded().visit(self.parse(text))
        assert isinstance(tree, nodes.Template)
        return tree
