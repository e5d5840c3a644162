"""Helpers for the certificate PDF tests: real PDFs, checked with poppler and zbar."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # plain `pytest` from elsewhere
    sys.path.insert(0, str(ROOT))

from lms.certificates.pdf import CertificateData  # noqa: E402

DEFAULT_TEMPLATE = ROOT / "certificates" / "default"
KYRGYZ_NAME = "Чыныбаев Мирлан Үңөөвич"
TURKISH_NAME = "Ağrı Şükrü Işıklı İğdeli"


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (apt-get install poppler-utils zbar-tools)")
    return path


def pdftotext(pdf: bytes, tmp_path: Path, *args: str) -> str:
    need("pdftotext")
    src = tmp_path / "in.pdf"
    src.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, str(src), "-"],
        check=True, capture_output=True, timeout=60,
    )
    return out.stdout.decode("utf-8")


def pdftoppm(pdf: bytes, tmp_path: Path, dpi: int = 150, name: str = "page") -> list[Path]:
    need("pdftoppm")
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(src), str(tmp_path / name)],
        check=True, capture_output=True, timeout=120,
    )
    return sorted(tmp_path.glob(f"{name}-*.png"))


def zbarimg(png: Path) -> list[str]:
    need("zbarimg")
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, timeout=60)
    return [line for line in out.stdout.decode("utf-8").splitlines() if line]


def make_data(**overrides) -> CertificateData:
    values = dict(
        serial="FL-2025-000123",
        code="K7QX-4M2P-9TZC",
        holder_name=KYRGYZ_NAME,
        course_title="Лазердик кесүү жана 3D басып чыгаруу негиздери",
        hours=72,
        completed_on=dt.date(2025, 3, 14),
        issued_on=dt.date(2025, 3, 20),
        verify_url="https://lms.fablab.kg/certificates/verify/K7QX-4M2P-9TZC",
        language="ky",
        institution="Бишкек FabLab",
        signatories=[("Асанова Гүлнара", "Директор"), {"name": "Осмонов Бакыт", "title": "Курстун жетекчиси"}],
    )
    values.update(overrides)
    return CertificateData(**values)
