"""`campaign sim up|down|state`: simulated phones for rehearsing campaigns without real ones.

`up` starts the phones, `adb connect`s each to the server ANDROID_ADB_SERVER_PORT names
(starting it if needed), prints their serials and waits; `--detach` runs the same in the
background. The running fleet is found through `.campaign/sim/sim.json` (pid, control endpoint),
which `down` and `state` read.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from runner.cli.output import add_format_argument, print_json
from runner.errors import CampaignRunnerError, UsageError
from runner.state.lock import pid_alive

SIM_DIR = Path(".campaign") / "sim"
INFO_FILE, TRUTH_FILE, LOG_FILE = "sim.json", "ground_truth.json", "sim.log"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    from runner.sim.faults import FAULT_HELP, WHERE_HELP

    up = sub.add_parser(
        "up",
        help="start simulated phones and connect them to the adb server",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="faults (--fault NAME[=VALUE][@WHERE], repeatable):\n"
        + "\n".join(f"  {name:<17} {what}" for name, what in FAULT_HELP.items())
        + f"\n  {WHERE_HELP}"
        + "\nexamples:\n"
        "  campaign sim up --phones 40 --fault offline=20:60@20% --fault 'hang=uiautomator dump@5%'\n"
        "  campaign sim up --fault disconnect-after=comments,posts --fault latency=0.2@SIM000002",
    )
    up.add_argument(
        "--phones",
        type=int,
        default=None,
        help="how many phones (default: one per inventory device)",
    )
    up.add_argument(
        "--serial-prefix",
        default="SIM",
        metavar="P",
        help="hardware serials P000001... with --phones (default SIM): one fleet per host",
    )
    up.add_argument(
        "--accounts", type=int, default=2, help="accounts per phone with --phones (default 2)"
    )
    up.add_argument(
        "--seed", type=int, default=0, help="seed for content, popups and latency (default 0)"
    )
    up.add_argument(
        "--realistic",
        action="store_true",
        help="latency near real phones (a uiautomator dump 1-2.5 s, 10 s when the screen never goes idle; uiautomator2 reads 0.15-0.35 s)",
    )
    up.add_argument(
        "--popups", type=float, default=0.0, metavar="P", help="probability of an app popup (0-1)"
    )
    up.add_argument(
        "--base-port", type=int, default=None, help="first phone port (>= 6000; default: any free)"
    )
    up.add_argument(
        "--app-version",
        default=None,
        metavar="V[,V...]",
        help="TikTok version the phones run, one of the real layouts (default: the newest); "
        "several, comma-separated, are dealt to the phones in turn",
    )
    up.add_argument(
        "--locale",
        default=None,
        metavar="L[,L...]",
        help="the app's UI language: en (default), fr, pt-BR; comma-separated: dealt in turn",
    )
    up.add_argument(
        "--inventory", type=Path, default=None, help="inventory file (default ./inventory.yaml)"
    )
    up.add_argument(
        "--detach", action="store_true", help="run in the background; stop with `campaign sim down`"
    )
    up.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[=VALUE][@WHERE]",
        help="a fault on every phone, a share of the fleet or named phones (see below)",
    )
    add_format_argument(up)  # json: {"pid", "adb_server_port", "phones": {hw serial: adb serial}}
    down = sub.add_parser("down", help="stop the simulated phones started with `sim up --detach`")
    add_format_argument(down)
    state = sub.add_parser(
        "state", help="print the ground truth (what happened on each account) as JSON"
    )
    state.add_argument(
        "--format", choices=("json",), default="json", help="output format: json (the only one)"
    )
    state.add_argument(
        "--state",
        default=None,
        metavar="PATH",
        help="the state file a `run --sim` or `serve --sim` used: its fleet's ground truth is "
        "beside it (default: $CAMPAIGN_STATE, else .campaign/state.db in the current directory)",
    )


def run(args: argparse.Namespace) -> int:
    return {"up": _up, "down": _down, "state": _state}[args.action](args)


# --- up ----------------------------------------------------------------------------------------
def _up(args: argparse.Namespace) -> int:
    _refuse_if_running()
    specs = _specs(args)  # every option checked before anything starts, also with --detach
    if args.detach:
        return _detach(args)
    from runner.sim import SimFleet, adbhost
    from runner.sim.control import ControlServer

    fleet = SimFleet(
        specs,
        seed=args.seed,
        realistic=args.realistic,
        popup_probability=args.popups,
        base_port=args.base_port,
    )
    done = threading.Event()
    previous = signal.signal(
        signal.SIGTERM, lambda *_: done.set()
    )  # from here on SIGTERM stops cleanly
    try:
        fleet.start()
        fleet.connect()
        control = ControlServer(fleet, on_stop=done.set)
        control.start()
        write_info(SIM_DIR, fleet, control.port, adbhost.server_port())
        _print_phones(fleet, args.format)
        _wait(done)
    finally:
        truth = fleet.ground_truth() if fleet.phones else {}
        fleet.stop()
        _finish(truth)
        signal.signal(signal.SIGTERM, previous)
    return 0


def _specs(args: argparse.Namespace) -> list[Any]:
    from runner.sim.faults import apply_faults, parse_fault

    faults = [parse_fault(text) for text in args.fault]
    return apply_faults(_phones(args), faults, seed=args.seed)


def _phones(args: argparse.Namespace) -> list[Any]:
    from runner.sim import default_phones, phones_for_inventory

    if not re.fullmatch(r"[A-Z][A-Z0-9]{0,7}", args.serial_prefix):
        raise UsageError(
            f"--serial-prefix {args.serial_prefix!r} is not a usable prefix",
            hint="1-8 upper-case letters or digits, starting with a letter (e.g. A, RACK2)",
        )
    if args.phones is not None and (args.phones < 1 or args.accounts < 0):
        raise UsageError("--phones must be at least 1 and --accounts at least 0")
    if not 0.0 <= args.popups <= 1.0:
        raise UsageError(
            f"--popups {args.popups} is not a probability", hint="give a number from 0 to 1"
        )
    if args.base_port is not None and not 6000 <= args.base_port <= 65000:
        raise UsageError(
            f"--base-port {args.base_port} is out of range",
            hint="use 6000-65000 (5555-5585 is adb's emulator range)",
        )
    phones = (
        default_phones(args.phones, args.accounts, prefix=args.serial_prefix)
        if args.phones is not None
        else phones_for_inventory(_inventory_devices(args.inventory))
    )
    return _with_app(
        phones, _choices(args.app_version, "--app-version"), _choices(args.locale, "--locale")
    )


def _choices(raw: str | None, flag: str) -> list[str]:
    """The values of --app-version / --locale, each checked against what the sim can render."""
    from runner.sim.ui.tiktok.layout import check_layout, check_locale

    values = [v.strip() for v in (raw or "").split(",") if v.strip()]
    check = check_layout if flag == "--app-version" else check_locale
    for value in values:
        try:
            check(value)
        except ValueError as exc:
            raise UsageError(f"{flag} {value}: {exc}") from None
    return values


def _with_app(phones: list[Any], versions: list[str], locales: list[str]) -> list[Any]:
    """Deal the app versions and locales to the phones in turn (phone i gets value i mod n)."""
    from dataclasses import replace

    dealt = []
    for i, phone in enumerate(phones):
        changes = {}
        if versions:
            changes["app_version"] = versions[i % len(versions)]
        if locales:
            changes["locale"] = locales[i % len(locales)]
        dealt.append(replace(phone, **changes) if changes else phone)
    return dealt


def _inventory_devices(path: Path | None) -> list[Any]:
    """The devices of the campaign repo's inventory, checked by the campaign loader."""
    from runner.campaign import load_repo

    path = path or Path("inventory.yaml")
    if not path.is_file():
        raise UsageError(
            f"no inventory at {path}",
            hint="run in a campaign repo, pass --inventory FILE or --phones N",
        )
    repo = load_repo([path], root=path.resolve().parent)
    problems = [p for p in repo.problems if getattr(p, "severity", "error") == "error"]
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        raise CampaignRunnerError(
            f"{path} has {len(problems)} problem(s)",
            hint="fix them, then run `campaign sim up` again",
        )
    if not repo.inventory.devices:
        raise UsageError(f"{path} lists no devices", hint="add devices, or pass --phones N")
    return list(repo.inventory.devices)


