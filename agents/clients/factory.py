"""Build model clients from specs, one backend per model identity."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autogen_core.models import ChatCompletionClient, ModelInfo

from agents.clients.cache import CachingClient, ResponseStore
from agents.clients.deferred import DeferredClient
from agents.clients.gguf import assemble_gguf
from agents.clients.limit import AdaptiveLimit
from agents.clients.secrets import OPENAI_BASE_URL, read_api_key
from agents.clients.spec import ModelSpec
from agents.clients.usage import UsageMeter
from agents.errors import InputError

logger = logging.getLogger(__name__)


def build_client(
    spec: ModelSpec, model_dir: Path, limit: AdaptiveLimit | None = None
) -> ChatCompletionClient:
    """A backend client for `spec`, uncached and unmetered.

    Args:
        spec: the model config.
        model_dir: where the embedded model's assembled file is kept.
        limit: calls in flight for an HTTP endpoint (default: 8, adaptive).
    """
    if spec.backend == "embedded":
        from agents.clients.llama import LlamaClient

        path = assemble_gguf(
            spec.package_prefix,
            spec.parts,
            spec.part_path,
            spec.sha256,
            spec.size_bytes,
            model_dir,
            spec.name,
        )
        return LlamaClient(
            path,
            spec.name,
            spec.n_ctx,
            spec.n_threads,
            spec.n_batch,
            spec.kv_cache_mb,
            spec.chat_format,
        )
    if spec.backend == "openai":
        from agents.clients.openai_endpoint import build_openai_client
        from agents.clients.retry import RetryingClient, RetryPolicy

        policy = RetryPolicy(max_attempts=spec.max_retries + 1)
        return RetryingClient(
            build_openai_client(spec), policy, limit or AdaptiveLimit(8)
        )
    if spec.backend == "scripted":
        from agents.clients.scripted import ScriptedClient

        return ScriptedClient(spec.replies, spec.judge_replies, name=spec.name)
    raise ValueError(
        f"unknown backend {spec.backend!r}; known: embedded, openai, scripted"
    )


def model_info(spec: ModelSpec) -> ModelInfo:
    """What the backend of `spec` can do, known without building it."""
    local = spec.backend in ("embedded", "scripted")
    return ModelInfo(
        vision=False if local else spec.vision,
        function_calling=False if local else spec.function_calling,
        json_output=True if local else spec.json_output,
        family="unknown" if local else spec.family,
        structured_output=True if local else spec.structured_output,
    )


class ClientPool:
    """The run's clients: one backend per model identity, cached and metered.

    Two roles that name the same model (the judge defaulting to the subject)
    share one loaded model and one meter entry.
    """

    def __init__(
        self,
        cache_dir: Path,
        model_dir: Path,
        use_cache: bool = True,
        request_log: Callable[[dict[str, Any]], None] | None = None,
        concurrency: int = 8,
        adaptive: bool = True,
    ) -> None:
        self.cache_dir = cache_dir
        self.model_dir = model_dir
        self._request_log = request_log
        self._concurrency = concurrency
        self._adaptive = adaptive
        self.meter = UsageMeter()
        self._store = (
            ResponseStore(cache_dir / "responses.sqlite") if use_cache else None
        )
        self._clients: dict[str, CachingClient] = {}
        self._backends: dict[str, DeferredClient] = {}

    def get(self, spec: ModelSpec) -> CachingClient:
        """The shared client for `spec`, building its backend on first use."""
        key = json.dumps(spec.identity(), sort_keys=True)
        if key not in self._clients:
            limit = AdaptiveLimit(self._concurrency, self._adaptive)
            deferred = DeferredClient(
                lambda: build_client(spec, self.model_dir, limit),
                spec.name,
                model_info(spec),
            )
            self._backends[key] = deferred
            self._clients[key] = CachingClient(
                deferred, spec.identity(), self.meter, self._store, self._request_log
            )
        return self._clients[key]

    def usage(self) -> dict[str, float | int]:
        """Totals over every client, with the embedded model's prefix reuse and
        the endpoints' retries."""
        backends = self._backends.values()
        self.meter.prefix_reused_tokens = sum(
            getattr(d.backend, "reused_tokens", 0) for d in backends
        )
        self.meter.retries = sum(getattr(d.backend, "retries", 0) for d in backends)
        usage = self.meter.as_dict()
        # The first call of each backend also loaded it; report that apart.
        load = sum(d.build_seconds for d in backends)
        usage["model_load_seconds"] = round(load, 3)
        usage["model_seconds"] = round(float(usage["model_seconds"]) - load, 3)
        return usage

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
        if self._store:
            self._store.close()


def prepare(spec: ModelSpec, model_dir: Path, key: str = "model") -> None:
    """Check at start-up that `spec`'s model can be reached, without loading it.

    The embedded model's file is assembled and its checksum verified; an HTTP
    endpoint that needs an API key must have one in the environment, and must
    answer at all (any status will do).

    Args:
        spec: the model config.
        model_dir: where the embedded model's assembled file is kept.
        key: the config group of `spec` ("model" or "judge"), for messages.

    Raises:
        ModelFileError: the model's bytes are missing or wrong.
        InputError: the API key is missing, or the endpoint is unreachable.
    """
    if spec.backend == "embedded":
        assemble_gguf(
            spec.package_prefix,
            spec.parts,
            spec.part_path,
            spec.sha256,
            spec.size_bytes,
            model_dir,
            spec.name,
        )
    elif spec.backend == "openai":
        read_api_key(spec, key)
        probe_endpoint(spec.base_url or OPENAI_BASE_URL, spec.timeout_s, key)


def probe_endpoint(base_url: str, timeout_s: float, key: str = "model") -> None:
    """Raise InputError when nothing answers at `base_url` (`key`.base_url)."""
    url = base_url.rstrip("/") + "/models"
    try:
        with urllib.request.urlopen(url, timeout=min(timeout_s, 10.0)):
            pass
    except urllib.error.HTTPError:
        return  # it answered: reachable, whatever it thinks of the request
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise InputError(
            f"{key}.base_url={base_url}: the endpoint is unreachable ({reason}); "
            "start the server or fix the URL"
        ) from None
