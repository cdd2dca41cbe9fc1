"""`campaign validate`: check campaign files and the inventory; report every problem, then exit.

Exit 0 when valid (warnings allowed), 1 when any problem, 2 for a usage error (a path that does
not exist). Import-light on purpose: only the campaign pipeline, no runtime, no rich.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from runner.cli.output import FAILED, OK, add_format_argument, print_json
from runner.errors import CampaignError, Severity, UsageError

if TYPE_CHECKING:
    from datetime import datetime

    from runner.campaign import Repo


def add_paths_argument(parser: argparse.ArgumentParser) -> None:
    """The PATH arguments shared by validate, plan and run."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="campaign files or directories, inventory.yaml (default: workflows/ and inventory.yaml)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_paths_argument(parser)
    add_format_argument(parser, "github", "junit")
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="repository root: inventory.yaml and materials/ live there (default: the current directory)",
    )
    parser.add_argument(
        "--state",
        default=None,
        help="state whose seen phones to check serials against, read only (default: "
        "$CAMPAIGN_STATE, else .campaign/state.db in the root; none there: no check)",
    )


def check_paths(paths: Sequence[str], root: Path) -> list[str] | None:
    """The paths to load (None: the defaults); a usage error when one does not exist."""
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    if not paths and not (root / "workflows").is_dir():
        raise UsageError(f"no workflows/ directory in {root}; pass campaign files or directories")
    return list(paths) or None


def load_checked(
    paths: Sequence[str],
    root: Path,
    *,
    now: datetime | None = None,
    fmt: str = "text",
    junit: Path | None = None,
) -> Repo | None:
    """The repo, or None after printing its problems (commands that cannot act on bad files):
    as text on stderr, or in ``fmt`` on stdout when that is json, github or junit (so
    `campaign plan --format json > plan.json` always holds one JSON object); with ``junit``
    also as a JUnit file there (`run --junit FILE` reports invalid files to CI too)."""
    from runner.campaign import load_repo

    repo = load_repo(check_paths(paths, root), root=root, now=now, apps_check=apps_problems)
    if not repo.problems:
        return repo
    machine = fmt in ("json", "github", "junit")
    report_repo(repo, fmt if machine else "text", sys.stdout if machine else sys.stderr)
    if junit is not None:
        from runner.junit import problems_junit

        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_bytes(problems_junit(repo.problems, repo.files))
    return None


def print_warnings(
    warnings: Sequence[CampaignError], *, prefix: str = "", out: TextIO | None = None
) -> None:
    """The warnings as `campaign validate` words them (`run` prints them before it starts)."""
    for err in warnings:
        print(prefix + _text(err, "warning"), file=out or sys.stderr)


def run(args: argparse.Namespace) -> int:
    from runner.campaign import load_repo

    root = args.root or Path.cwd()
    repo = load_repo(check_paths(args.paths, root), root=root, apps_check=apps_problems)
    warn_unseen_phones(repo, args.state, root)
    report_repo(repo, args.format, sys.stdout)
    return FAILED if repo.problems else OK


def warn_unseen_phones(repo: Repo, state: str | Path | None, root: Path) -> None:
    """Warn (file:line) about each `serials:` entry that is not in the inventory and that no
    phone seen by a runner on this state ever had: a typo, or a phone never plugged in here.
    The state is only read (runner/state/seen.py); with no state, or one that has seen no phone
    yet, nothing is added. The warning takes the place of "not in inventory.yaml" for that
    entry. `validate`, `plan` and `run` call it (`run` also checks the adb servers live)."""
    from runner.state.location import is_dsn, state_path
    from runner.state.seen import seen_serials

    location = state_path(state, root)
    seen = seen_serials(location)
    if seen is None:
        return
    shown = location
    if is_dsn(location):
        from runner.state.pg import redacted

        shown = redacted(str(location))
    inventory = repo.inventory
    found: list[CampaignError] = []
    for campaign in repo.campaigns:
        for i, serial in enumerate(campaign.data.get("serials") or []):
            if not isinstance(serial, str) or serial in seen or inventory.device(serial):
                continue
            err = campaign.error(
                ("serials", i),
                f"serial {serial}: no phone with this serial has ever been seen by this runner "
                f"(state: {shown}); not in the inventory",
                severity="warning",
            )
            err.hint = "check the serial with `campaign devices` (adb or hardware serial)"
            found.append(err)
    if not found:
        return
    places = {(e.path, e.line, e.field) for e in found}
    repo.warnings = [
        w
        for w in repo.warnings
        if (w.path, w.line, w.field) not in places or "not in inventory" not in w.reason
    ] + found


def report_repo(repo: Repo, fmt: str, out: TextIO) -> None:
    """A loaded repo's problems and warnings in ``fmt`` (junit: a testcase per file)."""
    if fmt == "junit":
        from runner.junit import problems_junit

        out.write(problems_junit(repo.problems, repo.files).decode("utf-8"))
        return
    report(
        repo.problems,
        repo.warnings,
        files=len(repo.files),
        campaigns=len(repo.campaigns),
        fmt=fmt,
        out=out,
    )


def report(
    problems: Sequence[CampaignError],
    warnings: Sequence[CampaignError],
    *,
    files: int,
    campaigns: int,
    fmt: str,
    out: TextIO,
) -> None:
    """Print problems and warnings in one of the formats; shared with `campaign plan`."""
    if fmt == "json":
        shape = {
            "valid": not problems,
            "files": files,
            "campaigns": campaigns,
            "problems": [p.to_dict() for p in problems],
            "warnings": [w.to_dict() for w in warnings],
        }
        print_json(shape, out)
        return
    line = _github if fmt == "github" else _text
    for err in problems:
        out.write(line(err, "error") + "\n")
    for err in warnings:
        out.write(line(err, "warning") + "\n")
    if fmt == "text":
        out.write(summary(problems, warnings, files=files, campaigns=campaigns) + "\n")


def summary(
    problems: Sequence[CampaignError],
    warnings: Sequence[CampaignError],
    *,
    files: int,
    campaigns: int,
) -> str:
    warned = f", {_n(len(warnings), 'warning')}" if warnings else ""
    if not problems:
        return f"ok: {_n(files, 'file')}, {_n(campaigns, 'campaign')}{warned}"
    bad_files = len({p.path for p in problems})
    return f"invalid: {_n(len(problems), 'problem')} in {bad_files} of {_n(files, 'file')}{warned}"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _text(err: CampaignError, severity: Severity) -> str:
    if severity == "error":
        return str(err)
    where = f"{err.field}: " if err.field else ""
    return f"{err.location}: warning: {where}{err.reason}"


def _github(err: CampaignError, severity: Severity) -> str:
    """A GitHub Actions workflow command; its properties and message need escaping."""
    props = [f"file={_prop(err.path)}"]
    if err.line:
        props += [f"line={err.line}", f"col={err.column or 1}"]
    where = f"{err.field}: " if err.field else ""
    return f"::{severity} {','.join(props)}::{_data(where + err.reason)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def apps_problems(root: Path) -> list[CampaignError]:
    """The apps/ overrides' problems; the device room is imported only for a repo that has one."""
    from runner.device.appdata import apps_problems as check

    return check(root)