def _detach(args: argparse.Namespace) -> int:
    """Re-run `sim up` as a background process, wait until its phones are connected."""
    SIM_DIR.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "runner",
        "sim",
        "up",
        "--seed",
        str(args.seed),
        "--accounts",
        str(args.accounts),
        "--popups",
        str(args.popups),
    ]
    argv += ["--phones", str(args.phones)] if args.phones is not None else []
    argv += ["--serial-prefix", args.serial_prefix]
    argv += ["--inventory", str(args.inventory)] if args.inventory else []
    argv += ["--base-port", str(args.base_port)] if args.base_port else []
    argv += ["--realistic"] if args.realistic else []
    argv += [f"--fault={text}" for text in args.fault]
    argv += ["--app-version", args.app_version] if args.app_version else []
    argv += ["--locale", args.locale] if args.locale else []
    pid = _spawn_detached(argv, SIM_DIR / LOG_FILE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        info = _read_info()
        if info is not None and info.get("pid") == pid:
            _print_serials(info["phones"], info["adb_server_port"], args.format, pid=pid)
            note = f"running in the background (pid {pid}); stop with `campaign sim down`"
            print(note, file=sys.stderr if args.format == "json" else sys.stdout)
            return 0
        if not pid_alive(pid):
            log_text = (SIM_DIR / LOG_FILE).read_text().strip()
            raise CampaignRunnerError(
                f"simulated phones failed to start: {log_text.splitlines()[-1] if log_text else 'no output'}",
                hint=f"see {SIM_DIR / LOG_FILE}",
            )
        time.sleep(0.05)
    os.kill(pid, signal.SIGTERM)
    raise CampaignRunnerError(
        "simulated phones did not come up within 120 s", hint=f"see {SIM_DIR / LOG_FILE}"
    )


# The launcher starts the fleet process in its own session and exits at once, so the fleet is
# nobody's child here: no zombie to reap, no Popen object to outlive.
_LAUNCHER = (
    "import subprocess, sys\n"
    "log = open(sys.argv[1], 'w')\n"
    "p = subprocess.Popen(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,"
    " start_new_session=True)\n"
    "print(p.pid)\n"
)


def _spawn_detached(argv: list[str], log_path: Path) -> int:
    launcher = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(log_path), *argv],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if launcher.returncode != 0 or not launcher.stdout.strip().isdigit():
        raise CampaignRunnerError(
            f"could not start simulated phones in the background: {launcher.stderr.strip()}"
        )
    return int(launcher.stdout.strip())


