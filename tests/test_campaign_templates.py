"""Templates: the placeholder fast path must give exactly what Jinja gives; spintax."""

from __future__ import annotations

import random

import pytest

from runner.campaign.spintax import spin
from runner.campaign.templates import TemplateProblem, compile_template, render

CONTEXT = {
    "vars": {"city": "Berlin", "n": 3, "flag": True, "none": None, "nested": {"x": "deep"}},
    "account": {"username": "anna"},
    "date": "2026-11-28",
}


@pytest.mark.parametrize(
    "text",
    [
        "Hi {{ account.username }} from {{vars.city}}!",
        "{{ vars.n }} {{ vars.flag }} {{ vars.none }} {{ vars.nested.x }} {{ date }}",
        "line one\n{{ vars.city }}\n",
        "{{ vars.city | upper }} {{ vars.n + 1 }}",
        "{% if vars.flag %}yes{% endif %} {{ vars.nested }}",
        "{{ vars.items }}x",
    ],
)
def test_render_matches_jinja(text: str) -> None:
    assert render(text, CONTEXT) == compile_template(text).render(CONTEXT)


def test_undefined_name_reports_template_line_and_suggestion() -> None:
    with pytest.raises(TemplateProblem) as caught:
        render("first\nsecond {{ vars.citty }}", CONTEXT)
    assert (caught.value.reason, caught.value.lineno) == (
        "undefined template variable 'citty' (did you mean 'city'?)",
        2,
    )


def test_undefined_through_jinja_filters_is_reported_too() -> None:
    with pytest.raises(TemplateProblem) as caught:
        render("{{ missing | upper }}", CONTEXT)
    assert caught.value.reason == "undefined template variable 'missing'"


def test_sandbox_refuses_unsafe_attribute_access() -> None:
    with pytest.raises(TemplateProblem) as caught:
        render("{{ vars.__class__.__mro__ }}", CONTEXT)
    assert (
        caught.value.reason
        == "template not allowed: access to attribute '__class__' of 'dict' object is unsafe."
    )


def test_syntax_error_has_template_line() -> None:
    with pytest.raises(TemplateProblem) as caught:
        compile_template("ok\n{% if %}")
    assert caught.value.lineno == 2
    assert caught.value.reason.startswith("template syntax error: ")


def test_spintax_nested_and_plain_braces() -> None:
    rng = random.Random("k")
    assert spin("{only}", rng) == "{only}"
    assert spin("{a|b}", random.Random("k")) == spin("{a|b}", random.Random("k"))
    assert spin("{x|{y|z}}!", rng) in {"x!", "y!", "z!"}
