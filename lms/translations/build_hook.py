"""Package build step: compile the ``.po`` catalogues into ``.mo`` files.

The ``.mo`` files are git-ignored, so a clean checkout holds only the sources;
without this step a wheel (or ``pip install git+...`` into a host app) would
show English everywhere.  setuptools loads this file by path (see
``[tool.setuptools.cmdclass]`` in pyproject.toml), so it imports nothing from
``lms`` and needs only setuptools and Babel (both build requirements).
"""
from __future__ import annotations

from pathlib import Path

from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent


def compile_catalogues(source: Path, target: Path) -> list[Path]:
    """Write ``target/<lang>/LC_MESSAGES/messages.mo`` for each ``.po`` under ``source``.

    Fuzzy entries are left out, as ``pybabel compile`` does without ``--use-fuzzy``.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        lang = po.parent.parent.name
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        mo = target / lang / "LC_MESSAGES" / "messages.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written.append(mo)
    return written


class BuildPyWithCatalogues(build_py):
    """``build_py`` that also compiles the catalogues into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the source tree itself
            self._catalogues = compile_catalogues(SOURCE, SOURCE)
            return
        target = Path(self.build_lib, "lms", "translations")
        self._catalogues = compile_catalogues(SOURCE, target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        built = {str(p) for p in getattr(self, "_catalogues", [])}
        return outputs + sorted(built - set(outputs))
