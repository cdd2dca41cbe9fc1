"""Benchmark: expanding one campaign over 1,000 phones × 100 targets (100,000 tasks).

Prints figures (no assertions). Target: under 2 s. Two shapes: a follow campaign (no templates)
and a comment campaign whose comments are a Jinja template with spintax (rendered per task).

    .venv/bin/python bench/expand.py [--phones 1000] [--targets 100]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any

from runner.campaign import Inventory, expand_campaign
from runner.campaign.check import check_campaign
from runner.campaign.records import Account, InventoryDevice
from runner.campaign.yamlload import Document

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def inventory(phones: int) -> Inventory:
    devices = tuple(
        InventoryDevice(
            f"SIM{i:06d}",
            groups=("fleet",),
            vars={"city": f"City{i % 50}"},
            accounts=(Account(f"user{i}"),),
        )
        for i in range(phones)
    )
    return Inventory(devices=devices, groups={"fleet": {"vars": {"brand": "Acme"}}}, present=True)


def campaign(body: dict[str, Any]):  # type: ignore[no-untyped-def]
    found, problems, _ = check_campaign(
        Document("bench", 0, body), default_name="bench", default_tz="UTC"
    )
    assert not problems, [str(p) for p in problems]
    return found


def bodies(targets: int) -> dict[str, dict[str, Any]]:
    users = [f"creator{i}" for i in range(targets)]
    urls = [f"https://www.tiktok.com/@c{i}/video/{7000 + i}" for i in range(targets)]
    return {
        "follow, plain": {
            "script_name": "follow",
            "groups": ["fleet"],
            "script_config": {"target_users": users},
        },
        "comment, template + spintax": {
            "script_name": "comment",
            "groups": ["fleet"],
            "start_time": "09:00",
            "script_config": {
                "target_post_urls": urls,
                "comment_content": "{Great|Nice|Cool} video from {{ vars.brand }} in {{ vars.city }}!\nLove it",
            },
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--targets", type=int, default=100)
    args = parser.parse_args()
    inv = inventory(args.phones)
    print(f"{args.phones} phones x {args.targets} targets")
    for label, body in bodies(args.targets).items():
        c = campaign(body)
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            tasks = expand_campaign(c, inv, now=NOW)
            runs.append(time.perf_counter() - start)
        best = min(runs)
        print(
            f"{label:30s} {len(tasks):7d} tasks  best {best:.3f} s  ({best / len(tasks) * 1e6:.1f} us/task)"
            f"  target under 2 s: {'met' if best < 2 else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
