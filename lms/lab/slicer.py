"""Slicing with PrusaSlicer's command line, in a child process with a time and memory limit. Pure: no Flask.

PrusaSlicer is not a checker (it repairs open models silently and slices too-tall ones), so our own
checks run first; here it only turns a model that passed into G-code and the figures it computed.
"""
from __future__ import annotations

import math
import re
import resource
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from lms import geometry
from lms.lab.presets import PresetNames, flat_config, write_ini

NATIVE = {"stl", "obj", "3mf"}  # formats PrusaSlicer reads itself
DEFAULT_TIMEOUT_S = 300
DEFAULT_MEMORY_MB = 2048
_SUMMARY = {
    "time": re.compile(r"^; estimated printing time \(normal mode\) = (.+)$", re.M),
    "grams": re.compile(r"^; (?:total )?filament used \[g\] = ([\d.]+)", re.M),
    "mm": re.compile(r"^; filament used \[mm\] = ([\d.]+)", re.M),
    "cost": re.compile(r"^; (?:total )?filament cost = ([\d.]+)", re.M),
}
_DURATION = re.compile(r"(?:(\d+)d\s*)?(?:(\d+)h\s*)?(?:(\d+)m\s*)?(?:(\d+)s)?")


class SlicerMissing(RuntimeError):
    """No prusa-slicer on this machine: the volume estimate stays."""


class SlicerRefused(RuntimeError):
    """PrusaSlicer did not produce G-code; ``reason`` is one of the keys of REFUSALS."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}"[:500])
        self.reason, self.detail = reason, detail


@dataclass
class SliceResult:
    gcode_path: Path  # inside ``workdir``; the caller stores it and removes the folder
    workdir: Path
    slicer_version: str
    time_s: int
    filament_g: float
    filament_mm: float
    cost: float | None
    wall_s: float


def executable() -> str | None:
    return shutil.which("prusa-slicer")


@lru_cache(maxsize=1)
def version() -> str:
    exe = executable()
    if exe is None:
        raise SlicerMissing("prusa-slicer is not installed")
    out = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=30).stdout
    match = re.search(r"PrusaSlicer-([\w.+-]+)", out)
    return match.group(1) if match else "unknown"


def parse_duration(text: str) -> int:
    """``1d 2h 3m 4s`` (any part may be absent) in seconds."""
    match = _DURATION.fullmatch(text.strip())
    if not match or not any(match.groups()):
        raise ValueError(f"not a PrusaSlicer duration: {text!r}")
    d, h, m, s = (int(x or 0) for x in match.groups())
    return ((d * 24 + h) * 60 + m) * 60 + s


def read_summary(gcode_path: Path) -> dict:
    """The figures PrusaSlicer writes at the end of its G-code (the last 64 kB hold them)."""
    with open(gcode_path, "rb") as fh:
        fh.seek(0, 2)
        fh.seek(max(0, fh.tell() - 65536))
        tail = fh.read().decode("utf-8", "replace")
    found = {k: rx.search(tail) for k, rx in _SUMMARY.items()}
    if not (found["time"] and found["grams"] and found["mm"]):
        raise SlicerRefused("no_summary", "the G-code has no print-time or filament summary")
    return {"time_s": parse_duration(found["time"].group(1)), "filament_g": float(found["grams"].group(1)),
            "filament_mm": float(found["mm"].group(1)),
            "cost": float(found["cost"].group(1)) if found["cost"] else None}


def _limits(memory_mb: int, timeout_s: int):
    def apply() -> None:  # runs in the child, before exec
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (timeout_s + 5, timeout_s + 10))
    return apply


def _rotated(vertices: np.ndarray, rotation: list[dict]) -> np.ndarray:
    """Apply the fit check's rotations, in its order (degrees about x, y or z)."""
    for step in rotation:
        a = math.radians(float(step["degrees"]))
        c, s = math.cos(a), math.sin(a)
        axis = step["axis"]
        m = {"x": [[1, 0, 0], [0, c, -s], [0, s, c]], "y": [[c, 0, s], [0, 1, 0], [-s, 0, c]],
             "z": [[c, -s, 0], [s, c, 0], [0, 0, 1]]}[axis]
        vertices = vertices @ np.array(m).T
    return vertices


