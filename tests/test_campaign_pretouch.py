"""Checks made before a phone is touched: media exists and is of a kind the script takes, the
materials library has a file for the tags asked, a schedule fires; each with file:line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from runner.campaign import load_repo, validate_api_body

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
INVENTORY = "devices:\n  - serial: P1\n    accounts: [{username: anna}]\n"


def problems(tmp_path: Path, campaign: str) -> tuple[list[str], list[str]]:
    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    (tmp_path / "c.yaml").write_text(campaign)
    repo = load_repo([tmp_path / "c.yaml"], root=tmp_path, now=NOW)
    shown = [str(p).replace(str(tmp_path), "ROOT") for p in repo.problems]
    warned = [str(w).replace(str(tmp_path), "ROOT") for w in repo.warnings]
    return shown, warned


def media(tmp_path: Path, *names: str) -> None:
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")


def test_a_missing_material_list_file_is_a_problem_at_its_line(tmp_path: Path) -> None:
    found, _ = problems(
        tmp_path,
        "script_name: post\nserials: [P1]\nscript_config:\n  material_list: [clips/gone.mp4]\n",
    )
    assert found == [
        "ROOT/c.yaml:4:19: script_config.material_list[0]: no such file: clips/gone.mp4 "
        "(looked at ROOT/clips/gone.mp4) (relative paths start at the campaign repository)"
    ]


def test_a_file_no_script_can_upload_is_a_problem_and_an_odd_kind_a_warning(
    tmp_path: Path,
) -> None:
    media(tmp_path, "notes.txt", "photo.jpg")
    found, warned = problems(
        tmp_path,
        "script_name: post\nserials: [P1]\nscript_config:\n  material_list: [notes.txt, photo.jpg]\n",
    )
    assert [p.split(": ", 2)[1:] for p in found] == [
        [
            "script_config.material_list[0]",
            "notes.txt is not a video (.mp4, .mov, .3gp, .mkv, .webm) "
            "(relative paths start at the campaign repository)",
        ]
    ]
    assert any("material_list[1]: photo.jpg is not a video" in w for w in warned)


def test_a_comment_image_must_exist_and_be_an_image(tmp_path: Path) -> None:
    media(tmp_path, "clip.mp4")
    found, _ = problems(
        tmp_path,
        "script_name: comment\nserials: [P1]\nscript_config:\n"
        "  target_post_urls: ['https://www.tiktok.com/@a/video/1']\n"
        "  comment_content: hi\n  comment_image_path: clip.mp4\n",
    )
    assert [p.split(": ", 2)[1] for p in found] == ["script_config.comment_image_path"]
    assert "clip.mp4 is not an image" in found[0]


def test_library_tags_that_match_no_file_are_a_problem(tmp_path: Path) -> None:
    media(tmp_path, "materials/a.mp4")
    (tmp_path / "materials" / "tags.yaml").write_text("a.mp4: [dance]\n")
    found, _ = problems(
        tmp_path,
        "script_name: post\nserials: [P1]\nscript_config:\n  materials_tags: food\n",
    )
    assert [p.split(": ", 2)[1:] for p in found] == [
        [
            "script_config.materials_tags",
            "needs a video tagged food in ROOT/materials, found 0 "
            "(relative paths start at the campaign repository)",
        ]
    ]
    assert (
        problems(
            tmp_path,
            "script_name: post\nserials: [P1]\nscript_config:\n  materials_tags: dance\n",
        )[0]
        == []
    )


def test_a_local_folder_without_enough_images_is_a_problem(tmp_path: Path) -> None:
    media(tmp_path, "pics/a.jpg", "pics/b.mp4")
    found, _ = problems(
        tmp_path,
        "script_name: post\nserials: [P1]\nscript_config:\n  content_type: 1\n  image_count: 2\n"
        "  material_source: localFolder\n  material_path: pics\n",
    )
    assert len(found) == 1
    assert "script_config.material_path: needs 2 image(s) in ROOT/pics, found 1" in found[0]


def test_a_schedule_that_never_fires_is_a_problem(tmp_path: Path) -> None:
    found, _ = problems(
        tmp_path,
        "script_name: account_warmup\nserials: [P1]\nschedule: '0 9 30 2 *'\n",
    )
    assert found == [
        "ROOT/c.yaml:3:11: schedule: '0 9 30 2 *' never fires (no date matches it in the next "
        "8 years) (check the day-of-month and month fields)"
    ]


def test_the_api_refuses_missing_media_with_40001(tmp_path: Path) -> None:
    body = {"serials": ["P1"], "script_name": "post", "script_config": {"material_list": ["x.mp4"]}}
    [err] = validate_api_body(body, media_roots=[tmp_path])
    assert (err.api_code, err.field) == (40001, "script_config.material_list[0]")
    assert err.reason == f"no such file: x.mp4 (looked at {tmp_path / 'x.mp4'})"


def test_a_templated_media_path_is_checked_once_rendered(tmp_path: Path) -> None:
    found, _ = problems(
        tmp_path,
        "script_name: post\nserials: [P1]\nvars: {clip: launch}\nscript_config:\n"
        "  material_list: ['clips/{{ vars.clip }}.mp4']\n",
    )
    assert found == [
        "ROOT/c.yaml:5:19: script_config.material_list[0]: no such file: clips/launch.mp4 "
        "(rendered from a template; looked at ROOT/clips/launch.mp4) "
        "(relative paths start at the campaign repository)"
    ]


def test_a_templated_media_path_to_a_file_no_script_can_upload_is_a_problem_once_rendered(
    tmp_path: Path,
) -> None:
    media(tmp_path, "clips/launch.txt")
    found, _ = problems(
        tmp_path,
        "script_name: post\nserials: [P1]\nvars: {clip: launch}\nscript_config:\n"
        "  material_list: ['clips/{{ vars.clip }}.txt']\n",
    )
    assert found == [
        "ROOT/c.yaml:5:19: script_config.material_list[0]: after rendering the template: "
        "clips/launch.txt is not a video (.mp4, .mov, .3gp, .mkv, .webm) "
        "(relative paths start at the campaign repository)"
    ]


def test_a_templated_media_path_to_a_file_that_exists_is_no_problem(tmp_path: Path) -> None:
    media(tmp_path, "clips/launch.mp4")
    found, _ = problems(
        tmp_path,
        "script_name: post\nserials: [P1]\nvars: {clip: launch}\nscript_config:\n"
        "  material_list: ['clips/{{ vars.clip }}.mp4']\n",
    )
    assert found == []


def test_a_template_comment_in_a_media_path_is_not_part_of_the_file_name(
    tmp_path: Path,
) -> None:
    media(tmp_path, "clips/launch.mp4")
    found, _ = problems(
        tmp_path,
        "script_name: post\nserials: [P1]\nscript_config:\n"
        "  material_list: ['clips/{# the spring one #}launch.mp4']\n",
    )
    assert found == []


def test_a_media_path_with_only_a_template_comment_is_judged_once_rendered(
    tmp_path: Path,
) -> None:
    found, _ = problems(
        tmp_path,
        "script_name: post\nserials: [P1]\nscript_config:\n"
        "  material_list: ['clips/{# the spring one #}gone.mp4']\n",
    )
    assert found == [
        "ROOT/c.yaml:4:19: script_config.material_list[0]: no such file: clips/gone.mp4 "
        "(rendered from a template; looked at ROOT/clips/gone.mp4) "
        "(relative paths start at the campaign repository)"
    ]


def test_an_avatars_folder_without_an_image_is_a_problem_at_its_line(tmp_path: Path) -> None:
    media(tmp_path, "faces/notes.txt", "faces/clip.mp4")
    found, _ = problems(
        tmp_path,
        "script_name: profile\nserials: [P1]\nscript_config:\n  avatars_path: faces\n",
    )
    assert found == [
        "ROOT/c.yaml:4:17: script_config.avatars_path: no image in ROOT/faces (the script takes one "
        "of its .jpg, .jpeg, .png, .webp, .gif, .heic files) (relative paths start at the "
        "campaign repository)"
    ]


def test_a_templated_avatars_folder_without_an_image_is_a_problem_once_rendered(
    tmp_path: Path,
) -> None:
    media(tmp_path, "faces/notes.txt")
    found, _ = problems(
        tmp_path,
        "script_name: profile\nserials: [P1]\nvars: {set: faces}\nscript_config:\n"
        "  avatars_path: '{{ vars.set }}'\n",
    )
    assert found == [
        "ROOT/c.yaml:5:17: script_config.avatars_path: after rendering the template: no image in "
        "ROOT/faces (the script takes one of its .jpg, .jpeg, .png, .webp, .gif, .heic files) "
        "(relative paths start at the campaign repository)"
    ]


def test_the_api_refuses_a_missing_avatars_folder_with_40001(tmp_path: Path) -> None:
    config = {"avatars_path": "C:/Users/Admin/Desktop/avatars"}
    body = {"serials": ["P1"], "script_name": "profile", "script_config": config}
    [err] = validate_api_body(body, media_roots=[tmp_path])
    assert (err.api_code, err.field) == (40001, "script_config.avatars_path")
    assert err.reason == (
        "no such folder: C:/Users/Admin/Desktop/avatars "
        f"(looked at {tmp_path / 'C:/Users/Admin/Desktop/avatars'})"
    )
