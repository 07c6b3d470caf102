"""Items: the questions and requests put to a subject, and where they come from.

`Item` is the record; `load_builtin` reads the project's own banks in
`agents/data/items/`; `load_items` reads a file of a public dataset (TruthfulQA,
sycophancy-eval, BIG-Bench Hard) or a bank of the user's own. `shuffle_options`
and `choose` present and subset them with explicit seeds.
"""

from agents.items.bank import load_builtin, read_bank
from agents.items.item import KINDS, Item, choose, shuffle_options
from agents.items.loaders import FORMATS, detect_format, load_items

__all__ = [
    "FORMATS",
    "KINDS",
    "Item",
    "choose",
    "detect_format",
    "load_builtin",
    "load_items",
    "read_bank",
    "shuffle_options",
]
