"""comment end to end: the text (and image) the simulated phone recorded on the post."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import FailureClass, TaskFailed

URL = "https://www.tiktok.com/@chef.marco/video/7300000000000000001"


def _comments(fleet, user: str = "user001_1") -> list:  # type: ignore[no-untyped-def]
    return fleet.ground_truth()[fleet.phones[0].serial][user]["comments"]


def test_comment_is_posted_on_the_video(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    result = run_task(fleet, "comment", {"comment_content": "great recipe"}, target=URL)
    assert result.summary == f"commented 'great recipe' on {URL}"
    assert _comments(fleet) == [
        {"video_id": "7300000000000000001", "url": URL, "text": "great recipe", "image": None}
    ]


def test_unicode_comment_goes_through_the_adb_keyboard(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    text = "Que delícia! 太好吃了 🔥"
    run_task(fleet, "comment", {"comment_content": text}, target=URL)
    assert [c["text"] for c in _comments(fleet)] == [text]


def test_unicode_without_adb_keyboard_is_a_config_error_naming_the_fix(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, adb_keyboard=False)
    with pytest.raises(TaskFailed) as info:
        run_task(fleet, "comment", {"comment_content": "olá"}, target=URL)
    assert info.value.failure_class is FailureClass.CONFIG_ERROR
    assert "install ADBKeyBoard" in str(info.value.hint) and _comments(fleet) == []


def test_shell_metacharacters_are_typed_literally(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    text = 'it\'s $HOME; a & b | "c" 100%s `x`'
    run_task(fleet, "comment", {"comment_content": text}, target=URL)
    assert [c["text"] for c in _comments(fleet)] == [text]


def test_comment_with_emoji_and_image(sim_fleet, run_task, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    image = tmp_path / "pic.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    result = run_task(
        fleet,
        "comment",
        {"comment_content": "love it", "insert_emoji": True, "comment_image_path": str(image)},
        target=URL,
    )
    [comment] = _comments(fleet)
    assert (comment["text"], comment["image"], result.details["image"]) == (
        result.details["comment"],
        "pic.jpg",
        "pic.jpg",
    )
    assert comment["text"].startswith("love it ") and len(comment["text"]) > len("love it ")


def test_sequential_comment_order_picks_the_task_turn(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    run_task(
        fleet,
        "comment",
        {"comment_content": "one\ntwo\nthree", "comment_order": "sequential"},
        target=URL,
        task_id=4,
    )
    assert [c["text"] for c in _comments(fleet)] == ["two"]


def test_an_image_the_app_data_cannot_see_attached_is_element_not_found(
    sim_fleet, run_task, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """rules.comment_image says how an attached image shows; a capture that disagrees (here an
    override expecting another description) fails the step, naming the rule, before sending."""
    monkeypatch.setattr("runner.scripts.context.WAIT_SCALE", 0.1)
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "tiktok.yaml").write_text(
        "rules:\n  comment_image: {desc-matches: '^Image jointe$'}\n", encoding="utf-8"
    )
    image = tmp_path / "pic.jpg"
    image.write_bytes(
        (Path(__file__).resolve().parent.parent / "materials" / "demo-2.jpg").read_bytes()
    )
    fleet = sim_fleet(phones=1, accounts=1)
    with pytest.raises(TaskFailed) as info:
        run_task(
            fleet,
            "comment",
            {"comment_content": "hi", "comment_image_path": str(image)},
            target=URL,
            repo_root=tmp_path,
        )
    assert (info.value.failure_class, _comments(fleet)) == (FailureClass.ELEMENT_NOT_FOUND, [])
    assert info.value.message.startswith(
        "no attached image shows after picking pic.jpg (rules.comment_image: "
        "{'desc-matches': '^Image jointe$'})"
    )
