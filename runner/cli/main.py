"""The `campaign` command: argument wiring only; each subcommand lives in its own module.

A subcommand module ``runner.cli.<name>`` exposes ``add_arguments(parser)`` and
``run(args) -> int`` (0 ok, 1 invalid input or failed task, 2 usage, 3 storage fault: the state
file could not be written or has gone, 130 Ctrl-C; see ``runner.cli.output``, which also holds
the shared ``--format`` switch).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from typing import NoReturn

from runner import __version__
from runner.cli.output import (
    FAILED,
    INTERNAL,
    INTERRUPTED,
    OK,
    STORAGE,
    USAGE,
    json_printed,
    print_json_error,
)
from runner.errors import CampaignRunnerError, StorageError, UsageError

# name -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "validate": (
        "runner.cli.validate",
        "check campaign files and the inventory against their schemas",
    ),
    "plan": ("runner.cli.plan", "show the tasks the campaign files would create"),
    "run": ("runner.cli.run", "apply campaign files and execute their tasks on the phones"),
    "apply": ("runner.cli.apply", "write campaign files' tasks into the state and exit"),
    "worker": ("runner.cli.worker", "run this host's phones for a shared postgresql:// state"),
    "hosts": ("runner.cli.hosts", "hosts of a postgresql:// state: phones, heartbeats, tasks"),
    "status": ("runner.cli.status", "list tasks in the state file"),
    "retry": ("runner.cli.retry", "put failed tasks back in the queue"),
    "stop": ("runner.cli.stop", "stop a running task"),
    "devices": ("runner.cli.devices", "list the phones the runner can see"),
    "inventory": (
        "runner.cli.inventory",
        "inventory.yaml: add the accounts match_accounts found (sync)",
    ),
    "serve": ("runner.cli.serve", "run the TikMatrix-compatible API, scheduler and executor"),
    "sim": ("runner.cli.sim", "simulated phones: up, down, state"),
    "schemas": ("runner.cli.schemas", "export the JSON Schemas into a campaign repository"),
    "screens": (
        "runner.cli.screens",
        "capture a phone's screen; check app selectors against dumps",
    ),
    "completion": ("runner.cli.completion", "print the shell completion script (bash, zsh, fish)"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 on its own; keep its wording
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None, *, every: bool = False) -> argparse.ArgumentParser:
    """Wire every subcommand's name, and the arguments of the one being run (of all of them
    with ``every``, for shell completion).

    Only ``command``'s module is imported, so `campaign validate` never pays for the runtime
    (adbutils, starlette, apscheduler) and one broken subcommand cannot break the others.
    """
    parser = _Parser(
        prog="campaign", description="Declarative YAML campaigns for fleets of Android phones."
    )
    parser.add_argument("--version", action="version", version=f"campaign {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.set_defaults(_module=module_name)
        if every or name == command:
            _load(module_name).add_arguments(sp)
    return parser


def _load(module_name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(module_name)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    json_printed.clear()  # one document per command, also when main() is called again
    if "_ARGCOMPLETE" in os.environ:  # the shell asks for completions (`campaign completion`)
        from runner.cli.completion import complete

        complete(build_parser(every=True))
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command).parse_args(argv)
    try:
        return int(_load(args._module).run(args))
    except UsageError as exc:
        return _error(args, exc, USAGE)
    except StorageError as exc:  # disk full, state file gone or read-only: the run stopped
        return _error(args, exc, STORAGE)
    except CampaignRunnerError as exc:
        return _error(args, exc, FAILED)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # `campaign plan | head`: the reader left; nothing is wrong
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return OK
    except Exception:  # an internal bug: keep the traceback for a report, tell the user where
        fd, log_path = tempfile.mkstemp(prefix="campaign-crash-", suffix=".log")
        with os.fdopen(fd, "w") as fh:
            traceback.print_exc(file=fh)
        message = (
            f"internal error; the traceback is in {log_path} (please attach it to a bug report)"
        )
        print(f"campaign {args.command}: {message}", file=sys.stderr)
        if getattr(args, "format", None) == "json":
            print_json_error(message, INTERNAL)
        return INTERNAL


def _error(args: argparse.Namespace, error: object, code: int) -> int:
    """The message on stderr; with ``--format json`` also as JSON on stdout (one document)."""
    print(f"campaign {args.command}: error: {error}", file=sys.stderr)
    if getattr(args, "format", None) == "json":
        print_json_error(str(error), code)
    return code
