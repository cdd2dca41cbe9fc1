"""The package type-checks under `mypy --strict` (pyproject.toml), as CI checks before the tests.

Here too so that a full test run before landing says so: CI's gate is the README's test
command, which runs mypy once; this runs the same configuration (its cache keeps reruns fast).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_package_passes_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
