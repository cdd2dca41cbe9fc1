"""Who may talk to the API: Host allow-list, Origin check, JSON-only bodies, trailing slashes.

The threat: the API listens on loopback, and every web page the user opens can send requests
to loopback. Three doors, three locks:

- **DNS rebinding** (a page on ``attacker.example`` re-resolves its own name to 127.0.0.1 and
  then reads answers as same-origin): the ``Host`` header must be a loopback name, the bound
  address or a configured name (``--allowed-host``). Refused with 40301.
- **Cross-origin writes** (a page POSTs to ``http://127.0.0.1:50809/api/v1/task``; the browser
  sends it even though the page cannot read the answer): every state-changing request that
  carries an ``Origin`` must come from an allow-listed origin (``--cors-origin``) or from the
  server's own origin. Browsers send ``Origin`` on every cross-origin POST and DELETE.
  Refused with 40301.
- **"Simple" requests** (a form or ``fetch`` with ``text/plain``, form or multipart bodies need
  no CORS preflight): a state-changing request with a ``Content-Type`` must say JSON, and one
  without a ``Content-Type`` must have no body. Refused with 40001. A body-less POST without a
  ``Content-Type`` stays accepted, because TikMatrix's own Python example sends ``stop`` and
  ``retry`` that way; a browser cannot send one cross-origin without an ``Origin`` header, which
  the check above refuses.

Pure ASGI so a refused request is answered before its body is read. Trailing slashes are
stripped here too (``/api/v1/task/`` is ``/api/v1/task``), so the router never answers a 307
that clients following the envelope contract cannot read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from runner.api.envelope import BAD_REQUEST, FORBIDDEN, EnvelopeResponse

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANY_HOST = "*"


def host_name(header: str) -> str:
    """The name part of a Host header: ``[::1]:50809`` -> ``::1``, ``Example:80`` -> ``example``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def is_loopback_name(name: str) -> bool:
    """localhost (and its subdomains, which resolve to loopback by RFC 6761) or a loopback IP."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def default_allowed_hosts(bound: str | None, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Loopback names, the bound address and ``extra``; any host on a wildcard bind without
    ``extra`` (such a bind needs a token, which a rebinding page does not have)."""
    extra = tuple(name.lower() for name in extra)
    if bound in ("0.0.0.0", "::", "") and not extra:
        return (ANY_HOST,)
    named = (host_name(bound),) if bound and bound not in ("0.0.0.0", "::") else ()
    return LOOPBACK_NAMES + named + extra


class RequestGuardMiddleware:
    """The Host and Origin checks of the module docstring, then the slash normalisation."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: Iterable[str] = LOOPBACK_NAMES,
        allowed_origins: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.hosts = frozenset(host_name(h) if h != ANY_HOST else h for h in allowed_hosts)
        self.origins = frozenset(o.rstrip("/").lower() for o in allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope["method"], headers)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        path = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope = dict(scope, path=path.rstrip("/") or "/")
        await self.app(scope, receive, send)

    def _refusal(self, method: str, headers: Headers) -> EnvelopeResponse | None:
        host = headers.get("host")
        if host is not None and not self._host_allowed(host_name(host)):
            return EnvelopeResponse(
                FORBIDDEN,
                f"forbidden: Host {host!r} is not allowed (this server answers to "
                f"{', '.join(sorted(self.hosts))}; add names with --allowed-host)",
            )
        if method in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        if origin is not None and not self._origin_allowed(origin, host):
            return EnvelopeResponse(
                FORBIDDEN,
                f"forbidden: cross-origin {method} from {origin!r} (allow it with --cors-origin)",
            )
        return None

    def _host_allowed(self, name: str) -> bool:
        return ANY_HOST in self.hosts or name in self.hosts or is_loopback_name(name)

    def _origin_allowed(self, origin: str, host: str | None) -> bool:
        origin = origin.rstrip("/").lower()
        same = host is not None and origin in (f"http://{host.lower()}", f"https://{host.lower()}")
        return same or origin in self.origins


class JsonBodyMiddleware:
    """The third check of the module docstring; after the token, so a client without one is
    told that first."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            refusal = _content_type_refusal(Headers(scope=scope))
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _content_type_refusal(headers: Headers) -> EnvelopeResponse | None:
    given = headers.get("content-type")
    if given is None:
        has_body = headers.get("transfer-encoding") or headers.get("content-length", "0") != "0"
        if not has_body:
            return None
        return EnvelopeResponse(
            BAD_REQUEST, "request body: send it with Content-Type: application/json"
        )
    media = given.split(";", 1)[0].strip().lower()
    if media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    ):
        return None
    return EnvelopeResponse(
        BAD_REQUEST,
        f"request body: Content-Type must be application/json, got {media or 'nothing'!r}",
    )
