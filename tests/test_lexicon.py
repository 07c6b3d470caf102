"""The distancing-marker lexicon counts what a reader would count by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from analysis.lexicon import Lexicon, word_count

CATEGORIES = ("hedges", "dismissals", "distancing_pronouns", "stance_markers")


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load()


def test_shipped_lexicon_has_the_four_categories(lexicon: Lexicon) -> None:
    assert lexicon.categories == CATEGORIES
    assert all(lexicon.phrases(c) for c in CATEGORIES)
    assert all(lexicon.description(c) for c in CATEGORIES)


def test_every_shipped_phrase_matches_itself(lexicon: Lexicon) -> None:
    for category in lexicon.categories:
        for phrase in lexicon.phrases(category):
            text = f"Well, {phrase.replace('*', 'smooth jazz')} indeed."
            assert lexicon.count(text)[category] >= 1, (category, phrase)


@pytest.mark.parametrize(
    ("category", "text", "expected"),
    [
        # honestly, I guess, kind of, though, I'm not sure, to be fair, probably
        (
            "hedges",
            "Honestly, I guess it's kind of nice, though I'm not sure. "
            "To be fair, it is probably fine.",
            7,
        ),
        # not for me, can't stand, give me * any day, not my thing
        (
            "dismissals",
            "Country music is not for me. I can't stand banjos; give me smooth "
            "jazz any day. Opera? Not my thing.",
            4,
        ),
        # you people, those people, people like that, the * crowd, your type
        (
            "distancing_pronouns",
            "You people always say that. Those people, and people like that, are "
            "the jazz crowd. Your type never listens.",
            5,
        ),
        # I see no error, my position remains, the evidence shows, I stand by,
        # I maintain
        (
            "stance_markers",
            "I see no error in my reasoning. My position remains the same: the "
            "evidence shows it, and I stand by it. I maintain that.",
            5,
        ),
    ],
)
def test_hand_counted_texts(
    lexicon: Lexicon, category: str, text: str, expected: int
) -> None:
    assert lexicon.count(text)[category] == expected


def test_count_reports_every_category(lexicon: Lexicon) -> None:
    counts = lexicon.count("Nothing to see here.")
    assert counts == dict.fromkeys(CATEGORIES, 0)


def test_matching_ignores_case(lexicon: Lexicon) -> None:
    assert lexicon.count("HONESTLY, i GUESS so")["hedges"] == 2


def test_matching_respects_word_boundaries(lexicon: Lexicon) -> None:
    # "though" inside "although"/"thoughtful", "maybe" inside "maybes".
    assert lexicon.count("Although thoughtful, his maybes annoy me.")["hedges"] == 0


def test_words_of_a_phrase_may_be_split_by_any_whitespace(lexicon: Lexicon) -> None:
    assert lexicon.count("it is kind\n  of odd")["hedges"] == 1


def test_longest_entry_wins_without_double_counting(lexicon: Lexicon) -> None:
    # "I'm not sure" contains the entry "not sure": it counts once.
    assert lexicon.count("I'm not sure.")["hedges"] == 1
    assert lexicon.matches("I'm not sure.")["hedges"] == ["I'm not sure"]


def test_typographic_apostrophes_match(lexicon: Lexicon) -> None:
    assert lexicon.count("I can\u2019t stand it")["dismissals"] == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("give me jazz any day", 1),
        ("Give me smooth jazz any day!", 1),
        ("give me really smooth cool jazz any day", 0),  # four words: too many
        ("give me any day", 0),  # the slot needs at least one word
        ("give me jazz any day, give me blues any day", 2),
    ],
)
def test_wildcard_slot_takes_one_to_three_words(
    lexicon: Lexicon, text: str, expected: int
) -> None:
    assert lexicon.count(text)["dismissals"] == expected


def test_matches_show_the_filled_slot(lexicon: Lexicon) -> None:
    found = lexicon.matches("Honestly, give me smooth jazz any day.")
    assert found["dismissals"] == ["give me smooth jazz any day"]


def test_rate_per_100_words(lexicon: Lexicon) -> None:
    # Ten words, two hedges ("Honestly", "probably").
    rates = lexicon.rate_per_100_words("Honestly it is probably fine and we can go now")
    assert rates["hedges"] == pytest.approx(20.0)
    assert rates["dismissals"] == 0.0


@pytest.mark.parametrize("text", ["", "   ", "... !!"])
def test_text_without_words_gives_nan_rates(lexicon: Lexicon, text: str) -> None:
    rates = lexicon.rate_per_100_words(text)
    assert set(rates) == set(CATEGORIES)
    assert all(math.isnan(r) for r in rates.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I can't stand well-known bands.", 5),
        ("one two  three\nfour", 4),
        ("", 0),
        ("?!", 0),
    ],
)
def test_word_count(text: str, expected: int) -> None:
    assert word_count(text) == expected


def test_load_reads_a_given_file(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(
        "categories:\n  praise:\n    phrases: [well done, '* is great']\n",
        encoding="utf-8",
    )
    lexicon = Lexicon.load(path)
    assert lexicon.categories == ("praise",)
    assert lexicon.source == str(path)
    assert lexicon.count("Well done. Jazz is great.") == {"praise": 2}


def test_unknown_category_names_the_known_ones(lexicon: Lexicon) -> None:
    with pytest.raises(KeyError, match="hedges"):
        lexicon.phrases("praise")


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ("foo: 1\n", "categories"),
        ("- just a list\n", "categories"),
        ("categories: [a, b]\n", "categories"),
        ("version: 2\ncategories:\n  h:\n    phrases: [maybe]\n", "version"),
        ("categories:\n  hedges: [maybe]\n", "categories.hedges"),
        ("categories:\n  hedges:\n    phrases: maybe\n", "categories.hedges.phrases"),
        ("categories:\n  hedges:\n    phrases: []\n", "categories.hedges.phrases"),
        (
            "categories:\n  hedges:\n    phrases: [maybe, 5]\n",
            "categories.hedges.phrases[1]",
        ),
        (
            "categories:\n  hedges:\n    phrases: [maybe, '  ']\n",
            "categories.hedges.phrases[1]",
        ),
        (
            "categories:\n  d:\n    phrases: ['give me *jazz']\n",
            "categories.d.phrases[0]",
        ),
        ("categories:\n  d:\n    phrases: ['* *']\n", "categories.d.phrases[0]"),
        (
            "categories:\n  h:\n    phrases: [maybe, Maybe]\n",
            "categories.h.phrases[1]",
        ),
        ("categories:\n  Hedges!:\n    phrases: [maybe]\n", "categories.Hedges!"),
        (
            "categories:\n  h:\n    phrases: [maybe]\n    weights: [1]\n",
            "categories.h",
        ),
        ("categories:\n  h:\n    phrases: [maybe\n", "not valid YAML"),
    ],
)
def test_bad_file_names_the_file_and_key(
    tmp_path: Path, content: str, key: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as raised:
        Lexicon.load(path)
    assert str(path) in str(raised.value)
    assert key in str(raised.value)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Lexicon.load(tmp_path / "absent.yaml")
