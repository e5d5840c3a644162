"""PrusaSlicer's own vendor presets, read from the bundles its Debian package ships. Pure: no Flask.

A bundle (``/usr/share/PrusaSlicer/profiles/<Vendor>.ini``) holds sections ``[printer:NAME]``,
``[print:NAME]`` and ``[filament:NAME]``; each may ``inherits = A; B`` others of its kind (``*name*``
sections are abstract parents). PrusaSlicer 2.5 has no flag to pick a preset on the command line,
so the three chains are resolved here into one flat ini for ``--load``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

BUNDLE_DIRS = (Path("/usr/share/PrusaSlicer/profiles"), Path("/usr/share/prusa-slicer/profiles"))
KINDS = ("printer", "print", "filament")
# Keys that describe the preset itself, not a setting PrusaSlicer slices with.
_META = {"inherits", "renamed_from", "alias", "compatible_printers", "compatible_printers_condition",
         "compatible_prints", "compatible_prints_condition", "printer_model", "printer_variant"}


class PresetError(ValueError):
    """A vendor, bundle or preset that does not exist."""


@dataclass(frozen=True)
class PresetNames:
    vendor: str
    printer: str
    print: str
    filament: str


def bundle_dir() -> Path | None:
    override = os.environ.get("LMS_PRUSA_PROFILES_DIR")
    for folder in ([Path(override)] if override else []) + list(BUNDLE_DIRS):
        if folder.is_dir():
            return folder
    return None


@lru_cache(maxsize=8)
def read_bundle(path: Path) -> dict[str, dict[str, str]]:
    """``{"printer:NAME": {key: value}, ...}`` of one vendor bundle."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in path.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
        elif current is not None and "=" in line:
            key, _sep, value = line.partition("=")
            current[key.strip()] = value.strip()
    return sections


def _bundle(vendor: str) -> dict[str, dict[str, str]]:
    folder = bundle_dir()
    path = folder / f"{vendor}.ini" if folder else None
    if path is None or not path.is_file():
        raise PresetError(f"no PrusaSlicer bundle {vendor!r} (is the prusa-slicer package installed?)")
    return read_bundle(path)


def resolve(vendor: str, kind: str, name: str) -> dict[str, str]:
    """The settings of one preset with its ``inherits`` chain applied (parents first, itself last)."""
    bundle = _bundle(vendor)
    return _resolve(bundle, kind, name, ())


def _resolve(bundle: dict, kind: str, name: str, seen: tuple) -> dict[str, str]:
    key = f"{kind}:{name}"
    if key not in bundle:
        raise PresetError(f"no {kind} preset {name!r} in this PrusaSlicer bundle")
    if key in seen:
        raise PresetError(f"{kind} preset {name!r} inherits from itself")
    own = bundle[key]
    merged: dict[str, str] = {}
    for parent in filter(None, (p.strip().strip('"') for p in own.get("inherits", "").split(";"))):
        merged.update(_resolve(bundle, kind, parent, (*seen, key)))
    merged.update(own)
    return merged


def flat_config(names: PresetNames) -> dict[str, str]:
    """Printer, print and filament settings in one mapping (what ``--load`` reads)."""
    config: dict[str, str] = {}
    for kind in KINDS:
        config.update({k: v for k, v in resolve(names.vendor, kind, getattr(names, kind)).items() if k not in _META})
    return config


def write_ini(config: dict[str, str], path: Path) -> Path:
    path.write_text("".join(f"{k} = {v}\n" for k, v in sorted(config.items())), "utf-8")
    return path


def build_volume_mm(printer_settings: dict[str, str]) -> list[float]:
    """X, Y from ``bed_shape`` (the polygon's extent) and Z from ``max_print_height``."""
    points = [tuple(float(c) for c in p.split("x")) for p in printer_settings["bed_shape"].split(",")]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [max(xs) - min(xs), max(ys) - min(ys), float(printer_settings.get("max_print_height") or 0)]
