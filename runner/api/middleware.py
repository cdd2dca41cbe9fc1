"""Pure ASGI middleware that must answer before a route runs: the token and the body limit
(``guard`` holds the checks on Host, Origin and Content-Type).

Both answer with the envelope (HTTP 200, see ``envelope``). They are pure ASGI rather than
``BaseHTTPMiddleware`` so a refused body is never read: a client that announces 50 MiB gets
its answer before a byte of the body is pulled off the socket.
"""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runner.api.envelope import BAD_REQUEST, FORBIDDEN, EnvelopeResponse
from runner.errors import ApiError

MAX_BODY_BYTES = 1024 * 1024
TOO_LARGE_MESSAGE = "request body too large (limit 1 MiB)"


class TokenAuthMiddleware:
    """``Authorization: Bearer <token>`` on every request when a token is configured.

    Missing or wrong token answers 40301: the original's "forbidden" code, so clients that
    already branch on it keep working. The scheme is case-insensitive (RFC 9110: ``bearer`` is
    ``Bearer``); the token comparison is constant-time.
    """

    def __init__(self, app: ASGIApp, *, token: str | None) -> None:
        self.app = app
        self.expected = token.encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.expected is None:
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("authorization", "")
        scheme, _, credentials = given.strip().partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            credentials.strip().encode(), self.expected
        ):
            await self.app(scope, receive, send)
            return
        reason = "missing" if not given else "wrong"
        message = f"forbidden: {reason} API token (send Authorization: Bearer <token>)"
        await EnvelopeResponse(FORBIDDEN, message)(scope, receive, send)


class BodyTooLarge(ApiError):
    """Raised from ``receive`` mid-read; an ``ApiError`` so any envelope handler renders it."""

    def __init__(self) -> None:
        super().__init__(BAD_REQUEST, TOO_LARGE_MESSAGE)


class BodyLimitMiddleware:
    """Refuse bodies over ``limit`` bytes with 40001, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, *, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _content_length(scope) > self.limit:
            await EnvelopeResponse(BAD_REQUEST, TOO_LARGE_MESSAGE)(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await EnvelopeResponse(BAD_REQUEST, TOO_LARGE_MESSAGE)(scope, receive, send)


def _content_length(scope: Scope) -> int:
    try:
        return int(Headers(scope=scope).get("content-length", "0"))
    except ValueError:
        return 0
