"""`python -m analysis compare SWEEP`: one table with intervals and Holm-adjusted
tests, and figures, from the run folders of a sweep."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import compare
from analysis.compare import SweepError, compare_sweep
from analysis.run_folders import RunFolderError, find_runs, read_jsonl
from analysis.sweep_comparison import Comparison
from tests.conftest import DRY, ROOT, run_cli

CONDITIONS = ("none", "helpful", "belief")


def analysis_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scripted three-condition sweep of are_you_sure, run as a user would."""
    folder = tmp_path_factory.mktemp("sweep")
    result = run_cli(
        "-m",
        "+experiment=are_you_sure",
        f"condition={','.join(CONDITIONS)}",
        *DRY,
        "model.replies=['A) x','B) x','C) x','D) x']",
        "items.limit=30",
        f"hydra.sweep.dir={folder}",
        f"run.cache_dir={folder / 'cache'}",
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return folder


def test_the_cli_writes_a_table_with_intervals_and_holm(sweep: Path) -> None:
    result = analysis_cli("compare", str(sweep))
    assert result.returncode == 0, result.stderr
    assert "comparison.csv" in result.stdout

    table = pd.read_csv(sweep / "comparison.csv")
    rates = table[(table["kind"] == "rate") & (table["measure"] == "folded")]
    assert sorted(rates["group"]) == sorted(CONDITIONS)
    assert (rates["low"] <= rates["estimate"]).all()
    assert (rates["estimate"] <= rates["high"]).all()
    assert (rates["n"] > 0).all()

    tests = table[table["kind"] == "comparison"]
    assert set(tests["measure"]) == {"folded", "initial_correct"}
    assert len(tests) == 6  # three pairs, two tested measures
    assert set(tests["test"]) <= {"fisher", "chi2"}
    assert (tests["p_holm"] >= tests["p_value"]).all()
    assert tests["p_holm"].between(0, 1).all()

    figures = {p.name for p in (sweep / "figures").glob("*.png")}
    assert figures == {
        "are_you_sure_folded_by_condition.png",
        "are_you_sure_survival_by_condition.png",
    }


def test_holm_runs_over_every_comparison_of_the_experiment(sweep: Path) -> None:
    tests = compare_sweep(sweep).table.query("kind == 'comparison'")
    ordered = tests.sort_values("p_value")
    # Holm over m tests: the smallest p is multiplied by m.
    smallest = ordered.iloc[0]
    assert smallest["p_holm"] == pytest.approx(min(1.0, smallest["p_value"] * 6))
    assert ordered["p_holm"].is_monotonic_increasing


def test_a_torn_last_line_and_an_unfinished_run_are_tolerated(
    sweep: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "sweep"
    for run in find_runs(sweep):
        target = copy / run.path.name
        target.mkdir(parents=True)
        for file in run.path.iterdir():
            if file.is_file():
                target.joinpath(file.name).write_bytes(file.read_bytes())
    torn = copy / "0" / "episodes.jsonl"
    torn.write_text(torn.read_text() + '{"episode_id": "ays-99')
    unfinished = copy / "2"
    (unfinished / "measures.parquet").unlink()

    records = read_jsonl(torn)
    assert records and all("status" in r for r in records)
    report = compare_sweep(copy)
    assert any("no measures.parquet" in reason for reason in report.skipped)
    groups = set(report.table.query("kind == 'rate'")["group"])
    assert groups == {"none", "helpful"}


def test_grouping_by_a_missing_column_is_one_line_and_exit_2(sweep: Path) -> None:
    result = analysis_cli("compare", str(sweep), "--by", "temperature")
    assert result.returncode == 2
    assert result.stderr.startswith("analysis: error:")
    assert "temperature" in result.stderr and "condition" in result.stderr


def test_a_folder_without_runs_is_refused(tmp_path: Path) -> None:
    result = analysis_cli("compare", str(tmp_path))
    assert result.returncode == 2 and "no run folders" in result.stderr


def test_other_experiments_register_their_own_comparer(
    sweep: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []

    def count_runs(runs, options) -> Comparison:
        seen.append(len(runs))
        row = {"experiment": "are_you_sure", "measure": "runs", "n": len(runs)}
        return Comparison(pd.DataFrame([row]))

    monkeypatch.setitem(compare.COMPARERS, "are_you_sure", count_runs)
    report = compare_sweep(sweep, out=tmp_path)
    assert seen == [3] and report.table["n"].tolist() == [3]

    # Without a comparer of its own, every episode measure is compared.
    monkeypatch.delitem(compare.COMPARERS, "are_you_sure")
    table = compare_sweep(sweep, out=tmp_path).table
    assert {"folded", "initial_correct"} <= set(table["measure"])
    assert set(table.query("measure == 'folded'")["kind"]) == {"rate", "comparison"}


WARMTH = (20, 45, 60, 85)


def test_a_sweep_over_networks_compares_every_episode_measure(tmp_path: Path) -> None:
    result = run_cli(
        "-m",
        "+experiment=first_meeting",
        "network=random,divergence",
        *DRY,
        "population.size=12",
        "network.pairs=10",
        "model.judge_replies=["
        + ",".join(f"'{{\"warmth\": {w}}}'" for w in WARMTH)
        + ",'nonsense']",
        f"hydra.sweep.dir={tmp_path}",
        f"run.cache_dir={tmp_path / 'cache'}",
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    result = analysis_cli("compare", str(tmp_path), "--by", "network")
    assert result.returncode == 0, result.stderr

    table = pd.read_csv(tmp_path / "comparison.csv")
    warmth = table[(table["measure"] == "warmth") & (table["kind"] == "mean")]
    assert sorted(warmth["group"]) == ["divergence", "random"]
    assert (warmth["low"] <= warmth["high"]).all()
    valid = table[(table["measure"] == "warmth_valid") & (table["kind"] == "rate")]
    assert (valid["estimate"] < 1).all()  # the unparseable verdicts are counted
    tests = table[table["kind"] == "comparison"]
    assert {"warmth", "warmth_valid", "sentiment_mean"} <= set(tests["measure"])
    assert set(tests["test"]) <= {"mann_whitney", "fisher", "chi2"}
    assert (tests["p_holm"] >= tests["p_value"]).all()
    assert (tmp_path / "figures" / "first_meeting_warmth_by_network.png").is_file()


def test_a_runs_summary_agrees_with_the_sweep_table(sweep: Path) -> None:
    table = compare_sweep(sweep).table.query("kind == 'rate'")
    for run in find_runs(sweep):
        summary = json.loads((run.path / "summary.json").read_text())
        condition = summary["condition"]
        for row in summary["estimates"]:
            match = table[
                (table["measure"] == row["measure"]) & (table["group"] == condition)
            ]
            assert int(match["n"].iloc[0]) == row["n"]


# --------------------------------------------- what runs of one group may share


@pytest.fixture(scope="module")
def ladders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """are_you_sure under one condition, two ladders, two seeds each."""
    folder = tmp_path_factory.mktemp("ladders")
    result = run_cli(
        "-m",
        "+experiment=are_you_sure",
        "pushback=ladder,single",
        "run.seed=0,1",
        *DRY,
        "model.replies=['A) x','B) x','C) x','D) x']",
        f"hydra.sweep.dir={folder}",
        f"run.cache_dir={folder / 'cache'}",
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return folder


def test_runs_of_one_condition_with_different_ladders_are_not_pooled(
    ladders: Path,
) -> None:
    result = analysis_cli("compare", str(ladders))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("analysis: error: are_you_sure: runs 0, 1, 2, 3 ")
    assert "condition=helpful" in line and "pushback.levels" in line
    assert "pushback.name" in line and "run.seed" not in line
    assert "--by pushback" in line
    assert not (ladders / "comparison.csv").exists()


def test_runs_that_differ_only_in_their_seed_are_pooled(ladders: Path) -> None:
    table = compare_sweep(ladders, by="pushback").table
    valid = table.query("measure == 'answer_valid' and kind == 'rate'")
    assert sorted(valid["group"]) == ["ladder", "single"]
    per_run = {  # episode-level rows: `turn` is empty
        run.path.name: run.measures.query("measure == 'answer_valid'")
        .loc[lambda rows: rows["turn"].isna(), "value"]
        .count()
        for run in find_runs(ladders)
    }
    # Hydra numbers the jobs ladder/0, ladder/1, single/0, single/1.
    counts = dict(zip(valid["group"], valid["n"], strict=True))
    assert counts == {
        "ladder": per_run["0"] + per_run["1"],
        "single": per_run["2"] + per_run["3"],
    }


def test_runs_without_their_config_are_still_refused_by_ladder_length(
    ladders: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    copy = tmp_path / "copy"
    for run in find_runs(ladders):
        target = copy / run.path.name
        target.mkdir(parents=True)
        for file in run.path.iterdir():
            if file.is_file():  # leaves .hydra/ behind
                target.joinpath(file.name).write_bytes(file.read_bytes())

    with pytest.raises(SweepError) as info:
        compare_sweep(copy)
    message = str(info.value)
    assert "condition=helpful" in message and "--by pushback" in message
    assert "ladders of different lengths (1 in 2, 3; 5 in 0, 1 levels)" in message
    assert "np.float64" not in message
    assert "cannot check that runs 0, 1, 2, 3 pool alike" in caplog.text


# ------------------------------------------------------- malformed run files


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("summary.json", "{not json", "not JSON"),
        ("manifest.json", "[1, 2]", "found a JSON list; expected an object"),
        (".hydra/config.yaml", "- a\n- b\n", "found list; expected the run's config"),
        ("measures.parquet", "not parquet", "not a parquet table"),
    ],
)
def test_a_malformed_run_file_is_an_error_naming_it(
    sweep: Path, tmp_path: Path, name: str, content: str, problem: str
) -> None:
    copy = tmp_path / "sweep"
    shutil.copytree(sweep, copy, ignore=shutil.ignore_patterns("cache"))
    bad = copy / "1" / name
    bad.write_text(content)

    with pytest.raises(RunFolderError, match=re.escape(f"{bad}: {problem}")):
        compare_sweep(copy)
    result = analysis_cli("compare", str(copy))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("analysis: error:") and str(bad) in line


def test_a_run_without_its_end_files_is_left_out_and_listed(
    sweep: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "sweep"
    shutil.copytree(sweep, copy, ignore=shutil.ignore_patterns("cache"))
    for name in ("measures.parquet", "summary.json", "manifest.json"):
        (copy / "2" / name).unlink()

    (unfinished,) = [run for run in find_runs(copy) if run.path.name == "2"]
    assert unfinished.summary == {} and unfinished.manifest == {}
    assert unfinished.missing == ("manifest.json", "summary.json", "measures.parquet")
    report = compare_sweep(copy)
    assert report.skipped == [
        f"{copy / '2'}: unfinished, no manifest.json, summary.json, measures.parquet"
    ]
