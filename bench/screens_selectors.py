"""Selector data against real screens: elements found per captured screen, by which kind of
selector, before and after a change of the app data.

    .venv/bin/python bench/screens_selectors.py [--old FILE] [--new FILE]

Runs every logical element of the app data over every reduced real capture in tests/screens/
(as `campaign screens check` does) and compares with the elements each screen really shows (the
expectations of tests/test_screens_check.py, read from the captures): "right" counts an expected
element found with its tap point inside the real element, "wrong" an element reported on a screen
that does not show it (or tapped outside it). Kinds: i(d), t(ext), d(esc), s(tructure).
``--old`` defaults to runner/apps/tiktok.yaml as of commit 5b87d7a (before the rebuild).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_screens_check import EXPECTED, SCREENS  # noqa: E402

from runner.cli.screens import _parse_flow, dump_version  # noqa: E402
from runner.device.appdata import load_app, selector_kind  # noqa: E402
from runner.device.uitree import parse_dump  # noqa: E402


def measure(
    data: Path, name: str, *, versionless: bool = False
) -> tuple[str, int, int, Counter[str]]:
    version, expected = EXPECTED[name]
    xml = (SCREENS / name).read_text(encoding="utf-8")
    version = "" if versionless else (version or dump_version(xml) or "")
    app = load_app("tiktok", "com.zhiliaoapp.musically", version, shipped_path=data)
    tree = parse_dump(xml)
    right = wrong = 0
    kinds: Counter[str] = Counter()
    for element, selectors in app.elements.items():
        for raw, selector in zip(app.raw[element], selectors, strict=True):
            node = tree.find(selector)
            if node is None:
                continue
            x, y = tree.tap_point(node)
            box = expected.get(element)
            if box and box[0] <= x < box[2] and box[1] <= y < box[3]:
                right += 1
                kinds[selector_kind(_parse_flow(_flow(raw)))[0]] += 1
            else:
                wrong += 1
            break
    return version or "-", right, wrong, kinds


def _flow(raw: dict) -> str:  # type: ignore[type-arg]
    from runner.cli.screens import selector_text

    return selector_text(raw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path)
    parser.add_argument("--new", type=Path, default=ROOT / "runner/apps/tiktok.yaml")
    args = parser.parse_args()
    old = args.old
    if old is None:
        old = Path(tempfile.mkdtemp()) / "tiktok.yaml"
        old.write_bytes(
            subprocess.run(
                ["git", "-C", str(ROOT), "show", "5b87d7a:runner/apps/tiktok.yaml"],
                check=True,
                capture_output=True,
            ).stdout
        )
    print(
        f"{'screen':<44} {'version':<8} {'shown':>5}  {'before: right wrong kinds':<27} "
        f"{'after: right wrong kinds':<27} after, version unknown: right wrong kinds"
    )
    totals: Counter[str] = Counter()
    for name in sorted(EXPECTED):
        shown = len(EXPECTED[name][1])
        version, r0, w0, k0 = measure(old, name)
        _, r1, w1, k1 = measure(args.new, name)
        _, r2, w2, k2 = measure(args.new, name, versionless=True)
        fmt = lambda k: " ".join(f"{c}{n}" for c, n in sorted(k.items())) or "-"  # noqa: E731
        print(
            f"{name:<44} {version:<8} {shown:>5}  {r0:>5} {w0:>5}  {fmt(k0):<15} "
            f"{r1:>5} {w1:>5}  {fmt(k1):<15} {r2:>5} {w2:>5}  {fmt(k2)}"
        )
        totals.update({"shown": shown, "r0": r0, "w0": w0, "r1": r1, "w1": w1, "r2": r2, "w2": w2})
    print(
        f"{'total':<44} {'':<8} {totals['shown']:>5}  {totals['r0']:>5} {totals['w0']:>5}  "
        f"{'':<15} {totals['r1']:>5} {totals['w1']:>5}  {'':<15} {totals['r2']:>5} {totals['w2']:>5}"
    )


if __name__ == "__main__":
    main()
