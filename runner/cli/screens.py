"""`campaign screens capture|check`: adapt to a new app version without a release.

``capture SERIAL`` saves what a phone shows now: the UI dump (with a header comment naming the
phone, the app and its version), a screenshot and ``info.json``. ``check DUMP...`` runs every
logical element of the app data (``runner/apps/<app>.yaml`` plus ``--root``'s ``apps/``
overrides) against dumps and says, per element, whether it was found, by which selector, where,
and where a tap would land. ``--format json`` prints exactly::

    {"screens": [{"file": str, "app_version": str|null,
                  "elements": {NAME: {"found": bool, "selector": str|null,
                                      "bounds": [x1, y1, x2, y2]|null, "tap": [x, y]|null}}}]}

The app version is ``--app-version``, else the ``app-version:`` line of the dump's header
comment (``unknown`` counts as none); per-version selectors apply to it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runner.cli.output import FAILED, OK, add_format_argument, print_json
from runner.errors import CampaignRunnerError

_HEADER = re.compile(r"<!--(.*?)-->", re.S)
_VERSION = re.compile(r"^\s*app-version:\s*(\S+)", re.M)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    capture = sub.add_parser(
        "capture",
        help="save a phone's current screen: dump, screenshot and app version",
        description="save a phone's current screen: dump, screenshot and app version",
    )
    capture.add_argument(
        "serial", metavar="SERIAL", help="the phone (as `campaign devices` lists it)"
    )
    capture.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("screens"),
        help="folder to write into (default: screens/)",
    )
    capture.add_argument(
        "--app", default="tiktok", help="app data to read packages from (default: tiktok)"
    )
    capture.add_argument(
        "--package", help="the app package (default: the first of the app data installed)"
    )
    capture.add_argument(
        "--adb",
        metavar="HOST:PORT",
        help="adb server (default: ANDROID_ADB_SERVER_HOST/PORT or 127.0.0.1:5037)",
    )
    check = sub.add_parser(
        "check",
        help="find every logical element of the app data in dumps",
        description="find every logical element of the app data in dumps",
    )
    check.add_argument("dumps", nargs="+", type=Path, metavar="DUMP", help="uiautomator dump files")
    check.add_argument("--app", default="tiktok", help="app data to check (default: tiktok)")
    check.add_argument("--app-version", help="per-version selectors for this version")
    check.add_argument("--root", type=Path, help="campaign repo whose apps/ overrides apply")
    add_format_argument(check)


def run(args: argparse.Namespace) -> int:
    if args.action == "capture":
        folder = capture(args.serial, args.output, app=args.app, package=args.package, adb=args.adb)
        print(folder)
        return OK
    return _check_command(args)


# --- check -------------------------------------------------------------------------------------


def dump_version(xml: str) -> str | None:
    """The ``app-version:`` of the dump's header comment; None when absent or ``unknown``."""
    header = _HEADER.search(xml[: xml.find("<hierarchy")] if "<hierarchy" in xml else "")
    match = _VERSION.search(header.group(1)) if header else None
    if not match or match.group(1).lower() in ("unknown", "none", "-"):
        return None
    return match.group(1)


def check_screen(
    xml: str, *, app: str = "tiktok", version: str | None = None, root: Path | None = None
) -> tuple[str | None, dict[str, dict[str, Any]]]:
    """(the version used, {element: {found, selector, bounds, tap}}) for one dump's text."""
    from runner.device.appdata import load_app
    from runner.device.uitree import parse_dump

    used = version or dump_version(xml)
    data = load_app(app, version=used or "", repo_root=root)
    tree = parse_dump(xml)
    elements: dict[str, dict[str, Any]] = {}
    for name in sorted(data.elements):
        result: dict[str, Any] = {"found": False, "selector": None, "bounds": None, "tap": None}
        for raw, selector in zip(data.raw[name], data.elements[name], strict=True):
            node = tree.find(selector)
            if node is not None:
                result = {
                    "found": True,
                    "selector": selector_text(raw),
                    "bounds": list(node.bounds),
                    "tap": list(tree.tap_point(node)),
                }
                break
        elements[name] = result
    return used, elements


def selector_text(selector: Mapping[str, Any]) -> str:
    """A selector as written in the app data (flow YAML), for people and reports."""
    return (
        "{"
        + ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in selector.items())
        + "}"
    )


def _check_command(args: argparse.Namespace) -> int:
    from runner.device.appdata import selector_kind

    screens: list[dict[str, Any]] = []
    failed = False
    for path in args.dumps:
        try:
            xml = path.read_text(encoding="utf-8")
            version, elements = check_screen(
                xml, app=args.app, version=args.app_version, root=args.root
            )
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{path}: cannot read: {exc}", file=sys.stderr)
            failed = True
            continue
        except ValueError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            failed = True
            continue
        screens.append({"file": str(path), "app_version": version, "elements": elements})
    if args.format == "json":
        print_json({"screens": screens})
        return FAILED if failed else OK
    for screen in screens:
        found = {k: v for k, v in screen["elements"].items() if v["found"]}
        version = screen["app_version"] or "unknown version"
        print(f"{screen['file']} ({version}): {len(found)} of {len(screen['elements'])} elements")
        for name, result in found.items():
            kind = selector_kind(_parse_flow(result["selector"]))
            print(
                f"  {name:<28} {kind:<9} tap {result['tap'][0]},{result['tap'][1]}  {result['selector']}"
            )
    return FAILED if failed else OK


def _parse_flow(text: str) -> dict[str, Any]:
    import yaml

    return dict(yaml.safe_load(text) or {})


# --- capture -----------------------------------------------------------------------------------


def capture(
    serial: str,
    output: Path,
    *,
    app: str = "tiktok",
    package: str | None = None,
    adb: str | None = None,
) -> Path:
    """Dump, screenshot and app version of ``serial`` into a new folder under ``output``."""
    from runner.device.adblink import link_to
    from runner.device.appdata import load_app
    from runner.device.device import Device
    from runner.pool.pool import default_server
    from runner.pool.servers import parse_server

    server = parse_server(adb, "--adb") if adb else default_server()
    device = Device(link_to(serial, server))
    if package is None:
        candidates = load_app(app).packages
        package = next((p for p in candidates if device.app_installed(p)), None)
        if package is None:
            raise CampaignRunnerError(
                f"none of {', '.join(candidates)} is installed on {serial}",
                hint="pass --package for a clone",
            )
    version = device.app_version(package) or "unknown"
    tree = device.dump()
    shot = device.screenshot()
    now = datetime.now(UTC)
    folder = output / f"{now:%Y%m%d-%H%M%S}-{_safe(serial)}"
    folder.mkdir(parents=True, exist_ok=False)
    header = "\n".join(
        [
            f"captured with `campaign screens capture` from {serial} at {now.isoformat(timespec='seconds')}",
            f"app: {package}",
            f"app-version: {version}",
            f"screen: {'x'.join(map(str, device.window_size()))}",
            f"in front: {device.current_app() or 'unknown'}",
        ]
    )
    xml = tree.xml
    start = xml.find("<hierarchy")
    (folder / "dump.xml").write_text(
        xml[:start] + f"<!--\n{_comment_safe(header)}\n-->\n" + xml[start:], encoding="utf-8"
    )
    (folder / "screenshot.png").write_bytes(shot)
    info = {
        "serial": serial,
        "package": package,
        "app_version": version,
        "captured_at": now.isoformat(),
    }
    (folder / "info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return folder


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def _comment_safe(text: str) -> str:
    return text.replace("--", "- -")
