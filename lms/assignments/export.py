"""A ZIP of a cohort's accepted models for the lab: one folder per assignment, files named after the learner."""
from __future__ import annotations

import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from typing import IO

from lms.storage import LocalStorage

_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)  # keeps Cyrillic and Kyrgyz letters (Ү, Ө, Ң)


def safe_file_name(text: str, fallback: str = "model") -> str:
    """Text usable as one path segment on Windows, macOS and Linux, letters of any script kept."""
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE.sub("_", text).strip(" ._") or fallback
    return text[:120]


def accepted_models_zip(storage: LocalStorage, entries: Iterable[tuple[str, str, int, str, str]]) -> IO[bytes]:
    """A temporary file holding the ZIP of ``(assignment_slug, learner_name, attempt, file_format, sha256)`` rows.

    Written to disk rather than memory: a cohort of 25 with 20 MB models is half a gigabyte."""
    out = tempfile.TemporaryFile()
    used: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for assignment_slug, learner, attempt, fmt, sha in entries:
            stem = f"{assignment_slug}/{safe_file_name(learner)}-{attempt}"
            name, n = f"{stem}.{fmt}", 1
            while name in used:  # two learners with the same name
                n += 1
                name = f"{stem}-{n}.{fmt}"
            used.add(name)
            archive.write(storage.path(sha), name)
    out.seek(0)
    return out
