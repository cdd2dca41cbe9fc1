"""The script checks media paths again right before reading the file: a path that was fine when
the task was made but is now a symlink out of the media roots is refused, and nothing is posted."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import FailureClass, TaskFailed


def test_a_media_file_swapped_for_a_symlink_out_of_the_roots_is_not_uploaded(
    sim_fleet, run_task, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    (tmp_path / "clip.mp4").symlink_to("/etc/passwd")
    with pytest.raises(TaskFailed) as caught:
        run_task(fleet, "post", {"material_list": ["clip.mp4"], "captions": "hi"})
    assert caught.value.failure_class == FailureClass.CONFIG_ERROR
    assert caught.value.message == (
        f"media path 'clip.mp4' is outside the media roots ({tmp_path.resolve()})"
    )
    assert fleet.ground_truth()[fleet.phones[0].serial]["user001_1"]["posts"] == []
