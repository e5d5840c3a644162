"""The configuration the certificate verbs read, as one small object: the cores
(issuing, renderer_for) take it as an argument instead of reading ``current_app``,
and :func:`current_settings` is the one place that reads the Flask app."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

DEFAULT_SIGNATORIES = [{"name": "", "title": "Director"}, {"name": "", "title": "Course instructor"}]


@dataclass(frozen=True)
class CertificateSettings:
    templates_path: Path
    institution: str = ""
    signatories: list = field(default_factory=lambda: list(DEFAULT_SIGNATORIES))
    render_workers: int = 1
    #: Renderers loaded for this app, by (template folder, signing key fingerprint); shared, not copied.
    renderers: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], renderers: dict | None = None) -> CertificateSettings:
        return cls(
            templates_path=Path(config["LMS_CERTIFICATE_TEMPLATES_PATH"]),
            institution=str(config.get("LMS_INSTITUTION") or ""),
            signatories=list(config.get("LMS_CERT_SIGNATORIES") or DEFAULT_SIGNATORIES),
            render_workers=render_workers(config),
            renderers={} if renderers is None else renderers,
        )


def render_workers(config: Mapping[str, Any]) -> int:
    """Processes for batches larger than one chunk (single issues render in-process)."""
    workers = int(config.get("LMS_CERT_RENDER_WORKERS") or 0)
    return workers if workers > 0 else max(1, min(os.cpu_count() or 1, 4))


def current_settings() -> CertificateSettings:
    """The settings of the current Flask app (its renderer cache lives in ``app.extensions``)."""
    cache = current_app.extensions.setdefault("lms_cert_renderers", {})
    return CertificateSettings.from_config(current_app.config, cache)


#: How a course's certificates are issued (``certificate: {issuing: ...}`` in course.yaml).
ISSUING = ("automatic", "approved")


def course_issuing(course) -> str:  # a catalog Course: not imported, so that this module stays light
    issuing = (course.certificate or {}).get("issuing", "automatic")
    return issuing if issuing in ISSUING else "automatic"
