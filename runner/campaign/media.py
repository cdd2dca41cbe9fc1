"""Media files may only be read from inside the media roots, judged on the resolved real path.

A media path reaches a phone that may post it publicly, so a template or API body must not make
it ``/etc/passwd`` (``{{ vars.p }}``, ``{{ '/etc' }}/passwd``, ``../../``, a symlink). The same
function judges the rendered value when tasks are made (validate, plan, the API) and the file
again in the script right before it is read, so a symlink swapped in later is refused too.

The roots: the campaign repository (relative paths start there) plus the folders of
``CAMPAIGN_RUNNER_MEDIA_ROOTS`` (``os.pathsep``-separated; ``serve --media-root`` sets it for its
process, so the API and the scripts of that process agree).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

MEDIA_ROOTS_ENV = "CAMPAIGN_RUNNER_MEDIA_ROOTS"
MEDIA_FIELDS = ("material_path", "comment_image_path", "avatars_path")
FOLDER_FIELDS = ("material_path", "avatars_path")  # media paths that name a folder, not a file
MEDIA_LISTS = ("material_list",)


class OutsideMediaRoots(ValueError):
    """The path is unusable or resolves outside every media root; the text says which."""


def media_roots(repo_root: Path | None) -> tuple[Path, ...]:
    """The repository root (default: the working directory) and the configured extra roots."""
    extra = [Path(p) for p in os.environ.get(MEDIA_ROOTS_ENV, "").split(os.pathsep) if p.strip()]
    return tuple(root.resolve() for root in [repo_root or Path.cwd(), *extra])


def confine(raw: str, roots: Sequence[Path]) -> Path:
    """The real path of ``raw`` (relative to the first root, ``~`` expanded, symlinks resolved)
    if it lies inside one of ``roots``; raises OutsideMediaRoots otherwise."""
    resolved = [Path(root).resolve() for root in roots]
    try:
        path = Path(raw).expanduser()
        full = (path if path.is_absolute() else resolved[0] / path).resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # NUL bytes, unknown ~user, link loops
        raise OutsideMediaRoots(f"not a usable path ({exc})") from None
    if not any(full.is_relative_to(root) for root in resolved):
        allowed = ", ".join(str(r) for r in resolved)
        raise OutsideMediaRoots(f"{raw!r} is outside the media roots ({allowed})")
    return full


def media_paths(config: dict[str, object]) -> list[tuple[tuple[str | int, ...], str]]:
    """(config path, value) of every non-empty media path of a script_config that the script
    reads: ``material_path`` is ignored when ``material_list`` is given (TikMatrix documents that
    precedence), so it is not judged either."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    listed = isinstance(config.get("material_list"), list) and bool(config["material_list"])
    for key in MEDIA_FIELDS:
        if key == "material_path" and listed:
            continue
        value = config.get(key)
        if isinstance(value, str) and value.strip():
            out.append(((key,), value))
    for key in MEDIA_LISTS:
        values = config.get(key)
        if isinstance(values, list):
            out += [((key, i), v) for i, v in enumerate(values) if isinstance(v, str) and v.strip()]
    return out
