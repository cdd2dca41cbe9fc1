"""``input`` and ``uiautomator``: how a runner sees and touches the screen."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from runner.sim.keycodes import CHARS, keycode
from runner.sim.shell import CommandFn, Ctx
from runner.sim.u2server import ALREADY_REGISTERED
from runner.sim.ui.node import dump_xml

if TYPE_CHECKING:
    from runner.sim.phone import SimPhone

SOURCES = {
    "touchscreen",
    "touchpad",
    "keyboard",
    "mouse",
    "dpad",
    "gamepad",
    "stylus",
    "trackball",
    "joystick",
    "touchnavigation",
    "rotaryencoder",
}
DEFAULT_DUMP = "/sdcard/window_dump.xml"


async def input_(ctx: Ctx, argv: list[str]) -> int:
    args = argv[1:]
    if args and args[0] in SOURCES:
        args = args[1:]
    if args and args[0] == "-d":
        args = args[2:]
    verb, rest = (args[0], args[1:]) if args else ("", [])
    try:
        if verb == "tap" and len(rest) == 2:
            _tap(ctx, int(float(rest[0])), int(float(rest[1])))
        elif verb in ("swipe", "draganddrop") and len(rest) in (4, 5):
            await _swipe(
                ctx, [int(float(v)) for v in rest[:4]], int(rest[4]) if len(rest) == 5 else 300
            )
        elif verb == "text" and rest:
            _text(ctx, " ".join(rest))
        elif verb == "keyevent" and rest:
            return _keys(ctx, [r for r in rest if not r.startswith("--")])
        else:
            raise ValueError(verb)
    except ValueError:
        ctx.err(
            f"Error: Invalid arguments for command: {verb}\nUsage: input [<source>] <command> [<arg>...]\n"
            if verb
            else _USAGE
        )
        return 1
    return 0


_USAGE = "Usage: input [<source>] [-d DISPLAY_ID] <command> [<arg>...]\n\nThe commands and default sources are:\n      text <string> (Default: touchscreen)\n      keyevent [--longpress|--doubletap] <key code number or name> ... (Default: keyboard)\n      tap <x> <y> (Default: touchscreen)\n      swipe <x1> <y1> <x2> <y2> [duration(ms)] (Default: touchscreen)\n"


def _tap(ctx: Ctx, x: int, y: int) -> None:
    phone = ctx.phone
    with phone.lock:
        app = phone.display.front_app()
        if app is not None and phone.display.dialog is None and phone.faults.on_tap():
            phone.display.crash(app.package)
            return
        phone.display.tap(x, y)


async def _swipe(ctx: Ctx, points: list[int], duration_ms: int) -> None:
    await asyncio.sleep(min(max(duration_ms, 0), 5000) / 1000)
    x1, y1, x2, y2 = points
    with ctx.phone.lock:
        if abs(x2 - x1) < 10 and abs(y2 - y1) < 10:
            ctx.phone.display.tap(x1, y1)  # a long press lands like a tap
        else:
            ctx.phone.display.swipe(x1, y1, x2, y2)


def _text(ctx: Ctx, raw: str) -> None:
    """What ``input text`` types: %s is a space; characters without a key are dropped."""
    text = raw.replace("%s", " ")
    typed = "".join(ch for ch in text if 32 <= ord(ch) < 127)
    with ctx.phone.lock:
        ctx.phone.display.type_text(typed)


def _keys(ctx: Ctx, tokens: list[str]) -> int:
    with ctx.phone.lock:
        for token in tokens:
            code = keycode(token)
            if code is None:
                ctx.err(f"Error: Unknown keycode: {token}\n")
                return 1
            if code in CHARS:
                ctx.phone.display.type_text(CHARS[code])
            else:
                ctx.phone.display.key(code)
    return 0


IDLE_ERROR = "ERROR: could not get idle state.\n"
DUMP_USAGE = "Usage: uiautomator <subcommand> [options]\n\nAvailable subcommands:\n\nhelp: displays help message\n\ndump: creates an XML dump of current UI hierarchy\n"


def screen_xml(phone: SimPhone) -> str:
    """The window hierarchy document of the screen now (caller holds the phone's lock)."""
    root, package = phone.display.render()
    return dump_xml(root, package=package)


async def uiautomator(ctx: Ctx, argv: list[str]) -> int:
    """``uiautomator dump [--compressed] [FILE]`` as a real phone runs it.

    It first waits for the screen to be idle: on a screen that keeps changing (a playing video,
    the camera) it gives up after its idle timeout, prints the idle error on stdout and still
    exits 0 without writing anything. ``--compressed`` gets through there (or, with the phone's
    ``compressed_idle_failure`` probability, not). Only one UiAutomation can be registered: while
    the uiautomator2 server runs, a dump fails.
    """
    args = [a for a in argv[1:] if not a.startswith("--")]
    if not args or args[0] != "dump":
        ctx.err(DUMP_USAGE)
        return 1
    phone, compressed = ctx.phone, "--compressed" in argv
    path = args[1] if len(args) > 1 else DEFAULT_DUMP
    faults = phone.faults
    if phone.u2.running:
        ctx.err(ALREADY_REGISTERED)
        return 1
    with phone.lock:
        animating = phone.display.animating()
    idle = not animating or (compressed and phone.rng.random() >= faults.compressed_idle_failure)
    kind = "dump --compressed" if compressed else "dump"
    faults.screen_reads[
        kind, "animating" if animating else "still", "ok" if idle else "idle error"
    ] += 1
    if phone.realistic:
        spec = faults.spec
        await asyncio.sleep(phone.rng.uniform(*spec.dump_seconds) if idle else spec.idle_timeout)
    if not idle:
        ctx.out(IDLE_ERROR)
        return 0
    with phone.lock:
        if not phone.display.awake:
            ctx.err("ERROR: null root node returned by UiTestAutomationBridge.\n")
            return 1
        xml = screen_xml(phone)
    if path == "/dev/tty":
        ctx.out(xml + f"UI hierchary dumped to: {path}\n")
        return 0
    try:
        phone.fs.write(path, xml.encode())
    except (FileNotFoundError, IsADirectoryError):
        ctx.err(f"ERROR: could not write dump to {path}\n")
        return 1
    ctx.out(f"UI hierchary dumped to: {path}\n")
    return 0


COMMANDS: dict[str, CommandFn] = {"input": input_, "uiautomator": uiautomator}
