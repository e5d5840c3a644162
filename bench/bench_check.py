"""Benchmark `lms check` against admesh's default run, file by file, in the same run.

    python bench/bench_check.py [FILE.stl ...] [--repeat N] [--prusa] [--preview]

Without FILE, four files are generated in bench/out/ (once) and checked:
  icosphere.stl          1,310,720 triangles, bench/make_icosphere.py
  trimesh_icosphere.stl  trimesh.creation.icosphere(subdivisions=8), 1,310,720 triangles
  scan.stl               a noisy scan-like blob with 40 holes, ~1.28M triangles (bench/make_scan.py)
  degenerate.stl         3,000,000 zero-area triangles (bench/make_degenerate.py; checked with --max-mb 200)
Each command runs as a separate process under /usr/bin/time (wall time, peak
RSS, CPU time); the median of --repeat runs is reported, with our figure beside
admesh's and the ratio (targets: time <= 1.5x, memory <= 2.5x).  --prusa adds
`prusa-slicer --info`, --preview the in-process 512 px preview time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TIME = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)


def measure(cmd: list[str], env=None) -> tuple[float, float, int, float]:
    """Run *cmd*; return (wall seconds, peak RSS MB, exit code, CPU seconds).

    CPU time (user + system) is printed too: on a shared, busy machine it
    moves much less than wall time."""
    if TIME:
        with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
            t0 = time.perf_counter()
            p = subprocess.run([TIME, "-f", "%e %M %U %S", "-o", tf.name, *cmd], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
            wall = time.perf_counter() - t0
            out = tf.read().strip().splitlines()[-1].split()
            return wall, int(out[1]) / 1024.0, p.returncode, float(out[2]) + float(out[3])
    # fallback: a fresh interpreter per run so RUSAGE_CHILDREN is this command's alone
    code = ("import resource,subprocess,sys,time;t=time.perf_counter();"
            "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL).returncode;"
            "w=time.perf_counter()-t;print(w,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,r)")
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True, env=env).stdout.split()
    return float(out[0]), int(out[1]) / 1024.0, int(out[2]), float("nan")


def median_run(cmd, repeat, env=None):
    """Medians of wall time, peak RSS and CPU time over *repeat* runs, and the first exit code."""
    runs = [measure(cmd, env) for _ in range(repeat)]
    med = [float(np.median([r[k] for r in runs])) for k in (0, 1, 3)]
    return med[0], med[1], runs[0][2], med[2]


def bench_files() -> list[Path]:
    out = ROOT / "bench/out"
    makers = {
        "icosphere.stl": [sys.executable, str(ROOT / "bench/make_icosphere.py")],
        "scan.stl": [sys.executable, str(ROOT / "bench/make_scan.py")],
        "degenerate.stl": [sys.executable, str(ROOT / "bench/make_degenerate.py")],
    }
    for name, cmd in makers.items():
        if not (out / name).exists():
            subprocess.run([*cmd, str(out / name)], check=True)
    if not (out / "trimesh_icosphere.stl").exists():
        import trimesh

        sys.path.insert(0, str(ROOT / "bench"))
        from make_icosphere import write_binary_stl

        s = trimesh.creation.icosphere(subdivisions=8, radius=50.0)
        write_binary_stl(out / "trimesh_icosphere.stl", np.asarray(s.vertices), np.asarray(s.faces))
    return [out / n for n in ("icosphere.stl", "trimesh_icosphere.stl", "scan.stl", "degenerate.stl")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--prusa", action="store_true", help="also time prusa-slicer --info")
    ap.add_argument("--preview", action="store_true", help="also time the in-process preview")
    ap.add_argument("--code", type=Path, default=None,
                    help="directory holding another lms/ to time (e.g. an export of an older commit)")
    args = ap.parse_args()
    paths = [Path(p) for p in args.files] or bench_files()
    code = args.code or ROOT
    env = dict(os.environ, PYTHONPATH=str(code) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    lms = shutil.which("lms") if args.code is None else None
    base = [lms, "check"] if lms and _lms_has_check(lms, env) else [sys.executable, "-m", "lms.geometry.cli", "check"]
    print(f"lms command: {' '.join(base)} FILE --json;  median of {args.repeat} runs")
    print(f"{'file':24s} {'lms s':>7s} {'admesh s':>9s} {'time x':>7s}   {'lms MB':>7s} {'admesh MB':>9s} {'mem x':>6s}"
          f"   {'lms cpu':>8s} {'admesh cpu':>10s} {'cpu x':>6s}")
    for path in paths:
        extra = ["--max-mb", "200"] if path.stat().st_size > 100 * 1024 * 1024 else []
        ow, orss, orc, ocpu = median_run([*base, str(path), "--json", *extra], args.repeat, env)
        aw, arss, _, acpu = median_run(["admesh", str(path)], args.repeat) if shutil.which("admesh") else (np.nan,) * 4
        print(f"{path.name:24s} {ow:7.2f} {aw:9.2f} {ow / aw:7.2f}   {orss:7.0f} {arss:9.0f} {orss / arss:6.2f}"
              f"   {ocpu:8.2f} {acpu:10.2f} {ocpu / acpu:6.2f}   (lms exit {orc})")
        if args.prusa and shutil.which("prusa-slicer"):
            pw, prss, _, _ = median_run(["prusa-slicer", "--info", str(path)], args.repeat)
            print(f"{'':24s} prusa-slicer --info {pw:.2f} s, {prss:.0f} MB")
    if args.preview:
        _preview(paths[0], args.repeat)


def _preview(path: Path, repeat: int) -> None:
    sys.path.insert(0, str(ROOT))
    from lms.geometry import load_mesh, render_thumbnail

    mesh = load_mesh(path)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        png = render_thumbnail(mesh, 512)
        times.append(time.perf_counter() - t0)
    print(f"preview 512 px in-process on {path.name}: {min(times):.3f} s (target < 0.5 s), {len(png):,} bytes")


def _lms_has_check(lms: str, env) -> bool:
    try:
        out = subprocess.run([lms, "--help"], capture_output=True, text=True, env=env, timeout=60).stdout
    except Exception:
        return False
    return re.search(r"^\s+check\b", out, re.M) is not None


if __name__ == "__main__":
    main()
