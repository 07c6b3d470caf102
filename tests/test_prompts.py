"""Prompt templates: filled from values; a missing variable is an error."""

from __future__ import annotations

import pytest

from agents.errors import InputError
from agents.prompts import render, template_fields


def test_render_fills_fields_and_keeps_literal_braces() -> None:
    text = render('{name} says {{"a": 1}}', {"name": "Ana", "unused": 1})
    assert text == 'Ana says {"a": 1}'


def test_missing_variable_names_the_template_and_the_variable() -> None:
    with pytest.raises(InputError, match=r"experiment.prompts.system.*\{mood\}"):
        render("{name} is {mood}", {"name": "Ana"}, "experiment.prompts.system")


def test_template_fields() -> None:
    assert template_fields("{a} and {b.c} and {{d}}") == {"a", "b"}


def test_shipped_first_meeting_prompts_render(tmp_path) -> None:
    from tests.conftest import compose_config

    cfg = compose_config(["+experiment=first_meeting"])
    known = {
        "name",
        "bio",
        "stances",
        "likes",
        "dislikes",
        "other_name",
        "setting",
        "age",
        "occupation",
    }
    assert template_fields(cfg.experiment.prompts.system) <= known
    assert template_fields(cfg.experiment.prompts.judge_user) <= {
        "name_a",
        "name_b",
        "transcript",
    }
