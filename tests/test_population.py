"""Specification of the population: sampling, stance issues and file loading."""

from __future__ import annotations

import json
import math
import os
import re
import string
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from agents.errors import InputError
from agents.persona import NEMOTRON_FIELDS, TASTE_DOMAINS, Persona
from agents.population import (
    BIO_FIELDS,
    StanceIssue,
    _positional_format,
    load_population_file,
    load_stance_issues,
    load_taste_pairs,
    population_frame,
    render_bio,
    sample_population,
    stance_matrix,
)
from agents.population_file import stratified_indices

DATA = Path(__file__).resolve().parents[1] / "agents" / "data"
DATASETS = Path(
    os.environ.get("FRICTION_DATASETS")
    or Path(__file__).resolve().parents[2] / "shared" / "datasets"
)
POBS = DATASETS / "pobs" / "POBS_v11.json"
LARGE = 20_000


def shipped(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def issues() -> list[StanceIssue]:
    return load_stance_issues()


@pytest.fixture(scope="module")
def large(issues: list[StanceIssue]) -> list[Persona]:
    return sample_population(LARGE, np.random.default_rng(2024), issues)


def within_binomial(count: int, n: int, p: float, sds: float = 5.0) -> bool:
    return abs(count - n * p) <= sds * math.sqrt(n * p * (1 - p))


# ---------------------------------------------------------------- sampling


def test_same_seed_gives_the_same_population(issues: list[StanceIssue]) -> None:
    first = sample_population(300, np.random.default_rng(11), issues)
    second = sample_population(300, np.random.default_rng(11), issues)
    assert first == second


def test_different_seeds_give_different_populations(
    issues: list[StanceIssue],
) -> None:
    first = sample_population(300, np.random.default_rng(11), issues)
    second = sample_population(300, np.random.default_rng(12), issues)
    assert {p.uuid for p in first}.isdisjoint(p.uuid for p in second)
    assert [p.persona for p in first] != [p.persona for p in second]


def test_large_population_has_the_right_shapes(
    large: list[Persona], issues: list[StanceIssue]
) -> None:
    assert len(large) == LARGE
    matrix = stance_matrix(large)
    assert matrix.shape == (LARGE, len(issues))
    assert matrix.dtype == np.int8
    assert set(np.unique(matrix)) <= {0, 1}
    assert len({p.uuid for p in large}) == LARGE
    frame = population_frame(large)
    assert frame.shape[0] == LARGE


def test_every_persona_has_seven_tastes_and_a_full_stance_vector(
    large: list[Persona], issues: list[StanceIssue]
) -> None:
    pairs = {
        d: {frozenset(pair) for pair in ps} for d, ps in load_taste_pairs().items()
    }
    for persona in large:
        assert tuple(persona.tastes) == TASTE_DOMAINS
        assert len(persona.stances) == len(issues)
        for domain, taste in persona.tastes.items():
            assert taste.likes != taste.dislikes
            assert frozenset((taste.likes, taste.dislikes)) in pairs[domain]
        assert persona.hobbies_and_interests == persona.tastes["hobbies"].likes
        assert persona.country == "USA"


def test_uuids_are_version_4(large: list[Persona]) -> None:
    for persona in large[:500]:
        parsed = uuid.UUID(persona.uuid)
        assert parsed.version == 4
        assert str(parsed) == persona.uuid


def test_bios_name_the_persona_age_city_and_likes(large: list[Persona]) -> None:
    for persona in large[:2000]:
        assert f", {persona.age}," in persona.persona
        assert persona.city in persona.persona
        assert persona.state in persona.persona
        assert persona.tastes["hobbies"].likes in persona.persona
        assert persona.tastes["music"].likes in persona.persona
        assert persona.first_name.isalpha()
        assert "$" not in persona.persona and "{" not in persona.persona


@pytest.mark.parametrize("attribute", ["sex", "education_level", "marital_status"])
def test_categorical_shares_match_the_shipped_weights(
    large: list[Persona], attribute: str
) -> None:
    weights = shipped("demographics.yaml")[attribute]
    total = sum(weights.values())
    counts = Counter(getattr(p, attribute) for p in large)
    assert set(counts) <= set(weights)
    for value, weight in weights.items():
        assert within_binomial(counts[value], LARGE, weight / total), value


def test_state_and_occupation_shares_match_the_shipped_weights(
    large: list[Persona],
) -> None:
    demographics = shipped("demographics.yaml")
    states = {s: e["weight"] for s, e in demographics["state"].items()}
    occupations: dict[str, float] = demographics["occupation"]
    for weights, attribute in ((states, "state"), (occupations, "occupation")):
        counts = Counter(getattr(p, attribute) for p in large)
        total = sum(weights.values())
        for value in sorted(weights, key=lambda v: weights[v], reverse=True)[:5]:
            assert within_binomial(counts[value], LARGE, weights[value] / total)


def test_ages_fall_in_the_brackets_with_their_weights(large: list[Persona]) -> None:
    brackets = shipped("demographics.yaml")["age"]
    total = sum(b["weight"] for b in brackets)
    ages = np.array([p.age for p in large])
    assert ages.min() >= brackets[0]["low"]
    assert ages.max() <= brackets[-1]["high"]
    for bracket in brackets:
        inside = int(((ages >= bracket["low"]) & (ages <= bracket["high"])).sum())
        assert within_binomial(inside, LARGE, bracket["weight"] / total)


def test_only_degree_holders_have_a_bachelors_field(large: list[Persona]) -> None:
    degree_levels = set(shipped("demographics.yaml")["degree_levels"])
    for persona in large:
        has_degree = persona.education_level in degree_levels
        assert bool(persona.bachelors_field) == has_degree


def test_zipcodes_start_with_the_city_prefix(large: list[Persona]) -> None:
    states = shipped("demographics.yaml")["state"]
    for persona in large[:1000]:
        prefix = states[persona.state]["cities"][persona.city]
        assert re.fullmatch(r"\d{5}", persona.zipcode)
        assert persona.zipcode.startswith(prefix)


@pytest.mark.parametrize("stance_prob", [0.0, 0.3, 1.0])
def test_stance_prob_sets_the_share_of_pro_stances(
    issues: list[StanceIssue], stance_prob: float
) -> None:
    population = sample_population(2000, np.random.default_rng(5), issues, stance_prob)
    matrix = stance_matrix(population)
    assert within_binomial(int(matrix.sum()), matrix.size, stance_prob)


def test_no_issues_gives_empty_stances() -> None:
    population = sample_population(10, np.random.default_rng(0), [])
    assert all(p.stances == () for p in population)
    assert stance_matrix(population).shape == (10, 0)


@pytest.mark.parametrize(
    ("size", "stance_prob", "message"),
    [(-1, 0.5, "population size is -1"), (5, 1.5, "stance_prob is 1.5")],
)
def test_bad_sampling_arguments_are_refused(
    issues: list[StanceIssue], size: int, stance_prob: float, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        sample_population(size, np.random.default_rng(0), issues, stance_prob)


def test_population_frame_lists_fields_stances_and_tastes(
    issues: list[StanceIssue],
) -> None:
    population = sample_population(5, np.random.default_rng(3), issues)
    frame = population_frame(population)
    assert list(frame.columns[: len(NEMOTRON_FIELDS)]) == list(NEMOTRON_FIELDS)
    assert frame.loc[0, "stances"] == "".join(map(str, population[0].stances))
    assert frame.loc[2, "music_likes"] == population[2].tastes["music"].likes
    assert frame.loc[4, "food_dislikes"] == population[4].tastes["food"].dislikes


def test_stance_matrix_refuses_ragged_stances() -> None:
    a = Persona(uuid="a", persona="A", sex="Male", age=30, occupation="x", stances=(1,))
    b = Persona(uuid="b", persona="B", sex="Male", age=30, occupation="x")
    with pytest.raises(InputError, match="persona b has 0 stances"):
        stance_matrix([a, b])


# ---------------------------------------------------------------- shipped data


def test_taste_items_have_seven_domains_of_four_pairs_or_more() -> None:
    pairs = load_taste_pairs()
    assert set(TASTE_DOMAINS) <= set(pairs)
    for domain in TASTE_DOMAINS:
        assert len(pairs[domain]) >= 4
        assert all(a != b for a, b in pairs[domain])


def test_taste_file_without_a_domain_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tastes.yaml"
    path.write_text("domains:\n  music:\n    pairs: [[jazz, country]]\n")
    with pytest.raises(InputError, match=rf"{re.escape(str(path))}.*missing .*food"):
        load_taste_pairs(str(path))


def test_bio_renders_every_field() -> None:
    fields = {name: f"<{name}>" for name in BIO_FIELDS}
    bio = render_bio(fields)
    assert all(f"<{name}>" in bio for name in BIO_FIELDS)


def test_bio_with_a_missing_field_is_an_error() -> None:
    fields = {name: "x" for name in BIO_FIELDS if name != "city"}
    with pytest.raises(InputError, match=r"\$\{city\} has no value"):
        render_bio(fields)


def test_custom_bio_template_keeps_literal_braces() -> None:
    assert render_bio({"name": "Ann"}, "{${name}} costs $$5") == "{Ann} costs $5"


def test_fast_bio_format_matches_the_template() -> None:
    # sample_population renders with str.format; the text must not change.
    template = string.Template("{$name} ${age}}} $$ $music, ${hobby}!")
    fields = {name: f"<{name}>" for name in BIO_FIELDS}
    fast = _positional_format(template)
    assert fast.format(*fields.values()) == template.substitute(fields)


# ---------------------------------------------------------------- stance issues


def test_builtin_issues_are_twelve_or_more_with_unique_ids(
    issues: list[StanceIssue],
) -> None:
    assert len(issues) >= 12
    assert len({i.id for i in issues}) == len(issues)
    assert issues[0] == StanceIssue(
        shipped("stance_issues.yaml")["issues"][0]["id"],
        issues[0].statement,
        "agree",
        "disagree",
    )


def test_k_builtin_issues_are_picked_by_the_rng(issues: list[StanceIssue]) -> None:
    first = load_stance_issues(k=5, rng=np.random.default_rng(1))
    again = load_stance_issues(k=5, rng=np.random.default_rng(1))
    other = load_stance_issues(k=5, rng=np.random.default_rng(2))
    assert first == again
    assert first != other
    assert all(i in issues for i in first)
    # File order is kept, so stance columns follow the file.
    assert [issues.index(i) for i in first] == sorted(issues.index(i) for i in first)


def test_k_without_rng_takes_evenly_spaced_issues(issues: list[StanceIssue]) -> None:
    picked = load_stance_issues(k=4)
    assert picked == [issues[i * len(issues) // 4] for i in range(4)]


@pytest.mark.parametrize("k", [0, 99])
def test_k_out_of_range_is_refused(k: int) -> None:
    with pytest.raises(InputError, match=rf"k={k}: .*stance_issues.yaml has \d+"):
        load_stance_issues(k=k)


def test_unknown_source_is_refused() -> None:
    with pytest.raises(InputError, match="'gss' is unknown; expected one of builtin"):
        load_stance_issues("gss")


def test_issue_file_with_a_missing_key_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    path.write_text("issues:\n  - {id: a, statement: S, pro: yes_}\n")
    with pytest.raises(InputError, match=r"issues\.yaml: issues\[0\]: .*'con'"):
        load_stance_issues(path=str(path))


@pytest.mark.skipif(not POBS.is_file(), reason=f"POBS dataset not found at {POBS}")
def test_pobs_questions_become_binary_issues() -> None:
    picked = load_stance_issues("pobs", path=str(POBS), rng=np.random.default_rng(3))
    assert len(picked) == 12
    assert picked == load_stance_issues(
        "pobs", path=str(POBS), rng=np.random.default_rng(3)
    )

    questions = {
        f"pobs_{q['id']}": q
        for topic in json.loads(POBS.read_text())["survey"]["topics"]
        for q in topic["questions"]
    }
    for issue in picked:
        question = questions[issue.id]
        assert issue.statement == question["question"]
        polarity = dict(
            zip(question["options"], question["options_polarity"], strict=True)
        )
        assert polarity[issue.pro] > 0 > polarity[issue.con]
        scores = [p for p in question["options_polarity"] if p is not None]
        assert polarity[issue.pro] == max(scores)
        assert polarity[issue.con] == min(scores)


@pytest.mark.skipif(not POBS.is_file(), reason=f"POBS dataset not found at {POBS}")
def test_pobs_skips_questions_without_polarity() -> None:
    everything = load_stance_issues("pobs", path=str(POBS), k=281)
    ids = {i.id for i in everything}
    assert "pobs_1" in ids
    assert "pobs_282" not in ids  # this question has no options_polarity


def test_pobs_needs_a_path() -> None:
    with pytest.raises(InputError, match="needs path"):
        load_stance_issues("pobs")


def test_pobs_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(InputError, match=rf"{re.escape(str(path))}: no such file"):
        load_stance_issues("pobs", path=str(path))


def test_pobs_bad_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "pobs.json"
    path.write_text('{"survey":\n  {"topics": [,]}}\n')
    with pytest.raises(InputError, match=rf"{re.escape(str(path))}:2: not valid JSON"):
        load_stance_issues("pobs", path=str(path))


def test_pobs_missing_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "pobs.json"
    path.write_text('{"topics": []}')
    with pytest.raises(InputError, match=r"pobs\.json: missing key survey\.topics"):
        load_stance_issues("pobs", path=str(path))


def test_pobs_question_without_text_is_named(tmp_path: Path) -> None:
    path = tmp_path / "pobs.json"
    question = {"id": 1, "options": ["yes", "no"], "options_polarity": [1, -1]}
    path.write_text(json.dumps({"survey": {"topics": [{"questions": [question]}]}}))
    with pytest.raises(InputError, match=r"topics\[0\]\.questions\[0\]: .*question"):
        load_stance_issues("pobs", path=str(path))


# ---------------------------------------------------------------- population files


def nemotron_record(i: int, sex: str) -> dict[str, Any]:
    record: dict[str, Any] = {name: f"{name} {i}" for name in NEMOTRON_FIELDS}
    record.update(
        uuid=f"id-{i:03d}",
        persona=f"Person{i} is a tester.",
        sex=sex,
        age=20 + i,
        skills_and_expertise_list=["a", "b"],
        hobbies_and_interests_list=["c"],
        zipcode=f"{10000 + i}",
        country="USA",
    )
    return record


def nemotron_records(females: int = 14, males: int = 6) -> list[dict[str, Any]]:
    sexes = ["Female"] * females + ["Male"] * males
    return [nemotron_record(i, sex) for i, sex in enumerate(sexes)]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def nemotron_jsonl(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "nemotron.jsonl", nemotron_records())


@pytest.fixture
def nemotron_parquet(tmp_path: Path) -> Path:
    path = tmp_path / "nemotron.parquet"
    pd.DataFrame(nemotron_records()).to_parquet(path)
    return path


@pytest.mark.parametrize("fixture", ["nemotron_jsonl", "nemotron_parquet"])
def test_nemotron_file_is_read_whole_in_order(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    path = request.getfixturevalue(fixture)
    personas = load_population_file(str(path), None, np.random.default_rng(0))
    assert [p.uuid for p in personas] == [f"id-{i:03d}" for i in range(20)]
    assert personas[3].age == 23
    assert personas[3].skills_and_expertise_list == "a, b"
    assert personas[3].first_name == "Person3"
    assert all(p.stances == () and dict(p.tastes) == {} for p in personas)


@pytest.mark.parametrize("fixture", ["nemotron_jsonl", "nemotron_parquet"])
def test_nemotron_sample_is_seeded(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    path = str(request.getfixturevalue(fixture))
    first = load_population_file(path, 8, np.random.default_rng(4))
    again = load_population_file(path, 8, np.random.default_rng(4))
    other = load_population_file(path, 8, np.random.default_rng(5))
    assert first == again
    assert len(first) == 8 and len({p.uuid for p in first}) == 8
    assert [p.uuid for p in first] != [p.uuid for p in other]


@pytest.mark.parametrize("fixture", ["nemotron_jsonl", "nemotron_parquet"])
def test_stratified_sample_keeps_stratum_shares(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    path = str(request.getfixturevalue(fixture))
    for seed in range(5):
        personas = load_population_file(
            path, 10, np.random.default_rng(seed), stratify_by="sex"
        )
        assert Counter(p.sex for p in personas) == {"Female": 7, "Male": 3}


def test_stratified_indices_use_largest_remainders() -> None:
    strata = ["a"] * 50 + ["b"] * 30 + ["c"] * 20
    # Exact shares of 7 are 3.5, 2.1 and 1.4: the leftover row goes to "a".
    chosen = stratified_indices(strata, 7, np.random.default_rng(0))
    counts = Counter(strata[i] for i in chosen)
    assert counts == {"a": 4, "b": 2, "c": 1}
    assert len(set(chosen.tolist())) == 7


def test_stratified_indices_put_missing_values_in_one_stratum() -> None:
    strata = [None, float("nan"), "x", "x"]
    chosen = stratified_indices(strata, 2, np.random.default_rng(0))
    assert sorted(strata[i] == "x" for i in chosen) == [False, True]


def test_own_records_round_trip_with_stances_and_tastes(
    tmp_path: Path, issues: list[StanceIssue]
) -> None:
    population = sample_population(25, np.random.default_rng(8), issues)
    path = write_jsonl(tmp_path / "own.jsonl", [p.to_record() for p in population])
    loaded = load_population_file(str(path), None, np.random.default_rng(0))
    assert loaded == population
    assert stance_matrix(loaded).shape == (25, len(issues))


def test_missing_population_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "missing.jsonl"
    with pytest.raises(InputError, match=rf"{re.escape(str(path))}: no such file"):
        load_population_file(str(path), None, np.random.default_rng(0))


def test_bad_json_line_is_named_with_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    lines = [json.dumps(r) for r in nemotron_records(2, 0)] + ["{not json"]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"broken\.jsonl:3: not valid JSON"):
        load_population_file(str(path), None, np.random.default_rng(0))


def test_missing_columns_are_named(tmp_path: Path) -> None:
    records = [
        {k: v for k, v in r.items() if k not in ("age", "occupation")}
        for r in nemotron_records(3, 0)
    ]
    path = write_jsonl(tmp_path / "thin.jsonl", records)
    with pytest.raises(InputError, match=r"thin\.jsonl: missing column\(s\) age, occ"):
        load_population_file(str(path), None, np.random.default_rng(0))


def test_missing_parquet_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "thin.parquet"
    pd.DataFrame(nemotron_records(3, 0)).drop(columns=["sex"]).to_parquet(path)
    with pytest.raises(InputError, match=r"thin\.parquet: missing column\(s\) sex;"):
        load_population_file(str(path), None, np.random.default_rng(0))


def test_record_missing_a_field_is_named_with_its_line(tmp_path: Path) -> None:
    records = nemotron_records(3, 0)
    records[1]["persona"] = ""
    path = write_jsonl(tmp_path / "gap.jsonl", records)
    with pytest.raises(InputError, match=r"gap\.jsonl:2: missing field\(s\) persona"):
        load_population_file(str(path), None, np.random.default_rng(0))


def test_empty_population_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    with pytest.raises(InputError, match=r"empty\.jsonl: no records"):
        load_population_file(str(path), None, np.random.default_rng(0))


def test_asking_for_more_personas_than_the_file_has_is_refused(
    nemotron_jsonl: Path,
) -> None:
    with pytest.raises(InputError, match="asked for 21 personas, but the file has 20"):
        load_population_file(str(nemotron_jsonl), 21, np.random.default_rng(0))


def test_stratifying_by_an_unknown_column_is_refused(nemotron_jsonl: Path) -> None:
    with pytest.raises(InputError, match="cannot stratify by 'religion'"):
        load_population_file(
            str(nemotron_jsonl), 5, np.random.default_rng(0), stratify_by="religion"
        )


def test_unknown_file_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("uuid\n")
    with pytest.raises(InputError, match=r"people\.csv: unknown file type \.csv"):
        load_population_file(str(path), None, np.random.default_rng(0))


def test_corrupt_parquet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"not a parquet file")
    with pytest.raises(InputError, match=r"bad\.parquet: not a readable parquet"):
        load_population_file(str(path), None, np.random.default_rng(0))
