"""Benchmark `lms check` against admesh and prusa-slicer --info on one file.

    python bench/bench_check.py [FILE.stl] [--repeat N]

Without FILE, bench/out/icosphere.stl is generated (1,310,720 triangles) by
bench/make_icosphere.py.  Each command runs as a separate process under
/usr/bin/time (wall time, peak RSS); the best of --repeat runs is reported.
Also reports the in-process preview (512 px PNG) time on the loaded mesh.
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

ROOT = Path(__file__).resolve().parents[1]
TIME = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)


def measure(cmd: list[str], env=None) -> tuple[float, float, int]:
    """Run *cmd*; return (wall seconds, peak RSS MB, exit code)."""
    if TIME:
        with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
            t0 = time.perf_counter()
            p = subprocess.run([TIME, "-f", "%e %M", "-o", tf.name, *cmd], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
            wall = time.perf_counter() - t0
            out = tf.read().strip().splitlines()[-1].split()
            return wall, int(out[1]) / 1024.0, p.returncode
    # fallback: a fresh interpreter per run so RUSAGE_CHILDREN is this command's alone
    code = ("import resource,subprocess,sys,time;t=time.perf_counter();"
            "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL).returncode;"
            "w=time.perf_counter()-t;print(w,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,r)")
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True, env=env).stdout.split()
    return float(out[0]), int(out[1]) / 1024.0, int(out[2])


def best(cmd, repeat, env=None):
    runs = [measure(cmd, env) for _ in range(repeat)]
    wall = min(r[0] for r in runs)
    rss = min(r[1] for r in runs)
    return wall, rss, runs[0][2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("file", nargs="?")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    path = Path(args.file) if args.file else ROOT / "bench/out/icosphere.stl"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "bench/make_icosphere.py"), str(path)], check=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    lms = shutil.which("lms")
    ours = [lms, "check", str(path), "--json"] if lms and _lms_has_check(lms, env) else \
        [sys.executable, "-m", "lms.geometry.cli", "check", str(path), "--json"]
    rows = [("lms check", ours)]
    if shutil.which("admesh"):
        rows.append(("admesh", ["admesh", str(path)]))
    if shutil.which("prusa-slicer"):
        rows.append(("prusa-slicer --info", ["prusa-slicer", "--info", str(path)]))
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"lms command: {' '.join(ours[:4])} ...")
    results = {}
    for name, cmd in rows:
        wall, rss, rc = best(cmd, args.repeat, env)
        results[name] = (wall, rss)
        print(f"{name:22s} wall {wall:6.2f} s   peak RSS {rss:7.1f} MB   exit {rc}")
    ow, orss = results["lms check"]
    if "admesh" in results:
        aw, arss = results["admesh"]
        print(f"lms/admesh: time x{ow / aw:.2f} (target <= 1.0), memory x{orss / arss:.2f} (target <= 3.0)")
    if "prusa-slicer --info" in results:
        pw, _ = results["prusa-slicer --info"]
        print(f"prusa-slicer/lms: x{pw / ow:.2f} faster (target >= 2.0)")
    sys.path.insert(0, str(ROOT))
    from lms.geometry import load_mesh, render_thumbnail

    mesh = load_mesh(path)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        png = render_thumbnail(mesh, 512)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    render_thumbnail(mesh, 128)
    small = time.perf_counter() - t0
    print(f"preview 512 px in-process: {min(times):.3f} s (target < 0.5 s), {len(png):,} bytes; "
          f"128 px: {small:.3f} s")


def _lms_has_check(lms: str, env) -> bool:
    try:
        out = subprocess.run([lms, "--help"], capture_output=True, text=True, env=env, timeout=60).stdout
    except Exception:
        return False
    return re.search(r"^\s+check\b", out, re.M) is not None


if __name__ == "__main__":
    main()
