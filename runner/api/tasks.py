"""The TikMatrix task endpoints: create, list, get, delete, batch delete, stop, retry, stats.

Handlers are plain functions ``(services, call) -> data``; they are synchronous (SQLite and the
runner block) and run in the thread pool through ``endpoint``. Stops and deletes of running
tasks go through the Runner, so the executor cancels the script at its next step and records
why; without a runner (a bare state file) the store's stop request is written instead.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.routing import BaseRoute

from runner.api.endpoint import Call, endpoint, route
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
from runner.errors import ApiError, StateError
from runner.state import task_to_api

PENDING, RUNNING, FAILED = 0, 1, 3
MAX_RETRIES = 10  # the original's upper bound on a task's retries; manual retries count too


def task_routes(svc: Services) -> list[BaseRoute]:
    """Literal paths (stats, retry-all, batch) are their own routes, so they are never ids."""
    one = "/api/v1/task/{task_id}"

    def bound(handler: Any, body: str = "none") -> Any:
        return endpoint(partial(handler, svc), body=body)

    return [
        route("/api/v1/task", post=bound(create, "required"), get=bound(list_tasks)),
        route("/api/v1/task/stats", get=bound(stats)),
        route("/api/v1/task/retry-all", post=bound(retry_all)),
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
    page, size = paging(call.query)
    rows, total = svc.store.list(
        status=int_param(call.query, "status", default=None, low=0, high=3),
        serial=text_param(call.query, "serial"),
        script_name=text_param(call.query, "script_name"),
        source=choice_param(call.query, "source", SOURCES),
        campaign=text_param(call.query, "campaign"),
        page=page,
        page_size=size,
    )
    return {
        "tasks": [task_to_api(row) for row in rows],
        "total": total,
        "page": page,
        "page_size": size,
    }


def get(svc: Services, call: Call) -> dict[str, Any]:
    return task_to_api(svc.task(task_id_param(call.path_params)))


def delete_one(svc: Services, call: Call) -> dict[str, Any]:
    task_id = svc.task(task_id_param(call.path_params)).id
    return _delete(svc, [task_id])


def delete_batch(svc: Services, call: Call) -> dict[str, Any]:
    return _delete(svc, task_ids_body(call.body))


def stop(svc: Services, call: Call) -> dict[str, Any]:
    """Pending tasks will not run; running ones are cancelled at their next step."""
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
    return task_to_api(svc.task(row.id))


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
    """Every failed task under the retry limit; one transaction when none is at the limit."""
    rows, _ = svc.store.list(status=FAILED, page_size=None)
    capped = sum(1 for row in rows if row.retry_count >= MAX_RETRIES)
    if not capped:
        return {"retried_count": svc.store.retry_all(), "skipped_count": 0}
    retried = sum(
        1 for row in rows if row.retry_count < MAX_RETRIES and _retry_quietly(svc, row.id)
    )
    return {"retried_count": retried, "skipped_count": capped}


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
