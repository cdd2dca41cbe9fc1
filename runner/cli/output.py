"""What every `campaign` command shares about output: the ``--format`` switch, JSON printing,
timestamps and exit codes, so scripts can rely on one convention across commands.

- ``--format text|json`` (plus ``github`` / ``junit`` where they apply); the old ``--json`` flag
  stays as a hidden alias. JSON goes to stdout, one object, also when the input is invalid (the
  problems are listed in it) and when the command fails with an error before it printed
  anything (``{"error": message, "exit_code": code}``: a missing or corrupt state file, no
  simulated phones), so ``campaign status --format json > s.json`` always leaves JSON; messages
  and errors go to stderr.
- Exit codes: ``OK`` 0, ``FAILED`` 1 (invalid input or a failed task), ``USAGE`` 2 (bad flags, a
  missing path), ``STORAGE`` 3 (the state file failed under a command: disk full, deleted,
  replaced or read-only; one message says which), 130 Ctrl-C, ``INTERNAL`` 70 (a bug: the
  traceback is written to a crash log).
- Timestamps in JSON are ISO 8601 with their UTC offset.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any, TextIO

from runner.cli.jsonwrite import write_json

OK, FAILED, USAGE, STORAGE, INTERNAL, INTERRUPTED = 0, 1, 2, 3, 70, 130


def add_format_argument(parser: argparse.ArgumentParser, *extra: str) -> None:
    """``--format`` with text and json (and ``extra`` formats), and ``--json`` as an alias."""
    choices = ("text", "json", *extra)
    parser.add_argument(
        "--format",
        choices=choices,
        default="text",
        help=f"output format: {', '.join(choices)} (default: text)",
    )
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json", help=argparse.SUPPRESS
    )


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the offset; a naive moment is taken as the machine's local time."""
    if moment is None:
        return None
    return moment.astimezone().isoformat(timespec="seconds")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    return str(value)


def log_to_stderr(level: str) -> None:
    """The long-running commands (`serve`, `worker`) log with time and source at ``level``."""
    import logging

    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


json_printed: list[bool] = []  # a JSON document went to stdout in this process


def print_json(data: Any, out: TextIO | None = None) -> None:
    """One JSON document on stdout (datetimes with offset, anything else unknown as text),
    written as it is made: an iterator value (a generator of tasks) becomes an array written
    one item at a time (runner/cli/jsonwrite.py)."""
    out = out or sys.stdout
    write_json(data, out, _default)
    if out is sys.stdout:
        json_printed.append(True)


def print_json_error(message: str, code: int) -> None:
    """The error a ``--format json`` command ended with, as its one JSON document on stdout,
    unless it already printed one (then stdout holds that, and the error is on stderr only)."""
    if not json_printed:
        print_json({"error": message, "exit_code": code})


def task_json(row: Any) -> dict[str, Any]:
    """A task as the API shows it (``task_to_api``), but every time with its UTC offset: the
    API keeps TikMatrix's local "YYYY-MM-DD HH:MM:SS" on the wire, the CLI is ours."""
    from runner.state import task_to_api

    return {
        **task_to_api(row),
        "start_time": iso(row.started_at or row.start_time),
        "end_time": iso(row.ended_at),
        "scheduled_time": iso(row.start_time),
        "created_at": iso(row.created_at),
    }