def _wait(done: threading.Event) -> None:
    """Until Ctrl-C, SIGTERM or POST /stop."""
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass


def write_info(sim_dir: Path, fleet: Any, control_port: int, adb_port: int) -> None:
    """The running fleet's control file (``sim.json``), written whole or not at all: `sim up`
    and `run`/`serve --sim` leave it where `campaign sim state` and `down` find it."""
    sim_dir.mkdir(parents=True, exist_ok=True)
    info = {
        "pid": os.getpid(),
        "control": f"http://127.0.0.1:{control_port}",
        "adb_server_port": adb_port,
        "phones": fleet.serials(),
    }
    tmp = sim_dir / (INFO_FILE + ".tmp")
    tmp.write_text(json.dumps(info, indent=1))
    tmp.replace(sim_dir / INFO_FILE)


def write_truth(sim_dir: Path, truth: dict[str, Any]) -> None:
    """The stopped fleet's ground truth, where `campaign sim state` reads it."""
    sim_dir.mkdir(parents=True, exist_ok=True)
    (sim_dir / TRUTH_FILE).write_text(json.dumps(truth, indent=1, ensure_ascii=False))


def _print_phones(fleet: Any, fmt: str) -> None:
    from runner.sim import adbhost

    _print_serials(fleet.serials(), adbhost.server_port(), fmt, pid=os.getpid())
    print(
        "Ctrl-C stops them" if sys.stdout.isatty() else "waiting; `campaign sim down` stops them",
        file=sys.stderr if fmt == "json" else sys.stdout,
        flush=True,
    )


