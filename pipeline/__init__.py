"""Collection pipeline of a model zoo for microscopy."""

__version__ = "0.1.0"
