"""Model clients: the embedded GGUF model, OpenAI-compatible endpoints, scripted.

Every client is an autogen `ChatCompletionClient`, so agents never see which
backend speaks. `build_client` turns a `ModelSpec` into one.
"""

from agents.clients.factory import ClientPool, build_client
from agents.clients.settings import GenerationSettings, SettingsClient
from agents.clients.spec import ModelSpec
from agents.clients.usage import UsageMeter

__all__ = [
    "ClientPool",
    "GenerationSettings",
    "ModelSpec",
    "SettingsClient",
    "UsageMeter",
    "build_client",
]
