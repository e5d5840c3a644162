"""Signals of the assignments area: other features (the lab) react without this one knowing them."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
#: sent after a check's result is committed; receivers get ``submission_id`` and ``passed``
model_checked = _signals.signal("lms-model-checked")
