"""Running a run's episodes: concurrency, failures, budgets and resume.

Each finished episode is appended to episodes.jsonl at once (flushed and
synced). An episode that raises is recorded as `failed` with the error's class
and message and the run goes on; a `ConfigError` is not an episode's fault but
a gap in start-up checking, so it stops the run (after the episodes in flight)
and propagates. When the call or token budget is spent, the episodes in flight
are dropped (they are redone on resume) and no new ones start. Resuming keeps
the completed episodes already in the file and redoes the rest, so the result
equals an uninterrupted run's, with no duplicates.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from agents.clients.secrets import redact
from agents.clients.usage import BudgetExhausted
from simulator import run_folder
from simulator.errors import ConfigError
from simulator.experiments.base import EpisodeSpec, Experiment, RunContext

logger = logging.getLogger(__name__)

EPISODES = "episodes.jsonl"


@dataclass
class EpisodeOutcome:
    """The run's episode records, in plan order, and why it stopped early.

    `ran` counts the episodes this attempt ran (the rest were kept from an
    earlier attempt).
    """

    records: list[dict[str, Any]]
    stopped: str | None = None
    ran: int = 0


def completed_episodes(run_dir: Path, resume: bool) -> dict[str, dict[str, Any]]:
    """The completed episodes of an earlier attempt at this run.

    With `resume`, episodes.jsonl is rewritten to hold only completed episodes
    (a torn last line and failed episodes are dropped), which are returned.

    Raises:
        ConfigError: the folder already has episodes and `resume` is false.
    """
    path = run_dir / EPISODES
    if not path.exists():
        return {}
    if not resume:
        raise ConfigError(
            "run.resume",
            False,
            f"true to continue the run in {run_dir}, or a new hydra.run.dir",
        )
    done = {
        r["episode_id"]: r
        for r in run_folder.read_jsonl(path)
        if r.get("status") == "completed"
    }
    run_folder.write_jsonl(path, done.values())
    logger.info("resuming: %d completed episodes kept", len(done))
    return done


async def run_episodes(
    experiment: Experiment,
    ctx: RunContext,
    config: Any,
    specs: Sequence[EpisodeSpec],
    *,
    concurrency: int,
    resume: bool,
    progress: bool,
    secrets: Sequence[str] = (),
) -> EpisodeOutcome:
    """Run every planned episode not already completed; see module docstring.

    Raises:
        ConfigError: an episode raised one; the run stops.
    """
    done = completed_episodes(ctx.run_dir, resume)
    todo = [s for s in specs if s.episode_id not in done]
    log = run_folder.AppendLog(ctx.run_dir / EPISODES)
    limit = asyncio.Semaphore(concurrency)
    outcome = EpisodeOutcome([])
    new: dict[str, dict[str, Any]] = {}
    fatal: list[ConfigError] = []
    bar = tqdm(
        total=len(specs),
        initial=len(specs) - len(todo),
        desc=experiment.name,
        unit="episode",
        disable=not progress,
    )

    async def one(spec: EpisodeSpec) -> None:
        async with limit:
            if outcome.stopped or fatal:
                return
            try:
                record = await _episode(experiment, ctx, config, spec, secrets)
            except BudgetExhausted as stop:
                outcome.stopped = outcome.stopped or str(stop)
                return
            except ConfigError as error:
                fatal.append(error)
                return
        log.append(record)
        new[spec.episode_id] = record
        bar.update()

    try:
        await asyncio.gather(*(one(s) for s in todo))
    finally:
        bar.close()
        log.close()
    if fatal:
        raise fatal[0]
    finished = {**done, **new}
    outcome.ran = len(new)
    outcome.records = [
        finished[s.episode_id] for s in specs if s.episode_id in finished
    ]
    if outcome.stopped:
        logger.warning("stopped early: %s", outcome.stopped)
    return outcome


async def _episode(
    experiment: Experiment,
    ctx: RunContext,
    config: Any,
    spec: EpisodeSpec,
    secrets: Sequence[str],
) -> dict[str, Any]:
    base = {
        "episode_id": spec.episode_id,
        "run_id": ctx.run_id,
        "experiment": experiment.name,
    }
    started = time.time()
    try:
        body = await experiment.run_episode(ctx, config, spec)
    except (BudgetExhausted, ConfigError):
        raise  # a budget stops the run; a config error was missed at start-up
    except Exception as err:
        # The fault boundary: one failed episode is recorded, the run goes on.
        message = redact(str(err), secrets)
        logger.warning(
            "episode %s failed: %s: %s", spec.episode_id, type(err).__name__, message
        )
        return {
            **base,
            "status": "failed",
            "error": {"type": type(err).__name__, "message": message},
            "inputs": spec.inputs,
            "seconds": round(time.time() - started, 3),
        }
    seconds = round(time.time() - started, 3)
    return {**base, "status": "completed", **body, "seconds": seconds}
