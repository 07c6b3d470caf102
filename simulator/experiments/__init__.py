"""The experiments `+experiment=NAME` can run, by name.

Each is imported only when run, so a run of one experiment does not pay for
importing every other (the pushback suite alone pulls in the item banks, the
user simulator and its figures).
"""

from __future__ import annotations

from importlib import import_module

from simulator.experiments.base import Experiment

# name -> (module under simulator.experiments, class)
EXPERIMENTS: dict[str, tuple[str, str]] = {
    "first_meeting": ("first_meeting", "FirstMeeting"),
    "are_you_sure": ("are_you_sure", "AreYouSure"),
    "misconception": ("misconception", "Misconception"),
    "wrong_guidance": ("wrong_guidance", "WrongGuidance"),
    "flawed_request": ("flawed_request", "FlawedRequest"),
    "stickiness": ("stickiness", "Stickiness"),
    "taste_ratings": ("taste_ratings", "TasteRatings"),
    "taste_bundling": ("taste_bundling", "TasteBundling"),
    "outgroup_descriptions": ("outgroup_descriptions", "OutgroupDescriptions"),
    "predict_dislike": ("predict_dislike", "PredictDislike"),
    "persona_distance": ("persona_distance", "PersonaDistance"),
}


def get_experiment(name: str) -> Experiment:
    """The experiment registered as `name`, imported on first use.

    Raises:
        KeyError: an unknown name, listing the known ones.
    """
    if name not in EXPERIMENTS:
        raise KeyError(f"unknown experiment {name!r}; known: {', '.join(EXPERIMENTS)}")
    module, cls = EXPERIMENTS[name]
    experiment = getattr(import_module(f"{__name__}.{module}"), cls)()
    assert isinstance(experiment, Experiment)
    return experiment
