"""Render prompt templates: `str.format` fields, a missing one is an error."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from agents.errors import InputError


def template_fields(template: str) -> set[str]:
    """The names of the `{fields}` a template uses.

    A positional field (`{}` or `{0}`) is returned as "" or its number, so a
    check against named fields rejects it.

    Raises:
        ValueError: `template` is not a format string (a lone `{` or `}`).
    """
    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name is not None
    }


def render(template: str, values: Mapping[str, Any], name: str = "prompt") -> str:
    """Fill `template` with `values`.

    Args:
        template: text with `{field}` slots; `{{` and `}}` are literal braces.
        values: a value for every slot; extra values are ignored.
        name: the template's config key, for the error message.

    Raises:
        InputError: a slot has no value, naming the slot and the known values.
    """
    missing = template_fields(template) - set(values)
    if missing:
        raise InputError(
            f"{name}: template uses {{{', '.join(sorted(missing))}}} but only "
            f"{', '.join(sorted(values))} are available"
        )
    return template.format_map(dict(values))
