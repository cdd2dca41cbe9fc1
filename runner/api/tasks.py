"""The TikMatrix task endpoints: create, list, get, delete, batch delete, stop, retry, stats.

Handlers are plain functions ``(services, call) -> data``; they are synchronous (SQLite and the
runner block) and run in the thread pool through ``endpoint``. Stops and deletes of running
tasks go through the Runner, so the executor cancels the script at its next step and records
why; without a runner (a bare state file) the store's stop request is written instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from runner.api.endpoint import BodyMode, Call, Endpoint, endpoint, json_type, route
from runner.api.envelope import BAD_REQUEST
from runner.api.params import (
    SOURCES,
    choice_param,
    int_param,
    paging,
    task_id_param,
    task_ids_body,
    text_param,
)
from runner.api.services import Services
from runner.campaign import tasks_from_api_body
from runner.campaign.messages import did_you_mean
from runner.errors import ApiError, FailureClass, StateError
from runner.state import FAILED, PENDING, RUNNING, TaskRow, task_to_api

STOP_WAIT = 5.0  # seconds /stop waits for a running task's script to reach its next step
MAX_RETRIES = 10  # the original's upper bound on a task's retries; manual retries count too


def task_routes(svc: Services) -> list[BaseRoute]:
    """Literal paths (stats, retry-all, batch) are their own routes, so they are never ids."""
    one = "/api/v1/task/{task_id}"

    def bound(handler: Callable[[Services, Call], Any], body: BodyMode = "none") -> Endpoint:
        return endpoint(partial(handler, svc), body=body)

    return [
        route(
            "/api/v1/task",
            post=bound(create, "required"),
            get=bound(list_tasks_on_loop if hasattr(svc.store, "list_async") else list_tasks),
        ),
        route("/api/v1/task/stats", get=bound(stats)),
        route("/api/v1/task/retry-all", post=bound(retry_all, "optional")),
        route("/api/v1/task/batch", delete=bound(delete_batch, "required")),
        route(one, get=bound(get), delete=bound(delete_one)),
        route(f"{one}/stop", post=bound(stop)),
        route(f"{one}/retry", post=bound(retry)),
        route(f"{one}/events", get=bound(events)),
    ]


def create(svc: Services, call: Call) -> dict[str, Any]:
    """Same schemas and expansion as campaign files; the runner schedules what it is given."""
    specs = tasks_from_api_body(
        call.body, svc.campaigns.inventory, media_roots=svc.media_roots or None
    )
    ids = svc.runner.submit(specs) if svc.runner is not None else svc.store.insert(specs)
    return {"task_ids": list(ids), "created_count": len(ids)}


def list_tasks(svc: Services, call: Call) -> dict[str, Any]:
    query = _list_query(call, svc.phone(text_param(call.query, "serial")))
    return _list_page(query, *svc.store.list(**query))


async def list_tasks_on_loop(svc: Services, call: Call) -> dict[str, Any]:
    """``list_tasks`` over a store that reads on the event loop (PostgreSQL): the busiest
    request of dashboards never waits for a thread (a serial is looked up in the thread pool)."""
    if text_param(call.query, "serial") is not None and svc.pool is not None:
        return await run_in_threadpool(list_tasks, svc, call)
    query = _list_query(call, text_param(call.query, "serial"))
    return _list_page(query, *await svc.store.list_async(**query))  # type: ignore[attr-defined]


def _list_query(call: Call, serial: str | None) -> dict[str, Any]:
    page, size = paging(call.query)
    return {
        "status": int_param(call.query, "status", default=None, low=0, high=3),
        "serial": serial,
        "script_name": text_param(call.query, "script_name"),
        "source": choice_param(call.query, "source", SOURCES),
        "campaign": text_param(call.query, "campaign"),
        "page": page,
        "page_size": size,
    }


def _list_page(query: dict[str, Any], rows: list[TaskRow], total: int) -> dict[str, Any]:
    return {
        "tasks": [task_to_api(row) for row in rows],
        "total": total,
        "page": query["page"],
        "page_size": query["page_size"],
    }


def get(svc: Services, call: Call) -> dict[str, Any]:
    return task_to_api(svc.task(task_id_param(call.path_params)))


def delete_one(svc: Services, call: Call) -> dict[str, Any]:
    task_id = svc.task(task_id_param(call.path_params)).id
    return _delete(svc, [task_id])


def delete_batch(svc: Services, call: Call) -> dict[str, Any]:
    return _delete(svc, task_ids_body(call.body))


def stop(svc: Services, call: Call) -> dict[str, Any]:
    """Pending tasks will not run; running ones are cancelled at their next step.

    The answer shows the task after the stop: a pending task is failed as cancelled at once; for
    a running one the request waits (up to ``STOP_WAIT`` seconds) for the executor to record the
    cancellation, so the answer says status 3, not the status 1 it had when asked.
    """
    row = svc.task(task_id_param(call.path_params))
    if row.status not in (PENDING, RUNNING):
        raise ApiError(
            BAD_REQUEST, f"task {row.id} is not running or pending (status: {row.status_text})"
        )
    if not _stop(svc, row.id):
        raise ApiError(
            BAD_REQUEST,
            f"task {row.id} could not be stopped (status: {svc.task(row.id).status_text})",
        )
    return task_to_api(_settled(svc, row.id))


def _settled(svc: Services, task_id: int) -> Any:
    """The row once it is no longer running, or as it is after ``STOP_WAIT`` seconds."""
    deadline = time.monotonic() + STOP_WAIT
    current = svc.task(task_id)
    while current.status == RUNNING and svc.runner is not None and time.monotonic() < deadline:
        time.sleep(0.05)
        current = svc.task(task_id)
    return current


def retry(svc: Services, call: Call) -> dict[str, Any]:
    """A failed task back to pending, unless it has used up its ``MAX_RETRIES``."""
    row = svc.task(task_id_param(call.path_params))
    if row.status == FAILED and row.retry_count >= MAX_RETRIES:
        raise ApiError(
            BAD_REQUEST,
            f"task {row.id} cannot be retried: it reached the retry limit "
            f"({row.retry_count} of {MAX_RETRIES} retries)",
        )
    try:
        return task_to_api(svc.store.retry(row.id))
    except StateError as exc:  # not failed (any more): the caller's to fix
        raise ApiError(BAD_REQUEST, f"task {row.id} cannot be retried: {exc.message}") from None


def retry_all(svc: Services, call: Call) -> dict[str, Any]:
    """Every failed task under the retry limit, except stopped ones unless the body says
    ``{"include_cancelled": true}``: a stop is a decision, not a failure to recover from."""
    include = _include_cancelled(call.body)
    rows, _ = svc.store.list(status=FAILED, page_size=None)
    eligible = [row for row in rows if include or row.failure_class != FailureClass.CANCELLED]
    stopped = len(rows) - len(eligible)
    capped = sum(1 for row in eligible if row.retry_count >= MAX_RETRIES)
    counts = {"skipped_count": capped + stopped, "cancelled_count": stopped}
    if not capped:
        return {"retried_count": svc.store.retry_all(include_cancelled=include), **counts}
    retried = sum(
        1 for row in eligible if row.retry_count < MAX_RETRIES and _retry_quietly(svc, row.id)
    )
    return {"retried_count": retried, **counts}


def _include_cancelled(body: Any) -> bool:
    value = (body or {}).get("include_cancelled", False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ApiError(BAD_REQUEST, f"include_cancelled: expected boolean, got {json_type(value)}")
    unknown = sorted(set(body or {}) - {"include_cancelled"})
    if unknown:
        raise ApiError(
            BAD_REQUEST,
            f"{unknown[0]}: unknown key{did_you_mean(unknown[0], ['include_cancelled'])}",
        )
    return value


def _retry_quietly(svc: Services, task_id: int) -> bool:
    try:
        svc.store.retry(task_id)
    except StateError:  # no longer failed: someone else retried or deleted it meanwhile
        return False
    return True


def stats(svc: Services, call: Call) -> dict[str, int]:
    return dict(svc.store.stats())


def events(svc: Services, call: Call) -> list[dict[str, Any]]:
    return list(svc.store.events(svc.task(task_id_param(call.path_params)).id))


def _stop(svc: Services, task_id: int) -> bool:
    if svc.runner is not None:
        return bool(svc.runner.stop_task(task_id))
    return bool(svc.store.request_stop(task_id))


def _delete(svc: Services, task_ids: list[int]) -> dict[str, Any]:
    """Running tasks are stopped first (as the original documents), then every row is removed."""
    for task_id in task_ids:
        row = svc.store.get(task_id)
        if row is not None and row.status == RUNNING:
            _stop(svc, task_id)
    deleted = list(svc.store.delete(task_ids))
    return {"deleted_ids": deleted, "deleted_count": len(deleted)}
