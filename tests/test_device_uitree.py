"""UI dumps into trees, and the selector language over them (pure: no phone needed)."""

from __future__ import annotations

from pathlib import Path

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
        ({"xpath": "//node[@text='a'"}, "bad XPath \"//node[@text='a'\""),
        ({"xpath": "count(//node)"}, "XPath 'count(//node)' gives a float, not nodes"),
        ({"text-matches": "(unclosed"}, "text-matches: bad regular expression '(unclosed'"),
        ({"text-in": "Follow"}, "text-in needs a list of words"),
        ({"text": "Follow", "index": "first"}, "index must be a whole number"),
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


TERMS = """<hierarchy rotation="0">
<node class="android.widget.FrameLayout" text="" content-desc="" clickable="false" bounds="[0,0][1080,2400]">
  <node class="android.widget.LinearLayout" text="" content-desc="" clickable="true" bounds="[44,873][479,972]">
    <node class="android.widget.LinearLayout" text="" content-desc="" clickable="false" bounds="[44,873][479,972]">
      <node class="android.widget.TextView" text="Follow" resource-id="com.zhiliaoapp.musically:id/eme" content-desc="" clickable="false" bounds="[44,873][479,972]" />
    </node>
  </node>
  <node class="android.widget.TextView" text="Terms and Conditions" content-desc="" clickable="true" bounds="[0,2000][540,2100]" />
  <node class="android.widget.TextView" text="Privacy" content-desc="" clickable="true" bounds="[540,2000][1080,2100]" />
  <node class="android.widget.TextView" text="J'aime" content-desc="Say &quot;hi&quot;" clickable="false" bounds="[0,2100][540,2200]" />
</node></hierarchy>"""


@pytest.mark.parametrize(
    ("xpath", "bounds"),
    [
        # a quoted value holding " and " is one value, not two conditions
        ("//node[@text='Terms and Conditions']", [(0, 2000, 540, 2100)]),
        (
            "//node[@text='Privacy' or @text='Terms and Conditions']",
            [(0, 2000, 540, 2100), (540, 2000, 1080, 2100)],
        ),
        (
            "//node[@clickable='true' and not(@text='Privacy')]",
            [(44, 873, 479, 972), (0, 2000, 540, 2100)],
        ),
        ("(//node[@class='android.widget.TextView'])[2]", [(0, 2000, 540, 2100)]),
        ("(//node[@class='android.widget.TextView'])[last()]", [(0, 2100, 540, 2200)]),
        # the clickable ancestor of the TextView "Follow": the control to tap
        ("//node[@text='Follow']/ancestor::node[@clickable='true'][1]", [(44, 873, 479, 972)]),
        ("//node[@text='Follow']/../..", [(44, 873, 479, 972)]),
        # the old subset's class-name step keeps working, and is not rewritten inside quotes
        ("//android.widget.TextView[@text='Privacy']", [(540, 2000, 1080, 2100)]),
        ("//node[@text='android.widget.Button']", []),
        ('//node[@text="J\'aime"]', [(0, 2100, 540, 2200)]),
        ("//node[@content-desc='Say \"hi\"']", [(0, 2100, 540, 2200)]),
    ],
)
def test_xpath_is_real_xpath(xpath, bounds) -> None:  # type: ignore[no-untyped-def]
    assert [n.bounds for n in parse_dump(TERMS).find_all({"xpath": xpath})] == bounds


def test_the_other_keys_filter_what_the_xpath_selected() -> None:
    tree = parse_dump(TERMS)
    found = tree.find_all(
        {"xpath": "//node[@clickable='true']", "class": "android.widget.TextView", "index": -1}
    )
    assert [n.text for n in found] == ["Privacy"]


def test_text_in_ignores_the_blanks_around_the_text() -> None:
    tree = parse_dump(TERMS.replace('text="Privacy"', 'text="Privacy "'))
    assert [n.text for n in tree.find_all({"text-in": ["Privacy", "Follow"]})] == [
        "Follow",
        "Privacy ",
    ]


@pytest.mark.parametrize(
    ("value", "literal"),
    [("Abonné", "'Abonné'"), ("L'un", '"L\'un"'), ("""a"b'c""", "concat('a\"b', \"'\", 'c')")],
)
def test_xpath_literal_quotes_any_word(value, literal) -> None:  # type: ignore[no-untyped-def]
    from runner.device.uitree import xpath_literal

    assert xpath_literal(value) == literal
    tree = parse_dump(TERMS.replace('text="Privacy"', f'text="{value.replace(chr(34), "&quot;")}"'))
    assert [n.text for n in tree.find_all({"xpath": f"//node[@text={literal}]"})] == [value]


def test_a_dump_that_refers_to_an_external_entity_is_rejected_unread() -> None:
    evil = '<?xml version="1.0"?><!DOCTYPE h [<!ENTITY x SYSTEM "file:///etc/passwd">]><hierarchy><node text="&x;" bounds="[0,0][1,1]"/></hierarchy>'
    with pytest.raises(ValueError) as info:
        parse_dump(evil)
    assert "external entity" in str(info.value) and "root:" not in str(info.value)


def test_the_app_in_front_is_named_past_the_status_bar_and_the_keyboard() -> None:
    """The real 47.0.3 fr search capture (taktik-bot tt4703_fr_search_field, commit
    e9e10ca0dc8b) lists the status bar, the keyboard and then TikTok: the app in front is
    TikTok, not the keyboard."""
    capture = Path(__file__).parent / "screens/tiktok/47.0.3/fr/search_field.xml"
    tree = parse_dump(capture.read_text(encoding="utf-8"))
    assert tree.package == "com.zhiliaoapp.musically"
