"""Typing text: `input text` for plain ASCII, the ADB keyboard's base64 broadcast for the rest.

`input text` types printable ASCII only (other characters are silently dropped by Android),
reads ``%s`` as a space and goes through the phone's shell, so the text is quoted for it.
Anything else (emoji, accents, CJK, newlines) needs an input method that takes text over a
broadcast: ADBKeyBoard (`com.android.adbkeyboard/.AdbIME`). Text is never typed partially.
"""

from __future__ import annotations

import base64
import shlex

ADB_IME = "com.android.adbkeyboard/.AdbIME"
INSTALL_HINT = (
    "install ADBKeyBoard on the phone (https://github.com/senzhk/ADBKeyBoard: "
    "`adb -s SERIAL install ADBKeyboard.apk`, then `adb -s SERIAL shell ime enable "
    + ADB_IME
    + "`)"
)


def as_dumped(text: str) -> str:
    """``text`` as a UI dump shows it: the dumper replaces characters XML cannot hold with ".",
    one per UTF-16 unit, so a 4-byte emoji (a surrogate pair) reads back as ".."."""
    out = []
    for ch in text:
        code = ord(ch)
        if code > 0xFFFF:
            out.append("..")
        elif (
            code < 0x20
            and ch not in "\t\n\r"
            or 0x7F <= code <= 0x84
            or 0x86 <= code <= 0x9F
            or 0xD800 <= code <= 0xDFFF
            or 0xFDD0 <= code <= 0xFDDF
        ):
            out.append(".")
        else:
            out.append(ch)
    return "".join(out)


def is_plain(text: str) -> bool:
    """True when `input text` can type ``text`` exactly (printable ASCII, no newline)."""
    return all(32 <= ord(ch) < 127 for ch in text)


def input_text_commands(text: str) -> list[str]:
    """Shell commands that type plain ``text`` exactly.

    Spaces become ``%s``; a literal ``%s`` in the text is split across two commands so the
    phone cannot read it as a space; each argument is single-quoted for the phone's shell.
    """
    pieces = text.split("%s")
    commands = []
    for i, piece in enumerate(pieces):
        chunk = piece.replace(" ", "%s") + ("%" if i < len(pieces) - 1 else "")
        if i > 0:
            chunk = "s" + chunk
        if chunk:
            commands.append("input text " + shlex.quote(chunk))
    return commands


def broadcast_command(text: str) -> str:
    """The ADB keyboard broadcast that types ``text`` (UTF-8, base64)."""
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"am broadcast -a ADB_INPUT_B64 --es msg {encoded}"
