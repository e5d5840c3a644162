"""Verification codes a person can type: 12 Crockford base32 characters, grouped XXXX-XXXX-XXXX.

60 random bits (12 x 5), read case-insensitively, with Crockford's look-alikes (O = 0, I = L = 1)
and without caring for dashes or spaces. Certificates issued before these codes carry a 22-character
URL-safe token; those keep working as they were printed (exact match).
"""
from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 12
GROUP = 4
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-‐‑–—_.]+")
_CROCKFORD = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")
#: The codes of certificates issued before: secrets.token_urlsafe(16).
_LEGACY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_code() -> str:
    """A fresh code in its printed form, e.g. ``7K3M-Q9XD-2HRT``."""
    return group("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def group(chars: str) -> str:
    return "-".join(chars[i:i + GROUP] for i in range(0, len(chars), GROUP))


def candidates(typed: str) -> list[str]:
    """The stored codes ``typed`` may mean, most likely first (empty when it cannot be a code).

    A legacy token is matched exactly as typed; anything that reads as 12 Crockford characters
    once separators are dropped, upper-cased and look-alikes mapped is matched in its grouped form.
    """
    typed = (typed or "").strip()
    if len(typed) > 80:
        return []
    found = []
    if _LEGACY.match(typed):
        found.append(typed)
    compact = _SEPARATORS.sub("", typed).upper().translate(_LOOK_ALIKES)
    if _CROCKFORD.match(compact):
        found.append(group(compact))
    return found


def canonical(typed: str) -> str:
    """The form to put in a verification URL: the grouped code, or the legacy token as typed."""
    found = candidates(typed)
    return found[-1] if found else (typed or "").strip()
