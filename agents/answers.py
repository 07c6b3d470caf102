"""The one place a subject's answer is parsed: a letter, or a stated result.

Multiple choice (`parse_choice`): subjects are asked to give the letter first.
A reply counts as an answer when it starts with a letter ("B", "(B)", "B)",
"**B.** ...") or, failing that, names one in a phrase such as "the answer is
B" or "Answer: (B)". A reply that opens with a list of letters ("A, B and C
are wrong; the answer is D") does not start with its answer: only the phrase
counts. Nothing is guessed from option texts: "not Sydney" names Sydney too.
A letter followed by another option's text ("A) 1492" when 1492 is option D)
contradicts itself and does not parse.

Free-form results (`parse_result`): the reply's statement of its result is
compared with the correct and the wrong result, numbers by value and sign.
`results_clash` tells a loader when an item's two results cannot be told apart.

A reply that does not parse is an invalid `Answer` that keeps the reason; the
reply text itself is kept with the turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

# Markdown and quoting a model puts before its answer.
_LEAD_NOISE = re.compile(r"^[\s*_#>`\"'\[]*")
# A leading letter and what closes it: "(B)", "B)", "B.", "B:", "**B**".
_LEADING = re.compile(r"^\(?(?P<letter>[A-Z])(?P<close>\)|\]|\.|:|,|\*\*)?")
# After "A," another option letter: "A, B and C are wrong" lists letters and
# chooses none of them (the comma is read as what closed "A").
_LISTED = re.compile(
    r"^(?:\)|\]|\*\*)?,\s*(?:(?:and|or)\s+)?[*_]*\(?(?P<letter>[A-Z])\)?[*_]*(?![\w'])"
)
# After a bare leading letter: the end, a line break or a dash ("B - Paris").
# A capital followed by a word ("A common myth", "I think") is not an answer.
_BARE_END = re.compile(r"^(?:\s*$|[ \t]*\n|\s+[-\u2013\u2014]\s)")
# Punctuation and markdown between a letter and the option text after it.
_AFTER_LETTER = re.compile(r"^[\s*_)\].:,\-\u2013\u2014]+")
_PHRASE = re.compile(
    r"(?i:\b(?:answer|option|choice)\b"
    r"(?:\s+is|\s+would\s+be|\s+remains|\s+stays|\s*:)?)"
    r"\s*[*_]*\(?(?P<letter>[A-Z])\)?[*_]*(?![A-Za-z0-9'])"
)


@dataclass(frozen=True)
class Answer:
    """One parsed reply. `value` is None unless `valid`.

    Attributes:
        value: the chosen option's letter ("A", "B", ...) from `parse_choice`;
            "correct", "wrong" or "other" from `parse_result`.
        valid: whether the reply parsed.
        method: "leading" (the reply starts with the letter), "phrase" ("the
            answer is B") or "statement" (a free-form result); "" when invalid.
        error: why the reply did not parse; "" when valid.
    """

    value: str | None
    valid: bool
    method: str = ""
    error: str = ""

    def as_record(self) -> dict[str, Any]:
        return asdict(self)


def parse_choice(
    reply: str, letters: Sequence[str], options: Sequence[str] = ()
) -> Answer:
    """Parse the letter a reply chooses among `letters`.

    Args:
        reply: the subject's reply text.
        letters: the item's option letters, e.g. ("A", "B", "C", "D").
        options: the option texts in the same order; when given, a letter
            followed by another option's text ("A) 1492" where 1492 is D) is
            a contradiction, and the reply is invalid.

    A leading letter followed by a comma and another option letter ("A, B and
    C are wrong") starts a list, not an answer; the reply's answer is then the
    letter named after "the answer is", if any.
    """
    text = _LEAD_NOISE.sub("", reply)
    lead, close, rest = _leading(text)
    listed = _listed_after(lead, close + rest, letters)
    if lead in letters and not listed:
        return _consistent(lead, [rest], letters, options, "leading")

    matches = [m for m in _PHRASE.finditer(reply) if m.group("letter") in letters]
    named = sorted({m.group("letter") for m in matches})
    if len(named) == 1:
        following = [reply[m.end() :] for m in matches]
        return _consistent(named[0], following, letters, options, "phrase")
    if len(named) > 1:
        return Answer(None, False, error=f"names several letters: {', '.join(named)}")
    if listed:
        return Answer(
            None, False, error=f"starts with a list of letters ({lead}, {listed}, ...)"
        )
    if lead:
        return Answer(
            None, False, error=f"letter {lead} is not among {', '.join(letters)}"
        )
    return Answer(None, False, error="no option letter at the start or after 'answer'")


def _leading(text: str) -> tuple[str, str, str]:
    """The letter a reply starts with (closed, or standing alone), what closed
    it, and the text after; all "" but the text when it starts with none."""
    match = _LEADING.match(text)
    if match is None:
        return "", "", text
    close, rest = match.group("close") or "", text[match.end() :]
    if close or _BARE_END.match(rest):
        return match.group("letter"), close, rest
    return "", "", text


def _listed_after(lead: str, after: str, letters: Sequence[str]) -> str:
    """The option letter that follows "LEAD," when the reply opens with a list
    of letters ("A, B and C are wrong"); "" when it does not."""
    match = _LISTED.match(after) if lead else None
    if match and match.group("letter") in letters and match.group("letter") != lead:
        return match.group("letter")
    return ""


def _consistent(
    letter: str,
    following: Sequence[str],
    letters: Sequence[str],
    options: Sequence[str],
    method: str,
) -> Answer:
    """The letter, unless the text after it is another option's text."""
    chosen = options[letters.index(letter)] if options else ""
    for after in following:
        named = _option_named(after, options)
        if named and named != chosen:
            return Answer(
                None,
                False,
                error=f"letter {letter} is followed by another option's text {named!r}",
            )
    return Answer(letter, True, method)


def _option_named(after: str, options: Sequence[str]) -> str:
    """The longest option text that `after` starts with (as whole words)."""
    head = _AFTER_LETTER.sub("", after).casefold()
    named = ""
    for option in options:
        key = option.strip().casefold()
        if key and head.startswith(key) and not head[len(key) : len(key) + 1].isalnum():
            named = option if len(option) > len(named) else named
    return named


# A stated result: a time, a fraction, or a number (commas allowed), with its
# sign: a minus ("-" or U+2212) right before it, not after a letter or digit
# ("-121" is negative; "COVID-19" and "3-4" are not). Amounts in cents count
# in dollars ("5 cents" is "$0.05").
_NUMBER = re.compile(
    r"(?P<sign>(?<![\w.\-\u2212])[-\u2212]\$?)?"
    r"(?:(?P<time>\d{1,2}:\d{2})|(?P<fraction>\d+\s*/\s*\d+)"
    r"|(?P<number>\d[\d,]*(?:\.\d+)?|\.\d+)(?P<cents>\s*(?:cents?\b|\u00a2))?)"
)
# Where a free-form reply states its result: after "answer is" / "answer:",
# else its first sentence (a stop followed by a space, or a line break).
_RESULT_PHRASE = re.compile(r"(?i:\banswer\b(?:\s+is|\s*:))")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")
OUTCOMES: tuple[str, ...] = ("correct", "wrong", "other")


def parse_result(reply: str, answer: str, wrong: str) -> Answer:
    """Classify a free-form reply's stated result as correct, wrong or other.

    The statement is the text after the first "answer is" / "answer:", or else
    the reply's first sentence. The key of `answer` and of `wrong` is their
    first number, fraction or time ("5 cents" -> 0.05, "$1.10" -> 1.1, "1/2" ->
    0.5, "-121" and "\u2212121" -> -121), compared by value, with cents counted
    in dollars ("5 cents" is "$0.05"); an answer without a number ("Saturday")
    is looked for as whole words. No other units or scales are read: "0.5 h"
    is not "30 minutes", and "1.5 million" and "1.5 billion" both read 1.5
    (`results_clash` is true for such a pair).

    Args:
        reply: the subject's reply text.
        answer: the correct result.
        wrong: the wrong result the user suggested.

    Returns:
        An `Answer` whose `value` is "correct", "wrong" or "other" (a number
        that is neither; only for numeric answers); invalid when the
        statement names both or neither of them.

    Raises:
        ValueError: `answer` and `wrong` have the same key.
    """
    right_key, wrong_key = _key(answer), _key(wrong)
    if right_key == wrong_key:
        raise ValueError(
            f"answer {answer!r} and wrong {wrong!r} read the same ({right_key!r})"
        )
    statement = _statement(reply)
    has_right, has_wrong = _states(statement, right_key), _states(statement, wrong_key)
    if has_right and has_wrong:
        return Answer(None, False, error="states both the answer and the wrong one")
    if has_right or has_wrong:
        return Answer("correct" if has_right else "wrong", True, "statement")
    if isinstance(right_key, float) and _NUMBER.search(statement):
        return Answer("other", True, "statement")
    return Answer(None, False, error="states neither the answer nor the wrong one")


def results_clash(answer: str, wrong: str) -> float | str | None:
    """What both results read as, when `parse_result` cannot tell them apart.

    Returns:
        The shared key ("3rd century BC" and "3rd century AD" both read 3.0),
        or None when the two results differ.
    """
    key = _key(answer)
    return key if key == _key(wrong) else None


def _statement(reply: str) -> str:
    phrase = _RESULT_PHRASE.search(reply)
    text = reply[phrase.end() :] if phrase else reply.lstrip()
    end = _SENTENCE_END.search(text)
    return text[: end.start()] if end else text


def _key(text: str) -> float | str:
    match = _NUMBER.search(text)
    if match:
        return _number(match)
    return " ".join(text.split()).casefold()


def _states(statement: str, key: float | str) -> bool:
    if isinstance(key, float):
        return key in [_number(m) for m in _NUMBER.finditer(statement)]
    pattern = r"(?<![\w])" + r"\s+".join(map(re.escape, key.split())) + r"(?![\w])"
    return re.search(pattern, statement.casefold()) is not None


def _number(match: re.Match[str]) -> float | str:
    sign = -1 if match.group("sign") else 1
    if match.group("number"):
        value = sign * float(match.group("number").replace(",", ""))
        return round(value / 100, 10) if match.group("cents") else value
    if match.group("fraction"):
        top, bottom = (int(part) for part in match.group("fraction").split("/"))
        return sign * top / bottom if bottom else match.group(0)
    return match.group("time")
