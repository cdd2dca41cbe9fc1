"""`campaign schemas export DIR`: write the JSON Schemas into a campaign repository.

The schemas ship inside the package (``runner/schemas/``); editors read them through the
``# yaml-language-server: $schema=../schemas/campaign.schema.json`` modeline, so a campaign repo
that installed the package exports them next to ``workflows/`` once (and again after an upgrade).
The files are the published form (``runner.docgen.published``: hover text added). The
project's own top-level ``schemas/`` is written the same way and a test keeps it identical.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from runner.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    export = sub.add_parser(
        "export",
        help="write the schemas into DIR (e.g. schemas/ next to workflows/)",
        description="write the schemas into DIR (e.g. schemas/ next to workflows/)",
    )
    export.add_argument("dir", type=Path, metavar="DIR", help="target directory (created)")
    sub.add_parser("path", help="print the directory the installed schemas live in")


def export(target: Path) -> list[Path]:
    """Write every schema, as published (with hover text), under ``target``."""
    from runner.docgen import published_files

    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a directory")
    written = []
    for name, text in published_files().items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def run(args: argparse.Namespace) -> int:
    from runner.paths import SCHEMAS_DIR

    if args.action == "path":
        print(SCHEMAS_DIR)
        return 0
    written = export(args.dir)
    print(f"wrote {len(written)} schema files to {args.dir}")
    return 0
