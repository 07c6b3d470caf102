"""The openai backend: any OpenAI-compatible endpoint via autogen-ext.

Retries of transient failures are Friction's own (`agents/clients/retry.py`),
so that each 429 can lower the calls in flight. The API key is read from the
environment variable the config names and is never stored (see
`agents/clients/secrets.py`).
"""

from __future__ import annotations

import logging
from typing import Any

from autogen_core.models import ModelInfo
from autogen_ext.models.openai import OpenAIChatCompletionClient

from agents.clients.secrets import read_api_key
from agents.clients.spec import ModelSpec

logger = logging.getLogger(__name__)


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
