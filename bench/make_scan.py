"""Write a noisy, scan-like binary STL with holes for the benchmark (about 1.3M triangles).

    python bench/make_scan.py [OUT.stl] [--subdivisions 8] [--holes 40] [--seed 0]

A blob (an icosphere of radius 50 mm with low-frequency bumps of a few mm),
every vertex moved by random noise of 0.05 mm as a scanner's would be, holes
cut where a scanner sees nothing (patches of 1-4 mm radius), and the
triangles written in random order, as reconstructions often write them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_icosphere import icosphere, write_mesh


def scan_like(subdivisions: int, holes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    v, f = icosphere(subdivisions, 1.0)
    theta, phi = np.arccos(np.clip(v[:, 2], -1, 1)), np.arctan2(v[:, 1], v[:, 0])
    radius = 50.0 * (1 + 0.06 * np.sin(3 * theta) * np.cos(2 * phi) + 0.03 * np.cos(5 * phi + theta))
    v = v * radius[:, None] + rng.normal(0.0, 0.05, v.shape)
    centres = v[f].mean(axis=1)
    cut = np.zeros(len(f), bool)
    for c in v[rng.choice(len(v), holes, replace=False)]:
        cut |= np.linalg.norm(centres - c, axis=1) < rng.uniform(1.0, 4.0)
    f = f[~cut]
    return v, f[rng.permutation(len(f))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", nargs="?", default="bench/out/scan.stl")
    ap.add_argument("--subdivisions", type=int, default=8)
    ap.add_argument("--holes", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    write_mesh(Path(args.out), lambda: scan_like(args.subdivisions, args.holes, args.seed))


if __name__ == "__main__":
    main()
