"""The campaign repository a server was started with: loaded, applied, re-applied on change.

``campaign serve`` applies the files at start, whenever they change on disk (a ``git pull`` in
the campaign repository is a deploy) and on ``POST /api/v1/campaigns/apply``. A repository with
problems is not applied: the runner keeps the last good state and the problems are reported,
because half-applying a broken pull could delete pending tasks of a campaign that merely failed
to parse.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.campaign import Inventory, Repo, load_repo
from runner.device.appdata import apps_problems

if TYPE_CHECKING:
    from runner.api.services import TaskRunner
    from runner.state import ApplyDiff

log = logging.getLogger("runner.api.campaigns")
YAML_SUFFIXES = (".yaml", ".yml")


class CampaignSource:
    """Holds the current ``Repo``; ``apply`` reloads it under a lock and hands it to the runner."""

    def __init__(
        self, paths: Sequence[str | Path] | None, *, root: Path, repo: Repo | None = None
    ) -> None:
        self.paths = [Path(p) for p in paths] if paths else None
        self.root = Path(root)
        self._lock = threading.Lock()
        self.repo = (
            repo
            if repo is not None
            else load_repo(self.paths, root=self.root, apps_check=apps_problems)
        )
        self.seen = fingerprint(self.watched())

    @property
    def inventory(self) -> Inventory:
        return self.repo.inventory

    def watched(self) -> list[Path]:
        if self.paths is not None:
            return self.paths
        return [self.root / "workflows", self.root / "inventory.yaml", self.root / "inventory.yml"]

    def apply(self, runner: TaskRunner) -> dict[str, Any]:
        """Reload and apply; returns the outcome the API answers and the log prints."""
        with self._lock:
            self.seen = fingerprint(self.watched())
            repo = load_repo(self.paths, root=self.root, apps_check=apps_problems)
            if repo.problems:
                return {
                    "applied": False,
                    "problems": [p.to_dict() | {"text": str(p)} for p in repo.problems],
                }
            diff = runner.apply(repo)
            self.repo = repo
            return {
                "applied": True,
                "campaigns": [c.name for c in repo.campaigns],
                **diff_counts(diff),
            }

    def changed(self) -> bool:
        return fingerprint(self.watched()) != self.seen


def diff_counts(diff: ApplyDiff | None) -> dict[str, int]:
    """ApplyDiff's key lists as counts (new, changed, unchanged, removed); None counts nothing."""
    return {
        name: len(getattr(diff, name, ()) or ())
        for name in ("new", "changed", "unchanged", "removed")
    }


def fingerprint(paths: Sequence[Path]) -> frozenset[tuple[str, int, int]]:
    """(path, mtime_ns, size) of every YAML file under ``paths``: cheap enough to poll each second."""
    out: set[tuple[str, int, int]] = set()
    for path in paths:
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.suffix in YAML_SUFFIXES:
                try:
                    st = file.stat()
                except OSError:
                    continue
                out.add((str(file), st.st_mtime_ns, st.st_size))
    return frozenset(out)


class Watcher:
    """A daemon thread that applies the repository when its files change (polls every second).

    Polling instead of inotify: no new dependency, works on network mounts, and a second of
    latency does not matter for a deploy.
    """

    def __init__(
        self, source: CampaignSource, runner: TaskRunner, *, interval: float = 1.0
    ) -> None:
        self.source, self.runner, self.interval = source, runner, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="campaign-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if self.source.changed():
                    log_outcome(self.source.apply(self.runner))
            except Exception:  # noqa: BLE001 - the watcher must outlive one bad reload
                log.exception("re-applying the campaign files failed")


def log_outcome(outcome: dict[str, Any]) -> None:
    if outcome["applied"]:
        log.info(
            "campaign files applied: %(new)d new, %(changed)d changed, %(unchanged)d unchanged, "
            "%(removed)d removed",
            outcome,
        )
        return
    for problem in outcome["problems"]:
        log.error("not applied: %s", problem["text"])
