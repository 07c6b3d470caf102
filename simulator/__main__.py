"""`python -m simulator +experiment=NAME [overrides]`: run one experiment.

Bad input (an unknown group option, a wrong type, an out-of-range value, a
missing file) ends with one line on stderr and exit code 2; set
HYDRA_FULL_ERROR=1 for the traceback.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from agents.errors import InputError
from simulator.config import register_schemas, validate
from simulator.errors import ConfigError
from simulator.experiments import EXPERIMENTS

logger = logging.getLogger(__name__)

USER_ERRORS = (ConfigError, InputError, HydraException, OmegaConfBaseException)
EXIT_BAD_INPUT = 2
EXIT_RUN_FAILED = 1


# Whether the user asked for tracebacks; `cli` sets HYDRA_FULL_ERROR for Hydra.
_SHOW_TRACEBACKS = os.environ.get("HYDRA_FULL_ERROR") == "1"


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    """Validate the config, then run the experiment into Hydra's run folder."""
    # Reported here, inside the job, so Hydra does not log them as a crash.
    with reported_as_one_line():
        run_job(cfg)


def run_job(cfg: DictConfig) -> None:
    """Validate and run one job; exit 1 when too many episodes failed."""
    from simulator.runner import run

    if OmegaConf.select(cfg, "experiment.name") is None:
        raise ConfigError(
            "experiment",
            None,
            f"+experiment=NAME with NAME one of {', '.join(EXPERIMENTS)}",
        )
    validate(cfg)
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    if "scripted" in (cfg.model.backend, cfg.judge.backend):
        print("friction: SCRIPTED model: canned replies, a dry run, not a result")
    result = run(cfg, run_dir)
    print(
        f"friction: {result.episodes} of {result.planned} episodes, "
        f"{result.failed} failed -> {run_dir}"
    )
    if result.stopped:
        print(
            f"friction: stopped early ({result.stopped}); the run is marked "
            f"incomplete: rerun with run.resume=true hydra.run.dir={run_dir}"
        )
    if not result.ok:
        print(
            "friction: too many failed episodes (run.max_failure_rate="
            f"{cfg.run.max_failure_rate})",
            file=sys.stderr,
        )
        sys.exit(EXIT_RUN_FAILED)


@contextlib.contextmanager
def reported_as_one_line() -> Iterator[None]:
    """Turn bad input into one line on stderr and exit code 2."""
    try:
        yield
    except USER_ERRORS as err:
        if _SHOW_TRACEBACKS:
            raise
        print(f"friction: error: {one_line(err)}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def one_line(err: BaseException) -> str:
    """The error's message on one line, with the first line of its cause.

    Hydra wraps a bad override ("Error merging override population.size=many")
    around OmegaConf's reason ("Value 'many' could not be converted to
    Integer"); the reason is what tells the user what is allowed.
    """
    message = " ".join(str(err).split())
    cause = err.__cause__
    if isinstance(cause, OmegaConfBaseException) and str(cause).strip():
        message += f": {str(cause).strip().splitlines()[0]}"
    return message


def cli() -> None:
    """The console entry point: Hydra's errors are formatted here too."""
    register_schemas()
    # Hydra prints its own errors unless told to raise them; we format them.
    os.environ["HYDRA_FULL_ERROR"] = "1"
    with reported_as_one_line():
        main()


if __name__ == "__main__":
    cli()
