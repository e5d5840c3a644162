"""Optional features (assignments, certificates, the geometry CLI) are found by importing their modules."""
from __future__ import annotations

import importlib
from types import ModuleType


def import_feature(module: str) -> ModuleType | None:
    """``module``, or None when the package of that feature is not installed.

    Only the feature's own absence counts: an import error inside a present module is raised."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