def _print_serials(phones: dict[str, str], server_port: int, fmt: str, *, pid: int) -> None:
    if fmt == "json":
        shape = {"pid": pid, "adb_server_port": server_port, "phones": phones}
        print_json(shape)
    else:
        print(
            f"{len(phones)} simulated phone(s) connected to the adb server on port {server_port}:"
        )
        for hw, adb_serial in phones.items():
            print(f"  {hw}  {adb_serial}")
    sys.stdout.flush()


def _finish(truth: dict[str, Any]) -> None:
    write_truth(SIM_DIR, truth)
    info = _read_info()
    if info is not None and info.get("pid") == os.getpid():
        (SIM_DIR / INFO_FILE).unlink(missing_ok=True)


# --- down / state --------------------------------------------------------------------------------
def _read_info(sim_dir: Path = SIM_DIR) -> dict[str, Any] | None:
    try:
        return dict(json.loads((sim_dir / INFO_FILE).read_text()))
    except (OSError, ValueError):
        return None


def _running(sim_dir: Path = SIM_DIR) -> dict[str, Any] | None:
    info = _read_info(sim_dir)
    if info is None or not pid_alive(int(info.get("pid", 0))):
        return None
    return info


def _refuse_if_running() -> None:
    info = _running()
    if info is not None:
        raise UsageError(
            f"simulated phones are already running (pid {info['pid']})",
            hint="stop them with `campaign sim down` first",
        )


def _control(info: dict[str, Any], method: str, path: str) -> Any:
    request = urllib.request.Request(
        info["control"] + path, method=method, data=b"" if method == "POST" else None
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise CampaignRunnerError(
            f"the simulated phones' control endpoint {info['control']} did not answer: {exc}",
            hint="is `campaign sim up` still running? see .campaign/sim/sim.log",
        ) from None


def _down(args: argparse.Namespace) -> int:
    info = _running()
    if info is None:
        if args.format == "json":
            print_json({"stopped": 0, "ground_truth": None})
        else:
            print("no simulated phones are running")
        return 0
    _control(info, "POST", "/stop")
    deadline = time.monotonic() + 60
    while pid_alive(int(info["pid"])) and time.monotonic() < deadline:
        time.sleep(0.05)
    if pid_alive(int(info["pid"])):
        raise CampaignRunnerError(
            f"simulated phones (pid {info['pid']}) did not stop within 60 s",
            hint=f"stop it with `kill {info['pid']}`",
        )
    if args.format == "json":
        print_json({"stopped": len(info["phones"]), "ground_truth": str(SIM_DIR / TRUTH_FILE)})
    else:
        print(
            f"stopped {len(info['phones'])} simulated phone(s); ground truth in {SIM_DIR / TRUTH_FILE}"
        )
    return 0


def _evidence_dir(args: argparse.Namespace) -> Path:
    """Where `run --sim` / `serve --sim` left the fleet's files: beside the state file they
    used (``--state``, ``$CAMPAIGN_STATE``; default ``.campaign/``, where `sim up` keeps them)."""
    from runner.state.location import state_path

    path = state_path(args.state)
    return path.parent / "sim" if isinstance(path, Path) else SIM_DIR


def _state(args: argparse.Namespace) -> int:
    places = list(dict.fromkeys([_evidence_dir(args), SIM_DIR]))  # a `sim up` fleet: SIM_DIR
    running = next((info for d in places if (info := _running(d)) is not None), None)
    stopped = next((d / TRUTH_FILE for d in places if (d / TRUTH_FILE).is_file()), None)
    if running is not None:
        truth = _control(running, "GET", "/state")
    elif stopped is not None:
        truth = json.loads(stopped.read_text())
    else:
        raise CampaignRunnerError(
            "no simulated phones are running and none have run here",
            hint="start them with `campaign sim up`",
        )
    try:
        print(json.dumps(truth, indent=1, ensure_ascii=False))
        sys.stdout.flush()
    except BrokenPipeError:  # `campaign sim state | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
