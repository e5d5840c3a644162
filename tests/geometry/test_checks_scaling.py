"""Issue 11 item 4: no step of the checks or of repair grows faster than O(n log n).

Each case builds the same kind of input at 20k and 160k faces (8× more) and
compares CPU times: linear growth gives about 8×, n log n about 9×, quadratic
64×.  The margin is generous (fail above 24×) because the machine is shared.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from shapes import box

from lms.geometry import analyse, repair
from lms.geometry.mesh import from_indexed
from lms.geometry.mesh_repair import RepairRefusedError


def degenerate_on_grid(n):
    """Zero-area triangles (three collinear corners) sharing grid points: many tiny parts."""
    rng = np.random.default_rng(1)
    a = rng.integers(0, int(round((n * 4) ** (1 / 3))) + 2, (n, 3)).astype(float)
    d = np.array([1.0, 0.0, 0.0])
    v = np.stack([a, a + d, a + 2 * d], 1).reshape(-1, 3)
    return v, np.arange(len(v)).reshape(-1, 3)


def _tiled(n, make):
    """n/12 small cubes on a grid, each passed through *make* (v, f, index) -> (v, f)."""
    count = max(n // 12, 1)
    unit_v, unit_f = box((1, 1, 1))
    vs, fs, offset = [], [], 0
    for i in range(count):
        v, f = make(unit_v + [2.0 * (i % 100), 2.0 * (i // 100), 0], unit_f.copy(), i)
        fs.append(f + offset)
        vs.append(v)
        offset += len(v)
    return np.vstack(vs), np.vstack(fs)


def inverted_cubes(n):
    return _tiled(n, lambda v, f, i: (v, f[:, ::-1].copy()))


def flipped_face_cubes(n):
    def make(v, f, i):
        f[i % 12] = f[i % 12][::-1]
        return v, f
    return _tiled(n, make)


def holed_cubes(n):
    return _tiled(n, lambda v, f, i: (v, np.delete(f, i % 12, axis=0)))


def _cpu(fn, repeat=2):
    best = np.inf
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


@pytest.mark.parametrize("build", [degenerate_on_grid, inverted_cubes, flipped_face_cubes, holed_cubes])
def test_check_and_repair_grow_no_faster_than_n_log_n(build):
    meshes = {n: from_indexed(*build(n)) for n in (20_000, 160_000)}

    def work(n):
        def run():
            analyse(meshes[n], wall_samples=0)
            try:
                repair(meshes[n])
            except RepairRefusedError:  # a model of only zero-area faces is refused, after the same steps
                pass
        return run

    work(20_000)()  # warm imports and caches
    small, big = _cpu(work(20_000)), _cpu(work(160_000), repeat=1)
    assert big / max(small, 1e-3) < 24, f"{build.__name__}: {small:.3f} s -> {big:.3f} s"
