"""The five scripts and account switching on each real TikTok version's layout and in other
languages, end to end through the real adb server, checked against what the phone recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import FailureClass, TaskFailed
from runner.sim import AccountSpec, PhoneSpec

REPO = Path(__file__).resolve().parent.parent
URL = "https://www.tiktok.com/@chef.marco/video/7300000000000000009"
# One phone per case; every real version at least once, and each non-English locale.
CASES = [("47.0.3", "fr"), ("46.9.3", "pt-BR"), ("43.1.4", "fr"), ("43.1.4", "en")]


@pytest.fixture
def fast(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("runner.scripts.context.WAIT_SCALE", 0.3)


def _phone(sim_fleet, version: str, locale: str, serial: str = "SIML00001"):  # type: ignore[no-untyped-def]
    accounts = (AccountSpec("ana", following=("carol",)), AccountSpec("bia"))
    spec = PhoneSpec(serial, accounts=accounts, app_version=version, locale=locale)
    return sim_fleet(specs=[spec])


@pytest.mark.parametrize(("version", "locale"), CASES, ids=[f"{v}-{lo}" for v, lo in CASES])
def test_every_script_and_account_switching_on_a_real_layout(
    sim_fleet, run_task, fast, tmp_path: Path, version: str, locale: str
) -> None:  # type: ignore[no-untyped-def]
    fleet = _phone(sim_fleet, version, locale)
    media = tmp_path / "clip.mp4"
    media.write_bytes((REPO / "materials" / "demo-1.mp4").read_bytes())
    image = tmp_path / "pic.jpg"
    image.write_bytes((REPO / "materials" / "demo-2.jpg").read_bytes())

    follow = run_task(fleet, "follow", {"access_method": "search"}, target="dora", username="bia")
    unfollow = run_task(fleet, "unfollow", {}, target="carol", username="ana")
    run_task(
        fleet,
        "comment",
        {"comment_content": "top 🔥", "comment_image_path": str(image)},
        target=URL,
        username="bia",
    )
    run_task(
        fleet,
        "post",
        {
            "material_list": [str(media)],
            "captions": "hi #fyp",
            "post_way": "addButton",
            "upload_wait_time": 5,
        },
        username="ana",
    )
    warmup = run_task(
        fleet,
        "account_warmup",
        {
            "task_duration": 1.5,
            "min_duration": 0.1,
            "max_duration": 0.2,
            "like_probable": 100,
            "floow_probable": 100,
            "collect_probable": 100,
        },
        username="bia",
    )
    truth = fleet.ground_truth()[fleet.phones[0].serial]
    ana, bia = truth["ana"], truth["bia"]
    assert (follow.details["before"], follow.details["after"], unfollow.summary) == (
        _word(locale, "Follow"),
        _word(locale, "Following"),
        "unfollowed @carol",
    )
    assert (bia["follows"][0], ana["unfollows"]) == ("dora", ["carol"])
    assert [(c["text"], c["image"]) for c in bia["comments"]] == [("top 🔥", "pic.jpg")]
    assert ana["posts"] == [{"caption": "hi #fyp", "media": ["clip.mp4"]}]
    assert (len(bia["likes"]), len(bia["favourites"])) == (
        warmup.details["likes"],
        warmup.details["favourites"],
    )
    assert warmup.details["likes"] >= 1 and len(bia["follows"]) == 1 + warmup.details["follows"]
    assert (len(bia["switches"]), len(ana["switches"])) == (3, 2)  # bia, ana, bia, ana, bia


def _word(locale: str, english: str) -> str:
    words = {
        "fr": {"Follow": "Suivre", "Following": "Suivis"},
        "pt-BR": {"Follow": "Seguir", "Following": "Seguindo"},
    }
    return words.get(locale, {}).get(english, english)


def test_a_text_only_selector_on_the_following_label_is_refused_not_a_false_success(
    sim_fleet, run_task, fast, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """An override matching the word "Following" alone finds the stats row's count label first.
    Read there, the profile would look followed and the script would report "already following"
    without tapping anything; it must refuse instead, naming the label it matched."""
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "tiktok.yaml").write_text(
        "elements:\n  profile.follow_button: [{text: Following}]\n", encoding="utf-8"
    )
    fleet = sim_fleet(phones=1, accounts=1)
    with pytest.raises(TaskFailed) as info:
        run_task(fleet, "follow", {}, target="erik", repo_root=tmp_path)
    truth = fleet.ground_truth()[fleet.phones[0].serial]["user001_1"]
    assert (info.value.failure_class, truth["follows"]) == (FailureClass.ELEMENT_NOT_FOUND, [])
    assert info.value.message.startswith(
        "profile.follow_button: the selector matched TextView 'Following' inside a control that "
        "also shows '28': a label, not the control to press"
    )


def test_post_with_the_upload_control_missing_names_that_step(
    sim_fleet, run_task, fast, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from runner.sim import FaultSpec

    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(hide=("camera_upload",)))
    media = tmp_path / "clip.mp4"
    media.write_bytes((REPO / "materials" / "demo-1.mp4").read_bytes())
    with pytest.raises(TaskFailed) as info:
        run_task(fleet, "post", {"material_list": [str(media)], "post_way": "addButton"})
    assert (info.value.failure_class, info.value.message.split(" (tried")[0]) == (
        FailureClass.ELEMENT_NOT_FOUND,
        f"upload.upload not found on {fleet.phones[0].adb_serial}",
    )
