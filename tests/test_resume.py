"""Nothing lost, nothing twice: kill a run, resume it, compare; budgets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.run_folder import read_jsonl
from tests.conftest import DRY, run_cli
from tests.fault_server import FaultServer

SLOW_ENDPOINT = (
    "+experiment=first_meeting",
    "model=openai",
    "model.name=fault",
    "model.api_key_env=FRICTION_TEST_KEY",
    "run.embedder=hashing",
    "run.progress=false",
    "run.concurrency=2",
    "population.size=10",
    "network=random",
    "network.pairs=16",
)


def episode_texts(run_dir: Path) -> dict[str, list[str]]:
    records = list(read_jsonl(run_dir / "episodes.jsonl"))
    ids = [r["episode_id"] for r in records]
    assert len(ids) == len(set(ids)), "duplicate episode ids"
    return {r["episode_id"]: [t["text"] for t in r["turns"]] for r in records}


def wait_for_lines(path: Path, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never reached {count} lines")


def test_sigkill_then_resume_equals_an_uninterrupted_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRICTION_TEST_KEY", "sk-test")
    run_dir = tmp_path / "killed"
    with FaultServer(latency_s=0.05) as url:
        overrides = (*SLOW_ENDPOINT, f"model.base_url={url}", "run.cache=false")
        command = [
            sys.executable,
            "-m",
            "simulator",
            *overrides,
            f"hydra.run.dir={run_dir}",
        ]
        process = subprocess.Popen(
            command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_lines(run_dir / "episodes.jsonl", 3)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        partial = episode_texts(run_dir)
        assert 3 <= len(partial) < 16

        resumed = run_cli(
            *overrides, "run.resume=true", f"hydra.run.dir={run_dir}", cwd=tmp_path
        )
        assert resumed.returncode == 0, resumed.stderr
        whole = run_cli(*overrides, f"hydra.run.dir={tmp_path / 'whole'}", cwd=tmp_path)
        assert whole.returncode == 0, whole.stderr

    after = episode_texts(run_dir)
    assert len(after) == 16
    assert after == episode_texts(tmp_path / "whole")
    assert all(after[k] == v for k, v in partial.items())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["episodes"] == 16


def test_a_torn_last_line_is_dropped_on_resume(run_experiment, tmp_path: Path) -> None:
    run_dir = tmp_path / "torn"
    first = run_experiment("+experiment=first_meeting", *DRY, run_dir=run_dir)
    log = run_dir / "episodes.jsonl"
    lines = log.read_text().splitlines()
    # Keep two whole episodes, a failed one, and half a line, as a crash would.
    failed = json.loads(lines[2]) | {
        "status": "failed",
        "error": {"type": "X", "message": ""},
    }
    log.write_text("\n".join([*lines[:2], json.dumps(failed), lines[3][:40]]))

    again = run_experiment(
        "+experiment=first_meeting", *DRY, "run.resume=true", run_dir=run_dir
    )
    assert again.ok and again.episodes == first.episodes == 4
    records = list(read_jsonl(log))
    assert sorted(r["episode_id"] for r in records) == [f"fm-000{i}" for i in range(4)]
    assert all(r["status"] == "completed" for r in records)


def test_rerunning_into_a_finished_folder_needs_resume(
    run_experiment, tmp_path: Path
) -> None:
    run_dir = tmp_path / "done"
    run_experiment("+experiment=first_meeting", *DRY, run_dir=run_dir)
    result = run_cli(
        "+experiment=first_meeting", *DRY, f"hydra.run.dir={run_dir}", cwd=tmp_path
    )
    assert result.returncode == 2 and "run.resume" in result.stderr


def test_a_call_budget_stops_cleanly_and_resume_finishes(
    run_experiment, tmp_path: Path
) -> None:
    run_dir = tmp_path / "budget"
    stopped = run_experiment(
        "+experiment=first_meeting",
        *DRY,
        "run.max_calls=10",
        "run.concurrency=1",
        run_dir=run_dir,
    )
    assert stopped.stopped and "run.max_calls=10" in stopped.stopped
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "incomplete" and manifest["usage"]["calls"] <= 10
    finished = len(list(read_jsonl(run_dir / "episodes.jsonl")))
    assert 0 < finished < 4
    assert (run_dir / "summary.json").exists()

    resumed = run_experiment(
        "+experiment=first_meeting", *DRY, "run.resume=true", run_dir=run_dir
    )
    assert resumed.stopped is None and resumed.episodes == 4
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    # Usage covers both attempts: 28 calls in all, as an uninterrupted run
    # makes (the dropped episode's first calls are answered from the cache).
    first, second = manifest["attempts"]
    assert first["status"] == "incomplete" and second["status"] == "complete"
    assert first["usage"]["calls"] == 10 and first["episodes_run"] == finished
    assert (
        manifest["usage"]["calls"]
        == 4 * 7
        == sum(a["usage"]["calls"] for a in (first, second))
    )
    tokens = [a["usage"]["prompt_tokens"] for a in (first, second)]
    assert manifest["usage"]["prompt_tokens"] == sum(tokens)


def test_a_token_budget_stops_cleanly_and_resume_finishes(
    run_experiment, tmp_path: Path
) -> None:
    # A scripted first_meeting episode spends about 2,300 tokens.
    run_dir = tmp_path / "tokens"
    stopped = run_experiment(
        "+experiment=first_meeting",
        *DRY,
        "run.max_tokens=4000",
        "run.concurrency=1",
        run_dir=run_dir,
    )
    assert stopped.stopped and "run.max_tokens=4000" in stopped.stopped
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    assert "run.max_tokens=4000" in manifest["stopped_because"]
    usage = manifest["usage"]
    assert 4000 <= usage["prompt_tokens"] + usage["completion_tokens"] < 5000
    finished = list(read_jsonl(run_dir / "episodes.jsonl"))
    assert 0 < len(finished) < 4
    assert all(e["status"] == "completed" for e in finished)
    assert (run_dir / "summary.json").exists()

    resumed = run_experiment(
        "+experiment=first_meeting",
        *DRY,
        "run.resume=true",
        "run.max_tokens=null",  # budgets are not part of the plan
        run_dir=run_dir,
    )
    assert resumed.stopped is None and resumed.episodes == 4


ARE_YOU_SURE = ("+experiment=are_you_sure", *DRY)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("items.limit=6", "experiment.items.limit=6"),
        ("experiment.temperature=0.9", "experiment.temperature=0.9"),
        ("run.seed=1", "run.seed=1"),
        ("model.replies=[Sure.]", "model.script"),
        ("condition=belief", "experiment.condition"),
    ],
)
def test_resume_refuses_a_changed_plan(
    run_experiment, tmp_path: Path, change: str, named: str
) -> None:
    run_dir = tmp_path / "run"
    run_experiment(*ARE_YOU_SURE, "items.limit=3", run_dir=run_dir)
    before = (run_dir / "episodes.jsonl").read_bytes()

    result = run_cli(
        *ARE_YOU_SURE,
        "items.limit=3",
        change,
        "run.resume=true",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert named in lines[0] and "plan.json" in lines[0]
    assert (run_dir / "episodes.jsonl").read_bytes() == before


def test_resume_refuses_episodes_whose_inputs_changed(
    run_experiment, tmp_path: Path
) -> None:
    # Same config, but the items file was edited: ays-0001 is another item.
    items = tmp_path / "items.yaml"
    item = "  - {{id: q{0}, question: '{1}', options: [a, b, c], answer: a, wrong: b}}"
    header = "kind: multiple_choice\nitems:\n"
    items.write_text(header + "\n".join(item.format(i, f"Q{i}?") for i in range(2)))
    run_dir = tmp_path / "run"
    overrides = (*ARE_YOU_SURE, f"items.path={items}", "items.limit=null")
    run_experiment(*overrides, run_dir=run_dir)
    items.write_text(
        header + "\n".join(item.format(i, f"Q{i} again?") for i in range(2))
    )

    result = run_cli(
        *overrides, "run.resume=true", f"hydra.run.dir={run_dir}", cwd=tmp_path
    )
    assert result.returncode == 2, result.stderr
    assert "episodes ays-0000, ays-0001 differ" in result.stderr


def test_resume_needs_the_plan_of_the_run(run_experiment, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_experiment(*ARE_YOU_SURE, "items.limit=3", run_dir=run_dir)
    plan = json.loads((run_dir / "plan.json").read_text())
    assert sorted(plan["episodes"]) == ["ays-0000", "ays-0001", "ays-0002"]
    assert plan["settings"]["experiment"]["items"]["limit"] == 3

    (run_dir / "plan.json").unlink()
    result = run_cli(
        *ARE_YOU_SURE,
        "items.limit=3",
        "run.resume=true",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "no plan" in result.stderr
