"""Typing: which text `input text` can take and how it is escaped for the phone's shell."""

from __future__ import annotations

import pytest

from runner.device.textinput import broadcast_command, input_text_commands, is_plain


@pytest.mark.parametrize(
    ("text", "commands"),
    [
        ("hello", ["input text hello"]),
        ("hello world", ["input text hello%sworld"]),
        ("it's", ["input text 'it'\"'\"'s'"]),
        ("a;b&c|d$(e)`f`", ["input text 'a;b&c|d$(e)`f`'"]),
        ("100%s sure", ["input text 100%", "input text s%ssure"]),
        ("50% off", ["input text 50%%soff"]),
    ],
)
def test_input_text_commands_escape_spaces_and_shell_metacharacters(text, commands) -> None:  # type: ignore[no-untyped-def]
    assert input_text_commands(text) == commands


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("abc XYZ 123 !?", True),
        ("olá", False),
        ("🔥", False),
        ("line\nbreak", False),
        ("中文", False),
    ],
)
def test_only_printable_ascii_is_plain(text, plain) -> None:  # type: ignore[no-untyped-def]
    assert is_plain(text) is plain


def test_unicode_goes_as_utf8_base64_broadcast() -> None:
    assert broadcast_command("olá 🔥") == "am broadcast -a ADB_INPUT_B64 --es msg b2zDoSDwn5Sl"
