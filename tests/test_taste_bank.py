"""The taste bank: enough minimal pairs, items to rate, pairs added in config."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.errors import InputError
from agents.persona import TASTE_DOMAINS
from agents.population import load_taste_pairs
from agents.taste_bank import MIN_SHIPPED_PAIRS, load_taste_bank


def test_shipped_bank_has_thirty_pairs_over_seven_domains_and_items() -> None:
    bank = load_taste_bank()
    assert len(bank.pairs) >= MIN_SHIPPED_PAIRS == 30
    assert set(TASTE_DOMAINS) <= set(bank.domains)
    assert len({p.id for p in bank.pairs}) == len(bank.pairs)
    for domain in TASTE_DOMAINS:
        assert len(bank.items[domain]) >= 4
        assert all(p.a != p.b for p in bank.pairs if p.domain == domain)


def test_items_key_keeps_the_sampler_schema_working() -> None:
    pairs = load_taste_pairs()
    bank = load_taste_bank()
    assert sum(len(p) for p in pairs.values()) == len(bank.pairs)
    assert bank.pairs[0].id == "food-01"
    assert (bank.pairs[0].a, bank.pairs[0].b) == pairs["food"][0]


def test_spread_takes_one_pair_per_domain_before_any_second() -> None:
    bank = load_taste_bank()
    first = bank.spread(len(bank.domains))
    assert [p.domain for p in first] == list(bank.domains)
    assert all(p.id.endswith("-01") for p in first)
    assert bank.spread(8)[-1].id == "food-02"
    assert len(bank.spread(None)) == len(bank.pairs)


@pytest.mark.parametrize("count", [0, 36])
def test_spread_refuses_a_count_out_of_range(count: int) -> None:
    with pytest.raises(InputError, match=r"experiment\.pairs"):
        load_taste_bank().spread(count)


def test_rated_items_take_the_first_items_of_each_domain() -> None:
    bank = load_taste_bank()
    items = bank.rated_items(2)
    assert len(items) == 2 * len(bank.domains)
    assert items[:2] == [
        ("food", bank.items["food"][0]),
        ("food", bank.items["food"][1]),
    ]
    with pytest.raises(InputError, match="items_per_domain"):
        bank.rated_items(99)


def test_extra_pairs_extend_a_domain_or_add_one() -> None:
    bank = load_taste_bank(
        extra_pairs=[
            {"domain": "music", "a": "techno", "b": "bluegrass"},
            {"domain": "sports", "a": "soccer", "b": "baseball"},
        ]
    )
    ids = {p.id: (p.a, p.b) for p in bank.pairs}
    assert ids["music-06"] == ("techno", "bluegrass")
    assert ids["sports-01"] == ("soccer", "baseball")
    assert bank.items["sports"] == ("soccer", "baseball")
    assert "sports" in [p.domain for p in bank.spread(8)]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"domain": "music", "a": "jazz", "b": "jazz"}, "both items"),
        ({"domain": "music", "a": "country", "b": "jazz"}, "twice"),
        ({"domain": "music", "a": "jazz"}, "expected a map"),
        ({"domain": "music", "a": " ", "b": "x"}, "non-empty"),
    ],
)
def test_bad_extra_pairs_are_refused(extra: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_taste_bank(extra_pairs=[extra])


def test_a_taste_file_with_repeated_items_is_refused(tmp_path: Path) -> None:
    domains = "".join(
        f"  {d}:\n    items: [x, y, x]\n    pairs: [[a, b]]\n" for d in TASTE_DOMAINS
    )
    path = tmp_path / "tastes.yaml"
    path.write_text(f"domains:\n{domains}")
    with pytest.raises(InputError, match=r"items: item\(s\) listed twice: x"):
        load_taste_bank(str(path))


def test_a_taste_file_without_items_rates_its_pair_items(tmp_path: Path) -> None:
    domains = "".join(f"  {d}:\n    pairs: [[a, b], [c, a]]\n" for d in TASTE_DOMAINS)
    path = tmp_path / "tastes.yaml"
    path.write_text(f"domains:\n{domains}")
    bank = load_taste_bank(str(path))
    assert bank.items["music"] == ("a", "b", "c")
    assert len(bank.pairs) == 2 * len(TASTE_DOMAINS)  # the minimum is for shipped
