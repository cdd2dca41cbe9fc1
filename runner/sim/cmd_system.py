"""System commands: getprop, settings, ime, pm, dumpsys, wm, screencap, id."""

from __future__ import annotations

import hashlib

from runner.sim.png import solid_png
from runner.sim.shell import CommandFn, Ctx
from runner.sim.ui.node import HEIGHT, WIDTH


def getprop(ctx: Ctx, argv: list[str]) -> int:
    props = ctx.phone.props
    if len(argv) == 1:
        ctx.out("".join(f"[{k}]: [{v}]\n" for k, v in sorted(props.items())))
    else:
        ctx.out(props.get(argv[1], argv[2] if len(argv) > 2 else "") + "\n")
    return 0


def setprop(ctx: Ctx, argv: list[str]) -> int:
    if len(argv) != 3:
        ctx.err("setprop: need 2 arguments\n")
        return 1
    if argv[1].startswith("ro.") and argv[1] in ctx.phone.props:
        ctx.err(f"Failed to set property '{argv[1]}' to '{argv[2]}'.\n")
        return 1
    ctx.phone.props[argv[1]] = argv[2]
    return 0


def settings(ctx: Ctx, argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--")]
    if (
        len(args) < 3
        or args[0] not in ("get", "put", "delete")
        or args[1] not in ("system", "secure", "global")
    ):
        ctx.err("usage:  settings [--user <USER_ID> | current] get namespace key\n")
        return 1 if args else 0
    verb, ns, key = args[0], args[1], args[2]
    store = ctx.phone.settings
    if verb == "get":
        ctx.out(store.get((ns, key), "null") + "\n")
    elif verb == "put" and len(args) > 3:
        store[(ns, key)] = args[3]
    elif verb == "delete":
        store.pop((ns, key), None)
        ctx.out("Deleted 1 rows\n")
    return 0


def ime(ctx: Ctx, argv: list[str]) -> int:
    phone = ctx.phone
    verb = argv[1] if len(argv) > 1 else ""
    ids = [a for a in argv[2:] if not a.startswith("-")]
    if verb == "list":
        shown = phone.imes_enabled if "-a" not in argv else _installed_imes(ctx)
        if "-s" in argv:
            ctx.out("".join(f"{i}\n" for i in shown))
        else:
            ctx.out("".join(f"{i}:\n  mId={i} mSettingsActivity=null\n" for i in shown))
        return 0
    if verb in ("enable", "set") and ids:
        target = ids[0]
        if target not in _installed_imes(ctx):
            ctx.err(
                f"Unknown input method {target} cannot be {'enabled' if verb == 'enable' else 'selected'} for user #0\n"
            )
            return 255
        if target not in phone.imes_enabled:
            phone.imes_enabled.append(target)
        if verb == "enable":
            ctx.out(f"Input method {target}: now enabled for user #0\n")
        else:
            phone.settings[("secure", "default_input_method")] = target
            ctx.out(f"Input method {target} selected for user #0\n")
        return 0
    if verb == "reset":
        phone.settings[("secure", "default_input_method")] = phone.imes_enabled[0]
        ctx.out(
            f"Reset current and enabled IMEs for user #0\n  Selected: {phone.imes_enabled[0]}\n"
        )
        return 0
    ctx.err("ime <command>:\n  list [-a] [-s]\n  enable <ID>\n  set <ID>\n  reset\n")
    return 255 if verb else 0


def _installed_imes(ctx: Ctx) -> list[str]:
    from runner.sim.phone import ADB_IME, LATIN_IME

    return [LATIN_IME] + ([ADB_IME] if ctx.phone.spec.adb_keyboard else [])


def pm(ctx: Ctx, argv: list[str]) -> int:
    verb = argv[1] if len(argv) > 1 else ""
    packages = ctx.phone.packages
    if verb == "list" and len(argv) > 2 and argv[2] == "packages":
        filt = next((a for a in argv[3:] if not a.startswith("-")), "")
        third_party = "-3" in argv
        for pkg in packages:
            if filt in pkg and not (
                third_party
                and (pkg.startswith(("com.android.", "com.google.")) or pkg == "android")
            ):
                ctx.out(f"package:{pkg}\n")
        return 0
    if verb == "path" and len(argv) > 2:
        if argv[2] not in packages:
            return 1
        token = hashlib.md5(argv[2].encode()).hexdigest()[:22]
        ctx.out(f"package:/data/app/~~{token}==/{argv[2]}-{token[::-1]}==/base.apk\n")
        return 0
    if verb in ("clear", "grant", "revoke") and len(argv) > 2:
        return _pm_change(ctx, verb, argv)
    ctx.err(
        f"Unknown command: {verb}\n" if verb else "usage: pm [list|path|clear|grant|revoke] ...\n"
    )
    return 1 if verb else 0


def _pm_change(ctx: Ctx, verb: str, argv: list[str]) -> int:
    """pm clear (stops the app; "Failed" for an unknown package) and grant/revoke of storage."""
    package = argv[2]
    known = package in ctx.phone.packages
    if verb == "clear":
        if known:
            ctx.phone.display.force_stop(package)
        ctx.out("Success\n" if known else "Failed\n")
        return 0
    if not known:
        ctx.err(
            f"Exception occurred while executing '{verb}':\njava.lang.IllegalArgumentException: Unknown package: {package}\n"
        )
        return 255
    if any("STORAGE" in a or "MEDIA" in a for a in argv[3:]):
        ctx.phone.storage_granted = verb == "grant"
    return 0


def wm(ctx: Ctx, argv: list[str]) -> int:
    verb = argv[1] if len(argv) > 1 else ""
    if verb == "size":
        ctx.out(f"Physical size: {WIDTH}x{HEIGHT}\n")
    elif verb == "density":
        ctx.out("Physical density: 420\n")
    else:
        ctx.err(f"Error: unknown command '{verb}'\n")
        return 255
    return 0


def screencap(ctx: Ctx, argv: list[str]) -> int:
    data = solid_png(WIDTH, HEIGHT)
    target = next((a for a in argv[1:] if not a.startswith("-")), "")
    if target:
        ctx.phone.fs.write(target, data, parents=False)
    else:
        ctx.out(data)
    return 0


def id_(ctx: Ctx, argv: list[str]) -> int:
    ctx.out(
        "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1015(sdcard_rw) context=u:r:shell:s0\n"
    )
    return 0


def whoami(ctx: Ctx, argv: list[str]) -> int:
    ctx.out("shell\n")
    return 0


COMMANDS: dict[str, CommandFn] = {
    "getprop": getprop,
    "setprop": setprop,
    "settings": settings,
    "ime": ime,
    "pm": pm,
    "wm": wm,
    "screencap": screencap,
    "id": id_,
    "whoami": whoami,
}
