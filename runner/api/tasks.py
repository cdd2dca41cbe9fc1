"""The TikMatrix task endpoints: create, list, get, delete, batch delete, stop, retry, stats.

Handlers are synchronous (SQLite and the runner block) and run in the thread pool through
``endpoint``. Stops and deletes of running tasks go through the Runner, so the executor cancels
the script at its next step and records why; without a runner (a bare state file) the store's
stop request is written for whoever executes the task.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from runner.api.endpoint import Call, endpoint, route
from runner.api.envelope import BAD_REQUEST
from runner.api.media import check_media_paths
from runner.api.params import SOURCES, choice_param, int_param, paging, task_id_param, task_ids_body, text_param
from runner.api.services import Services
from runner.errors import ApiError, StateError

RUNNING = 1
PENDING = 0


def task_routes(svc: Services) -> list[BaseRoute]:
    """Literal paths (stats, retry-all, batch) come before ``{task_id}`` so they are not ids."""
    from runner.campaign import tasks_from_api_body
    from runner.state import task_to_api


    def create(call: Call) -> dict[str, Any]:
        check_media_paths(call.body, svc.media_roots)
        specs = tasks_from_api_body(call.body, svc.campaigns.inventory)
        ids = svc.runner.submit(specs) if svc.runner is not None else svc.store.insert(specs)
        return {"task_ids": list(ids), "created_count": len(ids)}

    def list_tasks(call: Call) -> dict[str, Any]:
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
        return {"tasks": [task_to_api(row) for row in rows], "total": total, "page": page, "page_size": size}

    def get(call: Call) -> dict[str, Any]:
        return task_to_api(svc.task(task_id_param(call.path_params)))

    def delete_one(call: Call) -> dict[str, Any]:
        task_id = task_id_param(call.path_params)
        svc.task(task_id)
        return _delete(svc, [task_id])

    def delete_batch(call: Call) -> dict[str, Any]:
        return _delete(svc, task_ids_body(call.body))

    def stop(call: Call) -> dict[str, Any]:
        row = svc.task(task_id_param(call.path_params))
        if row.status not in (PENDING, RUNNING):
            raise ApiError(BAD_REQUEST, f"task {row.id} is not running or pending (status: {row.status_text})")
        if not _stop(svc, row.id):
            raise ApiError(BAD_REQUEST, f"task {row.id} could not be stopped (status: {svc.task(row.id).status_text})")
        return task_to_api(svc.task(row.id))

    def retry(call: Call) -> dict[str, Any]:
        row = svc.task(task_id_param(call.path_params))
        try:
            return task_to_api(svc.store.retry(row.id))
        except StateError as exc:  # not failed, or the retry limit is reached: the caller's to fix
            raise ApiError(BAD_REQUEST, f"task {row.id} cannot be retried: {exc}") from None

    def retry_all(call: Call) -> dict[str, Any]:
        return {"retried_count": svc.store.retry_all()}

    def stats(call: Call) -> dict[str, int]:
        return dict(svc.store.stats())

    def events(call: Call) -> list[dict[str, Any]]:
        row = svc.task(task_id_param(call.path_params))
        return list(svc.store.events(row.id))

    one = "/api/v1/task/{task_id}"
    return [
        route("/api/v1/task", post=endpoint(create, body="required"), get=endpoint(list_tasks)),
        route("/api/v1/task/stats", get=endpoint(stats)),
        route("/api/v1/task/retry-all", post=endpoint(retry_all)),
        route("/api/v1/task/batch", delete=endpoint(delete_batch, body="required")),
        route(one, get=endpoint(get), delete=endpoint(delete_one)),
        route(f"{one}/stop", post=endpoint(stop)),
        route(f"{one}/retry", post=endpoint(retry)),
        route(f"{one}/events", get=endpoint(events)),
    ]

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
