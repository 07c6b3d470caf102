"""Sentiment of a text: VADER's compound score.

vaderSentiment ships its own lexicon, so this works offline (NLTK's copy of
VADER needs a download and is not used).
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

logger = logging.getLogger(__name__)


def compound(text: str) -> float:
    """VADER's compound sentiment of `text`.

    The analyzer is built on the first call (it reads VADER's lexicon, about
    0.1 s) and reused afterwards.

    Args:
        text: Any text; an empty or neutral text scores 0.0.

    Returns:
        The compound score in [-1, 1]: below 0 negative, above 0 positive.
    """
    scores = _analyzer().polarity_scores(text)
    return float(scores["compound"])


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError as err:
        raise ImportError(
            "sentiment needs the vaderSentiment package; install it with "
            "`pip install vaderSentiment`"
        ) from err
    logger.debug("Building the VADER sentiment analyzer")
    return SentimentIntensityAnalyzer()
