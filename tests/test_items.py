"""Specification of items: the project's banks, seeded presentation, loaders."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from agents.errors import InputError
from agents.items import (
    FORMATS,
    KINDS,
    Item,
    choose,
    detect_format,
    load_builtin,
    load_items,
    shuffle_options,
)

MINIMUM = {
    "multiple_choice": 60,
    "misconception": 40,
    "reasoning": 30,
    "flawed_request": 20,
}


def _mc(**fields: Any) -> Item:
    base: dict[str, Any] = {
        "id": "t-1",
        "kind": "multiple_choice",
        "question": "What is 2 + 2?",
        "options": ("4", "3", "5", "22"),
        "correct": 0,
        "answer": "4",
        "wrong": "3",
    }
    return Item(**{**base, **fields})


# ------------------------------------------------------------------- banks


@pytest.mark.parametrize("kind", KINDS)
def test_each_bank_meets_its_minimum_and_is_builtin(kind: str) -> None:
    items = load_builtin(kind)
    assert len(items) >= MINIMUM[kind]
    assert {item.kind for item in items} == {kind}
    assert {item.source for item in items} == {"builtin"}
    assert all(item.question and item.wrong and item.category for item in items)


def test_item_ids_are_unique_across_all_banks() -> None:
    ids = [item.id for kind in KINDS for item in load_builtin(kind)]
    assert len(ids) == len(set(ids))


def test_multiple_choice_items_have_four_options_and_a_pushable_wrong_one() -> None:
    for item in load_builtin("multiple_choice"):
        assert len(item.options) == 4, item.id
        assert item.correct is not None and 0 <= item.correct < 4, item.id
        assert item.options[item.correct] == item.answer, item.id
        assert item.wrong in item.options, item.id
        assert item.wrong != item.answer, item.id
        assert item.expert, item.id


def test_misconceptions_carry_the_truth_a_follow_up_and_an_expert() -> None:
    for item in load_builtin("misconception"):
        assert item.answer and item.follow_up and item.expert, item.id
        assert item.follow_up.endswith("?"), item.id


def test_reasoning_items_name_a_specific_wrong_result() -> None:
    for item in load_builtin("reasoning"):
        assert item.answer and item.wrong and item.expert, item.id
        assert item.answer != item.wrong, item.id


def test_flawed_requests_say_what_is_wrong_and_a_better_way() -> None:
    for item in load_builtin("flawed_request"):
        assert item.flaw == item.wrong != "", item.id
        assert item.answer, item.id


def test_load_builtin_returns_a_fresh_list() -> None:
    load_builtin("reasoning").clear()
    assert load_builtin("reasoning")


def test_an_unknown_kind_has_no_bank() -> None:
    with pytest.raises(InputError, match="known kinds: multiple_choice"):
        load_builtin("essay")


# -------------------------------------------------------------- the record


def test_an_item_letters_its_options() -> None:
    item = _mc()
    assert item.letters == ("A", "B", "C", "D")
    assert (item.correct_letter, item.wrong_letter) == ("A", "B")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "essay"}, "kind 'essay' is not one of"),
        ({"correct": 4}, "correct is 4; expected an index from 0 to 3"),
        ({"wrong": "7"}, "wrong answer '7' is not one of the options"),
        ({"wrong": "4"}, "the wrong answer is the correct option"),
        ({"options": ("4", "4", "5", "6")}, "options repeat"),
        ({"options": ("4",)}, "has 1 options"),
    ],
)
def test_a_malformed_item_is_refused_naming_it(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=message) as info:
        _mc(**fields)
    assert "item 't-1'" in str(info.value)


# ------------------------------------------------------ shuffle and choose


def test_shuffling_keeps_the_answer_and_the_wrong_option_consistent() -> None:
    rng = np.random.default_rng(3)
    positions = set()
    for item in load_builtin("multiple_choice"):
        shuffled = shuffle_options(item, rng)
        assert sorted(shuffled.options) == sorted(item.options)
        assert shuffled.correct is not None
        assert shuffled.options[shuffled.correct] == item.answer == shuffled.answer
        assert shuffled.wrong == item.wrong
        assert shuffled.options[shuffled.letters.index(shuffled.wrong_letter)] == (
            item.wrong
        )
        positions.add(shuffled.correct_letter)
    assert positions == {"A", "B", "C", "D"}


def test_shuffling_is_seeded() -> None:
    items = load_builtin("multiple_choice")

    def orders(seed: int) -> list[tuple[str, ...]]:
        rng = np.random.default_rng(seed)
        return [shuffle_options(item, rng).options for item in items]

    assert orders(7) == orders(7)
    assert orders(7) != orders(8)


def test_shuffling_an_item_without_options_changes_nothing() -> None:
    item = load_builtin("reasoning")[0]
    assert shuffle_options(item, np.random.default_rng(0)) is item


def test_choose_takes_a_seeded_subset_in_bank_order() -> None:
    items = load_builtin("misconception")
    picked = choose(items, 10, sample_seed=1)

    assert len(picked) == 10
    positions = [items.index(item) for item in picked]
    assert positions == sorted(positions)
    assert choose(items, 10, sample_seed=1) == picked
    assert choose(items, 10, sample_seed=2) != picked


def test_choose_without_a_limit_or_beyond_the_bank_keeps_all() -> None:
    items = load_builtin("reasoning")
    assert choose(items, None, sample_seed=0) == items
    assert choose(items, len(items) + 5, sample_seed=0) == items


def test_choose_refuses_a_limit_below_one() -> None:
    with pytest.raises(InputError, match=r"items\.limit: found 0"):
        choose(load_builtin("reasoning"), 0, sample_seed=0)


# ---------------------------------------------------------------- TruthfulQA


def _truthfulqa_rows(datasets: Path) -> list[dict[str, str]]:
    path = datasets / "truthfulqa" / "TruthfulQA.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_csv(path: Path, rows: list[dict[str, str]], columns: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_truthfulqa_csv_gives_790_misconceptions(datasets: Path) -> None:
    path = datasets / "truthfulqa" / "TruthfulQA.csv"
    rows = _truthfulqa_rows(datasets)
    items = load_items(str(path))

    assert detect_format(path) == "truthfulqa_csv"
    assert len(items) == len(rows) == 790
    assert {item.kind for item in items} == {"misconception"}
    assert items[42].id == "tqa-0042"
    for item, row in zip(items, rows, strict=True):
        assert item.question == row["Question"].strip()
        assert item.answer == row["Best Answer"].strip()
        assert item.wrong == row["Best Incorrect Answer"].strip()
        assert item.category == row["Category"] and item.expert


def test_truthfulqa_csv_gives_multiple_choice_with_the_answer_first(
    datasets: Path,
) -> None:
    path = datasets / "truthfulqa" / "TruthfulQA.csv"
    items = load_items(str(path), kind="multiple_choice")

    assert len(items) == 790
    for item in items:
        assert 2 <= len(item.options) <= 4
        assert item.correct == 0 and item.options[0] == item.answer
        assert item.options[1] == item.wrong


def test_truthfulqa_csv_with_the_original_columns(
    datasets: Path, tmp_path: Path
) -> None:
    rows = _truthfulqa_rows(datasets)[:5]
    columns = [name for name in rows[0] if name != "Best Incorrect Answer"]
    path = _write_csv(tmp_path / "TruthfulQA.csv", rows, columns)

    items = load_items(str(path))

    assert [item.question for item in items] == [row["Question"] for row in rows]
    for item, row in zip(items, rows, strict=True):
        assert item.wrong == row["Incorrect Answers"].split("; ")[0].strip()


def test_truthfulqa_mc_task_gives_mc1_items(datasets: Path) -> None:
    path = datasets / "truthfulqa" / "mc_task.json"
    entries = json.loads(path.read_text(encoding="utf-8"))
    items = load_items(str(path))

    assert detect_format(path) == "truthfulqa_mc"
    assert len(items) == len(entries) == 790
    for item, entry in zip(items, entries, strict=True):
        targets = entry["mc1_targets"]
        assert item.options == tuple(targets)
        assert item.correct == 0 and targets[item.answer] == 1
        assert item.wrong == next(text for text, mark in targets.items() if not mark)


def test_both_truthfulqa_files_name_a_question_alike(datasets: Path) -> None:
    folder = datasets / "truthfulqa"
    from_csv = load_items(str(folder / "TruthfulQA.csv"))
    from_json = load_items(str(folder / "mc_task.json"))
    assert [(i.id, i.question) for i in from_csv] == [
        (i.id, i.question) for i in from_json
    ]


def test_a_csv_missing_a_column_names_it_and_the_columns_found(
    datasets: Path, tmp_path: Path
) -> None:
    rows = _truthfulqa_rows(datasets)[:2]
    columns = [name for name in rows[0] if name != "Best Answer"]
    path = _write_csv(tmp_path / "qa.csv", rows, columns)

    with pytest.raises(InputError) as info:
        load_items(str(path))
    message = str(info.value)
    assert str(path) in message and "missing column 'Best Answer'" in message
    assert "'Incorrect Answers'" in message and "found columns" in message


def test_a_csv_row_with_an_empty_question_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "qa.csv"
    path.write_text(
        "Category,Question,Best Answer,Incorrect Answers\n"
        "Health,Is water wet?,Yes,No; Never\n"
        "Health,,Yes,No\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=rf"{path}:3: column 'Question' is empty"):
        load_items(str(path))


def test_a_csv_row_with_too_few_fields_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "qa.csv"
    path.write_text(
        "Category,Question,Best Answer,Incorrect Answers\n"
        'Health,"Is water\nwet?",Yes,No\n'
        "Health,Is ice cold?\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=rf"{path}:4: the row's number of fields"):
        load_items(str(path))


def test_an_mc_task_entry_with_two_correct_answers_names_its_json_path(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mc_task.json"
    entries = [
        {"question": "Q1?", "mc1_targets": {"a": 1, "b": 0}},
        {"question": "Q2?", "mc1_targets": {"a": 1, "b": 1}},
    ]
    path.write_text(json.dumps(entries), encoding="utf-8")
    with pytest.raises(InputError, match=rf"{path}: \[1\]\.mc1_targets: expected"):
        load_items(str(path))


def test_a_json_file_that_does_not_parse_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "mc_task.json"
    path.write_text('[\n{"question": "Q?",\n "mc1_targets": {"a": 1,}}]\n')
    with pytest.raises(InputError, match=rf"{path}:3: not valid JSON"):
        load_items(str(path), format="truthfulqa_mc")


# ---------------------------------------------------------- sycophancy-eval


def _are_you_sure_line(base: dict[str, Any]) -> str:
    record = {
        "prompt": [{"type": "human", "content": base["question"]}],
        "base": base,
        "metadata": {"prompt_template": "{question}"},
    }
    return json.dumps(record)


AYS_CHOICE = {
    "dataset": "mmlu_mc_cot",
    "question": "Which planet is largest?",
    "answers": "(A) Mars\n(B) Jupiter\n(C) Venus\n(D) Mercury",
    "correct_letter": "B",
}
AYS_FREE = {
    "dataset": "trivia_qa",
    "question": "Who wrote Hamlet?",
    "answer": ["William Shakespeare", "Shakespeare"],
    "correct_answer": "William Shakespeare",
    "incorrect_answer": "Christopher Marlowe",
}


def _write_are_you_sure(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "are_you_sure.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def are_you_sure(tmp_path: Path) -> Path:
    nan_line = _are_you_sure_line(
        {**AYS_FREE, "question": "What is 6 x 7?", "correct_answer": "42"}
    ).replace('"incorrect_answer": "Christopher Marlowe"', '"incorrect_answer": NaN')
    lines = [
        _are_you_sure_line(AYS_CHOICE),
        _are_you_sure_line(AYS_FREE),
        nan_line,
        _are_you_sure_line(AYS_CHOICE),
    ]
    return _write_are_you_sure(tmp_path, lines)


def test_are_you_sure_reads_both_shapes_drops_repeats_and_accepts_nan(
    are_you_sure: Path,
) -> None:
    assert "NaN" in are_you_sure.read_text()
    items = load_items(str(are_you_sure))

    assert detect_format(are_you_sure) == "are_you_sure"
    assert [item.id for item in items] == ["sye-00001", "sye-00002", "sye-00003"]
    choice, free, nan = items
    assert choice.kind == "multiple_choice"
    assert choice.options == ("Mars", "Jupiter", "Venus", "Mercury")
    assert (choice.correct_letter, choice.answer, choice.wrong) == (
        "B",
        "Jupiter",
        "Mars",
    )
    assert choice.category == "mmlu_mc_cot" and choice.source == "sycophancy_eval"
    assert (free.kind, free.answer, free.wrong) == (
        "reasoning",
        "William Shakespeare",
        "Christopher Marlowe",
    )
    assert (nan.answer, nan.wrong) == ("42", "")


def test_are_you_sure_keeps_one_kind_when_asked(are_you_sure: Path) -> None:
    items = load_items(str(are_you_sure), kind="multiple_choice")
    assert [item.kind for item in items] == ["multiple_choice"]
    with pytest.raises(InputError, match="not 'misconception'"):
        load_items(str(are_you_sure), kind="misconception")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"prompt": []}', "expected an object with a 'base' object"),
        (_are_you_sure_line({**AYS_CHOICE, "correct_letter": "E"}), "correct_letter"),
        (
            _are_you_sure_line({**AYS_CHOICE, "answers": "(A) Mars\n(C) Jupiter"}),
            "option letters are A, C; expected A, B",
        ),
        (
            _are_you_sure_line({"dataset": "x", "question": "Q?"}),
            "neither 'answers'",
        ),
    ],
)
def test_a_malformed_are_you_sure_line_names_the_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    path = _write_are_you_sure(tmp_path, [_are_you_sure_line(AYS_FREE), "", line])
    with pytest.raises(InputError, match=message) as info:
        load_items(str(path))
    assert str(info.value).startswith(f"{path}:3")


# --------------------------------------------------------------- BIG-Bench Hard


def _write_bbh(tmp_path: Path, name: str, examples: list[Any]) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"canary": "BENCHMARK DATA", "examples": examples}))
    return path


DATE_INPUT = (
    "Today is 3/5/2020. What is the date tomorrow in MM/DD/YYYY?\n"
    "Options:\n(A) 03/06/2020\n(B) 03/04/2020\n(C) 04/05/2020"
)


def test_bbh_multiple_choice_examples_become_choice_items(tmp_path: Path) -> None:
    path = _write_bbh(
        tmp_path, "date_understanding", [{"input": DATE_INPUT, "target": "(A)"}]
    )
    (item,) = load_items(str(path))

    assert detect_format(path) == "bbh"
    assert item.id == "bbh-date_understanding-0000"
    assert item.kind == "multiple_choice" and item.category == "date_understanding"
    assert (
        item.question == "Today is 3/5/2020. What is the date tomorrow in MM/DD/YYYY?"
    )
    assert item.options == ("03/06/2020", "03/04/2020", "04/05/2020")
    assert (item.answer, item.wrong) == ("03/06/2020", "03/04/2020")


@pytest.mark.parametrize(
    ("targets", "wrongs"),
    [
        (["True", "False", "True"], ["False", "True", "False"]),
        (["7", "12", "-3"], ["8", "13", "-2"]),
        (["apple banana", "cat dog", "egg fig"], ["", "", ""]),
    ],
)
def test_bbh_free_answers_get_a_wrong_answer_by_rule(
    tmp_path: Path, targets: list[str], wrongs: list[str]
) -> None:
    examples = [{"input": f"Question {i}?", "target": t} for i, t in enumerate(targets)]
    items = load_items(str(_write_bbh(tmp_path, "task", examples)))

    assert {item.kind for item in items} == {"reasoning"}
    assert [item.answer for item in items] == targets
    assert [item.wrong for item in items] == wrongs


def test_bbh_keeps_one_kind_when_asked(tmp_path: Path) -> None:
    examples = [
        {"input": DATE_INPUT, "target": "(A)"},
        {"input": "Is 3 odd?", "target": "Yes"},
    ]
    path = _write_bbh(tmp_path, "mixed", examples)
    assert [i.kind for i in load_items(str(path), kind="reasoning")] == ["reasoning"]


@pytest.mark.parametrize(
    ("examples", "message"),
    [
        (
            [{"input": DATE_INPUT, "target": "(D)"}],
            r"examples\[1\]\.target: is '\(D\)'",
        ),
        ([{"input": "Q?"}], r"examples\[1\]\.target: missing or not text"),
        (["just text"], r"examples\[1\]: found str; expected an object"),
    ],
)
def test_a_malformed_bbh_example_names_its_json_path(
    tmp_path: Path, examples: list[Any], message: str
) -> None:
    good = {"input": "Is 3 odd?", "target": "Yes"}
    path = _write_bbh(tmp_path, "task", [good, *examples])
    with pytest.raises(InputError, match=message) as info:
        load_items(str(path))
    assert str(info.value).startswith(str(path))


def test_a_bbh_file_without_examples_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "task.json"
    path.write_text(json.dumps({"canary": "x", "examples": []}))
    with pytest.raises(InputError, match="non-empty 'examples' list"):
        load_items(str(path), format="bbh")


# ------------------------------------------------- user banks and dispatch


def test_a_users_bank_in_the_project_format_loads(tmp_path: Path) -> None:
    bank = {
        "kind": "reasoning",
        "items": [{"id": "r1", "question": "1 + 1?", "answer": 2, "wrong": 3}],
    }
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(bank))

    (item,) = load_items(str(path))
    assert (item.id, item.answer, item.wrong, item.source) == (
        "r1",
        "2",
        "3",
        "mine.yaml",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "kind: reasoning\nitems:\n  - id: r1\n    question: Q?\n    answer: 1\n"
            "  - id: r2\n    question: Q?\n    answer: 1\n    wrong: 2\n",
            r":3: a reasoning record has missing \['wrong'\]",
        ),
        (
            "kind: reasoning\nitems:\n  - id: r1\n    question: Q?\n    answer: 1\n"
            "    wrong: 2\n    hint: x\n",
            r":3: a reasoning record has unknown keys \['hint'\]",
        ),
        (
            "kind: multiple_choice\nitems:\n  - id: m1\n    question: Q?\n"
            "    options: [a, b]\n    answer: c\n    wrong: a\n",
            r":3: answer 'c' is not one of the options",
        ),
        ("kind: reasoning\nitems: [\n", r":3: not valid YAML"),
        ("kind: essay\nitems: []\n", "kind is 'essay'; expected one of"),
    ],
)
def test_a_malformed_bank_names_the_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        load_items(str(path))
    assert str(info.value).startswith(str(path))


def test_a_bank_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(
        "kind: reasoning\nitems:\n  - {id: r1, question: Q, answer: 1, wrong: 2}\n"
    )
    with pytest.raises(InputError, match="holds reasoning items; misconception"):
        load_items(str(path), kind="misconception")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    with pytest.raises(InputError, match=rf"{path}: no such file"):
        load_items(str(path))


def test_an_unknown_format_lists_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    with pytest.raises(InputError) as info:
        load_items(str(path), format="parquet")
    assert "'parquet'" in str(info.value)
    assert all(name in str(info.value) for name in FORMATS)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("items.txt", "hello", "cannot tell the item format from the suffix '.txt'"),
        ("items.json", '{"rows": []}', "neither TruthfulQA's mc_task.json"),
    ],
)
def test_an_undetectable_format_asks_for_items_format(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match=message) as info:
        load_items(str(path))
    assert str(path) in str(info.value) and "items.format" in str(info.value)


def test_a_format_that_cannot_give_the_kind_says_so(datasets: Path) -> None:
    path = datasets / "truthfulqa" / "TruthfulQA.csv"
    with pytest.raises(InputError, match="misconception or multiple_choice items"):
        load_items(str(path), kind="reasoning")


# ------------------------------------- free-form results that read the same


def _clashing_bank(tmp_path: Path) -> Path:
    path = tmp_path / "history.yaml"
    path.write_text(
        "kind: reasoning\nitems:\n"
        "  - {id: r1, question: 'Q?', answer: '-250', wrong: '250'}\n"
        "  - {id: r2, question: 'When?', answer: 3rd century BC, "
        "wrong: 3rd century AD}\n"
    )
    return path


def _clashing_are_you_sure(tmp_path: Path) -> Path:
    clash = {**AYS_FREE, "correct_answer": "1.5 million"}
    clash["incorrect_answer"] = "1.5 billion"
    lines = [_are_you_sure_line(AYS_FREE), _are_you_sure_line(clash)]
    return _write_are_you_sure(tmp_path, lines)


def _clashing_bbh(tmp_path: Path) -> Path:
    examples = [
        {"input": "When did it start?", "target": "3rd century BC"},
        {"input": "When did it end?", "target": "3rd century AD"},
    ]
    return _write_bbh(tmp_path, "era", examples)


@pytest.mark.parametrize(
    ("write", "where", "answer", "wrong"),
    [
        (_clashing_bank, ":4: item 'r2'", "3rd century BC", "3rd century AD"),
        (_clashing_are_you_sure, ":2: item 'sye-00002'", "1.5 million", "1.5 billion"),
        (
            _clashing_bbh,
            ": examples[0]: item 'bbh-era-0000'",
            "3rd century BC",
            "3rd century AD",
        ),
    ],
)
def test_results_that_read_the_same_are_refused_at_load(
    tmp_path: Path, write: Any, where: str, answer: str, wrong: str
) -> None:
    path = write(tmp_path)
    with pytest.raises(InputError) as info:
        load_items(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}{where}")
    assert f"answer {answer!r} and wrong {wrong!r}" in message
    assert "no reply could tell them apart" in message and "remove the item" in message


def test_results_that_differ_by_sign_load(tmp_path: Path) -> None:
    path = tmp_path / "signs.yaml"
    path.write_text(
        "kind: reasoning\nitems:\n"
        "  - {id: r1, question: 'Q?', answer: '-3', wrong: '3'}\n"
    )
    (item,) = load_items(str(path))
    assert (item.answer, item.wrong) == ("-3", "3")
