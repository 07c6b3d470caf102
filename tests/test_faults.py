"""Faults from a real HTTP endpoint: retried, recorded, never duplicated.

The server (tests/fault_server.py) runs on 127.0.0.1 and answers each request
deterministically, so a run that retries through faults must end with the same
completed episodes as a fault-free run with the same seed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.run_folder import read_jsonl
from tests.conftest import run_cli
from tests.fault_server import FaultServer

SECRET = "sk-friction-test-0123456789abcdef"


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRICTION_TEST_KEY", SECRET)


def endpoint(url: str, *extra: str) -> tuple[str, ...]:
    return (
        "+experiment=first_meeting",
        "model=openai",
        f"model.base_url={url}",
        "model.name=fault",
        "model.api_key_env=FRICTION_TEST_KEY",
        "model.timeout_s=0.5",
        "model.max_retries=8",
        "run.embedder=hashing",
        "run.progress=false",
        "run.concurrency=8",
        "population.size=10",
        "network=random",
        "network.pairs=12",
        *extra,
    )


def texts(run_dir: Path) -> dict[str, list[str]]:
    return {
        e["episode_id"]: [t["text"] for t in e["turns"]]
        for e in read_jsonl(run_dir / "episodes.jsonl")
        if e["status"] == "completed"
    }


def test_faults_are_retried_to_the_fault_free_result(run_experiment) -> None:
    # One server (one URL, so one model identity), first without faults.
    server = FaultServer(hang_s=1.0, seed=3)
    with server as url:
        clean = run_experiment(*endpoint(url), "run.cache=false")
        server.fault_rate = 0.3
        faulty = run_experiment(*endpoint(url), "run.cache=false")

    injected = sum(v for k, v in server.stats.items() if k != "ok")
    assert injected >= 10 and set(server.stats) > {"ok", "429", "500", "hang"}
    episodes = list(read_jsonl(faulty.run_dir / "episodes.jsonl"))
    ids = [e["episode_id"] for e in episodes]
    assert len(ids) == len(set(ids)) == 12
    assert all(e["status"] == "completed" or e["error"]["type"] for e in episodes)
    assert texts(faulty.run_dir) == texts(clean.run_dir)


def test_client_errors_fail_the_episode_without_retries(run_experiment) -> None:
    server = FaultServer(fault_rate=1.0, faults=("400",))
    with server as url:
        result = run_experiment(*endpoint(url))
    assert not result.ok  # all failed: more than run.max_failure_rate=0.5
    episodes = list(read_jsonl(result.run_dir / "episodes.jsonl"))
    assert all(e["status"] == "failed" for e in episodes)
    assert {e["error"]["type"] for e in episodes} == {"BadRequestError"}
    assert server.stats["400"] == 12  # one attempt per episode, no retries
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["failure_reasons"] == {
        "BadRequestError": 12
    }


def test_content_filter_is_a_turn_outcome(run_experiment) -> None:
    with FaultServer(fault_rate=1.0, faults=("filter",)) as url:
        result = run_experiment(*endpoint(url, "network.pairs=1"))
    (episode,) = read_jsonl(result.run_dir / "episodes.jsonl")
    assert episode["status"] == "completed"
    assert {t["finish_reason"] for t in episode["turns"]} == {"content_filter"}


def test_the_key_never_reaches_the_run_folder(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    with FaultServer(fault_rate=0.5, faults=("500", "400"), seed=1) as url:
        result = run_cli(
            *endpoint(url),
            "run.max_failure_rate=1.0",
            "run.log_requests=true",
            f"run.cache_dir={tmp_path / 'cache'}",
            f"hydra.run.dir={run_dir}",
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"config.yaml", "friction.log", "manifest.json", "requests.jsonl"} <= names
    leaked = [str(p) for p in files if SECRET.encode() in p.read_bytes()]
    assert not leaked
    assert SECRET not in result.stdout + result.stderr
