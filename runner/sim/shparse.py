"""A small ``/system/bin/sh``: quoting, ``;`` ``&&`` ``||`` ``|``, redirections and ``$?``.

adbutils' ``shell2`` appends ``; echo X4EXIT:$?`` and quotes lists subprocess-style, and
``dump_hierarchy`` chains with ``;`` and ``&&``: the phone's shell has to parse what a real one
parses, not split on spaces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STATUS = "\x00?"  # placeholder for $? until the previous command has run
OPERATORS = ("&&", "||", ";;", ">>", "2>&1", "2>", "&>", ";", "|", "&", ">", "<", "\n")
ENV = {
    "EXTERNAL_STORAGE": "/sdcard",
    "HOME": "/",
    "ANDROID_DATA": "/data",
    "PATH": "/system/bin:/system/xbin",
}


class ShellSyntaxError(ValueError):
    """The text does not parse (unbalanced quote): sh prints a syntax error, exit 1."""


@dataclass
class Command:
    argv: list[str] = field(default_factory=list)
    redirects: list[tuple[str, str]] = field(default_factory=list)  # (op, target)


@dataclass
class Pipeline:
    commands: list[Command]
    connector: str = ";"  # how this pipeline joins the previous one: ";", "&&", "||"


def tokenize(text: str) -> list[tuple[str, str]]:
    """Split into ("word", text) and ("op", operator) tokens, honouring quotes and escapes."""
    tokens: list[tuple[str, str]] = []
    word: list[str] = []
    in_word = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t":
            if in_word:
                tokens.append(("word", "".join(word)))
                word, in_word = [], False
            i += 1
            continue
        op = _operator_at(text, i, in_word)
        if op:
            if in_word:
                tokens.append(("word", "".join(word)))
                word, in_word = [], False
            tokens.append(("op", op))
            i += len(op)
            continue
        in_word = True
        i = _consume(text, i, word)
    if in_word:
        tokens.append(("word", "".join(word)))
    return tokens


def _operator_at(text: str, i: int, in_word: bool) -> str:
    for op in OPERATORS:
        if text.startswith(op, i):
            if op.startswith("2") and in_word:
                continue
            return op
    return ""


def _consume(text: str, i: int, word: list[str]) -> int:
    """Append the next piece of a word to ``word``; returns the new index."""
    ch = text[i]
    if ch == "\\" and i + 1 < len(text):
        word.append(text[i + 1])
        return i + 2
    if ch == "'":
        end = text.find("'", i + 1)
        if end < 0:
            raise ShellSyntaxError("unterminated single quote")
        word.append(text[i + 1 : end])
        return end + 1
    if ch == '"':
        return _double_quoted(text, i + 1, word)
    if ch == "$":
        return _dollar(text, i, word)
    word.append(ch)
    return i + 1


def _double_quoted(text: str, i: int, word: list[str]) -> int:
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return i + 1
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\$`':
            word.append(text[i + 1])
            i += 2
        elif ch == "$":
            i = _dollar(text, i, word)
        else:
            word.append(ch)
            i += 1
    raise ShellSyntaxError("unterminated double quote")


def _dollar(text: str, i: int, word: list[str]) -> int:
    rest = text[i + 1 :]
    if rest.startswith(("?", "{?}")):
        word.append(STATUS)
        return i + (2 if rest.startswith("?") else 4)
    name = ""
    j = i + 1
    braced = rest.startswith("{")
    if braced:
        j += 1
    while j < len(text) and (text[j].isalnum() or text[j] == "_"):
        name += text[j]
        j += 1
    if braced and j < len(text) and text[j] == "}":
        j += 1
    if not name:
        word.append("$")
        return i + 1
    word.append(ENV.get(name, ""))
    return j


def parse(text: str) -> list[Pipeline]:
    """The command list; raises ShellSyntaxError for unbalanced quotes or a dangling redirect."""
    pipelines: list[Pipeline] = []
    current = Pipeline([Command()])
    tokens = tokenize(text)
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        cmd = current.commands[-1]
        if kind == "word":
            cmd.argv.append(value)
        elif value in (">", ">>", "2>", "&>", "<"):
            if i + 1 >= len(tokens) or tokens[i + 1][0] != "word":
                raise ShellSyntaxError(f"syntax error: '{value}' unexpected")
            cmd.redirects.append((value, tokens[i + 1][1]))
            i += 1
        elif value == "2>&1":
            cmd.redirects.append((value, ""))
        elif value == "|":
            current.commands.append(Command())
        else:
            pipelines.append(current)
            current = Pipeline(
                [Command()], "&&" if value == "&&" else "||" if value == "||" else ";"
            )
        i += 1
    pipelines.append(current)
    return [pl for pl in pipelines if any(c.argv for c in pl.commands)]
