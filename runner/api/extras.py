"""Endpoints beyond the tasks: licence check, devices, artifacts, campaign apply, docs.

``license/check`` keeps the original's shape but this project has no tiers: the plan is "Open",
the API is always enabled and ``device_limit`` is the number of phones the pool sees.
"""

from __future__ import annotations

import dataclasses
import mimetypes
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute

from runner.api.campaigns import log_outcome
from runner.api.docs_page import docs_html
from runner.api.endpoint import Call, Endpoint, endpoint, route
from runner.api.envelope import BAD_REQUEST, NOT_FOUND, EnvelopeResponse
from runner.api.openapi import openapi_document
from runner.api.params import task_id_param
from runner.api.services import Services
from runner.errors import ApiError


def extra_routes(svc: Services) -> list[BaseRoute]:
    one = "/api/v1/task/{task_id}"

    def bound(handler: Callable[[Services, Call], Any]) -> Endpoint:
        return endpoint(partial(handler, svc))

    return [
        route("/api/v1/license/check", get=bound(license_check)),
        route("/api/v1/devices", get=bound(devices)),
        route(f"{one}/artifacts", get=bound(artifacts)),
        route(f"{one}/artifacts/{{name:path}}", get=bound(artifact_file)),
        route("/api/v1/campaigns/apply", post=bound(apply)),
        route("/openapi.json", get=_openapi),
        route("/docs", get=_docs),
    ]


def license_check(svc: Services, call: Call) -> dict[str, Any]:
    return {
        "plan_name": "Open",
        "api_enabled": True,
        "device_limit": len(_devices(svc)),
        "message": "API access enabled",
    }


def devices(svc: Services, call: Call) -> list[dict[str, Any]]:
    return [_plain(d) for d in _devices(svc, details=True)]


def artifacts(svc: Services, call: Call) -> list[dict[str, Any]]:
    """Files under .campaign/artifacts/<task_id>/ (with a PostgreSQL state: the copies the
    hosts' workers keep in the database), with the URL that downloads each.

    Only files whose real path lies inside the task's folder are listed: a symlink pointing
    out of it (planted by anything that can write there) is neither listed nor served.
    """
    task_id = svc.task(task_id_param(call.path_params)).id
    shared = _shared_artifacts(svc)
    if shared is not None:  # a shared PostgreSQL state: the hosts' workers copied them there
        listed = shared.listing(svc.store, task_id)
    else:
        folder = _artifact_dir(svc, task_id)
        if folder is None:
            return []
        names = sorted(name for name in _walk(folder) if _confined(folder, folder / name))
        listed = [(name, (folder / name).stat().st_size) for name in names]
    return [
        {"name": name, "size": size, "url": f"/api/v1/task/{task_id}/artifacts/{name}"}
        for name, size in listed
    ]


def artifact_file(svc: Services, call: Call) -> Response:
    """One artifact; the name's real path must stay inside the task's folder."""
    task_id = svc.task(task_id_param(call.path_params)).id
    name = call.path_params["name"]
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    shared = _shared_artifacts(svc)
    if shared is not None:
        data = shared.read(svc.store, task_id, name)
        if data is None:
            raise ApiError(NOT_FOUND, f"task {task_id} has no artifact {name!r}")
        return Response(data, media_type=media_type)
    folder = _artifact_dir(svc, task_id)
    path = _confined(folder, folder / name) if folder is not None else None
    if path is None or not path.is_file():
        raise ApiError(NOT_FOUND, f"task {task_id} has no artifact {name!r}")
    return FileResponse(path, media_type=media_type)


def _walk(folder: Path) -> list[str]:
    """Relative names of the regular files (or file symlinks) under ``folder``, never
    descending into symlinked folders."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    out = []
    for base, _dirs, names in os.walk(folder, followlinks=False):
        out += [(Path(base) / n).relative_to(folder).as_posix() for n in names]
    return out


def _confined(folder: Path, path: Path) -> Path | None:
    """``path`` resolved, if it is inside ``folder`` (itself not a symlink), else None."""
    try:
        if folder.is_symlink():
            return None
        real_folder, real = folder.resolve(), path.resolve()
    except (OSError, ValueError, RuntimeError):  # NUL bytes, symlink loops
        return None
    return real if real.is_relative_to(real_folder) and real.is_file() else None


def apply(svc: Services, call: Call) -> Any:
    """Re-read the campaign files; a repository with problems is reported, not applied."""
    if svc.runner is None:
        raise ApiError(
            BAD_REQUEST, "this server runs without a scheduler; campaign files cannot be applied"
        )
    outcome = svc.campaigns.apply(svc.runner)
    log_outcome(outcome)
    if outcome["applied"]:
        return outcome
    first, more = outcome["problems"][0]["text"], len(outcome["problems"]) - 1
    message = f"campaign files not applied: {first}" + (
        f" (and {more} more problems)" if more else ""
    )
    return EnvelopeResponse(BAD_REQUEST, message, outcome)


async def _openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


async def _docs(request: Request) -> Response:
    return HTMLResponse(docs_html())


def _devices(svc: Services, *, details: bool = False) -> list[Any]:
    return list(svc.pool.devices(details=details)) if svc.pool is not None else []


def _shared_artifacts(svc: Services) -> Any:
    """runner.hosts.artifacts over a shared PostgreSQL state (artifacts stay on the host that
    ran the task, so they are kept in the database); None over a state file."""
    if getattr(svc.store, "dsn", None) is None:
        return None
    from runner.hosts import artifacts

    return artifacts


def _artifact_dir(svc: Services, task_id: int) -> Path | None:
    return svc.artifacts_root / str(task_id) if svc.artifacts_root is not None else None


def _plain(record: Any) -> dict[str, Any]:
    """A device record as JSON: dataclass fields, enums by value, everything else as text."""
    raw = (
        dataclasses.asdict(record)
        if dataclasses.is_dataclass(record) and not isinstance(record, type)
        else dict(vars(record))
    )
    return {key: _jsonable(value) for key, value in raw.items() if not key.startswith("_")}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return getattr(value, "value", None) if hasattr(value, "value") else str(value)
