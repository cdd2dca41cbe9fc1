"""``dumpsys``: the sections adbutils and runners parse (battery, power, display, window,
activity, package), each in the format of the real service so the usual regexes match."""

from __future__ import annotations

import hashlib

from runner.sim.shell import CommandFn, Ctx
from runner.sim.ui.node import HEIGHT, WIDTH


def dumpsys(ctx: Ctx, argv: list[str]) -> int:
    service = argv[1] if len(argv) > 1 else ""
    handler = SECTIONS.get(service)
    if handler is None:
        ctx.out(f"Can't find service: {service}\n")
        return 0
    with ctx.phone.lock:
        ctx.out(handler(ctx, argv[2:]))
    return 0


def _battery(ctx: Ctx, args: list[str]) -> str:
    level = ctx.phone.spec.battery
    return (
        "Current Battery Service state:\n  AC powered: false\n  USB powered: true\n  Wireless powered: false\n"
        "  Max charging current: 500000\n  Max charging voltage: 5000000\n  Charge counter: 2950000\n"
        f"  status: 2\n  health: 2\n  present: true\n  level: {level}\n  scale: 100\n  voltage: 4123\n"
        "  temperature: 285\n  technology: Li-ion\n"
    )


def _power(ctx: Ctx, args: list[str]) -> str:
    awake = ctx.phone.display.awake
    return (
        "POWER MANAGER (dumpsys power)\n\nPower Manager State:\n"
        f"  mWakefulness={'Awake' if awake else 'Asleep'}\n  mWakefulnessChanging=false\n"
        f"  mIsPowered=true\n  mStayOn=false\n  mHoldingWakeLockSuspendBlocker={'true' if awake else 'false'}\n"
        f"  mHoldingDisplaySuspendBlocker={'true' if awake else 'false'}\n"
        f"Display Power: state={'ON' if awake else 'OFF'}\n"
    )


def _display(ctx: Ctx, args: list[str]) -> str:
    viewport = (
        "DisplayViewport{type=INTERNAL, valid=true, isActive=true, displayId=0, uniqueId='local:0', "
        f"physicalPort=0, orientation=0, logicalFrame=Rect(0, 0 - {WIDTH}, {HEIGHT}), "
        f"physicalFrame=Rect(0, 0 - {WIDTH}, {HEIGHT}), deviceWidth={WIDTH}, deviceHeight={HEIGHT}}}"
    )
    state = "ON" if ctx.phone.display.awake else "OFF"
    return f"DISPLAY MANAGER (dumpsys display)\n  mDefaultViewport={viewport}\n  mState={state}\n  mCurrentOrientation=0\n"


def _token(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()[:7]


def _window(ctx: Ctx, args: list[str]) -> str:
    package, activity = ctx.phone.display.focus()
    name = f"{package}/{activity}"
    return (
        "WINDOW MANAGER WINDOWS (dumpsys window windows)\n"
        f"  Window #0 Window{{{_token(name)} u0 {name}}}:\n"
        f"  mCurrentFocus=Window{{{_token(name)} u0 {name}}}\n"
        f"  mFocusedApp=ActivityRecord{{{_token(name + 'a')} u0 {name} t12}}\n"
    )


def _activity(ctx: Ctx, args: list[str]) -> str:
    package, activity = ctx.phone.display.focus()
    name = f"{package}/{activity}"
    if args and args[0] == "top":
        return f"TASK {package} id=12 userId=0\n  ACTIVITY {name} {_token(name)} pid=4321\n"
    return (
        "ACTIVITY MANAGER ACTIVITIES (dumpsys activity activities)\n"
        f"  mResumedActivity: ActivityRecord{{{_token(name)} u0 {name} t12}}\n"
        f"  mFocusedActivity: ActivityRecord{{{_token(name)} u0 {name} t12}}\n"
    )


def _package(ctx: Ctx, args: list[str]) -> str:
    package = next((a for a in args if not a.startswith("-")), "")
    if package not in ctx.phone.packages:
        return ""
    version = ctx.phone.app_version(package)
    code = int("".join(ch for ch in version if ch.isdigit())[:9] or "1")
    return (
        "Packages:\n"
        f"  Package [{package}] ({_token(package)}):\n    userId=10{int(_token(package), 16) % 900 + 100}\n"
        f"    versionCode={code} minSdk=21 targetSdk=33\n    versionName={version}\n"
        "    pkgFlags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]\n"
        "    timeStamp=2024-05-01 10:00:00\n    firstInstallTime=2024-05-01 10:00:01\n"
        "    lastUpdateTime=2024-05-01 10:00:01\n"
    )


def _input_method(ctx: Ctx, args: list[str]) -> str:
    return f"Current Input Method Manager state:\n  mCurMethodId={ctx.phone.ime_current}\n"


SECTIONS = {
    "battery": _battery,
    "power": _power,
    "display": _display,
    "window": _window,
    "activity": _activity,
    "package": _package,
    "input_method": _input_method,
}

COMMANDS: dict[str, CommandFn] = {"dumpsys": dumpsys}
