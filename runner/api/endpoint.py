"""Turn plain synchronous handlers into Starlette endpoints that always answer the envelope.

A handler is ``handler(call: Call) -> data``: it reads path/query/body from ``call``, talks to
the store and the runner (blocking SQLite and adb work, so it runs in the thread pool, never
on the event loop; a coroutine handler awaits non-blocking reads on the loop itself) and returns the ``data`` of a success envelope, or a ready ``Response``
(file downloads). Every failure is translated here, in one place:

    ApiError                     -> its own code and message
    CampaignError (api_code)     -> 40001/40002/40003 with "field: reason"
    anything else                -> 50001, logged with its traceback (a StateError here means
                                    the state file is unusable: the server's fault, not the
                                    client's; handlers turn the client-caused ones into 40001)
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.api.envelope import BAD_REQUEST, INTERNAL, fail, ok
from runner.errors import ApiError, CampaignError

log = logging.getLogger("runner.api")


@dataclass(frozen=True)
class Call:
    """What a handler may read of the request; bodies are already parsed JSON."""

    method: str
    path: str
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    body: Any = None


Handler = Callable[[Call], Any]
BodyMode = Literal["none", "required", "optional"]  # whether the request carries a JSON body
Endpoint = Callable[[Request], Awaitable[Response]]


def endpoint(handler: Handler, *, body: BodyMode = "none") -> Endpoint:
    """Wrap ``handler``; ``body`` is "none", "required" (a JSON object) or "optional"."""
    on_loop = inspect.iscoroutinefunction(handler)  # awaits its reads on the loop

    async def run(request: Request) -> Response:
        try:
            parsed = (
                await read_json(request, required=body == "required") if body != "none" else None
            )
            call = Call(
                method=request.method,
                path=request.url.path,
                path_params=request.path_params,
                query=request.query_params,
                body=parsed,
            )
            if on_loop:
                result = await handler(call)
            else:
                result = await run_in_threadpool(handler, call)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an envelope
            return error_response(exc, request)
        return result if isinstance(result, Response) else ok(result)

    run.__name__ = getattr(handler, "__name__", "endpoint")
    return run


def route(path: str, **by_method: Endpoint) -> Route:
    """One Route per path, all its methods together, so a wrong method's answer lists every
    allowed one (separate Routes per method would each report only their own)."""
    handlers = {method.upper(): handler for method, handler in by_method.items()}

    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return Route(path, dispatch, methods=list(handlers), name=path)


def error_response(exc: BaseException, request: Request) -> Response:
    """The one translation of exceptions into envelope codes (see the module docstring)."""
    if isinstance(exc, ApiError):
        return fail(exc.code, exc.message)
    if isinstance(exc, CampaignError):
        code = int(getattr(exc, "api_code", BAD_REQUEST) or BAD_REQUEST)
        return fail(code, campaign_error_message(exc))
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return fail(INTERNAL, f"internal server error ({type(exc).__name__}); see the server log")


def campaign_error_message(exc: CampaignError) -> str:
    """ "field: reason", the shape API clients log; file positions mean nothing for a body."""
    return f"{exc.field}: {exc.reason}" if exc.field else exc.reason


async def read_json(request: Request, *, required: bool) -> Any:
    """Parse the body as a JSON object; empty is allowed only when not ``required``."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise ApiError(BAD_REQUEST, "request body: expected a JSON object, got an empty body")
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # bad UTF-8, bad JSON, absurd nesting
        raise ApiError(BAD_REQUEST, f"request body: malformed JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ApiError(BAD_REQUEST, f"request body: expected object, got {json_type(value)}")
    return value


def json_type(value: Any) -> str:
    """JSON's name for a Python value, as messages say "expected array, got string"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number" if isinstance(value, float) else "integer"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
