"""account_warmup end to end: watch time, engagement and ChatGPT comments as the phone recorded them."""

from __future__ import annotations


def _truth(fleet, user: str = "user001_1") -> dict:  # type: ignore[no-untyped-def]
    return fleet.ground_truth()[fleet.phones[0].serial][user]


def test_warmup_watches_and_engages_with_every_probability_at_100(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    result = run_task(
        fleet,
        "account_warmup",
        {
            "task_duration": 3,
            "min_duration": 0.2,
            "max_duration": 0.4,
            "like_probable": 100,
            "floow_probable": 100,
            "collect_probable": 100,
        },
    )
    truth, stats = _truth(fleet), result.details
    assert stats["videos"] >= 2
    assert (len(truth["likes"]), len(truth["favourites"]), len(truth["follows"])) == (
        stats["likes"],
        stats["favourites"],
        stats["follows"],
    )
    assert (
        stats["videos"] - 1 <= stats["likes"] <= stats["videos"]
    )  # the last one may end at the deadline
    watched = [w for w in truth["watched"] if w["seconds"] >= 0.2]
    assert len(watched) >= stats["videos"]


def test_warmup_skips_ads_and_lives_without_engaging(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    result = run_task(
        fleet,
        "account_warmup",
        {"task_duration": 3, "min_duration": 0.05, "max_duration": 0.1, "like_probable": 100},
    )
    liked = {like["video_id"] for like in _truth(fleet)["likes"]}
    phone = fleet.phone(fleet.phones[0].serial)
    items = [phone.world.feed_item(phone.serial, i) for i in range(60)]
    assert liked and not liked & {v.id for v in items if v.kind != "video"}
    assert result.details["skipped_ads"] + result.details["skipped_lives"] >= 1
    assert len(liked) == result.details["likes"] >= result.details["videos"] - 1


def test_warmup_topic_search_and_chatgpt_comments(sim_fleet, run_task, chat_stub) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    chat_stub.replies = ["So good!"]
    config = {
        "task_duration": 2,
        "min_duration": 0.1,
        "max_duration": 0.2,
        "topic": "recipe",
        "comment_probable": 100,
        "generate_by_chatgpt": True,
        "chatgpt_settings": {
            "api_key": "sk-test",
            "model": "m1",
            "prompt": "Say hi",
            "max_tokens": 20,
            "temperature": 0.5,
            "base_url": chat_stub.url,
        },
    }
    result = run_task(fleet, "account_warmup", config)
    comments = _truth(fleet)["comments"]
    assert result.details["topic"] == "recipe" and len(comments) == result.details["comments"] >= 1
    assert {c["text"] for c in comments} == {"So good!"}
    first = chat_stub.requests[0]
    assert (
        first["path"],
        first["auth"],
        first["body"]["model"],
        first["body"]["max_tokens"],
        first["body"]["temperature"],
    ) == ("/v1/chat/completions", "Bearer sk-test", "m1", 20, 0.5)
    assert first["body"]["messages"][0]["content"].startswith("Say hi\n\nVideo caption: ")


def test_warmup_template_comments_with_emoji(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    result = run_task(
        fleet,
        "account_warmup",
        {
            "task_duration": 1.5,
            "min_duration": 0.1,
            "max_duration": 0.1,
            "comment_probable": 100,
            "comment": "so fun\nlove it",
            "insert_emoji": True,
        },
    )
    texts = [c["text"] for c in _truth(fleet)["comments"]]
    assert texts == result.details["comment_texts"] and texts
    assert all(
        t.rsplit(" ", 1)[0] in ("so fun", "love it") and len(t.rsplit(" ", 1)[1]) <= 2
        for t in texts
    )


def test_warmup_leaves_a_video_that_is_already_liked_liked(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    serial = fleet.phones[0].serial
    phone = fleet.phone(serial)
    app = phone.display.app(phone.packages[0]) or phone.display.app("com.zhiliaoapp.musically")
    assert app is not None
    account = app.accounts["user001_1"]  # type: ignore[attr-defined]
    feed = [phone.world.feed_item(serial, i) for i in range(60)]
    account.liked.update(v.id for v in feed)  # every video in the feed was liked before
    result = run_task(
        fleet,
        "account_warmup",
        {"task_duration": 2, "min_duration": 0.05, "max_duration": 0.1, "like_probable": 100},
    )
    assert result.details["videos"] >= 1
    assert result.details["likes"] == 0
    assert account.liked >= {v.id for v in feed}  # no tap took a like away
