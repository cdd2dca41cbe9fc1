"""campaign-runner: declarative YAML campaigns for fleets of Android phones."""

__version__ = "0.1.0"
