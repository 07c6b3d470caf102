"""API keys: where they are read, and removing them from text that is kept."""

from __future__ import annotations

import os
from collections.abc import Sequence
from urllib.parse import urlparse

from agents.clients.spec import ModelSpec
from agents.errors import InputError

# Where `model.base_url: null` points: OpenAI's own endpoint, which needs a key.
OPENAI_BASE_URL = "https://api.openai.com/v1"

# Local servers (llama.cpp, vLLM, Ollama) accept any key; they still need one.
_PLACEHOLDER_KEY = "not-needed"


def needs_api_key(spec: ModelSpec) -> bool:
    """Whether `spec`'s endpoint refuses calls without a key: OpenAI's own.

    Any other `base_url` (a local server) is taken to need none.
    """
    host = urlparse(spec.base_url or OPENAI_BASE_URL).hostname or ""
    return host == "api.openai.com"


def read_api_key(spec: ModelSpec, key: str = "model") -> str:
    """The key from `spec.api_key_env`, or a placeholder for a local endpoint.

    Args:
        spec: an openai-backend model config.
        key: its config group ("model" or "judge"), for the message.

    Raises:
        InputError: the endpoint needs a key and the variable is not set.
    """
    secret = os.environ.get(spec.api_key_env, "")
    if secret:
        return secret
    if needs_api_key(spec):
        raise InputError(
            f"{key}.api_key_env: environment variable {spec.api_key_env} is not "
            f"set, and {spec.base_url or OPENAI_BASE_URL} needs an API key; "
            f"export {spec.api_key_env}, or set {key}.base_url for a local endpoint"
        )
    return _PLACEHOLDER_KEY


def known_secrets(specs: Sequence[ModelSpec]) -> list[str]:
    """The API keys the given specs read from the environment."""
    keys = (os.environ.get(s.api_key_env, "") for s in specs if s.backend == "openai")
    return [key for key in keys if len(key) >= 8]


def redact(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret replaced by "[REDACTED]"."""
    for secret in secrets:
        text = text.replace(secret, "[REDACTED]")
    return text
