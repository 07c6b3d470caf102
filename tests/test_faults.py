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
from tests.fault_server import FAULTS, FaultServer

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

    # Every kind: 429 with Retry-After, 500, a hang past model.timeout_s, a
    # malformed JSON body, a connection closed mid-body.
    assert set(FAULTS) == {"429", "500", "hang", "malformed", "cut"}
    assert set(server.injected) == set(FAULTS), server.injected
    assert all(server.injected[kind] >= 1 for kind in FAULTS)

    episodes = list(read_jsonl(faulty.run_dir / "episodes.jsonl"))
    ids = [e["episode_id"] for e in episodes]
    assert len(ids) == len(set(ids)) == 12
    for episode in episodes:
        assert episode["status"] in ("completed", "failed")
        if episode["status"] == "failed":
            assert episode["error"]["type"] and episode["error"]["message"]
    assert texts(faulty.run_dir) == texts(clean.run_dir)

    # Each injected fault cost one failed attempt, and every call got through
    # in the end: so at least one retry per fault, and no failed calls.
    usage = json.loads((faulty.run_dir / "manifest.json").read_text())["usage"]
    assert usage["retries"] >= sum(server.injected.values()) > 0
    assert usage["failed_calls"] == 0
    clean_usage = json.loads((clean.run_dir / "manifest.json").read_text())["usage"]
    assert clean_usage["retries"] == 0 and usage["calls"] == clean_usage["calls"]


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
    usage = manifest["usage"]
    assert (usage["calls"], usage["failed_calls"], usage["retries"]) == (0, 12, 0)


def test_calls_that_fail_after_every_retry_are_counted(run_experiment) -> None:
    server = FaultServer(fault_rate=1.0, faults=("500",))
    with server as url:
        result = run_experiment(
            *endpoint(url, "network.pairs=2", "model.max_retries=2"),
            "run.max_failure_rate=1.0",
        )
    usage = json.loads((result.run_dir / "manifest.json").read_text())["usage"]
    # Two episodes, each failing at its first call: three attempts a call.
    assert (usage["calls"], usage["failed_calls"], usage["retries"]) == (0, 2, 4)
    assert server.stats["500"] == 6


def test_a_local_endpoint_needs_no_key(
    run_experiment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FRICTION_TEST_KEY")
    with FaultServer() as url:
        result = run_experiment(*endpoint(url, "network.pairs=1"))
    assert result.ok and result.failed == 0 and result.episodes == 1


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
