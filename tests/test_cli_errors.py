"""Bad input ends with one clear line on stderr and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DRY, run_cli

BASE = ("+experiment=first_meeting", *DRY)

CASES = {
    "unknown group option": (("network=foo",), ["network", "foo", "divergence"]),
    "unknown key": (("population.colour=red",), ["colour"]),
    "wrong type": (("population.size=many",), ["population.size", "many"]),
    "negative size": (("population.size=-3",), ["population.size", "-3", ">= 2"]),
    "too many pairs": (("network.pairs=99",), ["network.pairs", "99", "28"]),
    "bad strategy key": (("network.strategy=ring",), ["network.strategy", "ring"]),
    "missing population file": (
        ("population=file", "population.path=/no/such/personas.jsonl"),
        ["population.path", "/no/such/personas.jsonl"],
    ),
    "bad experiment value": (("experiment.turns=1",), ["experiment.turns", "1"]),
    "unknown experiment key": (("+experiment.loudness=3",), ["loudness"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_and_exit_2(case: str, tmp_path: Path) -> None:
    overrides, expected = CASES[case]
    result = run_cli(*BASE, *overrides, f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)

    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in expected:
        assert fragment in lines[0]
    assert not (tmp_path / "run" / "summary.json").exists()


def test_missing_experiment_names_the_choices(tmp_path: Path) -> None:
    result = run_cli(*DRY, f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)
    assert result.returncode == 2
    assert "+experiment=NAME" in result.stderr and "first_meeting" in result.stderr


def test_full_error_shows_the_traceback(tmp_path: Path) -> None:
    result = run_cli(
        *BASE,
        "population.size=-3",
        f"hydra.run.dir={tmp_path}/run",
        cwd=tmp_path,
        env={"HYDRA_FULL_ERROR": "1"},
    )
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_two_job_sweep(tmp_path: Path) -> None:
    result = run_cli(
        "-m",
        *BASE,
        "network=random,divergence",
        f"hydra.sweep.dir={tmp_path}/sweep",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    for job in ("0", "1"):
        assert (tmp_path / "sweep" / job / "summary.json").is_file()
