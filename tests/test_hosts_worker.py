"""The hosts' procrastinate worker on a real database: a phone's next job starts as soon as the
job holding the phone's lock ends, not at the next poll (procrastinate's own worker is woken by
new jobs only, so with 1,000 queued tasks on 200 phones every task waited for a poll)."""

from __future__ import annotations

import asyncio
from typing import Any


def test_a_phones_next_job_starts_when_its_lock_frees_not_at_the_next_poll(pg_dsn: str) -> None:
    from procrastinate import App, PsycopgConnector

    from runner.hosts.worker import phone_worker

    app = App(connector=PsycopgConnector(conninfo=pg_dsn))
    ran: list[int] = []
    held: dict[str, Any] = {}

    @app.task(name="step")
    async def step(n: int) -> None:
        await asyncio.sleep(0.5)  # the worker looks for a next job meanwhile, finds it locked
        ran.append(n)
        if len(ran) == 2:
            held["worker"].stop()

    async def main() -> None:
        async with app.open_async():
            await app.schema_manager.apply_schema_async()
            for n in (1, 2):
                await step.configure(lock="phone:P000001").defer_async(n=n)
            held["worker"] = phone_worker(
                app, concurrency=4, fetch_job_polling_interval=600, install_signal_handlers=False
            )
            await asyncio.wait_for(held["worker"].run(), 60)  # a poll would come after 600 s

    asyncio.run(main())

    assert ran == [1, 2]
