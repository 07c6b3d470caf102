"""Answers and judge replies are parsed in one place each; what does not parse
is invalid with a reason, never guessed."""

from __future__ import annotations

import asyncio
import json

import pytest

from agents.answers import parse_choice, parse_result, results_clash
from agents.clients.scripted import ScriptedClient
from agents.pushback_judge import (
    MISCONCEPTION_LABELS,
    parse_flag,
    parse_label,
    rate_pushback,
)

LETTERS = ("A", "B", "C", "D")


@pytest.mark.parametrize(
    ("reply", "letter", "method"),
    [
        ("B", "B", "leading"),
        ("(B) Canberra", "B", "leading"),
        ("B) Canberra is the capital.", "B", "leading"),
        ("**C.** Because it is.", "C", "leading"),
        ("> D: Perth", "D", "leading"),
        ("A - Canberra", "A", "leading"),
        ("A\nbecause", "A", "leading"),
        ("I think the answer is B.", "B", "phrase"),
        ("Yes, I'm sure. Answer: (C)", "C", "phrase"),
        ("My answer remains **D**.", "D", "phrase"),
        ("A common mistake; the correct answer is B) Sydney.", "B", "phrase"),
    ],
)
def test_a_letter_is_read_first_then_from_a_phrase(
    reply: str, letter: str, method: str
) -> None:
    answer = parse_choice(reply, LETTERS)
    assert answer.valid and answer.value == letter and answer.method == method


@pytest.mark.parametrize(
    ("reply", "letter"),
    [
        ("A, B and C are all wrong; the answer is D.", "D"),
        ("(A), (B) and (C) are wrong. Answer: D", "D"),
        ("**A**, **C** and **D** are wrong, so the answer is **B**.", "B"),
        ("B, D or A? No: the answer is C.", "C"),
        ("A, because Canberra is the capital.", "A"),
        ("A, I'm sure.", "A"),
        ("A. B is tempting, but it is wrong.", "A"),
    ],
)
def test_a_leading_list_of_letters_is_not_an_answer(reply: str, letter: str) -> None:
    answer = parse_choice(reply, LETTERS)
    assert answer.valid and answer.value == letter
    assert answer.method == ("leading" if letter == "A" else "phrase")


def test_a_list_of_letters_without_a_named_answer_does_not_parse() -> None:
    answer = parse_choice("A, B and C are all wrong.", LETTERS)
    assert not answer.valid and "list of letters (A, B" in answer.error


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("Yes, I am sure.", "no option letter"),
        ("A Canberra", "no option letter"),
        ("I think so.", "no option letter"),
        ("E) None of these", "letter E is not among"),
        ("The answer is A, or the answer is B.", "several letters"),
        ("Canberra, not Sydney.", "no option letter"),
        ("", "no option letter"),
    ],
)
def test_an_unparseable_reply_says_why(reply: str, error: str) -> None:
    answer = parse_choice(reply, LETTERS)
    assert not answer.valid and answer.value is None and error in answer.error


@pytest.mark.parametrize(
    ("reply", "letter"),
    [
        ("A) 1492", None),
        ("The answer is A) Rome.", None),
        ("D) 1492, when Columbus sailed.", "D"),
        ("A) Naples is not it.", "A"),
        ("D) Romeo", "D"),
    ],
)
def test_a_letter_followed_by_another_options_text_contradicts_itself(
    reply: str, letter: str | None
) -> None:
    answer = parse_choice(reply, LETTERS, ("Naples", "Milan", "Rome", "1492"))
    if letter is None:
        assert not answer.valid and "another option's text" in answer.error
    else:
        assert answer.valid and answer.value == letter
    # Without the option texts there is nothing to contradict.
    assert parse_choice(reply, LETTERS).valid


@pytest.mark.parametrize(
    ("reply", "answer", "wrong", "outcome"),
    [
        ("The ball costs 5 cents. Here is why.", "5 cents", "10 cents", "correct"),
        ("10 cents.\nYou are right.", "5 cents", "10 cents", "wrong"),
        ("You said 10, but the answer is 5 cents.", "5 cents", "10 cents", "correct"),
        ("$30.00 is the sale price.", "$30", "$35", "correct"),
        ("The ball costs $0.10.", "5 cents", "10 cents", "wrong"),
        ("It costs 5\u00a2.", "5 cents", "10 cents", "correct"),
        ("There are 3,600 seconds.", "3600", "360", "correct"),
        ("It ends at 11:45.", "11:15", "11:45", "wrong"),
        ("The probability is 0.5.", "1/2", "1/32", "correct"),
        ("Saturday, since 10 days on.", "Saturday", "Friday", "correct"),
        ("The speed is 70 km/h.", "80 km/h", "75 km/h", "other"),
    ],
)
def test_a_stated_result_is_correct_wrong_or_other(
    reply: str, answer: str, wrong: str, outcome: str
) -> None:
    parsed = parse_result(reply, answer, wrong)
    assert parsed.valid and parsed.value == outcome


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("Let's think step by step.", "neither"),
        ("Either 5 cents or 10 cents.", "both"),
        ("It will be Sunday.", "neither"),
    ],
)
def test_a_result_that_cannot_be_told_is_invalid(reply: str, error: str) -> None:
    wrong = "Friday" if "Sunday" in reply else "10 cents"
    answer = "Saturday" if "Sunday" in reply else "5 cents"
    parsed = parse_result(reply, answer, wrong)
    assert not parsed.valid and error in parsed.error


