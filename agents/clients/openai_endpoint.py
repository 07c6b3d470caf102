"""The openai backend: any OpenAI-compatible endpoint via autogen-ext.

Retries of transient failures are Friction's own (`agents/clients/retry.py`),
so that each 429 can lower the calls in flight. The API key is read from the
environment variable the config names and is never stored (see
`agents/clients/secrets.py`).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from autogen_core.models import ModelInfo
from autogen_ext.models.openai import OpenAIChatCompletionClient

from agents.clients.spec import ModelSpec
from agents.errors import InputError

logger = logging.getLogger(__name__)

# Local servers (llama.cpp, vLLM, Ollama) accept any key; they still need one.
_PLACEHOLDER_KEY = "not-needed"


def read_api_key(spec: ModelSpec) -> str:
    """The key from `spec.api_key_env`, or a placeholder for a local endpoint.

    Raises:
        InputError: OpenAI's own endpoint and no key in the environment.
    """
    key = os.environ.get(spec.api_key_env, "")
    if key:
        return key
    if spec.base_url is None:
        raise InputError(
            f"model.api_key_env: environment variable {spec.api_key_env} is not "
            "set; export it, or set model.base_url for a local endpoint"
        )
    return _PLACEHOLDER_KEY


def build_openai_client(spec: ModelSpec) -> OpenAIChatCompletionClient:
    """An autogen OpenAI client for the endpoint in `spec`."""
    info = ModelInfo(
        vision=spec.vision,
        function_calling=spec.function_calling,
        json_output=spec.json_output,
        family=spec.family,
        structured_output=spec.structured_output,
    )
    endpoint: dict[str, Any] = {"base_url": spec.base_url} if spec.base_url else {}
    return OpenAIChatCompletionClient(
        model=spec.name,
        api_key=read_api_key(spec),
        model_info=info,
        timeout=spec.timeout_s,
        # Friction retries itself (agents/clients/retry.py) to see each 429.
        max_retries=0,
        **endpoint,
    )
