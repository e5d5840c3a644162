"""Translation markers for the geometry engine.

Every user-facing message in this package is built from an English template
wrapped in ``N_()`` so that ``pybabel extract -k N_`` can collect it.  ``N_`` is
deliberately a no-op: the geometry library never translates anything itself.
The web layer translates ``message_template`` and formats it with ``params``.
"""

from __future__ import annotations

from typing import Any


def N_(template: str) -> str:  # noqa: N802 - conventional gettext marker name
    """Mark *template* for extraction and return it unchanged."""
    return template


def fmt(value: float, digits: int = 1) -> str:
    """Format a number for a message parameter (as a string, decimals fixed)."""
    if value is None:
        return "-"
    return f"{float(value):.{digits}f}"


def msg(template: str, **params: Any) -> dict:
    """Return the translation-contract triple for a message.

    ``result["message"] == result["message_template"] % result["params"]``.
    """
    return {"message": template % params, "message_template": template, "params": params}
