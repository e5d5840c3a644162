"""The readers' structure: one module per format behind one dispatcher, old imports kept, no Flask."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from exchange_files import cube20, write

from lms.geometry import exchange, formats, load_mesh, loaders
from lms.geometry.limits import DEFAULT_LIMITS


def test_every_format_has_a_reader_and_the_old_entry_points_still_work():
    assert set(exchange.READERS) == set(formats.FORMATS)
    data, name = write("binary.stl", *cube20())
    for load in (load_mesh, loaders.load_mesh, exchange.load_mesh):
        assert load(data, name).face_count == 12


def test_readers_return_plain_arrays_not_meshes():
    for kind in ("binary.stl", "obj", "3mf", "glb"):
        data, name = write(kind, *cube20())
        fmt = formats.detect_format(data, name, size=len(data))
        model = exchange.READERS[fmt](exchange.open_source(data, name, DEFAULT_LIMITS))
        assert isinstance(model, exchange.ModelData) and model.face_count == 12
        assert model.vertices.ndim == 2 and model.vertices.shape[1] == 3


def test_reading_every_format_imports_no_flask():
    code = (
        "import sys; sys.path.insert(0, 'tests/geometry')\n"
        "from exchange_files import WRITERS, cube20, write\n"
        "from lms.geometry import load_mesh\n"
        "for kind in WRITERS: load_mesh(*write(kind, *cube20()))\n"
        "assert 'flask' not in sys.modules, sorted(m for m in sys.modules if 'flask' in m)\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root)
    assert result.returncode == 0, result.stderr
