"""Media paths in a create body may only point inside the configured media roots.

The API is a door into the machine: without this check a client could make a phone upload
``/home/user/.ssh/id_rsa`` as a "video". Relative paths are read against the first root (the
campaign repository, as scripts resolve them), and symlinks are resolved before the check.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from runner.api.envelope import BAD_REQUEST
from runner.errors import ApiError

SINGLE_FIELDS = ("material_path", "comment_image_path")
LIST_FIELDS = ("material_list",)


def check_media_paths(body: dict[str, Any], roots: Sequence[Path]) -> None:
    """Raise 40001 naming the first path outside every root; wrong types are left to the schema."""
    config = body.get("script_config")
    if not isinstance(config, dict) or not roots:
        return
    resolved_roots = [root.resolve() for root in roots]
    for field, value in _paths(config):
        try:
            path = Path(value).expanduser()
            full = (path if path.is_absolute() else resolved_roots[0] / path).resolve()
        except (OSError, ValueError, RuntimeError) as exc:  # NUL bytes, unknown ~user, loops
            raise ApiError(
                BAD_REQUEST, f"script_config.{field}: not a usable path ({exc})"
            ) from None
        if not any(full.is_relative_to(root) for root in resolved_roots):
            allowed = ", ".join(str(r) for r in resolved_roots)
            raise ApiError(
                BAD_REQUEST,
                f"script_config.{field}: {value!r} is outside the media roots ({allowed})",
            )


def _paths(config: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for field in SINGLE_FIELDS:
        value = config.get(field)
        if isinstance(value, str) and value.strip():
            yield field, value
    for field in LIST_FIELDS:
        values = config.get(field)
        if isinstance(values, list):
            for index, value in enumerate(values):
                if isinstance(value, str) and value.strip():
                    yield f"{field}[{index}]", value
