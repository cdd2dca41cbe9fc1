"""Intents as ``am start`` / ``am broadcast`` spell them on the command line."""

from __future__ import annotations

from dataclasses import dataclass, field

VIEW = "android.intent.action.VIEW"
SEND = "android.intent.action.SEND"
SEND_MULTIPLE = "android.intent.action.SEND_MULTIPLE"
MAIN = "android.intent.action.MAIN"
EXTRA_STREAM = "android.intent.extra.STREAM"
EXTRA_TEXT = "android.intent.extra.TEXT"


@dataclass
class Intent:
    action: str = ""
    data: str = ""
    mime: str = ""
    package: str = ""
    component: str = ""  # "pkg/activity" as given to -n
    categories: list[str] = field(default_factory=list)
    extras: dict[str, object] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    @property
    def target_package(self) -> str:
        return self.component.split("/", 1)[0] if self.component else self.package

    @property
    def streams(self) -> list[str]:
        value = self.extras.get(EXTRA_STREAM)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [str(value)]

    def describe(self) -> str:
        """The ``Intent { ... }`` text am prints."""
        parts = []
        if self.action:
            parts.append(f"act={self.action}")
        if self.categories:
            parts.append("cat=[" + ",".join(self.categories) + "]")
        if self.data:
            parts.append(f"dat={self.data}")
        if self.mime:
            parts.append(f"typ={self.mime}")
        if self.package and not self.component:
            parts.append(f"pkg={self.package}")
        if self.component:
            parts.append(f"cmp={self.component}")
        if self.extras:
            parts.append("(has extras)")
        return "Intent { " + " ".join(parts) + " }"


_STRING_EXTRAS = {"--es", "-e", "--eu"}
_LIST_EXTRAS = {"--esa", "--eua", "--esal"}
_NUMBER_EXTRAS = {"--ei", "--ez", "--el", "--ef"}


def parse_intent(args: list[str]) -> Intent:
    """Parse am's intent arguments; raises ValueError with am's wording for a bad one."""
    intent = Intent()
    simple = {"-a": "action", "-d": "data", "-t": "mime", "-p": "package", "-n": "component"}
    i = 0
    while i < len(args):
        arg = args[i]
        takes_value = (
            arg in simple
            or arg in ("-c", "-f")
            or arg in _STRING_EXTRAS | _LIST_EXTRAS | _NUMBER_EXTRAS
        )
        if takes_value and i + 1 >= len(args):
            raise ValueError(f"Error: No argument supplied for option {arg}")
        if arg in simple:
            setattr(intent, simple[arg], args[i + 1])
            i += 2
        elif arg == "-c":
            intent.categories.append(args[i + 1])
            i += 2
        elif arg == "-f":
            intent.flags.append(args[i + 1])
            i += 2
        elif arg in _STRING_EXTRAS | _LIST_EXTRAS | _NUMBER_EXTRAS:
            i = _extra(intent, args, i)
        elif arg.startswith("-"):
            i += 1  # -W, -S, --user N and friends: accepted, no effect here
            if arg == "--user" and i < len(args):
                i += 1
        else:
            intent.data = intent.data or arg
            i += 1
    return intent


def _extra(intent: Intent, args: list[str], i: int) -> int:
    kind = args[i]
    if i + 2 >= len(args):
        raise ValueError(f"Error: No argument supplied for option {kind}")
    key, value = args[i + 1], args[i + 2]
    if kind in _LIST_EXTRAS:
        intent.extras[key] = [v for v in value.split(",") if v]
    elif kind in {"--ei", "--el"}:
        intent.extras[key] = int(value)
    elif kind == "--ez":
        intent.extras[key] = value.lower() == "true"
    elif kind == "--ef":
        intent.extras[key] = float(value)
    else:
        intent.extras[key] = value
    return i + 3
