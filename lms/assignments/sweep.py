"""Which stored hashes are still referenced by a row (every table that names a file)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.assignments.models import Submission


def referenced_hashes(sess: Session) -> set[str]:
    refs: set[str] = set()
    cols = (Submission.file_sha256, Submission.thumbnail_sha256, Submission.thumbnail_small_sha256,
            Submission.viewer_sha256, Submission.repaired_sha256)
    for col in cols:
        refs.update(h for h in sess.scalars(select(col).where(col.is_not(None))))
    try:
        from lms.certificates.sweep import certificate_hashes
    except ImportError:
        return refs
    return refs | certificate_hashes(sess)
