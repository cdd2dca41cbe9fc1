"""Duplicates after kills and phone drops: comments and posts, read from the phones' ground truth.

    .venv/bin/python bench/at_most_once.py [--phones 10] [--tasks 1000] [--kills 15] [--drops 10]
                                           [--warmups 2] [--runner-src DIR]

Runs `campaign run` as a real process on simulated phones (comments on many videos, a few posts
per phone and ``--warmups`` account_warmup tasks per phone that comment on every video of a
topic search of their own, which a re-run shows again) and kills it with SIGKILL ``--kills`` times, each time at the worst moment:
the phones hang right after the app recorded a comment or post (the Post tap went through), and
the runner is killed while it waits for the answer. Then ``--drops`` times a phone drops its
connection right after a comment or post, while a last run finishes the work. Prints how many
comments and posts the phones show more than once (a warm-up comment: the same account twice on
one video), and how many comment and post tasks published nothing.

``--runner-src DIR`` runs the `campaign run` of another checkout (e.g. `git worktree add
/tmp/before <commit>`) against the same simulated phones: the before/after figure.
Starts its own adb server on a free port and kills it at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.sim import SimFleet, adbhost, default_phones

COMMENTS = """\
name: comments
script_name: comment
serials: [{serials}]
script_config:
  target_post_urls: [{urls}]
  comment_content: "c{{{{ target[-6:] }}}} {{{{ device.serial }}}}"
random_order: true
retry: {{max: 10, delay_min: 0.1, delay_max: 0.2}}
timeout: 120
"""
POSTS = """\
name: posts-{n}
script_name: post
serials: [{serials}]
script_config:
  material_list: [materials/pic.jpg]
  captions: "post {n} {{{{ device.serial }}}}"
  upload_wait_time: 5
random_order: true
retry: {{max: 10, delay_min: 0.1, delay_max: 0.2}}
timeout: 120
"""
WARMUP = """\
name: warmup-{n}
script_name: account_warmup
serials: [{serials}]
script_config:
  task_duration: 4
  topic: recipe{n}
  min_duration: 0.1
  max_duration: 0.3
  comment_probable: 100
  comment: "warm{n} one\\nwarm{n} two"
random_order: true
retry: {{max: 10, delay_min: 0.1, delay_max: 0.2}}
timeout: 120
"""


def write_repo(root: Path, fleet: SimFleet, tasks: int, warmups: int) -> tuple[int, int]:
    """Comments and posts (one post campaign per 20 tasks of a phone); returns their counts."""
    phones = [p.serial for p in fleet.phones]
    per_phone = max(2, tasks // len(phones))
    posts = max(1, per_phone // 20)
    urls = [
        f"https://www.tiktok.com/@chef.marco/video/73{n:017d}" for n in range(per_phone - posts)
    ]
    lines = ["devices:"]
    for phone in fleet.phones:
        lines += [f"  - serial: {phone.serial}", "    accounts:"]
        lines += [f"      - {{username: {a.username}}}" for a in phone.spec.accounts]
    (root / "inventory.yaml").write_text("\n".join(lines) + "\n")
    (root / "materials").mkdir()
    (root / "materials" / "pic.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    flows = root / "workflows"
    flows.mkdir()
    serials = ", ".join(phones)
    (flows / "comments.yaml").write_text(COMMENTS.format(serials=serials, urls=", ".join(urls)))
    for n in range(posts):
        (flows / f"posts{n}.yaml").write_text(POSTS.format(n=n, serials=serials))
    for n in range(warmups):
        (flows / f"warmup{n}.yaml").write_text(WARMUP.format(n=n, serials=serials))
    return len(urls) * len(phones), posts * len(phones)


def start_run(root: Path, runner_src: Path | None, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if runner_src is not None:
        env["PYTHONPATH"] = f"{runner_src}{os.pathsep}{env.get('PYTHONPATH', '')}"
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "runner", "run", "--state", str(root / "state.db")],
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def lost_attempts(path: Path) -> int:
    """Attempts that ended device_lost, read without migrating the file (--runner-src may be
    an older runner that would refuse a newer schema)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        query = "SELECT COUNT(*) FROM attempts WHERE failure_class = 'device_lost'"
        return int(conn.execute(query).fetchone()[0])


