"""Choosing the media of a post: an explicit list, a local folder, or the repo's library.

The library is the campaign repo's `materials/` folder; `materials/tags.yaml` maps file names
to tags (`demo-1.mp4: [dance, summer]`) and `materials_tags: "dance, food"` keeps files with
any of those tags.
"""

from __future__ import annotations

from pathlib import Path

from runner.campaign.pretouch import IMAGE, VIDEO, library_tags, wanted_tags
from runner.errors import FailureClass
from runner.scripts.common import local_path, media_file
from runner.scripts.context import Ctx


def _folder_files(ctx: Ctx, folder: Path, wanted: set[str]) -> list[Path]:
    if not folder.is_dir():
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"material folder {folder} does not exist",
            hint="set material_path, or create materials/ in the campaign repo",
        )
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in VIDEO + IMAGE)
    if wanted:
        tags = library_tags(folder)
        files = [p for p in files if tags.get(p.name, set()) & wanted]
    return files


def choose_media(ctx: Ctx) -> list[Path]:
    """The files this post uploads: one video (content_type 0) or image_count images (1)."""
    config = ctx.config
    images = int(config.get("content_type", 0)) == 1
    count = max(1, int(config.get("image_count", 1))) if images else 1
    listed = [str(m) for m in config.get("material_list") or [] if str(m).strip()]
    if listed:
        return [local_path(ctx, m) for m in listed][: count if images else len(listed)]
    if config.get("material_source") == "localFolder":
        folder = media_file(ctx, str(config.get("material_path", "")))
    else:
        folder = (ctx.repo_root or Path.cwd()) / "materials"
    wanted = wanted_tags(config)
    kind = IMAGE if images else VIDEO
    pool = [p for p in _folder_files(ctx, folder, wanted) if p.suffix.lower() in kind]
    if len(pool) < count:
        what = f"{count} image(s)" if images else "a video"
        tags = f" tagged {sorted(wanted)}" if wanted else ""
        raise ctx.fail(
            FailureClass.CONFIG_ERROR,
            f"need {what}{tags} in {folder}, found {len(pool)}",
            hint="add media to the folder or change materials_tags / content_type",
        )
    return [media_file(ctx, str(p)) for p in ctx.rng.sample(pool, count)]
