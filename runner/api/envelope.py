"""The TikMatrix envelope: every answer is ``{"code", "message", "data"}`` with HTTP 200.

Why 200 even for errors: the documented PowerShell client uses ``Invoke-RestMethod``, which
throws on any non-2xx status before the script can read ``code``, and every documented client
branches on ``code``, never on the HTTP status. So the status line is always 200 and the
envelope code carries the outcome.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

OK = 0
BAD_REQUEST = 40001
SCRIPT_NAME_MISSING = 40002
SCRIPT_NOT_SUPPORTED = 40003
FORBIDDEN = 40301
NOT_FOUND = 40401
INTERNAL = 50001

CODES: dict[int, str] = {
    OK: "success",
    BAD_REQUEST: "bad request: invalid parameters",
    SCRIPT_NAME_MISSING: "bad request: script_name is required",
    SCRIPT_NOT_SUPPORTED: "bad request: script not supported via the API",
    FORBIDDEN: "forbidden",
    NOT_FOUND: "not found",
    INTERNAL: "internal server error",
}


def envelope_bytes(code: int, message: str, data: Any = None) -> bytes:
    """Serialise one envelope; ``ensure_ascii=False`` keeps captions in any language readable."""
    body = {"code": code, "message": message, "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class EnvelopeResponse(Response):
    """A JSON response that is always an envelope and always HTTP 200."""

    media_type = "application/json"

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(content=envelope_bytes(code, message, data), status_code=200)


def ok(data: Any = None) -> EnvelopeResponse:
    return EnvelopeResponse(OK, CODES[OK], data)


def fail(code: int, message: str | None = None) -> EnvelopeResponse:
    return EnvelopeResponse(code, message or CODES[code], None)
