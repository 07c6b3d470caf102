"""Errors raised for bad input: files, records and config values."""

from __future__ import annotations


class InputError(ValueError):
    """A bad input file, record or value, reported as one line to the user.

    The message names where the problem is (file and line, or config key), what
    was found, and what is allowed.
    """


class ModelFileError(InputError):
    """The embedded model's bytes are missing or do not match their checksum."""
