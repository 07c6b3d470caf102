"""Bad input ends with one clear line on stderr and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DRY, run_cli

BASE = ("+experiment=first_meeting", *DRY)

CASES = {
    "unknown group option": (("network=foo",), ["network", "foo", "divergence"]),
    "unknown key": (("population.colour=red",), ["colour"]),
    "wrong type": (
        ("population.size=many",),
        ["population.size", "many", "could not be converted to Integer"],
    ),
    "not a bool": (
        ("population.draw_missing=maybe",),
        ["population.draw_missing", "maybe", "not a valid bool"],
    ),
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


def bad_input(tmp_path: Path, *overrides: str) -> list[str]:
    """Run with overrides; assert exit 2 and one stderr line; return it split."""
    result = run_cli(*BASE, *overrides, f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "run" / "manifest.json").exists()
    return lines


def test_a_population_file_with_a_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "people.jsonl"
    good = '{"uuid": "a", "persona": "Ann, 30.", "sex": "Female", "age": 30, '
    good += '"occupation": "nurse"}'
    path.write_text(good + "\n{not json\n")
    (line,) = bad_input(tmp_path, "population=file", f"population.path={path}")
    assert f"{path}:2" in line


def test_an_empty_population_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    (line,) = bad_input(tmp_path, "population=file", f"population.path={path}")
    assert str(path) in line


def test_a_model_with_the_wrong_checksum(tmp_path: Path) -> None:
    (line,) = bad_input(tmp_path, "model=embedded", f"model.sha256={'0' * 64}")
    assert "sha256" in line and "0" * 64 in line


def test_an_unreachable_endpoint(tmp_path: Path) -> None:
    (line,) = bad_input(
        tmp_path,
        "model=openai",
        "model.base_url=http://127.0.0.1:9/v1",
        "model.name=x",
    )
    assert "unreachable" in line and "127.0.0.1:9" in line


# An unknown template field, in one template of each kind of experiment:
# (key, template, the unknown field).
TEMPLATE_CASES = {
    "first_meeting": ("experiment.prompts.judge_user", "{transcript} {mood}", "mood"),
    "are_you_sure": ("experiment.prompts.question", "{question} {foo}", "foo"),
    "wrong_guidance": ("experiment.prompts.option", "{letter} {label}", "label"),
    "taste_ratings": ("experiment.prompts.persona_system", "I love {item}.", "item"),
    "predict_dislike": (
        "experiment.prompts.profiles.bio_only",
        "{bio} {likes}",
        "likes",
    ),
}


@pytest.mark.parametrize("experiment", sorted(TEMPLATE_CASES))
def test_an_unknown_template_field_stops_before_any_episode(
    experiment: str, tmp_path: Path
) -> None:
    key, template, unknown = TEMPLATE_CASES[experiment]
    result = run_cli(
        f"+experiment={experiment}",
        *DRY,
        f"{key}='{template}'",
        f"hydra.run.dir={tmp_path}/run",
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"friction: error: {key}='{{{unknown}}}'")
    assert "template fields among" in lines[0]
    written = {p.name for p in (tmp_path / "run").iterdir()}
    assert written <= {".hydra", "friction.log"}


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("condition.system='You are {nickname}.'", "condition.system"),
        ("population.bio_prompt='Expand: {biography}'", "population.bio_prompt"),
        ("experiment.prompts.question='{question'", "experiment.prompts.question"),
    ],
)
def test_root_templates_are_checked_too(
    override: str, key: str, tmp_path: Path
) -> None:
    result = run_cli(
        "+experiment=are_you_sure",
        *DRY,
        override,
        f"hydra.run.dir={tmp_path}/run",
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert f"error: {key}=" in result.stderr
    assert not (tmp_path / "run" / "episodes.jsonl").exists()


def test_a_missing_api_key_is_found_at_start(tmp_path: Path) -> None:
    (line,) = bad_input(
        tmp_path,
        "model=openai",
        "model.api_key_env=FRICTION_NO_SUCH_KEY",
        "model.name=gpt-4o-mini",
    )
    assert "FRICTION_NO_SUCH_KEY" in line and "model.api_key_env" in line
    assert not (tmp_path / "run" / "episodes.jsonl").exists()
