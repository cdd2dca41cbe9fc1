"""Per-task text: Jinja2 templates, sandboxed, with undefined names as errors.

Rendered before spintax (``spintax.py``), so ``{{ vars.x }}`` and ``{a|b}`` never confuse each
other. Strings without template syntax skip Jinja entirely; plain ``{{ a.b }}`` placeholders are
substituted directly (same output as Jinja, tested); anything else is compiled once per process
in the bounded sandbox (``sandbox.py``): over a limit is a TemplateProblem, never a hang.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from runner.errors import CampaignError

_MISSING = re.compile(r"has no attribute '([^']+)'|^'([^']+)' is undefined")
_SIMPLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}")
_JINJA_MARKERS = ("{{", "{%", "{#")


class TemplateProblem(Exception):
    """A template failed; ``lineno`` is the line inside the template text (1-based)."""

    def __init__(self, reason: str, lineno: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.lineno = lineno


def is_template(text: str) -> bool:
    return "{" in text and any(marker in text for marker in _JINJA_MARKERS)


@cache
def _environment() -> Any:
    """Imported lazily: files without templates never pay for Jinja."""
    from runner.campaign.sandbox import BoundedSandbox

    return BoundedSandbox()


@lru_cache(maxsize=4096)
def compile_template(text: str) -> Any:
    """The compiled template, or raises TemplateProblem with the template line."""
    from jinja2 import TemplateSyntaxError

    env = _environment()
    try:
        return env.from_string(env.bounded_parse(text))
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}", exc.lineno or 1) from None
    except (RecursionError, MemoryError):
        raise TemplateProblem("template nested too deeply to compile") from None


def render(text: str, context: dict[str, Any]) -> str:
    """Render ``text`` if it is a template; raises TemplateProblem for undefined names."""
    if not is_template(text):
        return text
    pieces = _placeholders(text)
    if pieces is not None:
        fast = _render_simple(pieces, context)
        if fast is not None:
            return fast
    template = compile_template(text)
    from jinja2 import TemplateError, UndefinedError
    from jinja2.exceptions import SecurityError

    from runner.campaign.sandbox import TemplateLimit, checked, rendering

    try:
        with rendering():
            return str(checked(template.render(context)))
    except TemplateLimit as exc:
        raise TemplateProblem(f"template over a limit: {exc}", _error_line(text)) from None
    except RecursionError:
        raise TemplateProblem("template recursion too deep", _error_line(text)) from None
    except UndefinedError as exc:
        raise TemplateProblem(_undefined(exc.message or "", context), _error_line(text)) from None
    except SecurityError as exc:
        raise TemplateProblem(f"template not allowed: {exc}", _error_line(text)) from None
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise TemplateProblem(f"template error: {exc}", _error_line(text)) from None


@lru_cache(maxsize=4096)
def _placeholders(text: str) -> list[str | tuple[str, ...]] | None:
    """``text`` split into literal parts and ``{{ a.b.c }}`` name paths, when that is all it holds.

    Most campaign templates are plain placeholders; substituting them directly gives Jinja's
    output without compiling a template per distinct string (the cost `validate` would pay).
    None: the text uses anything else (filters, blocks, comments) and goes to Jinja.
    """
    if "{%" in text or "{#" in text:
        return None
    pieces: list[str | tuple[str, ...]] = []
    last = 0
    for match in _SIMPLE.finditer(text):
        pieces += [text[last : match.start()], tuple(match.group(1).split("."))]
        last = match.end()
    pieces.append(text[last:])
    literal = "".join(p for p in pieces if isinstance(p, str))
    return None if "{{" in literal or "}}" in literal else pieces


def _render_simple(pieces: list[str | tuple[str, ...]], context: dict[str, Any]) -> str | None:
    """Substitute name paths through dicts; None when Jinja's own lookup rules are needed."""
    out = []
    line = 1  # the template line of the placeholder, for the error
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            line += piece.count("\n")
            continue
        value: Any = context
        for name in piece:
            if value is not context and (not isinstance(value, dict) or hasattr(value, name)):
                return None  # an object, or a name that is also a dict method: Jinja decides
            if name not in value:
                raise TemplateProblem(
                    f"undefined template variable '{name}'{_suggest(name, context)}", line
                )
            value = value[name]
        out.append(str(value))
    return "".join(out)


def _suggest(name: str, context: dict[str, Any]) -> str:
    from runner.campaign.messages import did_you_mean

    names = list(context) + [k for v in context.values() if isinstance(v, dict) for k in v]
    return did_you_mean(name, names)


def _undefined(message: str, context: dict[str, Any]) -> str:
    """Jinja's "'dict object' has no attribute 'x'" in the campaign's words, with a suggestion."""
    match = _MISSING.search(message)
    if not match:
        return f"undefined template variable: {message}"
    name = match.group(1) or match.group(2)
    return f"undefined template variable '{name}'{_suggest(name, context)}"


def _error_line(text: str) -> int:
    """The template line of the current exception, from Jinja's rewritten traceback."""
    import sys

    tb = sys.exc_info()[2]
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def located(
    problem: TemplateProblem, err_path: str, line: int, column: int, field: str, block: bool
) -> CampaignError:
    """A template problem placed on the file line where the failing template line sits."""
    if problem.lineno > 1 or block:
        line, column = line + problem.lineno - (0 if block else 1), column if not block else 0
    return CampaignError(problem.reason, path=err_path, line=line, column=column, field=field)
