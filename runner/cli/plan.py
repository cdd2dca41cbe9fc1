"""`campaign plan`: the tasks the campaign files would create, without touching a phone.

Text (an aligned table, totals and what a missed start does per campaign) or ``--format json``. When a
state file exists it also shows what applying would change (new / changed / unchanged /
removed), asking the state room's ``Store.comparison`` while the tasks are written out; the
state module is imported only then.
"""

from __future__ import annotations

import argparse
import sys
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from runner.campaign.script_registry import SCRIPT_SPECS
from runner.cli.jsonwrite import Later
from runner.cli.output import FAILED, OK, add_format_argument, print_json
from runner.cli.validate import add_paths_argument, load_checked, warn_unseen_phones
from runner.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from runner.campaign import Repo
    from runner.campaign.model import TaskSpec
    from runner.campaign.plan_model import CampaignPlan, Plan
    from runner.state.apply import Comparison

TEXT_WIDTH = 48
COLUMNS = (
    "campaign",
    "phone",
    "account",
    "script",
    "target",
    "start (local)",
    "start (UTC)",
    "text",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_paths_argument(parser)
    add_format_argument(parser)
    parser.add_argument(
        "--root", type=Path, default=None, help="repository root (default: the current directory)"
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=None,
        help="state file to diff against (default: $CAMPAIGN_STATE, else .campaign/state.db in the root)",
    )
    parser.add_argument(
        "--at",
        metavar="DATETIME",
        default=None,
        help="plan as if it were this ISO 8601 time with offset (default: now)",
    )


def run(args: argparse.Namespace) -> int:
    from runner.campaign.gcpause import paused_gc
    from runner.campaign.plan_model import build_plan

    root = args.root or Path.cwd()
    now = _parse_at(args.at)
    repo = load_checked(args.paths, root, now=now, fmt=args.format)
    if repo is None:
        return FAILED
    warn_unseen_phones(repo, args.state, root)
    plan = build_plan(repo, now=now)
    comparison = _comparison(args.state, root, plan, repo)  # None without a state file
    tasks = plan.tasks() if comparison is None else comparison.passing(plan.tasks())
    with paused_gc():  # a row per task (100,000 at the limit), none cyclic: see gcpause.py
        if args.format == "json":  # the diff is found while the tasks are written out
            _print_json(plan, tasks, Later(lambda: _diff(comparison)), sys.stdout)
        else:
            rows: list[tuple[str, ...]] = []
            deque(_keeping_rows(tasks, rows), maxlen=0)
            _print_text(plan, rows, _diff(comparison), sys.stdout)
    return FAILED if plan.problems else OK


def _parse_at(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise UsageError(f"--at expects an ISO 8601 datetime with offset, found {value!r}")
    return parsed


def _comparison(state: Path | None, root: Path, plan: Plan, repo: Repo) -> Comparison | None:
    """What applying would change, when a state file exists (never creates one): the same
    comparison `run` makes, including campaigns that left the files or were disabled. The
    file is read now; the plan's tasks are compared as they are made."""
    from runner.state.location import open_state, state_path

    path = state_path(state, root)  # a str only for a PostgreSQL URL
    if isinstance(path, Path) and not path.is_file():
        return None
    store = open_state(path)  # lazily: only when there is a state to compare with
    return store.comparison(
        campaigns=[c.campaign.name for c in plan.campaigns], gone=store.gone_campaigns(repo)
    )


def _diff(comparison: Comparison | None) -> dict[str, Any] | None:
    """The comparison's outcome as `plan` shows it, once every task went through it."""
    if comparison is None:
        return None
    result = comparison.finish().diff
    out: dict[str, Any] = {
        name: sorted(getattr(result, name, []) or [])
        for name in ("new", "changed", "unchanged", "removed", "retired")
    }
    out["reasons"] = dict(sorted(result.reasons.items()))
    return out


def _print_json(plan: Plan, tasks: Iterator[TaskSpec], diff: Later, out: TextIO) -> None:
    """The tasks go out as a generator: print_json writes each as it is made, so the document
    is the same as from a list but never held (100,000 task dicts were ~120 MB)."""
    from runner.campaign.plan_model import campaign_json, task_json

    shape = {
        "now": plan.now.isoformat(),
        "campaigns": [campaign_json(c) for c in plan.campaigns],
        "tasks": map(task_json, tasks),
        "totals": {"campaigns": len(plan.campaigns), "tasks": plan.count},
        "diff": diff,
        "problems": [p.to_dict() for p in plan.problems],
        "warnings": [w.to_dict() for w in plan.warnings],
    }
    print_json(shape, out)


def _print_text(
    plan: Plan, rows: list[tuple[str, ...]], diff: dict[str, Any] | None, out: TextIO
) -> None:
    if rows:
        widths = [max(len(COLUMNS[i]), *(len(r[i]) for r in rows)) for i in range(len(COLUMNS))]
        line = "  ".join(f"{{:<{w}}}" for w in widths).format
        out.write(line(*COLUMNS).rstrip() + "\n")
        for first in range(0, len(rows), 2000):  # 2,000 rows per write
            out.write("".join(line(*cells).rstrip() + "\n" for cells in rows[first : first + 2000]))
        out.write("\n")
    for cp in plan.campaigns:
        c = cp.campaign
        out.write(
            f"{c.name} ({c.script_name}, {c.origin}): {_tasks(cp.count)} on {cp.phones} "
            f"phone{'' if cp.phones == 1 else 's'}, start: {_start(cp)}\n"
        )
        out.write(f"  on_missed: {cp.missed}\n")
    out.write(
        f"total: {_tasks(plan.count)} in {len(plan.campaigns)} campaign{'' if len(plan.campaigns) == 1 else 's'}\n"
    )
    if diff is not None:
        out.write(
            "state: "
            + ", ".join(f"{len(diff[k])} {k}" for k in ("new", "changed", "unchanged", "removed"))
            + "\n"
        )
        if diff["retired"]:
            out.write(
                f"  {len(diff['retired'])} running task(s) of removed campaigns finish and are "
                "never queued again (serve --stop-removed stops them)\n"
            )
        if diff["removed"] or diff["retired"]:
            for reason in diff["reasons"].values():
                out.write(f"  removed: {reason}\n")
    for err in plan.problems:
        out.write(f"{err}\n")
    for err in plan.warnings:
        where = f"{err.field}: " if err.field else ""
        out.write(f"{err.location}: warning: {where}{err.reason}\n")


def _tasks(n: int) -> str:
    return f"{n} task{'' if n == 1 else 's'}"


def _start(cp: CampaignPlan) -> str:
    first_task = next(cp.tasks(), None)  # a campaign's tasks share their start time
    first = first_task.start_time if first_task is not None else None
    schedule = cp.campaign.schedule
    if schedule and first is not None:
        return f"next {first.isoformat()} (schedule '{schedule}' in {cp.campaign.timezone})"
    if first is None:
        return "as soon as possible" if cp.start_note == "asap" else cp.start_note
    note = f" ({cp.start_note})" if cp.start_note else ""
    return f"{first.isoformat()}{note}"


def _keeping_rows(tasks: Iterable[TaskSpec], rows: list[tuple[str, ...]]) -> Iterator[TaskSpec]:
    """The tasks, passed on, each one's table cells added to ``rows`` (strings only: the tasks
    are not kept). Start times are formatted once per distinct time and zone (a campaign's
    tasks share one), not twice per task."""
    starts: dict[tuple[datetime, Any, int], tuple[str, str]] = {}
    for task in tasks:
        start = task.start_time
        # equal instants in other zones print differently: the zone is part of the key
        when = ("asap", "asap") if start is None else starts.get((start, start.tzinfo, start.fold))
        if when is None:
            assert start is not None
            when = starts[start, start.tzinfo, start.fold] = (
                start.strftime("%Y-%m-%d %H:%M %Z"),
                start.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            )
        spec = SCRIPT_SPECS.get(task.script_name)
        text = " ".join((spec.task_text(task.script_config) if spec else "").split())
        if len(text) > TEXT_WIDTH:
            text = text[: TEXT_WIDTH - 3] + "..."
        rows.append(
            (
                task.campaign,
                task.serial or "",
                task.username or "-",
                task.script_name,
                task.target or "-",
                *when,
                text,
            )
        )
        yield task
