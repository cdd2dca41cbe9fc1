"""profile end to end: the fields the phone saved (ground truth) are the ones the task chose."""

from __future__ import annotations

import hashlib

import pytest

from runner.errors import FailureClass, TaskFailed
from runner.sim.png import solid_png


def _saved(fleet, user: str = "user001_1") -> list[dict]:  # type: ignore[no-untyped-def]
    return fleet.ground_truth()[fleet.phones[0].serial][user]["profile"]


def _app(fleet):  # type: ignore[no-untyped-def]
    return fleet.phone(fleet.phones[0].serial).display.app("com.zhiliaoapp.musically")


def test_profile_sets_name_bio_and_link_on_the_phone(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    config = {
        "nicknames": "MyBrand Official",
        "bios": "Official account\\nFollow for updates!",
        "link_url": "https://example.com",
    }
    result = run_task(fleet, "profile", config)
    assert _saved(fleet) == [
        {"field": "name", "value": "MyBrand Official"},
        {"field": "bio", "value": "Official account\nFollow for updates!"},
        {"field": "link", "value": "https://example.com"},
    ]
    assert result.details["changed"] == {
        "name": "MyBrand Official",
        "bio": "Official account\nFollow for updates!",
        "link": "https://example.com",
    }


def test_profile_sequential_gives_consecutive_tasks_different_lines(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=2)
    config = {"nicknames": "User One\nUser Two", "profile_order": "sequential"}
    run_task(fleet, "profile", config, username="user001_1", task_id=10)
    run_task(fleet, "profile", config, username="user001_2", task_id=11)
    names = {
        user: [entry["value"] for entry in kinds["profile"]]
        for user, kinds in fleet.ground_truth()[fleet.phones[0].serial].items()
    }
    assert names == {"user001_1": ["User One"], "user001_2": ["User Two"]}


def test_profile_username_change_renames_the_account_on_the_phone(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    result = run_task(fleet, "profile", {"usernames": "@brand_new.name"})
    assert _saved(fleet) == [{"field": "username", "value": "brand_new.name"}]
    assert _app(fleet).current == "brand_new.name"
    assert result.details["changed"] == {"username": "brand_new.name"}


def test_profile_a_second_run_with_the_same_values_saves_nothing(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    run_task(fleet, "profile", {"nicknames": "Same Name"})
    again = run_task(fleet, "profile", {"nicknames": "Same Name"})
    assert _saved(fleet) == [{"field": "name", "value": "Same Name"}]
    assert again.details == {"changed": {}, "unchanged": ["name"]}


def test_profile_with_a_username_taken_on_the_phone_fails_verification(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=2)
    with pytest.raises(TaskFailed) as caught:
        run_task(fleet, "profile", {"usernames": "user001_2"}, username="user001_1")
    assert caught.value.failure_class is FailureClass.VERIFICATION_FAILED
    assert _saved(fleet) == [] and _app(fleet).current == "user001_1"


def test_profile_sets_the_folder_image_the_task_chose_as_the_photo(
    sim_fleet, run_task, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    (tmp_path / "faces").mkdir()
    (tmp_path / "faces" / "a.png").write_bytes(solid_png(4, 4, (200, 0, 0)))
    (tmp_path / "faces" / "b.png").write_bytes(solid_png(4, 4, (0, 200, 0)))
    (tmp_path / "faces" / "readme.txt").write_text("not an image")
    config = {"avatars_path": "faces", "profile_order": "sequential"}
    result = run_task(fleet, "profile", config, task_id=3)  # images by name; task 3 -> b.png
    digest = hashlib.sha256(solid_png(4, 4, (0, 200, 0))).hexdigest()
    assert _saved(fleet) == [{"field": "avatar", "value": digest, "file": "b.png"}]
    assert result.details["avatar"] == {"file": "b.png", "sha256": digest}


def test_profile_with_an_avatars_folder_without_images_fails_before_the_phone_is_touched(
    sim_fleet, run_task, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    (tmp_path / "faces").mkdir()
    (tmp_path / "faces" / "clip.mp4").write_bytes(b"")
    with pytest.raises(TaskFailed) as caught:
        run_task(fleet, "profile", {"nicknames": "X", "avatars_path": "faces"})
    assert caught.value.failure_class is FailureClass.CONFIG_ERROR
    assert caught.value.message == f"avatars_path 'faces': no image in {tmp_path / 'faces'}"
    assert _saved(fleet) == []
