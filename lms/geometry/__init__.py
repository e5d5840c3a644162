"""Model-checking engine for the FabLab LMS (pure library: no Flask).

Public API::

    Limits, GeometryError (+ subclasses in lms.geometry.errors)
    detect_format(head, filename=None, size=None) -> str | None
    load_mesh(source, filename=None, limits=None) -> Mesh
    analyse(mesh, printer=None, material="pla", overhang_angle_deg=45.0, ...) -> dict
    check_file(path, requirements=None, printer=None, limits=None, ...) -> dict
    evaluate(report, requirements) -> list[dict]
    validate_requirements(requirements) -> dict
    repair(mesh) -> (Mesh, list[dict])
    export_stl(mesh) -> bytes
    render_thumbnail(mesh, size=512) -> bytes
    viewer_data(mesh, report, face_budget=200_000) -> dict
    PRINTERS, MATERIALS

``Mesh`` is this package's own light type (numpy ``vertices`` float64 (V, 3)
in mm and ``faces`` (F, 3)); ``Mesh.to_trimesh()`` converts.

Heavy modules (scipy, trimesh, Pillow) are imported lazily so that the
command line stays quick to start.
"""

from __future__ import annotations

from .errors import (  # noqa: F401
    ArchiveError, CorruptFileError, CountMismatchError, EmptyModelError, ExternalReferenceError,
    FileTooLargeError, FormatMismatchError, GeometryError, LimitExceededError, TooManyFacesError,
    TooManyVerticesError, TruncatedFileError, UnsafeContentError, UnsupportedFormatError, ZipBombError,
)
from .formats import FORMATS, detect_format  # noqa: F401
from .limits import Limits  # noqa: F401
from .mesh import Mesh  # noqa: F401
from .profiles import MATERIALS, PRINTERS  # noqa: F401

__all__ = [
    "Limits", "GeometryError", "ArchiveError", "CorruptFileError", "CountMismatchError", "EmptyModelError",
    "ExternalReferenceError", "FileTooLargeError", "FormatMismatchError", "LimitExceededError",
    "TooManyFacesError", "TooManyVerticesError", "TruncatedFileError", "UnsafeContentError",
    "UnsupportedFormatError", "ZipBombError", "FORMATS", "Mesh", "MATERIALS", "PRINTERS",
    "detect_format", "load_mesh", "analyse", "check_file", "evaluate", "validate_requirements",
    "repair", "export_stl", "render_thumbnail", "viewer_data", "assemble_findings",
]


def load_mesh(source, filename=None, limits=None) -> Mesh:
    from .exchange import load_mesh as _load

    return _load(source, filename=filename, limits=limits)


def analyse(mesh, printer=None, material="pla", overhang_angle_deg=45.0, **kwargs) -> dict:
    from .analysis import analyse as _analyse

    return _analyse(mesh, printer=printer, material=material, overhang_angle_deg=overhang_angle_deg, **kwargs)


def evaluate(report, requirements):
    from .requirements import evaluate as _evaluate

    return _evaluate(report, requirements)


def validate_requirements(requirements):
    from .requirements import validate_requirements as _validate

    return _validate(requirements)


def check_file(path, requirements=None, printer=None, limits=None, material="pla", filename=None,
               **kwargs) -> dict:
    """Load + analyse + evaluate.  The report gains ``requirements`` and ``ok``.

    ``ok`` is True when every error-severity check and every requirement passed.
    A ``printer`` requirement is used for the analysis when no printer is given,
    as is ``overhang_angle_deg``.
    """
    from .requirements import validate_requirements as _validate

    req = _validate(requirements)
    if printer is None:
        printer = req.get("printer")
    angle = req.get("overhang_angle_deg", kwargs.pop("overhang_angle_deg", 45.0))
    mesh = load_mesh(path, filename=filename, limits=limits)
    kwargs.setdefault("thin_wall_mm", req.get("min_wall_mm"))
    report = analyse(mesh, printer=printer, material=material, overhang_angle_deg=angle, **kwargs)
    report["requirements"] = evaluate(report, req)
    report["ok"] = report["ok"] and all(r["passed"] for r in report["requirements"])
    report["findings"] = assemble_findings(report)
    return report


def assemble_findings(report) -> list[dict]:
    """One verdict per topic from a report's requirements and checks (see lms.geometry.findings)."""
    from .findings import assemble

    return assemble(report)


def repair(mesh, **kwargs):
    from .mesh_repair import repair as _repair

    return _repair(mesh, **kwargs)


def export_stl(mesh) -> bytes:
    from .mesh_repair import export_stl as _export

    return _export(mesh)


def render_thumbnail(mesh, size=512, **kwargs) -> bytes:
    from .render import render_thumbnail as _render

    return _render(mesh, size=size, **kwargs)


def viewer_data(mesh, report=None, face_budget=200_000) -> dict:
    from .viewer import viewer_data as _viewer

    return _viewer(mesh, report, face_budget=face_budget)
