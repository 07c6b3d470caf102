"""API keys: where they are read, and removing them from text that is kept."""

from __future__ import annotations

import os
from collections.abc import Sequence

from agents.clients.spec import ModelSpec


def known_secrets(specs: Sequence[ModelSpec]) -> list[str]:
    """The API keys the given specs read from the environment."""
    keys = (os.environ.get(s.api_key_env, "") for s in specs if s.backend == "openai")
    return [key for key in keys if len(key) >= 8]


def redact(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret replaced by "[REDACTED]"."""
    for secret in secrets:
        text = text.replace(secret, "[REDACTED]")
    return text