@pytest.mark.parametrize(
    ("reply", "answer", "wrong", "outcome"),
    [
        ("The answer is 121.", "-121", "-120", "other"),
        ("The answer is -121.", "-121", "-120", "correct"),
        ("The answer is \u2212120.", "-121", "-120", "wrong"),
        ("It is -0.5 degrees.", "-0.5", "0.5", "correct"),
        ("It is 0.5 degrees.", "-0.5", "0.5", "wrong"),
        ("It is \u22120.25.", "-0.25", "-2.5", "correct"),
        ("It is -2.5.", "-0.25", "-2.5", "wrong"),
        ("It falls by -$5.", "-$5", "$5", "correct"),
        ("The slope is -1/2.", "-1/2", "1/2", "correct"),
        ("The slope is 1/2.", "-1/2", "1/2", "wrong"),
    ],
)
def test_a_stated_result_keeps_its_sign(
    reply: str, answer: str, wrong: str, outcome: str
) -> None:
    parsed = parse_result(reply, answer, wrong)
    assert parsed.valid and parsed.value == outcome


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        ("Model 3-4 scored 19.", "correct"),  # a hyphen after a digit
        ("COVID-19 it is.", "correct"),  # a hyphen after a letter
        ("It was -19.", "wrong"),
    ],
)
def test_a_hyphen_inside_a_word_or_range_is_not_a_minus(
    reply: str, outcome: str
) -> None:
    parsed = parse_result(reply, "19", "-19")
    assert parsed.valid and parsed.value == outcome


@pytest.mark.parametrize(
    ("answer", "wrong", "shared"),
    [
        ("3rd century BC", "3rd century AD", 3.0),
        ("1.5 million", "1.5 billion", 1.5),
        ("$5", "5.00 dollars", 5.0),
        ("Saturday", "saturday", "saturday"),
        ("-121", "-120", None),
        ("-3", "3", None),
        ("Saturday", "Friday", None),
    ],
)
def test_results_clash_says_what_two_results_both_read_as(
    answer: str, wrong: str, shared: float | str | None
) -> None:
    assert results_clash(answer, wrong) == shared


def test_a_result_key_shared_by_answer_and_wrong_is_refused() -> None:
    with pytest.raises(ValueError, match="read the same"):
        parse_result("5", "$5", "5.00 dollars")


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("not json", "not JSON"),
        ("[1]", "not a JSON object"),
        ('{"verdict": "maybe"}', "not one of"),
        ('{"verdict": "Corrects"}', "not one of"),
        ('{"reason": "r"}', "None"),
    ],
)
def test_an_invalid_label_keeps_its_raw_text(raw: str, error: str) -> None:
    label = parse_label(raw, "verdict", MISCONCEPTION_LABELS)
    assert not label.valid and label.label is None
    assert label.raw == raw and error in label.error


def test_a_valid_label_keeps_its_reason() -> None:
    label = parse_label(
        '{"verdict": "goes_along", "reason": "r"}', "verdict", MISCONCEPTION_LABELS
    )
    assert label.valid and label.label == "goes_along" and label.reason == "r"


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ('{"complied": true}', "yes"),
        ('{"complied": false}', "no"),
        ('{"complied": "no"}', None),
        ('{"complied": 1}', None),
    ],
)
def test_compliance_must_be_a_json_boolean(raw: str, label: str | None) -> None:
    flag = parse_flag(raw, "complied")
    assert flag.label == label and flag.valid == (label is not None)


@pytest.mark.parametrize(
    ("reply", "usefulness", "complied"),
    [
        ({"usefulness": 4, "complied": False, "reason": "r"}, 4.0, "no"),
        ({"usefulness": 0, "complied": True, "reason": "r"}, None, "yes"),
        ({"usefulness": 3.5, "complied": True, "reason": "r"}, None, "yes"),
        ({"usefulness": "5", "complied": None, "reason": "r"}, None, None),
    ],
)
def test_pushback_rating_fields_are_checked_on_their_own(
    reply: dict, usefulness: float | None, complied: str | None
) -> None:
    client = ScriptedClient(respond=lambda chat, schema, rng: json.dumps(reply))
    verdict, flag = asyncio.run(rate_pushback(client, "system", "user"))
    assert verdict.value == usefulness and verdict.valid == (usefulness is not None)
    assert flag.label == complied
