"""The work done for one uploaded model: report, previews, viewer data and a repaired copy. Pure: no Flask."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lms import geometry
from lms.geometry.mesh_repair import RepairRefusedError
from lms.geometry.topology import analyse_topology
from lms.geometry.viewer import viewer_package


@dataclass
class CheckArtifacts:
    report: dict
    thumbnail: bytes
    thumbnail_small: bytes
    viewer_package: bytes  # lms.geometry.viewer.viewer_package: meta and the mesh's levels of detail
    repaired_stl: bytes | None


def check_model(path: Path, filename: str, requirements: dict, limits: geometry.Limits | None = None) -> CheckArtifacts:
    """Raises geometry.GeometryError when the file cannot be read as a model."""
    requirements = geometry.validate_requirements(requirements or {})
    mesh = geometry.load_mesh(path, filename=filename, limits=limits)
    topology = analyse_topology(mesh.vertices, mesh.faces)  # once, for the report and the viewer's overlays
    report = geometry.analyse(mesh, printer=requirements.get("printer"), topology=topology,
                              overhang_angle_deg=requirements.get("overhang_angle_deg", 45.0),
                              thin_wall_mm=requirements.get("min_wall_mm"))
    report["file"] = filename
    report["requirements"] = geometry.evaluate(report, requirements)
    report["ok"] = bool(report["ok"]) and all(r["passed"] for r in report["requirements"])
    report["findings"] = geometry.assemble_findings(report)
    viewer = viewer_package(mesh, report, topology=topology)
    repaired = None
    if not (report["closed"] and not report["degenerate_faces"] and not report["duplicate_faces"]
            and not report["inverted_shells"]):
        try:
            fixed, changes = geometry.repair(mesh)
        except RepairRefusedError as exc:  # repair would make it worse: say why, offer no file
            report["repair"] = [{"id": "refused", "count": 0, "message": str(exc),
                                 "message_template": exc.message_template, "params": exc.params}]
        else:
            report["repair"] = changes
            repaired = geometry.export_stl(fixed)
    return CheckArtifacts(
        report=report,
        thumbnail=geometry.render_thumbnail(mesh, size=512),
        thumbnail_small=geometry.render_thumbnail(mesh, size=160),
        viewer_package=viewer,
        repaired_stl=repaired,
    )
