"""The one exception a user can act on: a translatable message template, its figures and an HTTP status.

Operations raise a subclass (``SubmissionError``, ``CertificateError``, ``LabError``); views show
``_(exc.message, **exc.params)`` in the reader's language and answer with ``exc.status``.
"""
from __future__ import annotations


class UserFacingError(ValueError):
    """A problem the user can fix; ``message``/``params`` are a translatable template (marked with ``N_``)."""

    def __init__(self, message: str, status: int = 400, **params):
        super().__init__(message % params if params else message)
        self.message, self.params, self.status = message, params, status
