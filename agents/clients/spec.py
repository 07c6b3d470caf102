"""What identifies and configures one model backend."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

BACKENDS: tuple[str, ...] = ("embedded", "openai", "scripted")


@dataclass
class ModelSpec:
    """One model backend, as written in `conf/model/*.yaml`.

    Only the fields of the chosen `backend` are read; the others keep their
    defaults. The judge group uses the same schema, with `backend: same` meaning
    "the subject model".
    """

    backend: str = "embedded"
    name: str = ""

    # embedded: a GGUF file whose bytes ship split over PyPI packages.
    package_prefix: str = ""
    parts: int = 0
    part_path: str = "data/part{index:02d}.bin"
    sha256: str = ""
    size_bytes: int = 0
    n_ctx: int = 4096
    n_threads: int = 0
    n_batch: int = 512
    kv_cache_mb: int = 1024
    chat_format: str = "gguf"

    # openai: any OpenAI-compatible endpoint.
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    family: str = "unknown"
    json_output: bool = True
    structured_output: bool = False
    function_calling: bool = False
    vision: bool = False
    timeout_s: float = 120.0
    max_retries: int = 5

    # scripted: canned replies, for tests and dry runs only.
    replies: list[str] = field(default_factory=list)
    judge_replies: list[str] = field(default_factory=list)

    def identity(self) -> dict[str, Any]:
        """What makes two responses comparable: the model, not the transport.

        The embedded model is named by its file's sha256, an endpoint by its
        URL and model name. Used in cache keys and the run manifest.
        """
        if self.backend == "embedded":
            return {
                "backend": "embedded",
                "name": self.name,
                "sha256": self.sha256,
                "chat_format": self.chat_format,
            }
        if self.backend == "openai":
            return {"backend": "openai", "base_url": self.base_url, "name": self.name}
        script = json.dumps([list(self.replies), list(self.judge_replies)])
        return {
            "backend": self.backend,
            "name": self.name or self.backend,
            "script": hashlib.sha256(script.encode()).hexdigest()[:16],
        }
