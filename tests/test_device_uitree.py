"""UI dumps into trees, and the selector language over them (pure: no phone needed)."""

from __future__ import annotations

import pytest

from runner.device.uitree import SelectorError, parse_dump

XML = """<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation="0">
<node index="0" text="" resource-id="" class="android.widget.FrameLayout" package="com.zhiliaoapp.musically" content-desc="" clickable="false" bounds="[0,0][1080,2400]">
  <node index="0" text="Follow" resource-id="com.zhiliaoapp.musically:id/qie" class="android.widget.Button" package="com.zhiliaoapp.musically" content-desc="" clickable="true" selected="false" bounds="[240,760][840,880]" />
  <node index="1" text="Following" resource-id="com.other.clone:id/qie" class="android.widget.Button" package="com.zhiliaoapp.musically" content-desc="" clickable="true" selected="true" bounds="[240,900][840,1000]" />
  <node index="2" text="" resource-id="" class="android.widget.ImageView" package="com.zhiliaoapp.musically" content-desc="Like video" clickable="true" bounds="[940,1200][1060,1320]" />
  <node index="3" text="" resource-id="" class="android.widget.FrameLayout" package="com.zhiliaoapp.musically" content-desc="cover" clickable="true" bounds="[0,800][1080,1400]" />
</node></hierarchy>
UI hierchary dumped to: /dev/tty"""


@pytest.fixture
def tree():  # type: ignore[no-untyped-def]
    return parse_dump(XML)


@pytest.mark.parametrize(
    ("selector", "texts"),
    [
        ({"resource-id": "com.zhiliaoapp.musically:id/qie"}, ["Follow"]),
        ({"id": "qie"}, ["Follow", "Following"]),
        ({"text": "Follow"}, ["Follow"]),
        ({"text-contains": "Follow"}, ["Follow", "Following"]),
        ({"text-matches": "^Follow(ing)?$", "selected": True}, ["Following"]),
        ({"class": "android.widget.Button", "index": 1}, ["Following"]),
        ({"class": "android.widget.Button", "index": 5}, []),
        ({"xpath": "//android.widget.Button[@text='Follow']"}, ["Follow"]),
        ({"xpath": "//node[contains(@text,'Foll') and @selected='true']"}, ["Following"]),
    ],
)
def test_selectors_match_exactly_the_expected_nodes(tree, selector, texts) -> None:  # type: ignore[no-untyped-def]
    assert [n.text for n in tree.find_all(selector)] == texts


def test_desc_selectors_and_center(tree) -> None:  # type: ignore[no-untyped-def]
    node = tree.find({"desc-contains": "Like video", "clickable": True})
    assert (node.desc, node.center, node.label()) == (
        "Like video",
        (1000, 1260),
        "ImageView 'Like video'",
    )


def test_tap_point_avoids_a_later_sibling_covering_the_centre(tree) -> None:  # type: ignore[no-untyped-def]
    button = tree.find({"text": "Follow"})
    assert tree.tap_point(button) == (290, 770)


def test_summary_names_the_app_and_what_is_on_screen(tree) -> None:  # type: ignore[no-untyped-def]
    assert (
        tree.summary()
        == "com.zhiliaoapp.musically showing 'Follow', 'Following', 'Like video', 'cover'"
    )


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ({"txt": "x"}, "unknown selector key 'txt'"),
        ({"xpath": "/hierarchy/node"}, "unsupported XPath '/hierarchy/node'"),
        ({"xpath": "//node[@text>'a']"}, "unsupported XPath condition \"@text>'a'\""),
    ],
)
def test_bad_selectors_are_reported(tree, selector, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SelectorError) as info:
        tree.find(selector)
    assert str(info.value).startswith(message)


def test_output_that_is_not_a_dump_is_rejected() -> None:
    with pytest.raises(ValueError) as info:
        parse_dump("ERROR: null root node returned by UiTestAutomationBridge.")
    assert (
        str(info.value)
        == "not a UI dump: 'ERROR: null root node returned by UiTestAutomationBridge.'"
    )
