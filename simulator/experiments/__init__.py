"""The experiments `+experiment=NAME` can run, by name."""

from __future__ import annotations

from simulator.experiments.base import Experiment
from simulator.experiments.first_meeting import FirstMeeting

EXPERIMENTS: dict[str, type[Experiment]] = {
    FirstMeeting.name: FirstMeeting,
}


def get_experiment(name: str) -> Experiment:
    """The experiment registered as `name`.

    Raises:
        KeyError: an unknown name, listing the known ones.
    """
    if name not in EXPERIMENTS:
        raise KeyError(f"unknown experiment {name!r}; known: {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name]()
