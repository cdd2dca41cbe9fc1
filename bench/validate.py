"""Benchmark: `campaign validate` vs check-jsonschema on 1,000 generated campaign files.

Prints figures (no assertions). Target: ours under 1 s wall time (process start included) and
faster than `check-jsonschema --schemafile schemas/campaign.schema.json` on the same files.

    .venv/bin/python bench/validate.py [--files 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from runner.paths import SCHEMAS_DIR  # noqa: E402

BIN = Path(sys.executable).parent

INVENTORY = """\
timezone: UTC
devices:
""" + "".join(
    f"  - serial: BENCH{i:03d}\n    groups: [g{i % 4}]\n    vars: {{city: City{i}}}\n"
    f"    accounts:\n      - {{username: user{i}a}}\n      - {{username: user{i}b}}\n"
    for i in range(40)
)

HEADER = """\
# yaml-language-server: $schema=../schemas/campaign.schema.json
# generated campaign {n}: {script}
name: bench-{n}
description: generated campaign number {n} for the validate benchmark
script_name: {script}
enabled: true
timezone: UTC
# who runs it
{who}
# pacing and retries
min_interval: 2
max_interval: 8
retry:
  max: 2
  delay_min: 5
  delay_max: 30
timeout: 300
random_order: {random}
on_missed: skip
vars:
  tag: drop{n}
"""

CONFIGS = {
    "post": """script_config:
  content_type: 0
  captions: "{{New|Fresh}} drop #{n} from {{{{ vars.city }}}}"
  post_way: share
  material_list:
    - materials/demo-1.mp4
  upload_wait_time: 20
  origin_sound_volume: 60
  add_sound_volume: 40
  placement: reel
""",
    "follow": """script_config:
  target_users:
    - creator{n}a
    - creator{n}b
    - creator{n}c
  access_method: direct
""",
    "unfollow": """script_config:
  target_user: "old{n}a, old{n}b"
  access_method: search
""",
    "comment": """script_config:
  target_post_urls:
    - https://www.tiktok.com/@a/video/{n}1
    - https://vm.tiktok.com/ZM{n}/
  comment_content: |
    {{Great|Nice}} video {n}
    Love it
  comment_order: sequential
""",
    "account_warmup": """script_config:
  task_duration: 300
  topic: |
    cooking
    travel
  min_duration: 5
  max_duration: 12
  like_probable: 20
  floow_probable: 5
""",
}


def generate(folder: Path, count: int) -> list[Path]:
    (folder / "inventory.yaml").write_text(INVENTORY, encoding="utf-8")
    wf = folder / "workflows"
    wf.mkdir()
    scripts = list(CONFIGS)
    paths = []
    for n in range(count):
        script = scripts[n % len(scripts)]
        who = (
            f"serials: [BENCH{n % 40:03d}, BENCH{(n + 1) % 40:03d}]"
            if n % 2
            else f"groups: [g{n % 4}]"
        )
        text = HEADER.format(n=n, script=script, who=who, random=str(n % 3 == 0).lower()) + CONFIGS[
            script
        ].format(n=n)
        path = wf / f"c{n:04d}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def timed(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    return (
        time.perf_counter() - start,
        proc.returncode,
        (proc.stdout + proc.stderr).strip().splitlines()[-1:],
    )


def import_ms() -> float:
    """What `campaign validate` pays in imports before reading a file: the best wall time of
    importing its modules minus the best wall time of a bare interpreter (5 runs each)."""
    code = "import runner.cli.main, runner.cli.validate, runner.campaign, yaml, jsonschema_rs"

    def best(argv: list[str]) -> float:
        return min(timed(argv, REPO)[0] for _ in range(5))

    return (best([sys.executable, "-c", code]) - best([sys.executable, "-c", "pass"])) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        folder = Path(tmp)
        files = generate(folder, args.files)
        lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files) / len(files)
        print(f"{len(files)} campaign files, {lines:.0f} lines each on average, in {folder}")
        ours_cmd = [str(BIN / "campaign"), "validate", "workflows", "inventory.yaml"]
        theirs_cmd = [
            shutil.which("check-jsonschema", path=str(BIN)) or "check-jsonschema",
            "--schemafile",
            str(SCHEMAS_DIR / "campaign.schema.json"),
            *map(str, files),
        ]
        noop_cmd = [sys.executable, "-c", "import runner.cli.main"]
        rows = [
            ("campaign validate", ours_cmd),
            ("check-jsonschema", theirs_cmd),
            ("python start + cli import", noop_cmd),
        ]
        results = {}
        for label, cmd in rows:
            runs = [timed(cmd, folder) for _ in range(args.repeat)]
            best = min(r[0] for r in runs)
            results[label] = best
            print(
                f"{label:26s} best {best:6.3f} s  median {statistics.median(r[0] for r in runs):6.3f} s"
                f"  exit {runs[0][1]}  {' '.join(runs[0][2])}"
            )
        print(f"import cost of the validate path (wall, minus bare python): {import_ms():.0f} ms")
        ours, theirs = results["campaign validate"], results["check-jsonschema"]
        print(
            f"ratio: campaign validate is {theirs / ours:.1f}x faster than check-jsonschema"
            f"; target under 1 s: {'met' if ours < 1 else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
