"""The OpenAPI 3.1 document served at /openapi.json, built by hand around the project's schemas.

Request bodies come from ``runner/schemas/`` (see ``openapi_schemas``); the shapes of the answers are
written here once. Every operation answers HTTP 200 with the envelope, whose ``data`` is the
operation's schema on success and ``null`` on error (see ``envelope`` for why 200).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from runner.api.openapi_schemas import COMPONENT_PREFIX, CREATE_BODY, schema_components

API = "/api/v1"
NULLABLE_STR = {"type": ["string", "null"]}

TASK = {
    "type": "object",
    "description": "One task: one script run on one phone (and account) for one target.",
    "required": [
        "id",
        "serial",
        "username",
        "script_name",
        "script_config",
        "script_args",
        "status",
        "status_text",
        "start_time",
        "end_time",
        "retry_count",
        "remark",
        "source",
        "campaign",
    ],
    "properties": {
        "id": {"type": "integer"},
        "serial": NULLABLE_STR,
        "username": NULLABLE_STR,
        "script_name": {"type": "string"},
        "script_config": {
            "type": "object",
            "description": "The script's parameters, rendered and defaulted.",
        },
        "script_args": {
            "type": "string",
            "description": "script_config as a JSON string (what the original's UI reads).",
        },
        "status": {
            "type": "integer",
            "enum": [0, 1, 2, 3],
            "description": "0 pending, 1 running, 2 completed, 3 failed",
        },
        "status_text": {"type": "string"},
        "start_time": {**NULLABLE_STR, "description": "YYYY-MM-DD HH:MM:SS, server local time"},
        "end_time": {**NULLABLE_STR, "description": "YYYY-MM-DD HH:MM:SS, server local time"},
        "retry_count": {"type": "integer"},
        "remark": {"type": "string", "description": "Last error or result summary."},
        "source": {"type": "string", "enum": ["api", "ui", "file"]},
        "campaign": NULLABLE_STR,
    },
}
TASK_LIST = {
    "type": "object",
    "required": ["tasks", "total", "page", "page_size"],
    "properties": {
        "tasks": {"type": "array", "items": {"$ref": COMPONENT_PREFIX + "Task"}},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 100},
    },
}
STATS = {
    "type": "object",
    "required": ["total", "pending", "running", "completed", "failed"],
    "properties": {
        k: {"type": "integer", "minimum": 0}
        for k in ("total", "pending", "running", "completed", "failed")
    },
}
LICENSE = {
    "type": "object",
    "required": ["plan_name", "api_enabled", "device_limit", "message"],
    "properties": {
        "plan_name": {"type": "string"},
        "api_enabled": {"type": "boolean"},
        "device_limit": {"type": "integer", "minimum": 0},
        "message": {"type": "string"},
    },
}
CREATED = {
    "type": "object",
    "required": ["task_ids", "created_count"],
    "properties": {
        "task_ids": {"type": "array", "items": {"type": "integer"}},
        "created_count": {"type": "integer", "minimum": 0},
    },
}
TASK_IDS = {
    "type": "object",
    "required": ["task_ids"],
    "properties": {"task_ids": {"type": "array", "items": {"type": "integer"}}},
}
DELETED = {
    "type": "object",
    "required": ["deleted_ids", "deleted_count"],
    "properties": {
        "deleted_ids": {"type": "array", "items": {"type": "integer"}},
        "deleted_count": {"type": "integer"},
    },
}
ARTIFACT = {
    "type": "object",
    "required": ["name", "size", "url"],
    "properties": {
        "name": {"type": "string"},
        "size": {"type": "integer"},
        "url": {"type": "string"},
    },
}
OBJECT = {"type": "object"}
RETRIED = {
    "type": "object",
    "required": ["retried_count", "skipped_count", "cancelled_count"],
    "properties": {
        "retried_count": {"type": "integer"},
        "skipped_count": {
            "type": "integer",
            "description": "failed tasks left alone: at the retry limit (10), or stopped",
        },
        "cancelled_count": {
            "type": "integer",
            "description": "stopped tasks (failure_class cancelled) left alone",
        },
    },
}
RETRY_ALL_BODY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "include_cancelled": {
            "type": ["boolean", "null"],
            "default": False,
            "description": "also retry stopped tasks (failure_class cancelled)",
        }
    },
}


def _envelope(data: dict[str, Any] | None) -> dict[str, Any]:
    data_schema: dict[str, Any] = {"anyOf": [data, {"type": "null"}]} if data else {}
    return {
        "type": "object",
        "required": ["code", "message", "data"],
        "properties": {
            "code": {"type": "integer", "enum": [0, 40001, 40002, 40003, 40301, 40401, 50001]},
            "message": {"type": "string"},
            "data": data_schema,
        },
    }


def _op(
    summary: str,
    data: dict[str, Any] | None,
    *,
    params: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    body_required: bool = True,
    tag: str = "tasks",
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "responses": {
            "200": {
                "description": "The envelope; `code` 0 is success, anything else an error with `data` null.",
                "content": {"application/json": {"schema": _envelope(data)}},
            }
        },
    }
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": body}},
        }
    return op


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


TASK_ID = {
    "name": "task_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
LIST_PARAMS = [
    _query(
        "status",
        {"type": "integer", "enum": [0, 1, 2, 3]},
        "0 pending, 1 running, 2 completed, 3 failed",
    ),
    _query("serial", {"type": "string"}, "phone serial"),
    _query("script_name", {"type": "string"}, "script"),
    _query("source", {"type": "string", "enum": ["ui", "api", "file"]}, "who created the task"),
    _query("campaign", {"type": "string"}, "campaign name (beyond the original)"),
    _query("page", {"type": "integer", "minimum": 1, "default": 1}, "1-based page"),
    _query(
        "page_size",
        {"type": "integer", "minimum": 1, "default": 20},
        "tasks per page; values over 100 are clamped to 100",
    ),
]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": COMPONENT_PREFIX + name}


def _paths() -> dict[str, Any]:
    task, one = f"{API}/task", f"{API}/task/{{task_id}}"
    return {
        f"{API}/license/check": {
            "get": _op("Licence and API status", _ref("License"), tag="server")
        },
        task: {
            "post": _op(
                "Create tasks (one per phone or account per target)",
                _ref("Created"),
                body=_ref(CREATE_BODY),
            ),
            "get": _op("List tasks, filtered and paged", _ref("TaskList"), params=LIST_PARAMS),
        },
        f"{API}/task/stats": {"get": _op("Task counts by status", _ref("Stats"))},
        f"{API}/task/retry-all": {
            "post": _op(
                "Retry every failed task (stopped ones only when asked)",
                RETRIED,
                body=RETRY_ALL_BODY,
                body_required=False,
            )
        },
        f"{API}/task/batch": {
            "delete": _op("Delete tasks (running ones are stopped first)", DELETED, body=TASK_IDS)
        },
        one: {
            "get": _op("One task", _ref("Task"), params=[TASK_ID]),
            "delete": _op(
                "Delete a task (a running task is stopped first)", DELETED, params=[TASK_ID]
            ),
        },
        f"{one}/stop": {
            "post": _op(
                "Stop a task; answers it stopped (status 3, failure_class cancelled)",
                _ref("Task"),
                params=[TASK_ID],
            )
        },
        f"{one}/retry": {"post": _op("Retry a failed task", _ref("Task"), params=[TASK_ID])},
        f"{one}/events": {
            "get": _op(
                "The task's status changes and attempts",
                {"type": "array", "items": OBJECT},
                params=[TASK_ID],
            )
        },
        f"{one}/artifacts": {
            "get": _op(
                "Files the task left (screenshots, UI dumps)",
                {"type": "array", "items": ARTIFACT},
                params=[TASK_ID],
            )
        },
        f"{one}/artifacts/{{name}}": {"get": _download_op()},
        f"{API}/devices": {
            "get": _op("The phones in the pool", {"type": "array", "items": OBJECT}, tag="server")
        },
        f"{API}/campaigns/apply": {
            "post": _op("Re-read the campaign files and apply them", OBJECT, tag="server")
        },
    }


def _download_op() -> dict[str, Any]:
    """The one answer that is not an envelope on success: the file itself."""
    op = _op(
        "Download one artifact file (an envelope with 40401 when absent)",
        None,
        params=[
            TASK_ID,
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
        ],
    )
    op["responses"]["200"]["content"]["*/*"] = {"schema": {}}
    op["responses"]["200"]["description"] = (
        "The file's bytes, or the envelope when there is no such file."
    )
    return op


@cache
def openapi_document() -> dict[str, Any]:
    """The whole document; cached because the schemas do not change while the server runs."""
    components = schema_components()
    components.update(Task=TASK, TaskList=TASK_LIST, Stats=STATS, License=LICENSE, Created=CREATED)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "campaign-runner local API",
            "version": "1",
            "description": "Wire-compatible with the TikMatrix local API. Every answer is HTTP 200 with "
            "an envelope {code, message, data}; see docs/api.md.",
        },
        "servers": [{"url": "/"}],
        "paths": _paths(),
        "components": {"schemas": components},
    }