def prepare_input(model: Path, fmt: str, rotation: list[dict], workdir: Path, convert: bool = False) -> Path:
    """A file PrusaSlicer reads, turned as the fit check chose (the model itself when nothing changes)."""
    if fmt in NATIVE and not rotation and not convert:
        target = workdir / f"model.{fmt}"
        target.symlink_to(model.resolve())
        return target
    mesh = geometry.load_mesh(model, filename=f"model.{fmt}")
    mesh.vertices = _rotated(np.asarray(mesh.vertices, dtype=np.float64), rotation)
    target = workdir / "model.stl"
    target.write_bytes(geometry.export_stl(mesh))
    return target


def slice_model(model: Path, fmt: str, presets: PresetNames, rotation: list[dict] | None = None, *,
                timeout_s: int = DEFAULT_TIMEOUT_S, memory_mb: int = DEFAULT_MEMORY_MB,
                extra_config: dict[str, str] | None = None) -> SliceResult:
    """Slice ``model`` with the vendor presets; raises SlicerMissing or SlicerRefused."""
    exe = executable()
    if exe is None:
        raise SlicerMissing("prusa-slicer is not installed")
    workdir = Path(tempfile.mkdtemp(prefix="lms-slice-"))
    try:
        config = {**flat_config(presets), **(extra_config or {})}
        ini = write_ini(config, workdir / "config.ini")
        source = prepare_input(model, fmt, rotation or [], workdir)
        out = workdir / "model.gcode"
        started = time.monotonic()
        args = ["--export-gcode", "--load", str(ini), "--output", str(out)]
        try:
            _run(exe, [*args, str(source)], workdir, timeout_s, memory_mb)
        except SlicerRefused as exc:
            if exc.reason != "load" or not source.is_symlink():  # only the learner's own file gets a second try
                raise
            # admesh takes a binary STL whose bytes all look like text for an ASCII one: give it our own export
            source.unlink()
            source = prepare_input(model, fmt, rotation or [], workdir, convert=True)
            _run(exe, [*args, str(source)], workdir, timeout_s, memory_mb)
        wall = time.monotonic() - started
        if not out.is_file() or out.stat().st_size == 0:
            raise SlicerRefused("no_output", "PrusaSlicer wrote no G-code")
        summary = read_summary(out)
        return SliceResult(gcode_path=out, workdir=workdir, slicer_version=version(), wall_s=wall, **summary)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def _run(exe: str, args: list[str], workdir: Path, timeout_s: int, memory_mb: int) -> None:
    try:
        proc = subprocess.run([exe, *args], cwd=workdir, capture_output=True, text=True, timeout=timeout_s,
                              preexec_fn=_limits(memory_mb, timeout_s), env={"PATH": "/usr/bin:/bin",
                                                                           "HOME": str(workdir)})
    except subprocess.TimeoutExpired:
        raise SlicerRefused("timeout", f"more than {timeout_s} s") from None
    if proc.returncode != 0:
        text = (proc.stderr or "") + (proc.stdout or "")
        if "could not fit" in text.lower():
            raise SlicerRefused("bed", text[-400:])
        if "loading of a model file failed" in text.lower():
            raise SlicerRefused("load", text[-300:])
        if proc.returncode < 0 or "bad_alloc" in text or "memory" in text.lower():
            raise SlicerRefused("resources", f"exit {proc.returncode}: {text[-300:]}")
        raise SlicerRefused("error", f"exit {proc.returncode}: {text[-300:]}")


def cleanup(result: SliceResult) -> None:
    shutil.rmtree(result.workdir, ignore_errors=True)
