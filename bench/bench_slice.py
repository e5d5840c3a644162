"""Benchmark the lab's slicing against prusa-slicer run by hand, and the time from "send" to "printing".

    python bench/bench_slice.py [--skip-large] [--no-octoprint]

Models: a keychain (a 40 × 25 × 3 mm tag with a hole, made here), an 80k-triangle sphere and the
1.3M-triangle one (bench/make_icosphere.py, subdivisions 4 and 8). Our figure is lms.lab.slicer.slice_model
in a fresh interpreter (presets resolved, limits applied, summary read); the baseline is prusa-slicer with
the same ini, by hand. Both run under /usr/bin/time (wall, peak RSS of the process tree's largest member).
Then, with a real OctoPrint and its Virtual Printer: upload + start of the keychain's G-code until OctoPrint
says Printing.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trimesh

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.bench_check import measure  # noqa: E402
from bench.make_icosphere import icosphere  # noqa: E402

PROFILE = "prusa-mini"


def keychain(path: Path) -> Path:
    tag = trimesh.creation.box((40, 25, 3))
    hole = trimesh.creation.cylinder(radius=3, height=4, sections=48)
    hole.apply_translation((14, 0, 0))
    try:
        mesh = tag.difference(hole)
    except Exception:
        mesh = tag
    mesh.apply_translation(-mesh.bounds[0])
    mesh.export(path)
    return path


def sphere(path: Path, subdivisions: int) -> Path:
    v, f = icosphere(subdivisions, 40.0)
    trimesh.Trimesh(v + 40.0, f, process=False).export(path)
    return path


def ours(model: Path) -> list[str]:
    code = ("import sys;from pathlib import Path;from lms.lab import slicer, profiles;"
            f"r=slicer.slice_model(Path(sys.argv[1]),'stl',profiles.presets_of('{PROFILE}'));slicer.cleanup(r)")
    return [sys.executable, "-c", code, str(model)]


def by_hand(model: Path, ini: Path, out: Path) -> list[str]:
    return ["prusa-slicer", "--export-gcode", "--load", str(ini), "--output", str(out), str(model)]


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def send_to_printing(gcode: Path) -> float | None:
    from lms.lab.octoprint import OctoPrint
    from tests.octoprint_server import OctoPrintServer, available
    from tests.processes import free_port

    if available():
        print(f"send → printing: skipped ({available()})")
        return None
    server = OctoPrintServer(free_port()).start()
    try:
        client = OctoPrint(server.url, server.api_key)
        t0 = time.perf_counter()
        client.upload_and_print(gcode, "bench.gcode")
        while not client.job().printing:
            time.sleep(0.05)
        elapsed = time.perf_counter() - t0
        client.cancel()
        return elapsed
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-large", action="store_true", help="leave out the 1.3M-triangle model")
    parser.add_argument("--no-octoprint", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("prusa-slicer") is None:
        sys.exit("prusa-slicer is not installed")
    from lms.lab import presets, profiles

    work = Path(tempfile.mkdtemp(prefix="bench-slice-"))
    ini = presets.write_ini(presets.flat_config(profiles.presets_of(PROFILE)), work / "config.ini")
    models = {"keychain": keychain(work / "keychain.stl"), "sphere 80k": sphere(work / "s80k.stl", 6)}
    if not args.skip_large:
        models["sphere 1.3M"] = sphere(work / "s1m.stl", 8)
    print(f"{'model':<12} {'triangles':>10} {'ours s':>8} {'ours MB':>8} {'by hand s':>10} {'by hand MB':>11} {'ratio':>6}")
    for name, path in models.items():
        tris = len(trimesh.load(path).faces)
        runs = [measure(ours(path)) for _ in range(args.repeat)]
        base = [measure(by_hand(path, ini, work / "hand.gcode")) for _ in range(args.repeat)]
        o, b = median([r[0] for r in runs]), median([r[0] for r in base])
        print(f"{name:<12} {tris:>10} {o:>8.2f} {max(r[1] for r in runs):>8.0f} {b:>10.2f} "
              f"{max(r[1] for r in base):>11.0f} {o / b:>6.2f}")
    if not args.no_octoprint:
        subprocess.run(by_hand(models["keychain"], ini, work / "keychain.gcode"), capture_output=True, check=True)
        elapsed = send_to_printing(work / "keychain.gcode")
        if elapsed is not None:
            print(f"send → printing on the Virtual Printer (upload + start): {elapsed:.2f} s")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
