"""Write a binary STL of zero-area triangles for the benchmark (3,000,000 by default).

    python bench/make_degenerate.py [OUT.stl] [--triangles 3000000]

Each triangle has three collinear corners on a shared integer grid, so the
file is a cloud of tiny flat parts: the input on which the checks once took
quadratic time.
"""

from __future__ import annotations

import argparse
import struct
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", nargs="?", default="bench/out/degenerate.stl")
    ap.add_argument("--triangles", type=int, default=3_000_000)
    args = ap.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    n = args.triangles
    rng = np.random.default_rng(1)
    # a grid of about n/2 points keeps the vertex count (about 3 per 2 triangles) within the limits
    a = rng.integers(0, int(round((n / 2) ** (1 / 3))), (n, 3)).astype(np.float32)
    rec = np.zeros(n, dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    for k in range(3):
        rec["v"][:, k] = a + np.float32(k) * np.array([1, 0, 0], np.float32)
    with open(out, "wb") as fh:
        fh.write(b"zero-area triangles for lms bench".ljust(80, b" "))
        fh.write(struct.pack("<I", n))
        fh.write(rec.tobytes())
    print(f"wrote {out}: {n:,} triangles, {out.stat().st_size:,} bytes in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
