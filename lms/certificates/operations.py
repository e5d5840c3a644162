"""Certificate verbs, by the name callers import them from. They live in:

* :mod:`~lms.certificates.issuing`: issue (one, a batch, every due one, automatically
  on completion), revoke, reissue, renderers, codes and URLs;
* :mod:`~lms.certificates.verification`: find by code or SHA-256, the public record,
  the verify rate limit;
* :mod:`~lms.certificates.printing`: selection, print PDF/ZIP and print jobs;
* :mod:`~lms.certificates.serials`: serial numbers;
* :mod:`~lms.certificates.settings`: the configuration the cores take.

They flush; the caller commits (except ``run_print_job``, which commits its progress).
"""
from __future__ import annotations

from lms.certificates.issuing import (
    BACKGROUND_ISSUE_CHUNK,
    BACKGROUND_ISSUE_THRESHOLD,
    CertificateError,
    count_due,
    course_template,
    due_query,
    issue_certificate,
    issue_certificates,
    issue_due,
    issue_recorded,
    new_code,
    printed_courses,
    record_event,
    reissue,
    renderer_for,
    revoke,
    verify_url,
)
from lms.certificates.pdf import merge_pdfs
from lms.certificates.printing import (
    Selection,
    create_print_job,
    print_pdf,
    print_zip,
    run_print_job,
    select_certificates,
    stored_pdf,
)
from lms.certificates.serials import allocate_serials, serial_prefix
from lms.certificates.settings import (
    DEFAULT_SIGNATORIES,
    ISSUING,
    CertificateSettings,
    course_issuing,
    current_settings,
    render_workers,
)
from lms.certificates.verification import find_by_code, find_by_sha256, over_rate_limit, public_record

__all__ = [
    "BACKGROUND_ISSUE_CHUNK",
    "BACKGROUND_ISSUE_THRESHOLD",
    "DEFAULT_SIGNATORIES",
    "ISSUING",
    "CertificateError",
    "CertificateSettings",
    "Selection",
    "allocate_serials",
    "count_due",
    "course_issuing",
    "course_template",
    "create_print_job",
    "current_settings",
    "due_query",
    "find_by_code",
    "find_by_sha256",
    "issue_certificate",
    "issue_certificates",
    "issue_due",
    "issue_recorded",
    "merge_pdfs",
    "new_code",
    "over_rate_limit",
    "print_pdf",
    "print_zip",
    "printed_courses",
    "public_record",
    "record_event",
    "reissue",
    "render_workers",
    "renderer_for",
    "revoke",
    "run_print_job",
    "select_certificates",
    "serial_prefix",
    "stored_pdf",
    "verify_url",
]
