"""Benchmark: what a new user waits for. Wheel size, install time of the wheel into a fresh venv
(dependencies from pip's cache or index, as a user gets them), and `campaign --help` start time
from that venv (best and median of --repeat runs).

    .venv/bin/python bench/install.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], **kwargs: object) -> float:
    began = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp:
        work = Path(tmp)
        build = timed(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(REPO)]
        )
        [wheel] = work.glob("*.whl")
        print(
            f"wheel: {wheel.name}, {wheel.stat().st_size / 1024:.0f} KiB (built in {build:.1f} s)"
        )
        venv = work / "venv"
        made = timed([sys.executable, "-m", "venv", str(venv)])
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        installed = timed([*pip, "--disable-pip-version-check", str(wheel)])
        print(
            f"fresh venv: created in {made:.1f} s; wheel and dependencies installed in {installed:.1f} s"
        )
        campaign = str(venv / "bin" / "campaign")
        timed([campaign, "--help"])  # first run writes the .pyc files
        runs = [timed([campaign, "--help"], cwd=tmp) for _ in range(args.repeat)]
        python = [timed([str(venv / "bin" / "python"), "-c", "pass"]) for _ in range(args.repeat)]
        print(
            f"campaign --help: best {min(runs) * 1000:.0f} ms, median {statistics.median(runs) * 1000:.0f} ms "
            f"({args.repeat} runs; bare python start: best {min(python) * 1000:.0f} ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
