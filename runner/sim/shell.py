"""Running a parsed command line against a phone: pipelines, redirections, exit codes.

Output is kept as ordered (fd, bytes) pieces so ``shell:`` (v1) can merge stdout and stderr in
the order they were written while ``shell,v2:`` sends them as separate packets.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runner.sim.shparse import STATUS, Command, Pipeline, ShellSyntaxError, parse

if TYPE_CHECKING:
    from runner.sim.phone import SimPhone


@dataclass
class Ctx:
    """What one command sees: its phone, stdin, and where its output goes."""

    phone: SimPhone
    stdin: bytes = b""
    pieces: list[tuple[int, bytes]] = field(default_factory=list)

    def out(self, text: str | bytes) -> None:
        self.pieces.append((1, text.encode() if isinstance(text, str) else text))

    def err(self, text: str | bytes) -> None:
        self.pieces.append((2, text.encode() if isinstance(text, str) else text))


CommandFn = Callable[[Ctx, list[str]], int | Awaitable[int]]


@dataclass(frozen=True)
class ShellResult:
    pieces: tuple[tuple[int, bytes], ...]
    exit_code: int

    @property
    def stdout(self) -> bytes:
        return b"".join(d for fd, d in self.pieces if fd == 1)

    @property
    def stderr(self) -> bytes:
        return b"".join(d for fd, d in self.pieces if fd == 2)

    @property
    def merged(self) -> bytes:
        return b"".join(d for _, d in self.pieces)


async def run_line(phone: SimPhone, text: str, commands: dict[str, CommandFn]) -> ShellResult:
    """Run a whole command line the way ``sh -c`` does; ``$?`` is the last pipeline's status."""
    ctx = Ctx(phone)
    try:
        pipelines = parse(text)
    except ShellSyntaxError as exc:
        ctx.err(f"/system/bin/sh: {exc}\n")
        return ShellResult(tuple(ctx.pieces), 1)
    try:
        status = await _run_pipelines(ctx, pipelines, commands)
    except ShellExit as stop:
        status = stop.code
    return ShellResult(tuple(ctx.pieces), status)


class ShellExit(Exception):
    """``exit N``: ends the whole command line with status N."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


async def _run_pipelines(
    ctx: Ctx, pipelines: list[Pipeline], commands: dict[str, CommandFn]
) -> int:
    status = 0
    for pipeline in pipelines:
        if (pipeline.connector == "&&" and status != 0) or (
            pipeline.connector == "||" and status == 0
        ):
            continue
        stdin = b""
        for index, cmd in enumerate(pipeline.commands):
            last = index == len(pipeline.commands) - 1
            sub = Ctx(ctx.phone, stdin)
            status = await _run_command(sub, cmd, status, commands)
            if last:
                ctx.pieces.extend(sub.pieces)
            else:
                stdin = b"".join(d for fd, d in sub.pieces if fd == 1)
                ctx.pieces.extend((fd, d) for fd, d in sub.pieces if fd == 2)
    return status


async def _run_command(ctx: Ctx, cmd: Command, status: int, commands: dict[str, CommandFn]) -> int:
    argv = [word.replace(STATUS, str(status)) for word in cmd.argv]
    if not argv:
        return status
    name = argv[0].rsplit("/", 1)[-1] if argv[0].startswith("/system/") else argv[0]
    fn = commands.get(name)
    if fn is None:
        ctx.err(f"/system/bin/sh: {argv[0]}: inaccessible or not found\n")
        code = 127
    else:
        with ctx.phone.lock:  # tests read phone state from their own thread
            result = fn(ctx, argv)
        code = await result if inspect.isawaitable(result) else result
    return _apply_redirects(ctx, cmd.redirects, code)


def _apply_redirects(ctx: Ctx, redirects: list[tuple[str, str]], code: int) -> int:
    """Move output pieces to files, /dev/null or the other fd, as the redirections say."""
    for op, target in redirects:
        if op == "2>&1":
            ctx.pieces[:] = [(1, d) for _, d in ctx.pieces]
            continue
        if op == "<":
            continue
        fds = {1, 2} if op == "&>" else {2} if op == "2>" else {1}
        if target == "/dev/tty":
            ctx.pieces[:] = [(1 if fd in fds else fd, d) for fd, d in ctx.pieces]
            continue
        data = b"".join(d for fd, d in ctx.pieces if fd in fds)
        ctx.pieces[:] = [(fd, d) for fd, d in ctx.pieces if fd not in fds]
        if target == "/dev/null":
            continue
        try:
            if op == ">>":
                ctx.phone.fs.append(target, data)
            else:
                ctx.phone.fs.write(target, data)
        except (FileNotFoundError, IsADirectoryError) as exc:
            ctx.err(f"/system/bin/sh: can't create {target}: {_strerror(exc)}\n")
            return 1
    return code


def _strerror(exc: OSError) -> str:
    return "Is a directory" if isinstance(exc, IsADirectoryError) else "No such file or directory"
