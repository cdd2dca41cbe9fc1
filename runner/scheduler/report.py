"""What `campaign run` tells at the end: summary lines, `--format json`, and JUnit XML (one
testcase per task; `--junit FILE` or `--format junit`)."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from runner.junit import xml_text
from runner.state import (
    COMPLETED,
    FAILED,
    PENDING,
    RUNNING,
    ApplyDiff,
    Store,
    TaskRow,
    task_to_api,
)


def scope_rows(store: Store, campaigns: Iterable[str]) -> list[TaskRow]:
    """The tasks a run is about: every task of the campaigns it applied."""
    rows: list[TaskRow] = []
    for name in sorted(set(campaigns)):
        rows += store.list(campaign=name, page_size=None)[0]
    return sorted(rows, key=lambda r: r.id)


def counts(rows: Sequence[TaskRow]) -> dict[str, int]:
    by = Counter(r.status for r in rows)
    return {
        "total": len(rows),
        "pending": by[PENDING],
        "running": by[RUNNING],
        "completed": by[COMPLETED],
        "failed": by[FAILED],
    }


def summary_lines(rows: Sequence[TaskRow], seconds: float) -> list[str]:
    """The closing lines: counts, then each failure with where and why."""
    c = counts(rows)
    lines = _per_campaign(rows)
    lines.append(
        f"{c['completed']} completed, {c['failed']} failed, {c['pending']} pending "
        f"of {c['total']} task(s) in {seconds:.1f} s"
    )
    for row in rows:
        if row.status == FAILED:
            lines.append(
                f"  task {row.id} {row.script_name} on {row.serial or '-'}"
                f"{' @' + row.username if row.username else ''}: {row.failure_class}: {_clip(row.remark)}"
            )
    deferred = [r for r in rows if r.status == PENDING and r.deferred]
    if deferred:
        lines.append(
            f"  {len(deferred)} task(s) deferred by daily caps (see `campaign status --status 0`)"
        )
    return lines


def _per_campaign(rows: Sequence[TaskRow]) -> list[str]:
    """One line per campaign with its non-zero counts, e.g. `demo-post  3 completed, 1 failed`."""
    names = sorted({r.campaign or "api" for r in rows})
    width = max((len(n) for n in names), default=0)
    lines = []
    for name in names:
        c = counts([r for r in rows if (r.campaign or "api") == name])
        parts = [f"{c[k]} {k}" for k in ("completed", "failed", "running", "pending") if c[k]]
        lines.append(f"{name.ljust(width)}  {', '.join(parts)}")
    return lines


def run_json(
    rows: Sequence[TaskRow],
    diff: ApplyDiff,
    seconds: float,
    task: Callable[[TaskRow], dict[str, Any]] = task_to_api,
) -> dict[str, Any]:
    return {
        "applied": {k: len(getattr(diff, k)) for k in ("new", "changed", "unchanged", "removed")},
        "tasks": [task(r) for r in rows],
        "stats": counts(rows),
        "seconds": round(seconds, 3),
    }


def write_junit(path: Path, rows: Sequence[TaskRow], store: Store, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(junit_xml(rows, store, seconds))


def junit_xml(rows: Sequence[TaskRow], store: Store, seconds: float) -> bytes:
    """JUnit XML: a testsuite per campaign, a testcase per task; failures carry class and message.

    Valid against both schemas CI tools read (pytest's junit-10.xsd and Jenkins' junit-4.xsd,
    checked in tests/test_junit_report.py): every count present, ``<skipped>`` without
    attributes (Jenkins allows none; the reason is its text), children in Jenkins' order, suite
    time and timestamp from the tasks' own start and end.
    """
    root = ET.Element(
        "testsuites",
        name="campaign run",
        tests=str(len(rows)),
        failures=str(sum(r.status == FAILED for r in rows)),
        errors="0",
        time=f"{seconds:.3f}",
    )
    for campaign in sorted({r.campaign or "api" for r in rows}):
        members = [r for r in rows if (r.campaign or "api") == campaign]
        started = [r.started_at for r in members if r.started_at]
        ended = [r.ended_at for r in members if r.ended_at]
        span = (max(ended) - min(started)).total_seconds() if started and ended else 0.0
        suite = ET.SubElement(
            root,
            "testsuite",
            name=xml_text(campaign),
            tests=str(len(members)),
            failures=str(sum(r.status == FAILED for r in members)),
            errors="0",
            skipped=str(sum(r.status in (PENDING, RUNNING) for r in members)),
            time=f"{max(span, 0.0):.3f}",
            timestamp=(min(started) if started else min(r.created_at for r in members))
            .astimezone()
            .isoformat(timespec="seconds"),
            hostname=socket.gethostname(),
        )
        for row in members:
            _testcase(suite, row, store)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _testcase(suite: ET.Element, row: TaskRow, store: Store) -> None:
    name = f"task {row.id}: {row.script_name} on {row.serial or '-'}"
    name += f" @{row.username}" if row.username else ""
    name += f" -> {row.target}" if row.target else ""
    took = (
        (row.ended_at - row.started_at).total_seconds() if row.ended_at and row.started_at else 0.0
    )
    case = ET.SubElement(
        suite,
        "testcase",
        classname=xml_text(f"{row.campaign or 'api'}.{row.script_name}"),
        name=xml_text(name),
        time=f"{max(took, 0.0):.3f}",
    )
    if row.status == FAILED:
        failure = ET.SubElement(
            case, "failure", type=row.failure_class or "failed", message=xml_text(row.remark)
        )
        failure.text = xml_text(
            "\n".join(
                f"attempt {a['n']} on {a['serial']}: {a['outcome']} {a['failure_class'] or ''} {a['message'] or ''}".rstrip()
                for a in store.attempts(row.id)
            )
        )
    elif row.status != COMPLETED:
        skipped = ET.SubElement(case, "skipped")
        skipped.text = xml_text(f"still {row.status_text}: {row.remark}".rstrip(": "))
    else:
        ET.SubElement(case, "system-out").text = xml_text(row.remark)


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
