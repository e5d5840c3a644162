"""Printer and material profiles.

Build volumes are the manufacturers' published figures (X × Y × Z, mm).  The
flow and per-layer figures only feed the print-time *estimate*; they are
typical values for a 0.4 mm nozzle at 0.2 mm layers with default profiles.
"""

from __future__ import annotations

PRINTERS: dict[str, dict] = {
    "prusa-mk4": {
        "id": "prusa-mk4", "name": "Prusa MK4", "build_volume_mm": [250.0, 210.0, 220.0],
        "filament_diameter_mm": 1.75, "nozzle_mm": 0.4, "layer_height_mm": 0.2,
        "flow_mm3_s": 9.0, "layer_overhead_s": 2.0,
    },
    "ender-3": {
        "id": "ender-3", "name": "Creality Ender-3", "build_volume_mm": [220.0, 220.0, 250.0],
        "filament_diameter_mm": 1.75, "nozzle_mm": 0.4, "layer_height_mm": 0.2,
        "flow_mm3_s": 4.5, "layer_overhead_s": 3.0,
    },
    "bambu-a1": {
        "id": "bambu-a1", "name": "Bambu Lab A1", "build_volume_mm": [256.0, 256.0, 256.0],
        "filament_diameter_mm": 1.75, "nozzle_mm": 0.4, "layer_height_mm": 0.2,
        "flow_mm3_s": 12.0, "layer_overhead_s": 1.5,
    },
    "ultimaker-s5": {
        "id": "ultimaker-s5", "name": "Ultimaker S5", "build_volume_mm": [330.0, 240.0, 300.0],
        "filament_diameter_mm": 2.85, "nozzle_mm": 0.4, "layer_height_mm": 0.2,
        "flow_mm3_s": 6.0, "layer_overhead_s": 3.0,
    },
}

# densities in g/cm³
MATERIALS: dict[str, dict] = {
    "pla": {"id": "pla", "name": "PLA", "density_g_cm3": 1.24},
    "petg": {"id": "petg", "name": "PETG", "density_g_cm3": 1.27},
    "abs": {"id": "abs", "name": "ABS", "density_g_cm3": 1.04},
    "asa": {"id": "asa", "name": "ASA", "density_g_cm3": 1.07},
    "tpu": {"id": "tpu", "name": "TPU", "density_g_cm3": 1.21},
}

DEFAULT_PRINTER = "prusa-mk4"

# slicer-like defaults used by the estimate
DEFAULT_INFILL = 0.15
DEFAULT_PERIMETERS = 2
DEFAULT_LINE_WIDTH_MM = 0.45
DEFAULT_TOP_BOTTOM_MM = 0.8


def get_printer(printer_id: str | None) -> dict | None:
    if printer_id is None:
        return None
    key = str(printer_id).strip().lower()
    if key not in PRINTERS:
        raise ValueError(
            f"unknown printer {printer_id!r}; known printers: {', '.join(sorted(PRINTERS))}")
    return PRINTERS[key]


def get_material(material_id: str | None) -> dict:
    key = str(material_id or "pla").strip().lower()
    if key not in MATERIALS:
        raise ValueError(
            f"unknown material {material_id!r}; known materials: {', '.join(sorted(MATERIALS))}")
    return MATERIALS[key]


def register_printer(printer_id: str, name: str, build_volume_mm: list[float], **figures) -> dict:
    """Add (or replace) a printer that checks can name, e.g. a lab profile read from a slicer's bundle.

    ``figures`` override the estimate's typical values (nozzle, layer height, flow)."""
    profile = {**PRINTERS.get(printer_id, PRINTERS[DEFAULT_PRINTER]), **figures, "id": printer_id, "name": name,
               "build_volume_mm": [float(x) for x in build_volume_mm]}
    PRINTERS[printer_id] = profile
    return profile
