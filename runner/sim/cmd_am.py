"""``am``, ``monkey``, ``content`` and ``cmd package``: intents, broadcasts and the media store."""

from __future__ import annotations

import base64
import binascii
import hashlib
from urllib.parse import unquote, urlparse

from runner.sim.shell import CommandFn, Ctx
from runner.sim.ui.dialog import Dialog
from runner.sim.ui.intent import MAIN, SEND, SEND_MULTIPLE, VIEW, Intent, parse_intent
from runner.sim.ui.launcher import label
from runner.sim.ui.tiktok.state import ACTIVITIES

SPLASH = "com.ss.android.ugc.aweme.splash.SplashActivity"
ACTIVITY_NAMES = {SPLASH, *ACTIVITIES.values()}
SCAN_FILE = "android.intent.action.MEDIA_SCANNER_SCAN_FILE"
ADB_ACTIONS = {
    "ADB_INPUT_TEXT",
    "ADB_INPUT_B64",
    "ADB_CLEAR_TEXT",
    "ADB_INPUT_CODE",
    "ADB_EDITOR_CODE",
    "ADB_INPUT_CHARS",
}


def am(ctx: Ctx, argv: list[str]) -> int:
    verb = argv[1] if len(argv) > 1 else ""
    try:
        if verb in ("start", "start-activity"):
            intent = parse_intent(argv[2:])
            if "-S" in argv[2:] and intent.target_package:  # force-stop the target first
                ctx.phone.display.force_stop(intent.target_package)
            return _start(ctx, intent)
        if verb == "broadcast":
            return _broadcast(ctx, parse_intent(argv[2:]))
    except ValueError as exc:
        ctx.err(f"{exc}\n")
        return 1
    if verb == "force-stop" and len(argv) > 2:
        with ctx.phone.lock:
            ctx.phone.display.force_stop(argv[-1])
        return 0
    ctx.err(
        f"Error: Unknown command: {verb}\n"
        if verb
        else "usage: am [start|broadcast|force-stop] ...\n"
    )
    return 1


def _start(ctx: Ctx, intent: Intent) -> int:
    phone = ctx.phone
    ctx.out(f"Starting: {intent.describe()}\n")
    with phone.lock:
        display = phone.display
        package = _resolve(ctx, intent)
        if package is None:
            if not intent.target_package:  # a named target already said what is missing
                ctx.err(f"Error: Activity not started, unable to resolve {intent.describe()}\n")
            return 1
        if package == "":
            return 0  # a chooser is showing
        if intent.action in (VIEW, SEND, SEND_MULTIPLE) and (
            intent.data or intent.streams or intent.extras
        ):
            error = display.open(intent, package)
            if error:
                ctx.err(error + "\n")
                return 1
            return 0
        if display.foreground == package and display.dialog is None:
            ctx.out(
                "Warning: Activity not started, its current task has been brought to the front\n"
            )
        display.launch(package)
    return 0


def _resolve(ctx: Ctx, intent: Intent) -> str | None:
    """Which app package gets the intent; "" when Android shows a chooser instead, None if none."""
    display = ctx.phone.display
    target = intent.target_package
    if target:
        if display.app(target) is None or not _known_activity(intent):
            component = intent.component if "/" in intent.component else f"{target}/{SPLASH}"
            ctx.err(f"Error type 3\nError: Activity class {{{component}}} does not exist.\n")
            return None
        return target
    candidates = [p for p in ctx.phone.packages if display.app(p) is not None]
    if not candidates:
        return None
    if intent.action == VIEW:
        front = display.foreground
        return front if front in candidates else candidates[0]
    if intent.action in (SEND, SEND_MULTIPLE) and len(candidates) > 1:
        names = {f"{label(p)} ({p})": p for p in candidates}

        def choose(button: str) -> None:
            if button in names:
                display.open(intent, names[button])

        display.show_dialog(Dialog("Share with", list(names), package="android", on_button=choose))
        return ""
    return candidates[0] if intent.action in (SEND, SEND_MULTIPLE, MAIN, "") else None


def _known_activity(intent: Intent) -> bool:
    """-n names an activity the app has (".X" is short for "<package>.X")."""
    if "/" not in intent.component:
        return True
    package, activity = intent.component.split("/", 1)
    activity = package + activity if activity.startswith(".") else activity
    return activity in ACTIVITY_NAMES


