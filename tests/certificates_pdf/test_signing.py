"""The renderer signs what it issues (render_one, render_many), with and without layers, attachments inside."""
from __future__ import annotations

import io

import pikepdf
import pytest
from certificates_pdf_helpers import DEFAULT_TEMPLATE, make_data

from lms.certificates import signing
from lms.certificates.pdf import Attachment, CertificateRenderer


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    return signing.generate(tmp_path_factory.mktemp("keys") / "signing", "Test FabLab")


@pytest.mark.parametrize("layers", [True, False])
def test_issued_pdfs_are_signed_with_their_attachment_inside(material, layers, tmp_path):
    renderer = CertificateRenderer(DEFAULT_TEMPLATE, layers=layers, signing=material)
    data = make_data(attachments=(Attachment("note.txt", "привет".encode(), "text/plain"),))
    for pdf in [renderer.render_one(data), *renderer.render_many([data, make_data(serial="LAB-2026-000002")])]:
        assert signing.check(pdf, material).status == "valid"
    with pikepdf.open(io.BytesIO(renderer.render_one(data))) as doc:
        assert doc.attachments["note.txt"].get_file().read_bytes() == "привет".encode()
    other = signing.generate(tmp_path / "other", "Someone Else")
    assert signing.check(renderer.render_one(data), other).status == "foreign"


def test_print_batches_are_not_signed(material):
    renderer = CertificateRenderer(DEFAULT_TEMPLATE, signing=material)
    assert signing.check(renderer.render_batch([make_data(), make_data()]), material).status == "unsigned"
