"""Issue 12: at least 90 % of the functions in lms/ (migrations aside) are at most 25 lines long.

Short functions are the ones a reader takes in at a glance; the long ones left are numeric cores
(geometry) and loaders that read one file format top to bottom. The test lists the longest ones
when it fails, so that the next split has an obvious candidate."""
from __future__ import annotations

import ast
from pathlib import Path

LMS = Path(__file__).resolve().parents[2] / "lms"
MAX_LINES = 25
SHARE = 0.90


def function_lengths() -> list[tuple[int, str]]:
    lengths = []
    for path in sorted(LMS.rglob("*.py")):
        relative = path.relative_to(LMS).as_posix()
        if relative.startswith("migrations/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lengths.append((node.end_lineno - node.lineno + 1, f"{relative}:{node.lineno} {node.name}"))
    return lengths


def test_nine_functions_in_ten_are_short():
    lengths = function_lengths()
    short = sum(1 for n, _ in lengths if n <= MAX_LINES)
    longest = sorted(lengths, reverse=True)[:10]
    assert short / len(lengths) >= SHARE, (f"{short}/{len(lengths)} functions are at most {MAX_LINES} lines; "
                                           f"the longest: {longest}")


def test_the_count_sees_long_functions():
    """The counter itself: a 30-line function counts as long, a 3-line one as short."""
    source = "def long():\n" + "    x = 1\n" * 29 + "\n\ndef short():\n    return 1\n"
    nodes = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)]
    assert [n.end_lineno - n.lineno + 1 for n in nodes] == [30, 2]
