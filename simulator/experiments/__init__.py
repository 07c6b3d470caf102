"""The experiments `+experiment=NAME` can run, by name."""

from __future__ import annotations

from simulator.experiments.are_you_sure import AreYouSure
from simulator.experiments.base import Experiment
from simulator.experiments.first_meeting import FirstMeeting
from simulator.experiments.flawed_request import FlawedRequest
from simulator.experiments.misconception import Misconception
from simulator.experiments.outgroup_descriptions import OutgroupDescriptions
from simulator.experiments.persona_distance import PersonaDistance
from simulator.experiments.predict_dislike import PredictDislike
from simulator.experiments.stickiness import Stickiness
from simulator.experiments.taste_bundling import TasteBundling
from simulator.experiments.taste_ratings import TasteRatings
from simulator.experiments.wrong_guidance import WrongGuidance

EXPERIMENTS: dict[str, type[Experiment]] = {
    FirstMeeting.name: FirstMeeting,
    AreYouSure.name: AreYouSure,
    Misconception.name: Misconception,
    WrongGuidance.name: WrongGuidance,
    FlawedRequest.name: FlawedRequest,
    Stickiness.name: Stickiness,
    TasteRatings.name: TasteRatings,
    TasteBundling.name: TasteBundling,
    OutgroupDescriptions.name: OutgroupDescriptions,
    PredictDislike.name: PredictDislike,
    PersonaDistance.name: PersonaDistance,
}


def get_experiment(name: str) -> Experiment:
    """The experiment registered as `name`.

    Raises:
        KeyError: an unknown name, listing the known ones.
    """
    if name not in EXPERIMENTS:
        raise KeyError(f"unknown experiment {name!r}; known: {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name]()
