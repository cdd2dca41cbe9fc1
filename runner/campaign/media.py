"""Media files may only be read from inside the media roots, judged on the resolved real path.

A media path reaches a phone that may post it publicly, so a template or API body must not make
it ``/etc/passwd`` (``{{ vars.p }}``, ``{{ '/etc' }}/passwd``, ``../../``, a symlink). The same
function judges the rendered value when tasks are made (validate, plan, the API) and the file
again in the script right before it is read, so a symlink swapped in later is refused too.

The roots: the campaign repository (relative paths start there) plus the folders of
``CAMPAIGN_RUNNER_MEDIA_ROOTS`` (``os.pathsep``-separated; ``serve --media-root`` sets it for its
process, so the API and the scripts of that process agree).

Which fields are media, and what they hold, is each script's registry entry
(``ScriptSpec.media``, a ``MediaField`` per field); nothing here names a script's fields.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

MEDIA_ROOTS_ENV = "CAMPAIGN_RUNNER_MEDIA_ROOTS"
VIDEO = (".mp4", ".mov", ".3gp", ".mkv", ".webm")
IMAGE = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic")
MediaPath = tuple[tuple[str | int, ...], str, "MediaField"]


@dataclass(frozen=True)
class MediaField:
    """A script_config field naming media on this PC. ``kind``: one file, a list of files, a
    folder the script picks a file from, or a library (TikMatrix's post: that folder with
    ``material_source: localFolder``, else the repository's ``materials/``, tagged in
    ``tags.yaml``). ``accepts``: what its files are: images, videos, or by ``content_type``
    (post: 1 photos, else a video). ``unless``: a field that, when given, makes the script
    ignore this one (post's ``material_list`` over ``material_path``), so it is not judged
    either."""

    key: str
    kind: Literal["file", "files", "folder", "library"]
    accepts: Literal["image", "video", "content_type"]
    unless: str | None = None

    @property
    def is_folder(self) -> bool:
        return self.kind in ("folder", "library")

    def ignored(self, config: Mapping[str, Any]) -> bool:
        """Its ``unless`` field is given: the script does not read this one."""
        return self.unless is not None and _given(config.get(self.unless))

    def wants(self, config: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
        """("an image" or "a video", the suffixes) its files must have under ``config``."""
        images = self.accepts == "image" or (
            self.accepts == "content_type" and int(config.get("content_type", 0) or 0) == 1
        )
        return ("an image", IMAGE) if images else ("a video", VIDEO)


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


def media_paths(fields: Sequence[MediaField], config: Mapping[str, Any]) -> list[MediaPath]:
    """(config path, value, field) of every non-empty media path of a script_config that the
    script reads (a field whose ``unless`` is given is not read, so not judged either)."""
    out: list[MediaPath] = []
    for field in fields:
        if field.ignored(config):
            continue
        value = config.get(field.key)
        if field.kind == "files" and isinstance(value, list):
            out += [((field.key, i), v, field) for i, v in enumerate(value) if _given(v)]
        elif field.kind != "files" and isinstance(value, str) and value.strip():
            out.append(((field.key,), value, field))
    return out


def _given(value: object) -> bool:
    if isinstance(value, list):
        return any(_given(v) for v in value)
    return isinstance(value, str) and bool(value.strip())
