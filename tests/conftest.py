"""Shared fixtures: composing configs, running experiments, datasets."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from simulator.config import register_schemas, validate
from simulator.runner import RunResult, run

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"

# Scripted model, hashing embedder, no progress bar: a run in about a second.
DRY = ("model=scripted", "run.embedder=hashing", "run.progress=false")


def datasets_dir() -> Path | None:
    """The shared datasets folder, or None when it is not beside the checkout."""
    configured = os.environ.get("FRICTION_DATASETS")
    path = Path(configured) if configured else ROOT.parent / "shared" / "datasets"
    return path if path.is_dir() else None


@pytest.fixture
def datasets() -> Path:
    path = datasets_dir()
    if path is None:
        pytest.skip("../shared/datasets is not beside the checkout (FRICTION_DATASETS)")
    return path


def compose_config(overrides: Sequence[str]) -> DictConfig:
    """Compose conf/config.yaml with overrides, as the CLI would."""
    register_schemas()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def run_experiment(tmp_path: Path, cache_dir: Path) -> Callable[..., RunResult]:
    """Run an experiment in-process into a fresh folder; returns the result."""
    counter = iter(range(1000))

    def go(*overrides: str, run_dir: Path | None = None) -> RunResult:
        if not any(o.startswith("run.cache_dir=") for o in overrides):
            overrides = (*overrides, f"run.cache_dir={cache_dir}")
        cfg = compose_config(overrides)
        validate(cfg)
        folder = run_dir or tmp_path / f"run{next(counter)}"
        folder.mkdir(parents=True, exist_ok=True)
        return run(cfg, folder)

    return go


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m simulator ARGS` as a user would, capturing output."""
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
        check=False,
    )
