"""The one hand-off of due tasks to phones: per-phone queues, pauses, caps, atomic claims.

Everything the runner knows about "which task runs next on which phone" is here, behind
``take(now)`` and ``done(serial, pause)``. The durable part is the store: a task is claimed
with an atomic ``UPDATE ... WHERE id=? AND status=0``, so two runners sharing a state can never
both start it. The in-memory part (which phone is busy, when its pause ends) is what a
distributed engine replaces with a lock per phone and a queue per host.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from runner.state import Store, TaskRow

Blocked = Callable[[str], "tuple[str, bool] | None"]  # phone -> (why it cannot start, settled)


@dataclass(frozen=True)
class Claim:
    """A task moved to running on its phone; ``attempt`` numbers it (1 = first run)."""

    row: TaskRow
    attempt: int


class TaskQueue:
    """Per-phone queues over the store; one running task per phone."""

    def __init__(
        self,
        store: Store,
        *,
        concurrency: int | None = None,
        daily_caps: dict[str, int] | None = None,
        cap_zone: tzinfo = UTC,
        rng: random.Random | None = None,
        blocked: Blocked | None = None,
        scope: Collection[str] | None = None,
    ) -> None:
        self.store = store
        self.blocked = blocked
        self.scope = scope
        self.waiting: dict[str, tuple[str, bool]] = {}  # phone -> (why, settled): no worker held
        self.concurrency = concurrency
        self.daily_caps = dict(daily_caps or {})
        self.cap_zone = cap_zone
        self.rng = rng or random.Random()
        self._busy: set[str] = set()
        self._free_at: dict[str, datetime] = {}
        self._lock = threading.Lock()  # the in-memory state only: never held over the store
        self._taking = threading.Lock()  # one take at a time (the dispatcher's)
        self._forgotten = 0  # forget_waiting calls: a take that saw an older count keeps none

    def take(self, now: datetime) -> list[Claim]:
        """Claim the next task of every free phone whose pause is over, within the cap.

        Three steps: a snapshot of which phones are busy or paused (under the lock); the
        choice, the notes on waiting tasks, the cap deferrals and the claims in the store
        (without it: workers ending their tasks never wait on the database); then the claimed
        phones marked busy. The claims are one transaction (one fsync per wave)."""
        with self._taking:
            with self._lock:
                busy, waiting, forgotten = set(self._busy), dict(self.waiting), self._forgotten
                room = None if self.concurrency is None else self.concurrency - len(busy)
                paused = {s for s, t in self._free_at.items() if t > now}
                caps, zone = dict(self.daily_caps), self.cap_zone
            notes: dict[str, str] = {}
            waiting = self._recheck_waiting(waiting, notes)
            due = self.store.due(now, exclude=busy | paused | set(waiting), campaigns=self.scope)
            chosen: dict[int, TaskRow] = {}
            for serial, rows in self._by_phone(due).items():
                if room is not None and len(chosen) >= room:
                    break
                found = self.blocked(serial) if self.blocked is not None and serial else None
                if found is not None:  # cannot take a task now: remember it, say so on its tasks
                    waiting[serial], notes[serial] = found, found[0]
                    continue
                row = self._choose(rows, now, caps, zone)
                if row is not None:
                    chosen[row.id] = row
            for serial, why in notes.items():
                self.store.note_waiting(serial, why)
            attempts = self.store.claim_many(list(chosen.values())) if chosen else {}
            claims = [Claim(row=chosen[i], attempt=n) for i, n in attempts.items()]
            with self._lock:
                self.waiting = waiting if forgotten == self._forgotten else {}
                self._busy.update(c.row.serial or "" for c in claims)
            return claims

    def set_caps(self, *, daily_caps: dict[str, int], cap_zone: tzinfo) -> None:
        """New daily caps and time zone (an edited inventory); the next take counts by them."""
        with self._lock:
            self.daily_caps, self.cap_zone = dict(daily_caps), cap_zone

    def forget_waiting(self) -> None:
        """Look at every waiting phone's tasks again at the next take (an apply added some)."""
        with self._lock:
            self.waiting = {}
            self._forgotten += 1

    def settled_waiting(self) -> dict[str, str]:
        """Phones whose tasks wait for good as far as a bounded run is concerned, and why."""
        with self._lock:
            return {s: why for s, (why, settled) in self.waiting.items() if settled}

    def _recheck_waiting(
        self, waiting: dict[str, tuple[str, bool]], notes: dict[str, str]
    ) -> dict[str, tuple[str, bool]]:
        """Waiting phones that came back take tasks again; the others may have new reasons
        (collected in ``notes`` for the store)."""
        out = {}
        for serial, old in waiting.items():
            found = self.blocked(serial) if self.blocked is not None else None
            if found is None:
                continue
            out[serial] = found
            if found[0] != old[0]:
                notes[serial] = found[0]
        return out

    def done(self, serial: str, *, pause: float) -> None:
        """The phone finished a task; it takes its next one after ``pause`` seconds."""
        with self._lock:
            self._busy.discard(serial)
            self._free_at[serial] = datetime.now(UTC) + timedelta(seconds=max(0.0, pause))

    def running(self) -> int:
        with self._lock:
            return len(self._busy)

    def next_wake(self, now: datetime) -> datetime | None:
        """When something may become takeable: a pause ending or a pending task's time."""
        with self._lock:
            pauses = [t for t in self._free_at.values() if t > now]
        times = pauses + [t for t in [self.store.next_due_at()] if t is not None and t > now]
        return min(times) if times else None

    def _by_phone(self, due: list[TaskRow]) -> dict[str, list[TaskRow]]:
        """Due tasks per phone, in start-time order; phones whose oldest task waits longest first."""
        phones: dict[str, list[TaskRow]] = defaultdict(list)
        for row in due:
            phones[row.serial or ""].append(row)
        return phones

    def _choose(
        self, rows: list[TaskRow], now: datetime, caps: dict[str, int], zone: tzinfo
    ) -> TaskRow | None:
        """The phone's next task: start-time order, or random when the head asks for it; a
        task over its account's daily cap is deferred to tomorrow, saying why."""
        candidates = list(rows)
        if candidates[0].random_order:
            self.rng.shuffle(candidates)
        for row in candidates:
            over = cap_reached(self.store, row, now, caps, zone)
            if over is None:
                return row
            self.store.defer(row.id, until=over[0], reason=over[1])
        return None


def cap_reached(
    store: Store, row: TaskRow, now: datetime, caps: Mapping[str, int], zone: tzinfo
) -> tuple[datetime, str] | None:
    """(tomorrow, why) when the account already did its daily cap of this script (across
    campaigns, counted from midnight in ``zone``); a question only, the store is not changed.
    The one cap check of both engines: this queue, and a host's worker (runner/hosts/engine.py)."""
    cap = caps.get(row.script_name)
    if cap is None or not row.username:
        return None
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), time(0), tzinfo=zone)
    tomorrow = start + timedelta(days=1)
    done = store.count_done(
        username=row.username,
        script_name=row.script_name,
        since=start,
        until=tomorrow,
    )
    if done < cap:
        return None
    reason = (
        f"daily cap reached: {done} of {cap} {row.script_name} tasks for @{row.username} today; "
        f"deferred to {tomorrow.isoformat()}"
    )
    return tomorrow, reason
