"""What an experiment is: a config schema, a plan of episodes, and analysis.

The runner owns everything else: concurrency, the episode log, failures,
resume, progress and the run folder.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import networkx as nx
import numpy as np
import pandas as pd

from agents.clients import ClientPool, ModelSpec
from agents.persona import Persona
from agents.population import StanceIssue
from analysis.embedding import Embedder

TemplateFields = Mapping[str, tuple[str, ...] | None]
"""What each key of an experiment's prompts schema may use, as data.

Every prompts dataclass declares `TEMPLATE_FIELDS: ClassVar[TemplateFields]`:
per key, the `{fields}` its template is rendered with, or None for plain text
that is never rendered. A dict-valued key (one template per name) gives the
fields of each of its templates. `simulator.config.validate_templates` checks
every template against them at start-up.
"""


@dataclass
class RunContext:
    """Everything an experiment may use, built once by the runner."""

    run_id: str
    run_dir: Path
    seed: int
    rng: np.random.Generator
    pool: ClientPool
    subject: ModelSpec
    judge: ModelSpec
    personas: list[Persona]
    issues: list[StanceIssue]
    graph: nx.Graph
    embedder: Embedder
    conditions: dict[str, str] = field(default_factory=dict)

    def persona(self, uuid: str) -> Persona:
        """The persona with this uuid."""
        return self._by_uuid[uuid]

    def __post_init__(self) -> None:
        self._by_uuid = {p.uuid: p for p in self.personas}


@dataclass(frozen=True)
class EpisodeSpec:
    """One planned episode: a stable id and what the experiment needs."""

    episode_id: str
    inputs: dict[str, Any]


@dataclass
class Analysis:
    """What an experiment's analysis produces for the run folder."""

    measures: pd.DataFrame
    summary: dict[str, Any]
    figures: list[Path] = field(default_factory=list)


class Experiment(abc.ABC):
    """One kind of experiment, registered under `name`."""

    name: ClassVar[str]
    schema: ClassVar[type]

    @abc.abstractmethod
    def plan(self, ctx: RunContext, config: Any) -> list[EpisodeSpec]:
        """The run's episodes, in a deterministic order with stable ids."""

    @abc.abstractmethod
    async def run_episode(
        self, ctx: RunContext, config: Any, spec: EpisodeSpec
    ) -> dict[str, Any]:
        """Run one episode to its end; return its record (without status)."""

    @abc.abstractmethod
    def analyse(
        self, ctx: RunContext, config: Any, episodes: list[dict[str, Any]]
    ) -> Analysis:
        """Measures, summary and figures from the finished episodes."""