def warmups_skipped(path: Path) -> int:
    """Videos the warm-ups did not comment on again after an interruption (their results)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        query = (
            "SELECT COALESCE(SUM(json_extract(result, '$.comments_skipped')), 0) FROM tasks "
            "WHERE script_name = 'account_warmup' AND result IS NOT NULL"
        )
        return int(conn.execute(query).fetchone()[0])


def published(fleet: SimFleet) -> Counter[tuple[str, str]]:
    """Each comment (by its text, unique per task), warm-up comment (by account, video and task:
    its words repeat, and two warm-ups of one phone meet the same feed videos after their
    searches) and post (by caption) the phones show, with how often."""
    seen: Counter[tuple[str, str]] = Counter()
    for accounts in fleet.ground_truth().values():
        for user, record in accounts.items():
            for c in record["comments"]:
                warm = c["text"].startswith("warm")  # "warm<campaign> ...": one task's words
                key = f"{user} {c['video_id']} {c['text'].split()[0]}" if warm else c["text"]
                seen[("warm-up comment" if warm else "comment", key)] += 1
            seen.update(("post", p["caption"]) for p in record["posts"])
    return seen


def kill_at_commit(fleet: SimFleet, root: Path, args: argparse.Namespace, log: Path) -> int:
    """Runs killed right after a comment or post went through; returns the kills made."""
    kills = 0
    step = max(1, args.tasks // (args.kills + 1))
    for _ in range(args.kills):
        proc = start_run(root, args.runner_src, log)
        done = sum(published(fleet).values())
        while proc.poll() is None and sum(published(fleet).values()) < done + step:
            time.sleep(0.1)  # let the run get some work done between kills
        for phone in fleet.phones:
            phone.hang_after_effect("comments,posts")
        while proc.poll() is None and not any(p.faults.hang_on == "" for p in fleet.phones):
            time.sleep(0.02)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        for phone in fleet.phones:
            phone.hang_after_effect(None)
            phone.hang_on(None)
    return kills


def finish_with_drops(fleet: SimFleet, root: Path, args: argparse.Namespace, log: Path) -> int:
    """A last run to the end while phones drop right after a comment or post; returns its exit."""
    rng = random.Random(args.seed)
    stop = threading.Event()
    armed = [0]

    def rearm() -> None:
        while not stop.wait(0.2) and armed[0] < args.drops:
            phone = rng.choice(fleet.phones)
            if phone.faults.disconnect_after_effect is None and phone.faults.disconnect_on != "":
                phone.disconnect_after_effect("comments,posts")
                armed[0] += 1

    thread = threading.Thread(target=rearm, daemon=True)
    thread.start()
    proc = start_run(root, args.runner_src, log)
    code = proc.wait()
    stop.set()
    thread.join()
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phones", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=15)
    parser.add_argument("--drops", type=int, default=10)
    parser.add_argument("--warmups", type=int, default=2, help="warm-up tasks per phone")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runner-src", type=Path, default=None, help="another checkout's runner")
    parser.add_argument("--keep", type=Path, default=None, help="run here and keep the files")
    args = parser.parse_args()

    port = adbhost.free_port()
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)
    adbhost.ensure_server(port)
    fleet = SimFleet(default_phones(args.phones, 1), seed=args.seed)
    started = time.monotonic()
    try:
        fleet.start()
        fleet.connect()
        with tempfile.TemporaryDirectory(prefix="at-most-once-") as tmp:
            root = args.keep or Path(tmp)
            root.mkdir(parents=True, exist_ok=True)
            comments, posts = write_repo(root, fleet, args.tasks, args.warmups)
            log = root / "run.log"
            kills = kill_at_commit(fleet, root, args, log)
            code = finish_with_drops(fleet, root, args, log)
            drops = lost_attempts(root / "state.db")
            seen = published(fleet)
            dup = Counter(kind for (kind, _), n in seen.items() for _ in range(n - 1))
            missing = comments + posts - sum(1 for k, _ in seen if k != "warm-up comment")
            runner = str(args.runner_src or "this checkout")
            print(f"runner: {runner}")
            print(
                f"tasks: {comments} comments + {posts} posts + "
                f"{args.warmups * args.phones} warm-ups on {args.phones} phones"
            )
            print(f"kill -9 right after a commit tap: {kills}; phone drops after one: {drops}")
            print(f"last run exit code: {code}")
            print(f"duplicate comments: {dup['comment']}")
            print(f"duplicate posts: {dup['post']}")
            warm = sum(1 for k, _ in seen if k == "warm-up comment")
            print(
                f"warm-up comments: {warm}, on a video twice: {dup['warm-up comment']}, "
                f"not again after an interruption: {warmups_skipped(root / 'state.db')}"
            )
            print(f"tasks that published nothing: {missing}")
            print(f"elapsed: {time.monotonic() - started:.1f} s")
    finally:
        fleet.stop()
        subprocess.run(
            [adbhost.adb_binary(), "-P", str(port), "kill-server"], capture_output=True, check=False
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
