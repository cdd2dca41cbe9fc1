"""Installing the project the way users do, offline after one download.

``wheelhouse``: a folder with the wheels of the project's dependencies and of the build backend,
filled once per test session from pip's cache (the only step that may reach an index). Every
install after it (the fresh venv of tests/test_packaging.py, pre-commit's own environment in
tests/test_precommit.py) runs with ``--no-index --find-links`` on it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheelhouse")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "-w",
            str(folder),
            str(REPO),
            "setuptools>=77",
        ],
        check=True,
        capture_output=True,
        timeout=900,
    )
    for built in folder.glob(
        "campaign_runner-*.whl"
    ):  # only dependencies here: tests build their own
        built.unlink()
    return folder


@pytest.fixture(scope="session")
def offline_pip(wheelhouse: Path) -> dict[str, str]:
    """Environment for subprocesses whose pip must use only the wheelhouse."""
    return {
        **os.environ,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
