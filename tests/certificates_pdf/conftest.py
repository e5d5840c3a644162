"""Fixtures for the certificate PDF tests (no Flask app needed)."""
from __future__ import annotations

import pytest
from certificates_pdf_helpers import DEFAULT_TEMPLATE, make_data

from lms.certificates.pdf import CertificateRenderer


@pytest.fixture(scope="session")
def renderer() -> CertificateRenderer:
    return CertificateRenderer(DEFAULT_TEMPLATE)


@pytest.fixture(scope="session")
def kyrgyz_pdf(renderer) -> bytes:
    return renderer.render_one(make_data())
