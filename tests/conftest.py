"""Fixture plugins: each room keeps its shared fixtures in ``tests/fixtures_<room>.py``.

They are loaded here by name so no two rooms edit the same conftest.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))

pytest_plugins = sorted(p.stem for p in _HERE.glob("fixtures_*.py"))
