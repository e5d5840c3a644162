"""Lab profiles: a short name for one printer, print and filament preset of PrusaSlicer's vendor bundles.

An assignment's ``printer:`` in course.yaml names a lab profile; its bed (read from the printer preset)
is what the fit check uses, and its presets are what the model is sliced with. Pure: no Flask.
More profiles come from the ``LMS_LAB_PROFILES`` setting: ``{name: {vendor, printer, print, filament, title}}``.
"""
from __future__ import annotations

from lms.geometry import profiles as geometry_profiles
from lms.lab.presets import PresetError, PresetNames, build_volume_mm, resolve

BUILTIN: dict[str, dict] = {
    "prusa-mini": {"title": "Original Prusa MINI+", "vendor": "PrusaResearch", "printer": "Original Prusa MINI & MINI+",
                   "print": "0.20mm QUALITY @MINI", "filament": "Prusament PLA"},
    "prusa-mk3s": {"title": "Original Prusa i3 MK3S+", "vendor": "PrusaResearch",
                   "printer": "Original Prusa i3 MK3S & MK3S+", "print": "0.20mm QUALITY @MK3",
                   "filament": "Prusament PLA"},
    "ender-3-v2": {"title": "Creality Ender-3 V2", "vendor": "Creality",
                   "printer": "Creality Ender-3 V2 (0.4 mm nozzle)",
                   "print": "0.20 mm NORMAL (0.4 mm nozzle) @CREALITY", "filament": "Generic PLA @CREALITY"},
}
PROFILES: dict[str, dict] = {}


def presets_of(name: str) -> PresetNames:
    spec = PROFILES.get(name)
    if spec is None:
        raise PresetError(f"no lab profile {name!r}; known: {', '.join(sorted(PROFILES)) or 'none'}")
    return PresetNames(spec["vendor"], spec["printer"], spec["print"], spec["filament"])


def load_profiles(extra: dict | None = None) -> dict[str, dict]:
    """Register the built-in and configured profiles whose presets exist in the installed bundles.

    Each also becomes a printer the geometry checks know, with the bed of its printer preset."""
    for name, spec in {**BUILTIN, **(extra or {})}.items():
        try:
            printer = resolve(spec["vendor"], "printer", spec["printer"])
            volume = build_volume_mm(printer)
        except (PresetError, KeyError, ValueError):
            continue  # no such bundle here (prusa-slicer absent): the profile cannot be used
        nozzle = float(str(printer.get("nozzle_diameter", "0.4")).split(",")[0])
        PROFILES[name] = {**spec, "name": name, "build_volume_mm": volume}
        geometry_profiles.register_printer(name, spec.get("title") or spec["printer"], volume, nozzle_mm=nozzle)
    return PROFILES


load_profiles()
