"""The app factory: routes, middleware and the envelope for every answer Starlette produces.

Choices where the original is silent (docs/api.md has the user-facing list):
- unknown paths answer 40401 "not found: GET /x"; a known path with the wrong method answers
  40001 "method PUT not allowed on /api/v1/task/1 (allowed: DELETE, GET)", because the request
  is malformed rather than aimed at a missing resource;
- anything unexpected answers 50001 and is logged with its traceback;
- the guard (Host, Origin; ``guard``) runs first, then CORS when origins are allow-listed, then
  the token, then the Content-Type check and the body limit, so a refused or unauthenticated request never has its body read;
- CORS is off unless ``cors_origins`` names origins (Starlette's CORSMiddleware answers their
  preflights; those origins also pass the guard's Origin check).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response

from runner.api.campaigns import CampaignSource
from runner.api.envelope import BAD_REQUEST, INTERNAL, NOT_FOUND, fail
from runner.api.extras import extra_routes
from runner.api.guard import LOOPBACK_NAMES, JsonBodyMiddleware, RequestGuardMiddleware
from runner.api.middleware import MAX_BODY_BYTES, BodyLimitMiddleware, TokenAuthMiddleware
from runner.api.services import PhoneRoster, Services, TaskRunner
from runner.api.tasks import task_routes

if TYPE_CHECKING:
    from runner.state import Store

log = logging.getLogger("runner.api")


def create_app(
    *,
    store: Store,
    campaigns: CampaignSource,
    runner: TaskRunner | None = None,
    pool: PhoneRoster | None = None,
    token: str | None = None,
    media_roots: Sequence[Path] | None = None,
    artifacts_root: Path | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    allowed_hosts: Sequence[str] | None = None,
    cors_origins: Sequence[str] = (),
) -> Starlette:
    """Build the ASGI app over a store (and, when given, the runner and pool that run tasks).

    ``media_roots`` default to the campaign repository root; ``artifacts_root`` to
    ``<root>/.campaign/artifacts``, where the executor writes ``<task_id>/`` folders.
    ``allowed_hosts`` default to the loopback names (``guard.default_allowed_hosts`` adds the
    bound address for `campaign serve`).
    """
    svc = Services(
        store=store,
        campaigns=campaigns,
        runner=runner,
        pool=pool,
        media_roots=tuple(Path(p) for p in (media_roots or [campaigns.root])),
        artifacts_root=artifacts_root or campaigns.root / ".campaign" / "artifacts",
    )
    cors = (
        [
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["GET", "POST", "DELETE"],
                allow_headers=["Authorization", "Content-Type"],
            )
        ]
        if cors_origins
        else []
    )
    app = Starlette(
        routes=task_routes(svc) + extra_routes(svc),
        middleware=[
            Middleware(
                RequestGuardMiddleware,
                allowed_hosts=allowed_hosts or LOOPBACK_NAMES,
                allowed_origins=cors_origins,
            ),
            *cors,
            Middleware(TokenAuthMiddleware, token=token),
            Middleware(JsonBodyMiddleware),
            Middleware(BodyLimitMiddleware, limit=max_body_bytes),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    app.router.redirect_slashes = False  # the guard strips trailing slashes; never a 307
    app.state.services = svc
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (routing) become envelope codes."""
    assert isinstance(exc, HTTPException)
    where = f"{request.method} {request.url.path}"
    if exc.status_code == 404:
        return fail(NOT_FOUND, f"not found: {where}")
    if exc.status_code == 405:
        allowed = ", ".join(sorted((exc.headers or {}).get("Allow", "").split(", ")))
        return fail(
            BAD_REQUEST,
            f"method {request.method} not allowed on {request.url.path} (allowed: {allowed})",
        )
    return fail(BAD_REQUEST, f"bad request: {where}: {exc.detail}")


async def _internal_error(request: Request, exc: Exception) -> Response:
    """Last resort for errors outside the endpoints (those are answered in ``endpoint``)."""
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return fail(INTERNAL, f"internal server error ({type(exc).__name__}); see the server log")
