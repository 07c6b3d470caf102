"""Run one experiment: set up, run every episode, analyse, write the folder.

The run folder contract (see README): plan.json, personas.jsonl,
episodes.jsonl, measures.parquet, graph.graphml, summary.json, manifest.json,
figures/.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf
from platformdirs import user_cache_dir

from agents.bio_writer import write_bios
from agents.clients import ClientPool, GenerationSettings, ModelSpec, SettingsClient
from agents.clients.factory import prepare
from agents.clients.secrets import known_secrets
from simulator import run_folder
from simulator.config import experiment_config, validate_templates
from simulator.episodes import EpisodeOutcome, run_episodes
from simulator.experiments import get_experiment
from simulator.experiments.base import Experiment, RunContext
from simulator.manifest import MANIFEST, earlier_attempts, environment, total_usage
from simulator.plan import check_folder, plan_settings, record_plan
from simulator.setup import (
    build_embedder,
    build_interaction_graph,
    build_issues,
    build_personas,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """How a run ended: its folder, episode counts and whether it passed.

    `ok` is false when more than `run.max_failure_rate` of episodes failed;
    `stopped` says why a run ended before `planned` episodes (a budget).
    """

    run_dir: Path
    episodes: int
    failed: int
    ok: bool
    planned: int = 0
    stopped: str | None = None


def cache_dir(cfg: DictConfig) -> Path:
    """Where responses and embeddings are cached: config, env, or user cache."""
    configured = cfg.run.cache_dir or os.environ.get("FRICTION_CACHE_DIR")
    return Path(configured or user_cache_dir("friction")).expanduser()


def model_dir() -> Path:
    """Where the embedded models are assembled: $FRICTION_CACHE_DIR/models or
    the user cache. Shared by every run, whatever its `run.cache_dir`."""
    root = os.environ.get("FRICTION_CACHE_DIR") or user_cache_dir("friction")
    return Path(root).expanduser() / "models"


def model_specs(cfg: DictConfig) -> tuple[ModelSpec, ModelSpec]:
    """The subject and judge specs; `judge.backend: same` means the subject."""
    subject = OmegaConf.to_object(cfg.model)
    judge = subject if cfg.judge.backend == "same" else OmegaConf.to_object(cfg.judge)
    assert isinstance(subject, ModelSpec) and isinstance(judge, ModelSpec)
    return subject, judge


def run(cfg: DictConfig, run_dir: Path) -> RunResult:
    """Run the configured experiment into `run_dir` (which Hydra created).

    Everything a user can get wrong is checked before the first model call or
    file: the experiment's config and templates, the run folder (and, on
    resume, that the plan is the run's own), the models' keys and endpoints.

    Raises:
        ConfigError, InputError: bad input, naming the key or file.
    """
    experiment = get_experiment(cfg.experiment.name)
    config = experiment_config(cfg, experiment.schema)
    validate_templates(config)
    return asyncio.run(_run(cfg, config, experiment, run_dir))


async def _run(
    cfg: DictConfig, config: Any, experiment: Experiment, run_dir: Path
) -> RunResult:
    started = time.time()
    subject, judge = model_specs(cfg)
    settings = plan_settings(cfg, config, subject, judge)
    check_folder(run_dir, cfg.run.resume, settings)
    prepare(subject, model_dir(), "model")
    if judge is not subject:
        prepare(judge, model_dir(), "judge")

    requests = None
    if cfg.run.log_requests:
        requests = run_folder.AppendLog(run_dir / "requests.jsonl")
    pool = ClientPool(
        cache_dir(cfg),
        model_dir(),
        use_cache=cfg.run.cache,
        request_log=requests.append if requests else None,
        concurrency=cfg.run.concurrency,
        adaptive=cfg.run.adaptive_concurrency,
    )
    pool.meter.max_calls = cfg.run.max_calls
    pool.meter.max_tokens = cfg.run.max_tokens
    try:
        ctx = await _context(cfg, run_dir, pool, subject, judge)
        specs = experiment.plan(ctx, config)
        record_plan(run_dir, cfg.run.resume, settings, ctx.personas, specs)
        personas = [p.to_record() for p in ctx.personas]
        run_folder.write_jsonl(run_dir / "personas.jsonl", personas)
        episodes_started = time.perf_counter()
        outcome = await run_episodes(
            experiment,
            ctx,
            config,
            specs,
            concurrency=_concurrency(cfg, ctx),
            resume=cfg.run.resume,
            progress=cfg.run.progress,
            secrets=known_secrets([subject, judge]),
        )
        episode_seconds = time.perf_counter() - episodes_started
        analysis = experiment.analyse(ctx, config, outcome.records)
        _write_results(cfg, ctx, analysis)
    finally:
        await pool.close()
        if requests:
            requests.close()

    episodes = outcome.records
    failed = sum(e["status"] != "completed" for e in episodes)
    ok = not episodes or failed / len(episodes) <= cfg.run.max_failure_rate
    status = "failed" if not ok else "incomplete" if outcome.stopped else "complete"
    attempt = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "status": status,
        "stopped_because": outcome.stopped,
        "episodes_run": outcome.ran,
        "usage": pool.usage(),
        "wall_seconds": round(time.time() - started, 3),
        "episode_seconds": round(episode_seconds, 3),
    }
    _write_manifest(cfg, ctx, attempt, outcome)
    return RunResult(run_dir, len(episodes), failed, ok, len(specs), outcome.stopped)


async def _context(
    cfg: DictConfig,
    run_dir: Path,
    pool: ClientPool,
    subject: ModelSpec,
    judge: ModelSpec,
) -> RunContext:
    seed = int(cfg.run.seed)
    rng = np.random.default_rng(seed)
    issues = build_issues(cfg, rng)
    personas = build_personas(cfg, issues, rng)
    if cfg.population.bio == "llm":
        writer = SettingsClient(pool.get(subject), GenerationSettings(0.8, 0.95, 80))
        personas = await write_bios(personas, writer, cfg.population.bio_prompt, issues)
    embedder = build_embedder(
        cfg.run.embedder, pool.cache_dir if cfg.run.cache else None
    )
    graph = build_interaction_graph(cfg, personas, rng, embedder)
    return RunContext(
        run_id="/".join(run_dir.parts[-2:]),
        run_dir=run_dir,
        seed=seed,
        rng=rng,
        pool=pool,
        subject=subject,
        judge=judge,
        personas=personas,
        issues=issues,
        graph=graph,
        embedder=embedder,
    )


def _concurrency(cfg: DictConfig, ctx: RunContext) -> int:
    # The embedded model answers one call at a time: interleaving episodes
    # would only delay each one's end (and its line in episodes.jsonl).
    if ctx.subject.backend == "embedded" and cfg.run.concurrency > 1:
        logger.info("embedded model: running episodes one at a time")
        return 1
    return int(cfg.run.concurrency)


def _write_results(cfg: DictConfig, ctx: RunContext, analysis: Any) -> None:
    measures: pd.DataFrame = analysis.measures.copy()
    measures.insert(0, "run_id", ctx.run_id)
    measures.insert(1, "experiment", cfg.experiment.name)
    for column, value in _condition_columns(cfg, ctx).items():
        measures[column] = value
    run_folder.write_measures(ctx.run_dir / "measures.parquet", measures)
    run_folder.write_json(ctx.run_dir / "summary.json", analysis.summary)
    run_folder.write_graph(ctx.run_dir / "graph.graphml", ctx.graph)


def _failure_reasons(episodes: list[dict[str, Any]]) -> dict[str, int]:
    reasons: dict[str, int] = {}
    for episode in episodes:
        if episode["status"] != "completed":
            kind = episode["error"]["type"]
            reasons[kind] = reasons.get(kind, 0) + 1
    return reasons


def _condition_columns(cfg: DictConfig, ctx: RunContext) -> dict[str, str]:
    return {
        "model": ctx.subject.name,
        "backend": ctx.subject.backend,
        "network": cfg.network.strategy,
        **ctx.conditions,
    }


def _write_manifest(
    cfg: DictConfig,
    ctx: RunContext,
    attempt: dict[str, Any],
    outcome: EpisodeOutcome,
) -> None:
    """The manifest: usage and times summed over this run's attempts (a
    resumed run has several), each attempt also listed on its own."""
    path = ctx.run_dir / MANIFEST
    attempts = [*(earlier_attempts(path) if cfg.run.resume else []), attempt]
    episodes = outcome.records
    scripted = "scripted" in (ctx.subject.backend, ctx.judge.backend)
    manifest = {
        "run_id": ctx.run_id,
        "experiment": cfg.experiment.name,
        "seed": ctx.seed,
        "scripted": scripted,
        "status": attempt["status"],
        "stopped_because": outcome.stopped,
        "subject_model": ctx.subject.identity(),
        "judge_model": ctx.judge.identity(),
        "episodes": len(episodes),
        "failed_episodes": sum(e["status"] != "completed" for e in episodes),
        "failure_reasons": _failure_reasons(episodes),
        "usage": total_usage([a["usage"] for a in attempts]),
        **{
            key: round(sum(a.get(key, 0.0) for a in attempts), 3)
            for key in ("wall_seconds", "episode_seconds")
        },
        "attempts": attempts,
        **environment(),
    }
    run_folder.write_json(path, manifest)
