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
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "complete"
