"""Command-line commands: ``lms check``, ``lms preview``, ``lms repair``.

Plain click commands (no Flask app needed).  The web project registers
``check_command``, ``preview_command`` and ``repair_command`` in its ``lms``
group; ``python -m lms.geometry.cli check FILE`` works on its own.

Exit codes of ``check``: 0 every error-severity check and requirement passed,
1 one failed, 2 the file could not be read (reason on stderr).
"""

from __future__ import annotations

import json
import sys

import click

EXIT_OK, EXIT_FAILED, EXIT_UNREADABLE = 0, 1, 2


def _parse_value(raw: str):
    text = raw.strip()
    low = text.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if text.startswith("[") or "," in text:
        items = [x.strip() for x in text.strip("[]").split(",") if x.strip()]
        return [_parse_value(x) for x in items]
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def parse_requirements(pairs: tuple[str, ...]) -> dict:
    req = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--require")
        key, value = pair.split("=", 1)
        value = _parse_value(value)
        if key.strip() == "formats" and not isinstance(value, list):
            value = [value]
        req[key.strip()] = value
    return req


def _fail_unreadable(exc) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(EXIT_UNREADABLE)


def _human(report: dict) -> str:
    from .findings import assemble

    mark = {True: "PASS", False: "FAIL"}
    lines = [
        f"{report['file']} ({(report.get('format') or '?').upper()})",
        f"  {report['faces']:,} triangles, {report['vertices']:,} vertices, {report['shells']} part(s)",
        "  size {:.2f} x {:.2f} x {:.2f} mm".format(*report["extents_mm"]),
    ]
    if report.get("volume_mm3") is not None:
        lines.append(f"  volume {report['volume_mm3']:.1f} mm3, area {report['area_mm2']:.1f} mm2")
    else:
        lines.append(f"  volume n/a (open surface), area {report['area_mm2']:.1f} mm2")
    lines.append("findings:")
    for f in report.get("findings") or assemble(report):
        status = mark[f["passed"]] if f["passed"] or f["severity"] == "error" else "WARN"
        lines.append(f"  [{status}] {f['topic']}: {f['message']}")
    notes = [c for c in report["checks"] if c["severity"] == "info"]
    if notes:
        lines.append("figures:")
        lines.extend(f"  [INFO] {c['id']}: {c['message']}" for c in notes)
    lines.append("result: " + ("OK" if report["ok"] else "NOT OK"))
    return "\n".join(lines)


@click.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--printer", default=None, help="Printer profile id, e.g. prusa-mk4, ender-3, bambu-a1, ultimaker-s5.")
@click.option("--material", default="pla", show_default=True, help="Material profile id (pla, petg, abs, ...).")
@click.option("--require", "require", multiple=True, metavar="KEY=VALUE",
              help="Assignment requirement, e.g. closed=true, max_dimensions_mm=100,100,50 (repeatable).")
@click.option("--max-mb", type=float, default=None, help="Reject files larger than this (MB).")
def check_command(file, as_json, printer, material, require, max_mb):
    """Check a 3D model FILE for printability and print a report."""
    from .errors import GeometryError

    try:
        req = parse_requirements(require)
    except click.BadParameter:
        raise
    try:
        from .requirements import validate_requirements

        req = validate_requirements(req)
        if printer is not None:
            from .profiles import get_printer

            get_printer(printer)
        from .profiles import get_material

        get_material(material)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    limits = None
    if max_mb is not None:
        from .limits import Limits

        limits = Limits(max_bytes=int(max_mb * 1024 * 1024))
    try:
        from . import check_file

        report = check_file(file, requirements=req, printer=printer, limits=limits, material=material)
    except GeometryError as exc:
        if as_json:
            click.echo(json.dumps({"file": file, "ok": False, **exc.to_dict()}))
        _fail_unreadable(exc)
    except OSError as exc:
        _fail_unreadable(exc)
    if as_json:
        click.echo(json.dumps(report, separators=(",", ":")))
    else:
        click.echo(_human(report))
    sys.exit(EXIT_OK if report["ok"] else EXIT_FAILED)


@click.command("preview")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="PNG file to write.")
@click.option("--size", type=click.IntRange(32, 4096), default=512, show_default=True)
def preview_command(file, output, size):
    """Render a shaded PNG thumbnail of FILE."""
    from .errors import GeometryError

    try:
        from . import load_mesh, render_thumbnail

        mesh = load_mesh(file)
        png = render_thumbnail(mesh, size=size)
    except (GeometryError, OSError) as exc:
        _fail_unreadable(exc)
    with open(output, "wb") as fh:
        fh.write(png)
    click.echo(f"wrote {output} ({size}x{size})")


@click.command("repair")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="Binary STL file to write.")
def repair_command(file, output):
    """Repair FILE (merge, remove degenerate/duplicate faces, fix winding, fill small holes)."""
    from .errors import GeometryError
    from .mesh_repair import RepairRefusedError

    try:
        from . import export_stl, load_mesh, repair

        mesh = load_mesh(file)
        fixed, changes = repair(mesh)
        data = export_stl(fixed)
    except RepairRefusedError as exc:  # nothing is written: the result would be worse than the input
        click.echo(str(exc), err=True)
        sys.exit(EXIT_FAILED)
    except (GeometryError, OSError) as exc:
        _fail_unreadable(exc)
    with open(output, "wb") as fh:
        fh.write(data)
    if not changes:
        click.echo("nothing to repair")
    for ch in changes:
        click.echo(f"- {ch['message']}")
    click.echo(f"wrote {output} ({len(fixed.faces):,} triangles)")


@click.group()
def main():
    """Geometry commands (stand-alone)."""


main.add_command(check_command)
main.add_command(preview_command)
main.add_command(repair_command)

if __name__ == "__main__":
    main()
