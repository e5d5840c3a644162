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


def whole_or_fractional_numbers(block: bytes, expected: int) -> np.ndarray | None:
    """Like :func:`numbers`, read as integers (faster, exact) unless some are fractions."""
    values = numbers(block, np.int64, expected)
    return values if values is not None else numbers(block, np.float64, expected)


def first_three(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """(N, 3): the first three of each line's numbers, given all *values* and each line's *counts* (all >= 3)."""
    if (counts == 3).all():
        return values.reshape(-1, 3)
    first = np.cumsum(counts) - counts
    return values[first[:, None] + np.arange(3)]


class LineTable:
    """A text as a table of lines: where each starts and how long it is (newline included)."""

    def __init__(self, data: bytes):
        self.raw = np.frombuffer(data, np.uint8)
        self.starts = np.concatenate([[0], np.flatnonzero(self.raw == 10) + 1])
        self.lengths = np.diff(self.starts, append=len(self.raw))

    def keyword_lines(self, letter: bytes) -> np.ndarray:
        """0-based numbers of the lines that begin with the one-letter keyword *letter* and a space or tab."""
        long_enough = np.flatnonzero(self.lengths >= 2)
        first = self.raw[self.starts[long_enough]]
        second = self.raw[self.starts[long_enough] + 1]
        return long_enough[(first == letter[0]) & ((second == 32) | (second == 9))]

    def block(self, which: np.ndarray, blank_first: bool = False) -> bytes:
        """The lines numbered *which* joined, each ending in a newline (*blank_first*: first byte made a space)."""
        if not len(which):
            return b""
        starts, lengths = self.starts[which], self.lengths[which]
        edges = np.zeros(len(self.raw) + 1, np.int8)
        edges[starts] = 1
        edges[starts + lengths] -= 1  # where one chosen line ends and the next begins: 1 - 1
        chosen = self.raw[np.cumsum(edges[:-1], dtype=np.int8) > 0]
        if blank_first:
            chosen[np.cumsum(lengths) - lengths] = 32
        out = chosen.tobytes()
        return out if out.endswith(b"\n") else out + b"\n"
