"""Where the project's shipped data lives (schemas, app selector data)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SCHEMAS_DIR = PACKAGE_DIR.parent / "schemas"
APPS_DIR = PACKAGE_DIR / "apps"
