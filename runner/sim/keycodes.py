"""Android key codes by number and by KEYCODE_ name, as ``input keyevent`` accepts them."""

from __future__ import annotations

import string

KEYCODES: dict[str, int] = {
    "HOME": 3,
    "BACK": 4,
    "CALL": 5,
    "ENDCALL": 6,
    "STAR": 17,
    "POUND": 18,
    "DPAD_UP": 19,
    "DPAD_DOWN": 20,
    "DPAD_LEFT": 21,
    "DPAD_RIGHT": 22,
    "DPAD_CENTER": 23,
    "VOLUME_UP": 24,
    "VOLUME_DOWN": 25,
    "POWER": 26,
    "CAMERA": 27,
    "CLEAR": 28,
    "COMMA": 55,
    "PERIOD": 56,
    "TAB": 61,
    "SPACE": 62,
    "ENTER": 66,
    "DEL": 67,
    "GRAVE": 68,
    "MINUS": 69,
    "EQUALS": 70,
    "AT": 77,
    "MENU": 82,
    "SEARCH": 84,
    "PAGE_UP": 92,
    "PAGE_DOWN": 93,
    "ESCAPE": 111,
    "FORWARD_DEL": 112,
    "MOVE_HOME": 122,
    "MOVE_END": 123,
    "VOLUME_MUTE": 164,
    "APP_SWITCH": 187,
    "SLEEP": 223,
    "WAKEUP": 224,
}
KEYCODES.update({str(d): 7 + d for d in range(10)})
KEYCODES.update({ch: 29 + i for i, ch in enumerate(string.ascii_uppercase)})
CHARS: dict[int, str] = {7 + d: str(d) for d in range(10)}
CHARS.update({29 + i: ch for i, ch in enumerate(string.ascii_lowercase)})
CHARS.update({55: ",", 56: ".", 62: " ", 68: "`", 69: "-", 70: "=", 77: "@", 17: "*", 18: "#"})


def keycode(token: str) -> int | None:
    """``66``, ``KEYCODE_ENTER`` or ``ENTER`` -> 66; None if unknown."""
    if token.isdigit():
        return int(token)
    name = token.upper().removeprefix("KEYCODE_")
    return KEYCODES.get(name)
