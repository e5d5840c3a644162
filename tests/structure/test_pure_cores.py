"""The pure cores (model checks, certificate renderer) import and run without Flask.

Each case runs in a fresh interpreter, so nothing the test session imported can hide an import
of Flask that a core makes on its own.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

CORES = {
    "geometry": "import lms.geometry as g; g.check_file  # noqa\n"
                "from lms.geometry import analysis, requirements, render, viewer  # noqa",
    "geometry check run": "import numpy as np, trimesh, lms.geometry as g\n"
                          "m = trimesh.creation.box((20, 20, 20)); import io; b = io.BytesIO(); m.export(b, 'stl')\n"
                          "mesh = g.load_mesh(b.getvalue(), 'cube.stl'); g.analyse(mesh)",
    "certificate renderer": "from lms.certificates import pdf, pdf_labels, pdf_fetcher  # noqa\n"
                            "from lms.certificates import pdf_template, pdf_layers, pdf_pool, pdf_merge  # noqa",
    "certificate signing and credentials": "from lms.certificates import signing, credentials, status_list, codes  # noqa",
}


@pytest.mark.parametrize("name", sorted(CORES))
def test_core_does_not_import_flask(name):
    script = CORES[name] + "\nimport sys\nleaked = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_login', 'flask_wtf', 'flask_babel'))\nprint(','.join(leaked))\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"{name} imported Flask modules: {done.stdout.strip()}"
