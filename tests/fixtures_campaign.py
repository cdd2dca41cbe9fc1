"""Shared fixtures of the campaign room's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runner.campaign.limits import limits


@pytest.fixture
def roomy_render_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A test about one template limit must not reach the render-time limit first on a loaded
    machine (the recursive-macro test hit 500 ms at a load average of 120)."""
    monkeypatch.setenv("CAMPAIGN_RUNNER_LIMIT_TEMPLATE_MS", "60000")
    limits.cache_clear()
    yield
    monkeypatch.undo()
    limits.cache_clear()
