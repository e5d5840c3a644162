"""A wheel built from a clean copy of the repository serves every interface language.

The ``.mo`` files are git-ignored, so a clean checkout has only the ``.po`` sources:
the package build must compile them.  The test exports ``HEAD`` with ``git archive``
(what a fresh clone holds: committed files only), builds a wheel with pip, installs it
into a new virtual environment and asks the installed app for a Kyrgyz page.

The build runs without isolation (``--no-build-isolation``) so it needs no network:
it uses the setuptools and Babel of the environment running the tests.  The new
environment reads the other dependencies from that same environment through a
``.pth`` line, after its own site-packages, so ``lms`` comes from the wheel.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

LANGUAGES = ("ru", "ky", "tr")

# Run inside the new environment: migrate, then fetch pages through the installed app.
_PROBE = """
import sys
import lms
from lms import create_app
from lms.migrate import upgrade

print("LMS_FILE", lms.__file__)
app = create_app()
upgrade(app)
client = app.test_client()
for lang in sys.argv[1:]:
    page = client.get("/login", headers={"Accept-Language": lang}).get_data(as_text=True)
    print("PAGE", lang, page.replace("\\n", " "))
"""


def _run(*args, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert done.returncode == 0, f"{args[:4]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to export HEAD from")
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(source)], input=tar.stdout, check=True)
    assert not list(source.rglob("*.mo")), "the export should hold no compiled catalogues"
    out = work / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--disable-pip-version-check",
         "-q", "-w", str(out), str(source))
    (built,) = out.glob("fablab_lms-*.whl")
    return built


def test_wheel_holds_a_compiled_catalogue_per_language(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for lang in LANGUAGES:
        assert f"lms/translations/{lang}/LC_MESSAGES/messages.mo" in names, sorted(n for n in names if "translations" in n)


def test_installed_wheel_serves_kyrgyz(wheel, tmp_path):
    env = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(env))
    python = env / "bin" / "python"
    purelib = Path(_run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (purelib / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", "-q", str(wheel))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LMS_") and k != "PYTHONPATH"}
    environment["LMS_INSTANCE_PATH"] = str(tmp_path / "instance")
    probe = _run(str(python), "-c", _PROBE, "ky", "ru", "tr", "en", cwd=tmp_path, env=environment).stdout
    lines = dict(line.split(" ", 1) for line in probe.splitlines() if line.startswith(("LMS_FILE", "PAGE")) and " " in line)
    assert lines["LMS_FILE"].startswith(str(purelib)), lines["LMS_FILE"]
    pages = {line.split(" ", 2)[1]: line.split(" ", 2)[2] for line in probe.splitlines() if line.startswith("PAGE ")}
    assert '<html lang="ky"' in pages["ky"] and "Кирүү" in pages["ky"] and "Сырсөз" in pages["ky"]
    assert "Войти" in pages["ru"] and "Şifre" in pages["tr"]
    assert "Log in" in pages["en"] and "Log in" not in pages["ky"]
