"""The log-in screen. Its phone-number tab follows the 43.1.4 fr capture (title `nmh` in a
clickable `nmj`, tabs described "Téléphone" / "E-mail/nom d'utilisateur" holding
android:id/text1, country code `ee3`/`ee5`, the number field an EditText without id, Button `emm`
"Continuer"). No capture shows the e-mail/username tab's field, the password step or its log-in
button: those are stand-ins without resource-ids, in the locale's stand-in words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.sim.ui.node import HEIGHT, WIDTH, Node
from runner.sim.ui.tiktok import actions
from runner.sim.ui.tiktok.state import Screen

if TYPE_CHECKING:
    from runner.sim.ui.tiktok.build import Builder

LINEAR = "android.widget.LinearLayout"


def login(b: Builder, screen: Screen) -> Node | None:
    app = b.app
    tab = screen.params.get("tab", "phone")
    step = screen.params.get("step", "identifier")

    def choose(which: str) -> None:
        screen.params.update(tab=which, step="identifier")
        app.focused = None

    tabs = []
    for which, label, left in (("phone", "login_tab_phone", 83), ("email", "login_tab_email", 540)):
        box = b.node(
            "",
            LINEAR,
            (left, 279, left + 457, 389),
            desc=b.t(label),
            selected=tab == which,
            on_tap=lambda which=which: choose(which),
        )
        if box is not None:
            box.add(
                Node(
                    cls="android.widget.TextView",
                    bounds=(left, 308, left + 457, 360),
                    rid="android:id/text1",
                    text=b.t(label),
                    selected=tab == which,
                    package=b.package,
                )
            )
        tabs.append(box)
    header = b.group(
        "login_header",
        (0, 136, WIDTH, 279),
        b.node("", "android.widget.Button", (22, 152, 132, 262), desc=b.t("back"), on_tap=app.pop),
        b.group(
            "login_title_frame",
            (390, 177, 691, 238),
            b.text(
                "login_title", (390, 177, 691, 238), b.t("login_heading"), desc=b.t("login_heading")
            ),
            cls=LINEAR,
            on_tap=lambda: None,
        ),
    )
    body: list[Node | None] = []
    if tab == "phone":
        body = [
            b.group(
                "login_country",
                (121, 494, 350, 549),
                b.text("login_country_name", (121, 498, 170, 549), "FR"),
                b.text("login_country_code", (181, 498, 259, 549), "+33"),
                cls=LINEAR,
                on_tap=lambda: None,
            ),
            b.edit("", (378, 492, 953, 551), "login_phone", b.t("login_phone_hint")),
            # a phone log-in continues with an SMS code: not simulated
            b.button(
                "login_continue", (88, 1309, 992, 1452), b.t("login_continue"), on_tap=lambda: None
            ),
        ]
    elif step == "identifier":  # stand-in: no capture of this tab's content
        body = [
            b.edit("", (88, 492, 992, 551), "login_identifier", b.t("login_identifier_hint")),
            b.button(
                "",
                (88, 1309, 992, 1452),
                b.t("login_continue"),
                on_tap=lambda: actions.login_continue(app),
            ),
        ]
    else:  # stand-in: no capture of the password step
        typed = app.fields.get("login_password", "")
        field = b.node(
            "",
            "android.widget.EditText",
            (88, 492, 992, 551),
            text="•" * len(typed) if typed else b.t("login_password_hint"),
            password=True,
            focusable=True,
            focused=app.focused == "login_password",
            on_tap=lambda: app.focus("login_password"),
        )
        body = [
            field,
            b.button(
                "",
                (88, 1309, 992, 1452),
                b.t("login_submit"),
                on_tap=lambda: actions.login_submit(app),
            ),
        ]
    return b.group(
        "",
        (0, 0, WIDTH, HEIGHT),
        header,
        b.group(
            "login_tabs", (83, 279, 997, 389), *tabs, cls="android.widget.HorizontalScrollView"
        ),
        b.group(
            "login_pager", (0, 390, WIDTH, 1485), *body, cls="androidx.viewpager.widget.ViewPager"
        ),
    )
