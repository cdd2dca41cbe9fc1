"""Where the project's shipped data lives (schemas, app selector data).

Everything the code reads sits inside the package and is found through ``importlib.resources``,
so a wheel installed anywhere carries it. The top-level ``schemas/`` of the repository is a checked
copy for editors and SchemaStore (``campaign schemas export``); ``runner/schemas/`` is the source.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

PACKAGE = files("runner")


def _real_dir(name: str) -> Path:
    """A package data directory as a filesystem path (the package is never zipped: setuptools
    installs it unpacked, and editable installs point at the checkout)."""
    with as_file(PACKAGE / name) as path:
        return Path(path)


SCHEMAS_DIR = _real_dir("schemas")
APPS_DIR = _real_dir("apps")

# Where the project is published; the schemas' ``$id`` and the reference links point here.
PROJECT_URL = "https://github.com/campaign-runner/campaign-runner"
SCHEMA_BASE_URL = "https://raw.githubusercontent.com/campaign-runner/campaign-runner/main/schemas/"