def _broadcast(ctx: Ctx, intent: Intent) -> int:
    phone = ctx.phone
    flags = " flg=0x400000" + (" (has extras)" if intent.extras else "")
    description = intent.describe().replace(" (has extras)", "").rstrip(" }") + flags + " }"
    ctx.out(f"Broadcasting: {description}\n")
    with phone.lock:
        if intent.action == SCAN_FILE and intent.data.startswith("file://"):
            _index(ctx, unquote(urlparse(intent.data).path))
        elif (
            intent.action in ADB_ACTIONS
            and phone.spec.adb_keyboard
            and phone.ime_current.startswith("com.android.adbkeyboard/")
        ):
            _adb_keyboard(ctx, intent)
    ctx.out("Broadcast completed: result=0\n")
    return 0


def _index(ctx: Ctx, path: str) -> None:
    entry = ctx.phone.fs.stat(path)
    if entry is not None and not entry.is_dir:
        from runner.sim.fs import normalize

        ctx.phone.media_index[normalize(path)] = len(ctx.phone.media_index) + 1


def _adb_keyboard(ctx: Ctx, intent: Intent) -> None:
    """The ADBKeyBoard IME: text (plain or base64 UTF-8), clear, key and editor codes."""
    display = ctx.phone.display
    if intent.action == "ADB_CLEAR_TEXT":
        display.clear_text()
    elif intent.action in ("ADB_INPUT_CODE", "ADB_EDITOR_CODE"):
        code = intent.extras.get("code")
        if isinstance(code, int):
            display.key(66 if intent.action == "ADB_EDITOR_CODE" else code)
    else:
        message = str(intent.extras.get("msg", ""))
        if intent.action == "ADB_INPUT_B64":
            try:
                message = base64.b64decode(message, validate=False).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return
        display.type_text(message)


def monkey(ctx: Ctx, argv: list[str]) -> int:
    package = (
        argv[argv.index("-p") + 1] if "-p" in argv and argv.index("-p") + 1 < len(argv) else ""
    )
    ctx.out("".join(f"  bash arg: {a}\n" for a in argv[1:]))
    with ctx.phone.lock:
        launched = bool(package) and ctx.phone.display.launch(package)
    if not launched:
        ctx.out("** No activities found to run, monkey aborted.\n")
        return 252
    ctx.out(
        "Events injected: 1\n## Network stats: elapsed time=14ms (0ms mobile, 0ms wifi, 14ms not connected)\n"
    )
    return 0


def content(ctx: Ctx, argv: list[str]) -> int:
    args = argv[1:]
    opts = {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}
    if args[:1] == ["call"] and opts.get("--method") == "scan_file" and "--arg" in opts:
        with ctx.phone.lock:
            _index(ctx, opts["--arg"])
        digest = int(hashlib.md5(opts["--arg"].encode()).hexdigest()[:6], 16)
        ctx.out(f"Result: Bundle[{{uri=content://media/external/file/{digest}}}]\n")
        return 0
    if args[:1] == ["query"] and opts.get("--uri", "").startswith("content://media"):
        for row, path in enumerate(sorted(ctx.phone.media_index)):
            ctx.out(f"Row: {row} _id={row + 1}, _data={path}\n")
        return 0
    ctx.err("usage: adb shell content [subcommand] [options]\n")
    return 1


def cmd(ctx: Ctx, argv: list[str]) -> int:
    if argv[1:3] == ["package", "resolve-activity"]:
        package = argv[-1]
        if ctx.phone.display.app(package) is None:
            ctx.out("No activity found\n")
            return 0
        ctx.out(
            f"priority=0 preferredOrder=0 match=0x108000 specificIndex=-1 isDefault=true\n{package}/{SPLASH}\n"
        )
        return 0
    if argv[1:3] == ["package", "list"]:
        from runner.sim.cmd_system import pm

        return pm(ctx, ["pm", *argv[2:]])
    ctx.err(f"cmd: Can't find service: {argv[1] if len(argv) > 1 else ''}\n")
    return 20


COMMANDS: dict[str, CommandFn] = {"am": am, "monkey": monkey, "content": content, "cmd": cmd}
