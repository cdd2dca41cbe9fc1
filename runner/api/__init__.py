"""The TikMatrix-compatible REST API over the state file, the runner and the device pool."""

from __future__ import annotations

from runner.api.campaigns import CampaignSource, Watcher
from runner.api.factory import create_app
from runner.api.server import ServerThread

__all__ = ["CampaignSource", "ServerThread", "Watcher", "create_app"]
