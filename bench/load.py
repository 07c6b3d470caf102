"""Load benchmark: the engine against a local endpoint with a fixed latency.

    python bench/load.py [--latency 0.05] [--calls 600]

Runs many short first_meeting episodes (2 turns and a judge call: 3 calls
each) with model=openai against tests/fault_server.py in its own process,
answering every call after `--latency` seconds. For each concurrency it
reports the throughput reached over the ideal, concurrency / latency calls per
second, as one JSON object keyed efficiency_at_<concurrency>.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Imported here, not on the first call inside the timed episodes: a one-time
# import (about a second) is not throughput.
import agents.clients.openai_endpoint  # noqa: E402, F401
from simulator.config import validate  # noqa: E402
from simulator.runner import run  # noqa: E402
from tests.conftest import compose_config  # noqa: E402
from tests.fault_server import serve_forever  # noqa: E402

CONCURRENCY = (1, 8, 64, 256)


def throughput(url: str, concurrency: int, calls: int, folder: Path) -> float:
    """Model calls per second in the episode phase of one run."""
    episodes = max(concurrency * 2, calls // 3)
    size = 1 + int((2 * episodes) ** 0.5) + 1
    cfg = compose_config(
        [
            "+experiment=first_meeting",
            "model=openai",
            f"model.base_url={url}",
            "model.name=load",
            "experiment.turns=2",
            "population.size=" + str(size),
            "network=random",
            f"network.pairs={episodes}",
            f"run.concurrency={concurrency}",
            "run.cache=false",
            "run.embedder=hashing",
            "run.progress=false",
            f"run.cache_dir={folder / 'cache'}",
        ]
    )
    validate(cfg)
    run_dir = folder / f"c{concurrency}"
    run_dir.mkdir()
    run(cfg, run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    return manifest["usage"]["calls"] / manifest["episode_seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--calls", type=int, default=600)
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "load-test")

    queue: multiprocessing.Queue[str] = multiprocessing.Queue()
    server = multiprocessing.Process(
        target=serve_forever, args=(queue,), kwargs={"latency_s": args.latency}
    )
    server.start()
    url = queue.get(timeout=30)
    report: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for concurrency in CONCURRENCY:
                rate = throughput(url, concurrency, args.calls, Path(tmp))
                ideal = concurrency / args.latency
                report[f"efficiency_at_{concurrency}"] = round(rate / ideal, 3)
                report[f"calls_per_s_at_{concurrency}"] = round(rate, 1)
    finally:
        server.kill()
    report["latency_s"] = args.latency
    report["cpu_cores"] = os.cpu_count() or 0
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
