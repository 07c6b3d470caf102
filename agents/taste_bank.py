"""The taste bank: minimal taste pairs and items to rate, by domain.

A taste pair (jazz / country) holds two items of one domain where liking one
does not logically imply disliking the other. The bank reads the pairs of
`agents/data/taste_items.yaml` (or a file of the same layout) through
`agents.population.load_taste_pairs`, so the sampler and the taste
experiments share one source, and adds each domain's `items`: what personas
defined by a taste in another domain rate. Users add pairs in config.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agents._data_files import builtin_path, read_structured, require_text
from agents.errors import InputError
from agents.population import load_taste_pairs

logger = logging.getLogger(__name__)

# Fewer pairs than this in the shipped file would break the suite's design.
MIN_SHIPPED_PAIRS = 30


@dataclass(frozen=True)
class TastePair:
    """Two contrasting items of one domain.

    Attributes:
        id: stable key "<domain>-<nn>", numbered from 01 in file order; pairs
            added in config continue the domain's numbering.
        domain: e.g. "music".
        a: the first item, e.g. "jazz".
        b: the second item, e.g. "country".
    """

    id: str
    domain: str
    a: str
    b: str

    def item(self, side: str) -> str:
        """The item on `side` ("a" or "b")."""
        if side not in ("a", "b"):
            raise ValueError(f"side is {side!r}; expected 'a' or 'b'")
        return self.a if side == "a" else self.b

    def other(self, side: str) -> str:
        """The item opposite `side`."""
        return self.item("b" if side == "a" else "a")


@dataclass(frozen=True)
class TasteBank:
    """Every taste pair, and per domain the items that other personas rate."""

    pairs: tuple[TastePair, ...]
    items: Mapping[str, tuple[str, ...]]

    @property
    def domains(self) -> tuple[str, ...]:
        """Domains in file order, then domains first named in config."""
        return tuple(self.items)

    def spread(self, count: int | None) -> list[TastePair]:
        """`count` pairs taken round-robin over the domains, in order.

        The first pair of every domain comes before any second pair, so a few
        pairs already span the domains. None takes every pair.

        Raises:
            InputError: `count` is below 1 or above the number of pairs.
        """
        if count is None:
            return list(self.pairs)
        if not 1 <= count <= len(self.pairs):
            raise InputError(
                f"experiment.pairs={count}: the taste bank has {len(self.pairs)} "
                f"pairs; choose 1 to {len(self.pairs)}, or null for all"
            )
        by_domain = [[p for p in self.pairs if p.domain == d] for d in self.domains]
        depth = max(len(pairs) for pairs in by_domain)
        ordered = [
            pairs[level]
            for level in range(depth)
            for pairs in by_domain
            if level < len(pairs)
        ]
        return ordered[:count]

    def rated_items(self, per_domain: int) -> list[tuple[str, str]]:
        """The first `per_domain` items of every domain, as (domain, item).

        Raises:
            InputError: a domain has fewer items than `per_domain`.
        """
        short = [d for d, items in self.items.items() if len(items) < per_domain]
        if per_domain < 1 or short:
            fewest = min(len(items) for items in self.items.values())
            raise InputError(
                f"experiment.items_per_domain={per_domain}: domain(s) "
                f"{', '.join(short) or '-'} have fewer items; choose 1 to {fewest}"
            )
        return [
            (domain, item)
            for domain, items in self.items.items()
            for item in items[:per_domain]
        ]


def load_taste_bank(
    path: str | None = None,
    extra_pairs: Iterable[Mapping[str, Any]] = (),
) -> TasteBank:
    """Read the taste bank and add pairs given in config.

    Args:
        path: a YAML file laid out like `agents/data/taste_items.yaml`; None
            reads the shipped file, which must hold at least
            `MIN_SHIPPED_PAIRS` pairs.
        extra_pairs: more pairs, each a map {domain, a, b}; a new domain is
            allowed and rates its pair items.

    Returns:
        The bank, with pair ids numbered per domain in file order.

    Raises:
        InputError: a malformed file or extra pair, an item repeated within a
            domain's items, or a pair listed twice; the message says where.
    """
    where = path or str(builtin_path("taste_items.yaml"))
    pairs_by_domain = {
        domain: list(pairs) for domain, pairs in load_taste_pairs(path).items()
    }
    items = _read_items(where, pairs_by_domain)
    for index, extra in enumerate(extra_pairs):
        domain, a, b = _extra_pair(extra, f"experiment.extra_pairs[{index}]")
        pairs_by_domain.setdefault(domain, []).append((a, b))
    for domain, pairs in pairs_by_domain.items():
        if domain not in items:
            items[domain] = _pair_items(pairs)

    bank = TasteBank(_numbered(pairs_by_domain, where), items)
    if path is None and len(bank.pairs) < MIN_SHIPPED_PAIRS:
        raise InputError(
            f"{where}: {len(bank.pairs)} taste pairs; the suite ships at least "
            f"{MIN_SHIPPED_PAIRS}"
        )
    logger.info("taste bank: %d pairs, %d domains", len(bank.pairs), len(bank.domains))
    return bank


def _read_items(
    where: str, pairs_by_domain: Mapping[str, Sequence[tuple[str, str]]]
) -> dict[str, tuple[str, ...]]:
    """Each domain's `items`, or its pair items in order when none are listed."""
    domains = read_structured(where, "a taste file")["domains"]
    items = {}
    for domain, pairs in pairs_by_domain.items():
        here = f"{where}: domains.{domain}.items"
        listed = domains[domain].get("items")
        if listed is None:
            listed = list(_pair_items(pairs))
        if not isinstance(listed, list) or not listed:
            raise InputError(f"{here}: found {listed!r}; expected a list of items")
        names = [require_text(item, f"{here}[{i}]") for i, item in enumerate(listed)]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise InputError(f"{here}: item(s) listed twice: {', '.join(repeated)}")
        items[domain] = tuple(names)
    return items


def _pair_items(pairs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """The items of `pairs` in order, each once."""
    return tuple(dict.fromkeys(item for pair in pairs for item in pair))


def _extra_pair(entry: Mapping[str, Any], where: str) -> tuple[str, str, str]:
    keys = ("domain", "a", "b")
    if not isinstance(entry, Mapping) or set(entry) != set(keys):
        raise InputError(f"{where}: found {entry!r}; expected a map {{domain, a, b}}")
    domain, a, b = (require_text(entry[key], f"{where}.{key}") for key in keys)
    if a == b:
        raise InputError(f"{where}: both items are {a!r}; expected two items")
    return domain, a, b


def _numbered(
    pairs_by_domain: Mapping[str, Sequence[tuple[str, str]]], where: str
) -> tuple[TastePair, ...]:
    numbered = []
    for domain, pairs in pairs_by_domain.items():
        seen: set[frozenset[str]] = set()
        for index, (a, b) in enumerate(pairs, start=1):
            key = frozenset((a, b))
            if key in seen:
                raise InputError(
                    f"{where}: domain {domain} lists the pair [{a}, {b}] twice "
                    "(counting pairs added in experiment.extra_pairs)"
                )
            seen.add(key)
            numbered.append(TastePair(f"{domain}-{index:02d}", domain, a, b))
    return tuple(numbered)
