"""Ground truth: what really happened on each account, as the app saw it.

Tests and `plan`-vs-result checks compare this with what the runner believes it did. Shape:
``{hw_serial: {username: {follows, unfollows, likes, favourites, comments, posts, watched,
switches, profile, logins}}}``; every list is in the order things happened.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

KINDS = (
    "follows",
    "unfollows",
    "likes",
    "favourites",
    "comments",
    "posts",
    "watched",
    "switches",
    "profile",  # {"field": name|username|bio|link, "value": ...}: a profile field saved
    "logins",  # {"identifier": username or e-mail typed, "from": the account active before}
)


class GroundTruth:
    """One phone's record; thread-safe because tests read it while the loop thread writes."""

    def __init__(self, usernames: list[str]) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, dict[str, list[Any]]] = {}
        self.on_record: Callable[[str], None] | None = None  # the phone's after-effect faults
        for name in usernames:
            self._account(name)

    def _account(self, username: str) -> dict[str, list[Any]]:
        return self._accounts.setdefault(username, {kind: [] for kind in KINDS})

    def record(self, username: str, kind: str, value: Any) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown ground-truth kind {kind!r}")
        with self._lock:
            self._account(username)[kind].append(value)
        if self.on_record is not None:
            self.on_record(kind)

    def remove_last(self, username: str, kind: str, value: Any) -> None:
        """Undo: an un-like removes the like it cancels (the account no longer likes it)."""
        with self._lock:
            items = self._account(username)[kind]
            for index in range(len(items) - 1, -1, -1):
                if items[index] == value:
                    del items[index]
                    return

    def snapshot(self) -> dict[str, dict[str, list[Any]]]:
        with self._lock:
            return copy.deepcopy(self._accounts)
