"""Run one experiment: set up, run every episode, analyse, write the folder.

The run folder contract (see README): personas.jsonl, episodes.jsonl,
measures.parquet, graph.graphml, summary.json, manifest.json, figures/.
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
from tqdm import tqdm

from agents.bio_writer import write_bios
from agents.clients import ClientPool, GenerationSettings, ModelSpec, SettingsClient
from simulator import run_folder
from simulator.config import experiment_config
from simulator.experiments import get_experiment
from simulator.experiments.base import EpisodeSpec, Experiment, RunContext
from simulator.manifest import environment
from simulator.setup import (
    build_embedder,
    build_interaction_graph,
    build_issues,
    build_personas,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """How a run ended: its folder, episode counts and whether it passed."""

    run_dir: Path
    episodes: int
    failed: int
    ok: bool


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
    """Run the configured experiment into `run_dir` (which Hydra created)."""
    experiment = get_experiment(cfg.experiment.name)
    config = experiment_config(cfg, experiment.schema)
    return asyncio.run(_run(cfg, config, experiment, run_dir))


async def _run(
    cfg: DictConfig, config: Any, experiment: Experiment, run_dir: Path
) -> RunResult:
    started = time.time()
    requests = (
        run_folder.AppendLog(run_dir / "requests.jsonl")
        if cfg.run.log_requests
        else None
    )
    pool = ClientPool(
        cache_dir(cfg),
        model_dir(),
        use_cache=cfg.run.cache,
        request_log=requests.append if requests else None,
    )
    try:
        ctx = await _context(cfg, run_dir, pool)
        run_folder.write_jsonl(
            run_dir / "personas.jsonl", (p.to_record() for p in ctx.personas)
        )
        specs = experiment.plan(ctx, config)
        episodes = await _run_episodes(cfg, config, experiment, ctx, specs)
        analysis = experiment.analyse(ctx, config, episodes)
        _write_results(cfg, ctx, analysis)
    finally:
        await pool.close()
        if requests:
            requests.close()

    failed = sum(e["status"] != "completed" for e in episodes)
    ok = not episodes or failed / len(episodes) <= cfg.run.max_failure_rate
    _write_manifest(cfg, ctx, pool, started, len(episodes), failed, ok)
    return RunResult(run_dir, len(episodes), failed, ok)


async def _context(cfg: DictConfig, run_dir: Path, pool: ClientPool) -> RunContext:
    seed = int(cfg.run.seed)
    rng = np.random.default_rng(seed)
    subject, judge = model_specs(cfg)
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


async def _run_episodes(
    cfg: DictConfig,
    config: Any,
    experiment: Experiment,
    ctx: RunContext,
    specs: list[EpisodeSpec],
) -> list[dict[str, Any]]:
    log = run_folder.AppendLog(ctx.run_dir / "episodes.jsonl")
    limit = asyncio.Semaphore(_concurrency(cfg, ctx))
    bar = tqdm(
        total=len(specs),
        desc=experiment.name,
        unit="episode",
        disable=not cfg.run.progress,
    )

    async def one(spec: EpisodeSpec) -> dict[str, Any]:
        async with limit:
            record = await _episode(experiment, ctx, config, spec)
        log.append(record)
        bar.update()
        return record

    try:
        return list(await asyncio.gather(*(one(s) for s in specs)))
    finally:
        bar.close()
        log.close()


def _concurrency(cfg: DictConfig, ctx: RunContext) -> int:
    # The embedded model answers one call at a time: interleaving episodes
    # would only delay each one's end (and its line in episodes.jsonl).
    if ctx.subject.backend == "embedded" and cfg.run.concurrency > 1:
        logger.info("embedded model: running episodes one at a time")
        return 1
    return int(cfg.run.concurrency)


async def _episode(
    experiment: Experiment, ctx: RunContext, config: Any, spec: EpisodeSpec
) -> dict[str, Any]:
    base = {
        "episode_id": spec.episode_id,
        "run_id": ctx.run_id,
        "experiment": experiment.name,
    }
    started = time.time()
    try:
        body = await experiment.run_episode(ctx, config, spec)
    except Exception as err:
        logger.warning(
            "episode %s failed: %s: %s", spec.episode_id, type(err).__name__, err
        )
        return {
            **base,
            "status": "failed",
            "error": {"type": type(err).__name__, "message": str(err)},
            "inputs": spec.inputs,
            "seconds": round(time.time() - started, 3),
        }
    return {
        **base,
        "status": "completed",
        **body,
        "seconds": round(time.time() - started, 3),
    }


def _write_results(cfg: DictConfig, ctx: RunContext, analysis: Any) -> None:
    measures: pd.DataFrame = analysis.measures.copy()
    measures.insert(0, "run_id", ctx.run_id)
    measures.insert(1, "experiment", cfg.experiment.name)
    for column, value in _condition_columns(cfg, ctx).items():
        measures[column] = value
    run_folder.write_measures(ctx.run_dir / "measures.parquet", measures)
    run_folder.write_json(ctx.run_dir / "summary.json", analysis.summary)
    run_folder.write_graph(ctx.run_dir / "graph.graphml", ctx.graph)


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
    pool: ClientPool,
    started: float,
    episodes: int,
    failed: int,
    ok: bool,
) -> None:
    scripted = "scripted" in (ctx.subject.backend, ctx.judge.backend)
    manifest = {
        "run_id": ctx.run_id,
        "experiment": cfg.experiment.name,
        "seed": ctx.seed,
        "scripted": scripted,
        "status": "complete" if ok else "failed",
        "subject_model": ctx.subject.identity(),
        "judge_model": ctx.judge.identity(),
        "episodes": episodes,
        "failed_episodes": failed,
        "usage": pool.usage(),
        "wall_seconds": round(time.time() - started, 2),
        **environment(),
    }
    run_folder.write_json(ctx.run_dir / "manifest.json", manifest)
