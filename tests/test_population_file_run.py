"""Experiments run on personas read from a file, with or without stances."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from agents.errors import InputError
from agents.persona import Persona
from agents.population import fill_missing, load_population_file, load_stance_issues
from simulator.runner import RunResult
from tests.conftest import DRY
from tests.test_population import nemotron_records, write_jsonl


@pytest.fixture
def nemotron(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "nemotron.jsonl", nemotron_records(4, 4))


@pytest.mark.parametrize("experiment", ["first_meeting", "predict_dislike"])
def test_nemotron_records_get_stances_and_every_episode_completes(
    experiment: str, nemotron: Path, run_experiment: Callable[..., RunResult]
) -> None:
    result = run_experiment(
        f"+experiment={experiment}",
        *DRY,
        "population=file",
        f"population.path={nemotron}",
        "population.size=8",
        "population.issues=6",
    )
    assert result.failed == 0 and result.episodes > 0

    lines = (result.run_dir / "personas.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert {len(r["stances"]) for r in records} == {6}
    assert all(len(r["tastes"]) == 7 for r in records)
    # The file's own fields are kept as they were.
    assert {r["uuid"] for r in records} == {f"id-{i:03d}" for i in range(8)}


def test_drawn_stances_are_seeded(tmp_path: Path) -> None:
    issues = load_stance_issues("builtin", k=5, rng=np.random.default_rng(0))
    people = _read(_records_file(tmp_path))

    first = fill_missing(people, issues, np.random.default_rng(3))
    again = fill_missing(people, issues, np.random.default_rng(3))
    other = fill_missing(people, issues, np.random.default_rng(4))
    assert [p.stances for p in first] == [p.stances for p in again]
    assert [p.stances for p in first] != [p.stances for p in other]


def test_stances_of_the_wrong_width_are_refused(tmp_path: Path) -> None:
    issues = load_stance_issues("builtin", k=5, rng=np.random.default_rng(0))
    people = _read(_records_file(tmp_path, stances=[1, 0, 1]))
    with pytest.raises(InputError, match=r"3 stances .* 5 stance issues.*issues=3"):
        fill_missing(people, issues, np.random.default_rng(0), where="f.jsonl")


def test_without_draw_missing_a_file_without_stances_is_refused(
    tmp_path: Path,
) -> None:
    issues = load_stance_issues("builtin", k=5, rng=np.random.default_rng(0))
    people = _read(_records_file(tmp_path))
    with pytest.raises(InputError, match=r"population\.draw_missing=true"):
        fill_missing(people, issues, np.random.default_rng(0), draw=False)


def test_records_with_stances_and_tastes_are_kept(tmp_path: Path) -> None:
    issues = load_stance_issues("builtin", k=3, rng=np.random.default_rng(0))
    tastes = {"music": {"likes": "jazz", "dislikes": "country"}}
    people = _read(_records_file(tmp_path, stances=[1, 0, 1], tastes=tastes))
    kept = fill_missing(people, issues, np.random.default_rng(0), draw=False)
    assert kept == people


def _records_file(folder: Path, **extra: object) -> Path:
    records = [{**r, **extra} for r in nemotron_records(2, 2)]
    return write_jsonl(folder / "people.jsonl", records)


def _read(path: Path) -> list[Persona]:
    return load_population_file(str(path), None, np.random.default_rng(0))
