"""/docs: the OpenAPI document rendered as one plain HTML page.

Offline on purpose: phone farms often run on machines without internet, so no Swagger UI from a
CDN; the page is generated from the same document as /openapi.json, so it cannot drift from it.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from typing import Any

from runner.api.openapi import openapi_document

STYLE = """body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
h2{border-bottom:1px solid #ccc;margin-top:2em}code,pre{background:#f4f4f4;padding:0 .2em}
.m{display:inline-block;min-width:4em;font-weight:bold}table{border-collapse:collapse}
td,th{border:1px solid #ddd;padding:.2em .5em;vertical-align:top;text-align:left}
details{margin:.5em 0}pre{padding:.5em;overflow:auto;max-height:30em}"""


@cache
def docs_html() -> str:
    doc = openapi_document()
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(doc['info']['title'])}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(doc['info']['title'])}</h1><p>{escape(doc['info']['description'])}</p>",
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a> (OpenAPI 3.1).</p>",
        "<h2>Endpoints</h2>",
    ]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            parts.append(_operation(method, path, op))
    parts.append("<h2>Schemas</h2>")
    for name, schema in doc["components"]["schemas"].items():
        parts.append(_schema(name, schema))
    parts.append("</body></html>")
    return "\n".join(parts)


def _operation(method: str, path: str, op: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{escape(json.dumps(p['schema']))}</td><td>{escape(p.get('description', ''))}</td></tr>"
        for p in op.get("parameters", [])
    )
    table = (
        f"<table><tr><th>parameter</th><th>in</th><th>schema</th><th>notes</th></tr>{rows}</table>"
        if rows
        else ""
    )
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    body_html = f"<p>Body: <code>{escape(json.dumps(body))}</code></p>" if body else ""
    anchor = f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "")
    return (
        f"<h3 id='{escape(anchor)}'><span class='m'>{method.upper()}</span> <code>{escape(path)}</code></h3>"
        f"<p>{escape(op['summary'])}</p>{table}{body_html}"
    )


def _schema(name: str, schema: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(key)}</code></td><td>{escape(_type(sub))}</td>"
        f"<td>{escape(json.dumps(sub['default'])) if 'default' in sub else ''}</td>"
        f"<td>{escape(sub.get('description', ''))}</td></tr>"
        for key, sub in schema.get("properties", {}).items()
    )
    table = (
        f"<table><tr><th>field</th><th>type</th><th>default</th><th>notes</th></tr>{rows}</table>"
        if rows
        else ""
    )
    return (
        f"<h3 id='{escape(name)}'>{escape(name)}</h3><p>{escape(schema.get('description', ''))}</p>{table}"
        f"<details><summary>JSON Schema</summary><pre>{escape(json.dumps(schema, indent=2))}</pre></details>"
    )


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    return " or ".join(kind) if isinstance(kind, list) else str(kind)
