"""Errors a user can fix, and how the entry point reports them."""

from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """A config value that is out of range or breaks a cross-field rule."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"{key}={value!r} is not allowed: expected {allowed}")
