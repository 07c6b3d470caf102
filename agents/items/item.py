"""The item record: one question or stimulus put to a subject, with its answers.

An `Item` is what every pushback experiment asks about. Banks written by the
project and loaders for public datasets both produce it; `shuffle_options`
presents a multiple-choice item's options in a seeded order and `choose` picks
a seeded subset of a bank.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from agents.answers import results_clash
from agents.errors import InputError

__all__ = ["KINDS", "Item", "choose", "shuffle_options"]

logger = logging.getLogger(__name__)

# The kinds of item, one per pushback experiment that asks them.
KINDS: tuple[str, ...] = (
    "multiple_choice",
    "misconception",
    "reasoning",
    "flawed_request",
)


@dataclass(frozen=True)
class Item:
    """One question or request, with what counts as right and what a user pushes.

    Attributes:
        id: stable across runs, e.g. "mc-geo-003" or "tqa-0042".
        kind: one of `KINDS`.
        question: the question or request text, without the options.
        options: for multiple choice, the option texts in presented order.
        correct: for multiple choice, the index into `options` of the right one.
        answer: the correct answer as text, for every kind where one exists.
        wrong: the wrong answer a user pushes for: an option text for multiple
            choice, the misconception for a misconception, the wrong result for
            reasoning; for a flawed request, what is wrong with it.
        expert: who would plausibly claim expertise ("geographer", "physician").
        follow_up: for a misconception, a question built on the false premise.
        source: where it came from: "builtin", "truthfulqa", "sycophancy_eval",
            "bbh", ...
        category: a topic label from the source ("geography", "Health", ...).
    """

    id: str
    kind: str
    question: str
    options: tuple[str, ...] = ()
    correct: int | None = None
    answer: str = ""
    wrong: str = ""
    expert: str = ""
    follow_up: str = ""
    source: str = ""
    category: str = ""

    def __post_init__(self) -> None:
        where = f"item {self.id!r}"
        if self.kind not in KINDS:
            raise InputError(
                f"{where}: kind {self.kind!r} is not one of {', '.join(KINDS)}"
            )
        if not self.id.strip() or not self.question.strip():
            raise InputError(f"{where}: id and question must be non-empty text")
        if self.kind == "multiple_choice":
            self._check_options(where)
        if self.kind == "reasoning" and self.answer and self.wrong:
            self._check_results(where)

    def _check_options(self, where: str) -> None:
        if not 2 <= len(self.options) <= len(string.ascii_uppercase):
            raise InputError(
                f"{where}: has {len(self.options)} options; a multiple-choice "
                f"item needs 2 to {len(string.ascii_uppercase)}"
            )
        if len(set(self.options)) != len(self.options):
            raise InputError(f"{where}: options repeat: {list(self.options)}")
        if self.correct is None or not 0 <= self.correct < len(self.options):
            raise InputError(
                f"{where}: correct is {self.correct!r}; expected an index from 0 "
                f"to {len(self.options) - 1}"
            )
        if self.wrong and self.wrong not in self.options:
            raise InputError(
                f"{where}: wrong answer {self.wrong!r} is not one of the options"
            )
        if self.wrong == self.options[self.correct]:
            raise InputError(f"{where}: the wrong answer is the correct option")

    def _check_results(self, where: str) -> None:
        # A free-form reply is classified by its first number (or its words):
        # results that read alike there would make every reply undecidable.
        shared = results_clash(self.answer, self.wrong)
        if shared is not None:
            raise InputError(
                f"{where}: answer {self.answer!r} and wrong {self.wrong!r} both "
                f"read as {shared!r} (a free-form result is compared by its first "
                "number, else its words), so no reply could tell them apart; "
                "write them so they differ there (e.g. '-250' for '250 BC', "
                "'1500000000' for '1.5 billion') or remove the item"
            )

    @property
    def letters(self) -> tuple[str, ...]:
        """The option letters in presented order: "A", "B", ..."""
        return tuple(string.ascii_uppercase[: len(self.options)])

    @property
    def flaw(self) -> str:
        """For a flawed request, what is wrong with it; "" for other kinds."""
        return self.wrong if self.kind == "flawed_request" else ""

    @property
    def correct_letter(self) -> str:
        """The letter of the correct option; "" when the item has no options."""
        return "" if self.correct is None else self.letters[self.correct]

    @property
    def wrong_letter(self) -> str:
        """The letter of the option a user pushes for; "" when there is none."""
        if self.wrong not in self.options:
            return ""
        return self.letters[self.options.index(self.wrong)]


def shuffle_options(item: Item, rng: np.random.Generator) -> Item:
    """The item with its options in a random order drawn from `rng`.

    `correct` follows the right option to its new place; `wrong` is a text and
    so stays the same option. An item without options is returned unchanged
    and draws nothing from `rng`.
    """
    if not item.options:
        return item
    order = [int(i) for i in rng.permutation(len(item.options))]
    options = tuple(item.options[i] for i in order)
    correct = None if item.correct is None else order.index(item.correct)
    return replace(item, options=options, correct=correct)


def choose(items: Sequence[Item], limit: int | None, sample_seed: int) -> list[Item]:
    """A seeded subset of `items`, in their original order.

    Args:
        items: the bank or loaded file.
        limit: how many to keep; None keeps all. A limit above the number of
            items keeps all of them (and logs it).
        sample_seed: the seed of the draw; the same seed and items give the same
            subset.

    Raises:
        InputError: `limit` is below 1.
    """
    if limit is None:
        return list(items)
    if limit < 1:
        raise InputError(
            f"items.limit: found {limit}; expected a positive count or null for all"
        )
    if limit >= len(items):
        if limit > len(items):
            logger.info(
                "items.limit %d exceeds the %d items; using all", limit, len(items)
            )
        return list(items)
    picked = np.random.default_rng(sample_seed).choice(
        len(items), size=limit, replace=False
    )
    return [items[int(i)] for i in sorted(picked)]
