"""post end to end: the simulated phone records the caption and the media file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import FailureClass, TaskFailed

REPO = Path(__file__).resolve().parent.parent


def _posts(fleet, user: str = "user001_1") -> list:  # type: ignore[no-untyped-def]
    return fleet.ground_truth()[fleet.phones[0].serial][user]["posts"]


def _media(folder: Path, *names: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / name
        path.write_bytes(
            (
                REPO / "materials" / ("demo-1.mp4" if name.endswith(".mp4") else "demo-2.jpg")
            ).read_bytes()
        )
        paths.append(path)
    return paths


def test_post_share_video_from_material_list(sim_fleet, run_task, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    [video] = _media(tmp_path, "clip.mp4")
    result = run_task(
        fleet,
        "post",
        {
            "material_list": [str(video)],
            "captions": "hello #fyp",
            "post_way": "share",
            "upload_wait_time": 5,
        },
    )
    assert _posts(fleet) == [{"caption": "hello #fyp", "media": ["clip.mp4"]}]
    assert (result.summary, result.details["verified"]) == (
        "posted 1 file(s) with caption 'hello #fyp'",
        "posted notice",
    )


def test_post_add_button_images_from_local_folder(sim_fleet, run_task, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    _media(tmp_path / "pics", "a.jpg", "b.jpg", "c.jpg", "d.mp4")
    run_task(
        fleet,
        "post",
        {
            "material_source": "localFolder",
            "material_path": str(tmp_path / "pics"),
            "content_type": 1,
            "image_count": 2,
            "captions": "Verão ☀️",
            "post_way": "addButton",
            "upload_wait_time": 5,
        },
    )
    [post] = _posts(fleet)
    assert (
        post["caption"] == "Verão ☀️"
        and len(post["media"]) == 2
        and set(post["media"]) <= {"a.jpg", "b.jpg", "c.jpg"}
    )


def test_post_material_library_with_tags_from_the_repo(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    run_task(
        fleet,
        "post",
        {"materials_tags": "video", "captions": "", "post_way": "addButton", "upload_wait_time": 5},
        repo_root=REPO,
    )
    assert _posts(fleet) == [{"caption": "", "media": ["demo-1.mp4"]}]


def test_post_asks_for_storage_permission_and_allows_it(
    sim_fleet, run_task, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, storage_granted=False)
    [video] = _media(tmp_path, "perm.mp4")
    run_task(
        fleet,
        "post",
        {
            "material_list": [str(video)],
            "captions": "x",
            "post_way": "addButton",
            "upload_wait_time": 5,
        },
    )
    assert _posts(fleet) == [{"caption": "x", "media": ["perm.mp4"]}]


def test_post_missing_media_is_a_config_error(sim_fleet, run_task, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    with pytest.raises(TaskFailed) as info:
        run_task(fleet, "post", {"material_list": [str(tmp_path / "nope.mp4")]})
    assert (info.value.failure_class, info.value.message) == (
        FailureClass.CONFIG_ERROR,
        f"media file '{tmp_path / 'nope.mp4'}' not found (looked at {tmp_path / 'nope.mp4'})",
    )


def test_post_share_several_images_uses_send_multiple(sim_fleet, run_task, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    pics = _media(tmp_path, "p1.jpg", "p2.jpg")
    run_task(
        fleet,
        "post",
        {
            "material_list": [str(p) for p in pics],
            "content_type": 1,
            "image_count": 2,
            "captions": "two",
            "post_way": "share",
            "upload_wait_time": 5,
        },
    )
    [post] = _posts(fleet)
    assert (post["caption"], sorted(post["media"])) == ("two", ["p1.jpg", "p2.jpg"])


def test_post_use_sound_without_a_sound_name_is_a_config_error(
    sim_fleet, run_task, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    [video] = _media(tmp_path, "s.mp4")
    with pytest.raises(TaskFailed) as info:
        run_task(fleet, "post", {"material_list": [str(video)], "post_way": "useSound"})
    assert (info.value.failure_class, info.value.message) == (
        FailureClass.CONFIG_ERROR,
        "post_way useSound needs sound_name",
    )
