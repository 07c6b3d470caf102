"""Benchmarks of the engine on the embedded model, measured in one run.

    python bench/run.py [--pairs 2] [--turns 4] [--skip-rerun]

Prints one JSON object:
- engine_vs_raw: generated tokens/s through the engine on a small
  first_meeting, over raw llama_cpp tokens/s on the same requests (a fresh
  `llama_cpp.Llama`, no state cache, the same settings and seeds);
- cached_rerun_speedup: wall time of a first run of the README's command
  (`+experiment=first_meeting`, default sizes) over a rerun of the same
  command answered from the response and embedding caches (both as
  `python -m simulator` subprocesses, Python start-up included);
- prefix_reuse: the share of prompt tokens llama.cpp did not recompute.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.runner import model_dir  # noqa: E402


def run_simulator(overrides: list[str], run_dir: Path) -> float:
    """Run `python -m simulator` with overrides; return its wall time in s."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "simulator", *overrides, f"hydra.run.dir={run_dir}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def engine_rate(run_dir: Path) -> tuple[float, int]:
    """Generated tokens/s through the engine, model loading excluded."""
    manifest = json.loads((run_dir / "manifest.json").read_text())
    episodes = read_jsonl(run_dir / "episodes.jsonl")
    seconds = (
        sum(e["seconds"] for e in episodes) - manifest["usage"]["model_load_seconds"]
    )
    tokens = manifest["usage"]["completion_tokens"]
    return tokens / seconds, tokens


def raw_rate(run_dir: Path, model_path: Path, n_ctx: int) -> tuple[float, int]:
    """Raw llama_cpp tokens/s on the requests the engine made."""
    from llama_cpp import Llama

    requests = [r for r in read_jsonl(run_dir / "requests.jsonl") if not r["cached"]]
    llm = Llama(
        model_path=str(model_path), n_ctx=n_ctx, n_threads=os.cpu_count(), verbose=False
    )
    tokens, seconds = 0, 0.0
    for request in requests:
        args = dict(request["args"])
        if request["json_output"]:
            args["response_format"] = {"type": "json_object"}
        started = time.perf_counter()
        response = llm.create_chat_completion(messages=request["messages"], **args)
        seconds += time.perf_counter() - started
        tokens += response["usage"]["completion_tokens"]
    return tokens / seconds, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument(
        "--skip-rerun", action="store_true", help="skip the cached-rerun figure"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small = [
            "+experiment=first_meeting",
            "population.size=6",
            "network=random",
            f"network.pairs={args.pairs}",
            f"experiment.turns={args.turns}",
            "run.progress=false",
            "run.log_requests=true",
            f"run.cache_dir={folder / 'cache'}",
        ]
        run_simulator(small, folder / "small")
        engine, engine_tokens = engine_rate(folder / "small")
        manifest = read_json(folder / "small" / "manifest.json")
        model_path = next(
            model_dir().glob(f"*{manifest['subject_model']['sha256'][:12]}.gguf")
        )
        raw, raw_tokens = raw_rate(folder / "small", model_path, 4096)
        report = {
            "engine_vs_raw": round(engine / raw, 3),
            "prefix_reuse": round(manifest["usage"]["prefix_reuse"], 3),
            "engine_tokens_per_s": round(engine, 2),
            "raw_tokens_per_s": round(raw, 2),
            "engine_completion_tokens": engine_tokens,
            "raw_completion_tokens": raw_tokens,
            "model_load_s": manifest["usage"]["model_load_seconds"],
        }
        if not args.skip_rerun:
            report |= cached_rerun(folder)
    report["cpu_cores"] = os.cpu_count() or 0
    print(json.dumps(report, indent=2))


def cached_rerun(folder: Path) -> dict[str, Any]:
    """The README's first_meeting, run and then rerun from the caches."""
    default = [
        "+experiment=first_meeting",
        "run.progress=false",
        f"run.cache_dir={folder / 'rerun-cache'}",
    ]
    first = run_simulator(default, folder / "first")
    rerun = run_simulator(default, folder / "rerun")
    calls = read_json(folder / "rerun" / "manifest.json")["usage"]["calls"]
    return {
        "cached_rerun_speedup": round(first / rerun, 1),
        "first_run_s": round(first, 1),
        "cached_rerun_s": round(rerun, 1),
        "cached_rerun_model_calls": calls,
    }


def read_json(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


if __name__ == "__main__":
    main()
