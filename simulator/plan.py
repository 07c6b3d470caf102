"""The plan of a run: what determines its episodes, kept to check a resume.

Episode ids are positions in the plan (`ays-0003` is the fourth item), so a
resume is only sound when the plan is the one the kept episodes were run
from. `plan.json` records it at the start of every run:

- `settings`: the experiment's config (prompts, generation settings, the
  condition, ladder and items it takes), the population config, the subject
  and judge model identities, and `run.seed`;
- `personas`: a digest of each persona's record, by uuid;
- `episodes`: a digest of each planned episode's inputs, by episode id.

A resume rebuilds the plan from its config and refuses to go on when any of
it differs, naming what. Keys that do not change what an episode is
(`run.concurrency`, `run.max_calls`, `run.cache`, ...) are not in the plan, so
a budget can be raised on resume. A folder that has episodes but no plan
(made before plans were recorded) cannot be resumed: what its episodes were
run with cannot be checked.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from agents.clients import ModelSpec
from agents.persona import Persona
from simulator import run_folder
from simulator.errors import ConfigError
from simulator.experiments.base import EpisodeSpec

PLAN = "plan.json"
EPISODES = "episodes.jsonl"

# How many differing keys or ids a refusal names before "and N more".
_NAMED = 3


def plan_settings(
    cfg: DictConfig, config: Any, subject: ModelSpec, judge: ModelSpec
) -> dict[str, Any]:
    """The settings part of the plan: known before the run builds anything.

    Keyed as the config is, so a difference reads as a config key
    (`experiment.temperature`, `run.seed`); the models by their identity
    (`model.name`, `model.sha256`, ...).
    """
    return _json_ready(
        {
            "experiment": dataclasses.asdict(config),
            "population": OmegaConf.to_container(cfg.population, resolve=True),
            "model": subject.identity(),
            "judge": judge.identity(),
            "run": {"seed": int(cfg.run.seed)},
        }
    )


def check_folder(run_dir: Path, resume: bool, settings: dict[str, Any]) -> None:
    """Check, before any work, that the run may go into `run_dir`.

    Raises:
        ConfigError: the folder has episodes and `resume` is false; it has
            episodes but no plan; or its plan's settings differ from these.
    """
    if not (run_dir / EPISODES).exists():
        return
    if not resume:
        raise ConfigError(
            "run.resume",
            False,
            f"true to continue the run in {run_dir}, or a new hydra.run.dir",
        )
    before = _read_plan(run_dir)
    if before is None:
        raise ConfigError(
            "run.resume",
            True,
            f"a run folder with a {PLAN}: {run_dir} has episodes but no plan "
            "(it was made before plans were recorded), so what they were run "
            "with cannot be checked; start a new hydra.run.dir",
        )
    differing = _differing_keys(before.get("settings", {}), settings)
    if differing:
        key, was, now = differing[0]
        others = [k for k, _, _ in differing[1:]]
        more = f"; {_listed(others)} differ too" if others else ""
        raise ConfigError(
            key,
            now,
            f"{was!r}, as in the run being resumed ({run_dir / PLAN}){more}; "
            "resume with the same overrides, or start a new hydra.run.dir",
        )


def record_plan(
    run_dir: Path,
    resume: bool,
    settings: dict[str, Any],
    personas: Sequence[Persona],
    specs: Sequence[EpisodeSpec],
) -> None:
    """Write `plan.json`; on resume, first check it against the folder's.

    Raises:
        ConfigError: resuming, and the personas or the planned episodes'
            inputs differ from those of the run being resumed.
    """
    plan = {
        "settings": settings,
        "personas": {p.uuid: _digest(p.to_record()) for p in personas},
        "episodes": {s.episode_id: _digest(s.inputs) for s in specs},
    }
    resuming = resume and (run_dir / EPISODES).exists()
    before = _read_plan(run_dir) if resuming else None
    if before is not None:
        for part, cause in (
            ("personas", "a population file changed?"),
            ("episodes", "an items file or the interaction graph changed?"),
        ):
            changed = _differing_ids(before.get(part, {}), plan[part])
            if changed:
                raise ConfigError(
                    "run.resume",
                    True,
                    f"the {part} of the run being resumed ({run_dir / PLAN}), "
                    f"but the {part} {_listed(changed)} differ ({cause}); "
                    "start a new hydra.run.dir",
                )
    run_folder.write_json(run_dir / PLAN, plan)


def _read_plan(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / PLAN
    if not path.exists():
        return None
    try:
        plan = json.loads(path.read_text())
    except json.JSONDecodeError:
        raise ConfigError(
            "run.resume", True, f"a readable {path}; it is not JSON"
        ) from None
    return plan if isinstance(plan, dict) else None


def _json_ready(data: Any) -> Any:
    """`data` as it reads back from JSON (tuples as lists, keys as strings)."""
    return json.loads(json.dumps(data, default=str))


def _digest(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _differing_keys(
    before: Mapping[str, Any], now: Mapping[str, Any], prefix: str = ""
) -> list[tuple[str, Any, Any]]:
    """(dotted key, value before, value now) for each leaf that differs, in
    the order of `now` (then keys only `before` has)."""
    differing = []
    for key in [*now, *(k for k in before if k not in now)]:
        was, is_ = before.get(key), now.get(key)
        if isinstance(was, dict) and isinstance(is_, dict):
            differing += _differing_keys(was, is_, f"{prefix}{key}.")
        elif was != is_:
            differing.append((f"{prefix}{key}", was, is_))
    return differing


def _differing_ids(before: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    """Ids planned in only one of the two, or planned with other inputs."""
    return sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))


def _listed(names: Sequence[str]) -> str:
    """The first few names, and how many more."""
    rest = len(names) - _NAMED
    return ", ".join(names[:_NAMED]) + (f" and {rest} more" if rest > 0 else "")
