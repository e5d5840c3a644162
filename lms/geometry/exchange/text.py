"""Vectorised helpers for text formats: count and parse whitespace-separated numbers with numpy."""

from __future__ import annotations

import numpy as np

_SPACE = np.zeros(256, bool)
_SPACE[[9, 10, 11, 12, 13, 32]] = True  # what bytes.split() splits on


def token_counts(block: bytes) -> np.ndarray:
    """Whitespace-separated tokens on each newline-terminated line of *block*."""
    raw = np.frombuffer(block, np.uint8)
    space = _SPACE[raw]
    starts = ~space
    starts[1:] &= space[:-1]
    line_edges = np.concatenate([[0], np.flatnonzero(raw == 10) + 1])  # the block ends in a newline
    return np.diff(np.searchsorted(np.flatnonzero(starts), line_edges))


def numbers(block: bytes, dtype, expected: int) -> np.ndarray | None:
    """All whitespace-separated numbers of *block*, or None unless there are *expected* of them."""
    try:
        values = np.fromstring(block, dtype=dtype, sep=" ")
    except ValueError:  # a token that is not a number
        return None
    return values if len(values) == expected else None
