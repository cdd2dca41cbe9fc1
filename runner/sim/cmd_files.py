"""File and text commands of toybox as a phone's shell answers them."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Awaitable

from runner.sim.fs import normalize
from runner.sim.shell import CommandFn, Ctx, ShellExit


def echo(ctx: Ctx, argv: list[str]) -> int:
    args, newline = argv[1:], True
    if args and args[0] == "-n":
        args, newline = args[1:], False
    ctx.out(" ".join(args) + ("\n" if newline else ""))
    return 0


def cat(ctx: Ctx, argv: list[str]) -> int:
    if len(argv) == 1:
        ctx.out(ctx.stdin)
        return 0
    code = 0
    for path in argv[1:]:
        try:
            ctx.out(ctx.phone.fs.read(path))
        except FileNotFoundError:
            ctx.err(f"cat: {path}: No such file or directory\n")
            code = 1
        except IsADirectoryError:
            ctx.err(f"cat: {path}: Is a directory\n")
            code = 1
    return code


def ls(ctx: Ctx, argv: list[str]) -> int:
    flags = "".join(a[1:] for a in argv[1:] if a.startswith("-"))
    paths = [a for a in argv[1:] if not a.startswith("-")] or ["/"]
    code = 0
    for path in paths:
        entry = ctx.phone.fs.stat(path)
        if entry is None:
            ctx.err(f"ls: {path}: No such file or directory\n")
            code = 1
        elif not entry.is_dir or "d" in flags:
            ctx.out(_ls_line(path, entry, flags) + "\n")
        else:
            for name, child in ctx.phone.fs.listdir(path):
                ctx.out(_ls_line(name, child, flags) + "\n")
    return code


def _ls_line(name: str, entry, flags: str) -> str:  # type: ignore[no-untyped-def]
    if "l" not in flags:
        return name
    kind = "d" if entry.is_dir else "-"
    stamp = time.strftime("%Y-%m-%d %H:%M", time.gmtime(entry.mtime))
    return f"{kind}rw-rw---- 1 root sdcard_rw {len(entry.data)} {stamp} {name}"


def rm(ctx: Ctx, argv: list[str]) -> int:
    flags = "".join(a[1:] for a in argv[1:] if a.startswith("-"))
    code = 0
    for path in (a for a in argv[1:] if not a.startswith("-")):
        try:
            ctx.phone.fs.remove(path, recursive="r" in flags.lower())
        except FileNotFoundError:
            if "f" not in flags:
                ctx.err(f"rm: {path}: No such file or directory\n")
                code = 1
        except IsADirectoryError:
            ctx.err(f"rm: {path}: Is a directory\n")
            code = 1
    return code


def mkdir(ctx: Ctx, argv: list[str]) -> int:
    parents = "-p" in argv
    code = 0
    for path in (a for a in argv[1:] if not a.startswith("-")):
        try:
            ctx.phone.fs.mkdir(path, parents=parents)
        except FileExistsError:
            ctx.err(f"mkdir: '{path}': File exists\n")
            code = 1
        except FileNotFoundError:
            ctx.err(f"mkdir: '{path}': No such file or directory\n")
            code = 1
    return code


def touch(ctx: Ctx, argv: list[str]) -> int:
    code = 0
    for path in (a for a in argv[1:] if not a.startswith("-")):
        try:
            ctx.phone.fs.touch(path)
        except FileNotFoundError:
            ctx.err(f"touch: '{path}': No such file or directory\n")
            code = 1
    return code


def md5sum(ctx: Ctx, argv: list[str]) -> int:
    code = 0
    for path in argv[1:]:
        try:
            ctx.out(f"{hashlib.md5(ctx.phone.fs.read(path)).hexdigest()}  {path}\n")
        except (FileNotFoundError, IsADirectoryError):
            ctx.err(f"md5sum: {path}: No such file or directory\n")
            code = 1
    return code


def test(ctx: Ctx, argv: list[str]) -> int:
    args = argv[1:-1] if argv[0] == "[" else argv[1:]
    if len(args) == 2 and args[0] in ("-e", "-f", "-d", "-s"):
        entry = ctx.phone.fs.stat(args[1])
        ok = {
            "-e": entry is not None,
            "-f": entry is not None and not entry.is_dir,
            "-d": entry is not None and entry.is_dir,
            "-s": entry is not None and bool(entry.data),
        }[args[0]]
        return 0 if ok else 1
    if len(args) == 3 and args[1] in ("=", "!="):
        return 0 if (args[0] == args[2]) == (args[1] == "=") else 1
    return 0 if args and args[0] else 1


def grep(ctx: Ctx, argv: list[str]) -> int:
    flags = "".join(a[1:] for a in argv[1:] if a.startswith("-"))
    rest = [a for a in argv[1:] if not a.startswith("-")]
    if not rest:
        ctx.err("usage: grep [-civFE] PATTERN [FILE...]\n")
        return 2
    pattern = re.compile(
        re.escape(rest[0]) if "F" in flags else rest[0], re.IGNORECASE if "i" in flags else 0
    )
    text = (
        ctx.stdin
        if len(rest) == 1
        else b"".join(ctx.phone.fs.read(p) for p in rest[1:] if ctx.phone.fs.stat(p))
    )
    lines = [
        ln
        for ln in text.decode("utf-8", "replace").splitlines()
        if bool(pattern.search(ln)) != ("v" in flags)
    ]
    ctx.out(f"{len(lines)}\n" if "c" in flags else "".join(ln + "\n" for ln in lines))
    return 0 if lines else 1


async def sleep(ctx: Ctx, argv: list[str]) -> int:
    try:
        await asyncio.sleep(float(argv[1]) if len(argv) > 1 else 0)
    except ValueError:
        ctx.err(f"sleep: invalid number '{argv[1]}'\n")
        return 1
    return 0


def pwd(ctx: Ctx, argv: list[str]) -> int:
    ctx.out("/\n")
    return 0


def realpath(ctx: Ctx, argv: list[str]) -> int:
    for path in argv[1:]:
        ctx.out(normalize(path) + "\n")
    return 0


def exit_(ctx: Ctx, argv: list[str]) -> int:
    raise ShellExit(int(argv[1]) & 0xFF if len(argv) > 1 and argv[1].isdigit() else 0)


def toybox(ctx: Ctx, argv: list[str]) -> int | Awaitable[int]:
    """``toybox NAME ARGS``: the multi-call binary behind most of the shell's commands."""
    fn = ctx.phone.commands.get(argv[1]) if len(argv) > 1 else None
    if fn is None:
        ctx.err(f"toybox: Unknown command {argv[1] if len(argv) > 1 else ''}\n")
        return 1
    return fn(ctx, argv[1:])


COMMANDS: dict[str, CommandFn] = {
    "toybox": toybox,
    "echo": echo,
    "cat": cat,
    "ls": ls,
    "rm": rm,
    "mkdir": mkdir,
    "touch": touch,
    "md5sum": md5sum,
    "test": test,
    "[": test,
    "grep": grep,
    "sleep": sleep,
    "pwd": pwd,
    "realpath": realpath,
    "true": lambda ctx, argv: 0,
    "false": lambda ctx, argv: 1,
    "exit": exit_,
}
