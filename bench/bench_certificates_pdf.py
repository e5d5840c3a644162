"""Benchmark of the pure certificate PDF renderer (lms/certificates/pdf.py).

    python3 bench/bench_certificates_pdf.py              # N=1,000
    python3 bench/bench_certificates_pdf.py --n 200 --workers 1

Prints, in one run:
  * one certificate with render_one (median of --repeat runs, warm renderer);
  * a naive loop -- every certificate its own WeasyPrint document with its own
    CSS parse and font loading (HTML(string).write_pdf) -- on a sample
    (--naive-sample, default 30), median per certificate, extrapolated to N;
  * render_many of N certificates as N separate PDFs, and the ratio to naive;
  * render_batch of N certificates as one print PDF;
  * merge_pdfs of the N frozen PDFs from render_many into one print PDF.
Rendering only: storing issued PDFs is measured by the issue bench built on top.
Large runs are timed once each (they take minutes); --repeat repeats the
small ones and reports medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402
from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

import lms.certificates.pdf as pdfmod  # noqa: E402
from lms.certificates.pdf import CertificateData, CertificateRenderer, merge_pdfs  # noqa: E402
from lms.certificates.pdf_fetcher import BASE_URL  # noqa: E402

FIRST = ["Мирлан", "Айгерим", "Бакыт", "Гүлнара", "Нурлан", "Жылдыз", "Ömer", "Ayşe", "Emily", "Тимур"]
LAST = ["Чыныбаев", "Асанова", "Осмонов", "Үсөнова", "Şahin", "Ilgaz", "Smith", "Жумабеков", "Ибраимова"]
LANGS = ["ky", "ru", "en"]


def items(n: int) -> list[CertificateData]:
    out = []
    for i in range(n):
        code = f"{i:04X}-{(i * 7919) % 65536:04X}-Q"
        out.append(CertificateData(
            serial=f"FL-2025-{i:06d}",
            code=code,
            holder_name=f"{LAST[i % len(LAST)]} {FIRST[(i * 3) % len(FIRST)]} {'Үңөөвич' if i % 2 else 'Ğülşen'}",
            course_title="Лазердик кесүү жана 3D басып чыгаруу негиздери",
            hours=72,
            completed_on=dt.date(2025, 3, 14),
            issued_on=dt.date(2025, 3, 20),
            verify_url=f"https://lms.fablab.kg/certificates/verify/{code}",
            language=LANGS[i % 3],
            institution="Бишкек FabLab",
            signatories=[("Асанова Гүлнара", "Директор"), ("Осмонов Бакыт", "Курстун жетекчиси")],
        ))
    return out


def naive_one(renderer: CertificateRenderer, data: CertificateData) -> bytes:
    """What a straightforward implementation does for each certificate."""
    html = renderer.render_html([data])
    font_config = FontConfiguration()
    css = CSS(string=renderer.css_text, base_url=BASE_URL, url_fetcher=renderer.fetcher, font_config=font_config)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=renderer.fetcher).write_pdf(
        stylesheets=[css], font_config=font_config)


def timed(func, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="certificates in the big runs (default 1000)")
    parser.add_argument("--naive-sample", type=int, default=30, help="certificates rendered by the naive loop")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="worker processes for render_many/render_batch (default: CPU count)")
    parser.add_argument("--chunk", type=int, default=pdfmod.DEFAULT_CHUNK_SIZE, help="certificates per chunk")
    parser.add_argument("--repeat", type=int, default=5, help="repeats of the small measurements (medians)")
    parser.add_argument("--template", type=Path, default=ROOT / "certificates" / "default")
    args = parser.parse_args()
    n = args.n

    print(f"# certificate PDF bench: N={n}, workers={args.workers}, chunk={args.chunk}, "
          f"cpus={os.cpu_count()}, loadavg at start={os.getloadavg()[0]:.2f}")
    print(f"# merge engine: {'pikepdf ' + pdfmod._pikepdf.__version__ if pdfmod._pikepdf else 'pypdf (pikepdf not installed)'}")
    data = items(n)

    renderer, t_init, _ = timed(CertificateRenderer, args.template, workers=args.workers, chunk_size=args.chunk)
    renderer.render_one(data[0])  # warm: fonts in, caches filled
    print(f"renderer start-up (template, CSS, fonts loaded once): {t_init * 1000:.0f} ms")

    ones = [timed(renderer.render_one, data[i % n]) for i in range(args.repeat)]
    one_wall = statistics.median(t for _, t, _ in ones)
    print(f"one certificate, render_one:            {one_wall * 1000:7.1f} ms  (median of {args.repeat})")

    sample = data[: min(args.naive_sample, n)]
    naive_times = [timed(naive_one, renderer, d)[1] for d in sample]
    naive_each = statistics.median(naive_times)
    naive_total = naive_each * n
    print(f"naive loop, per certificate:             {naive_each * 1000:7.1f} ms  "
          f"(median of {len(sample)} rendered; {n} extrapolated = {naive_total:.1f} s)")

    with renderer:
        done = []
        pdfs, t_many, cpu_many = timed(renderer.render_many, data, progress=lambda d, t: done.append(d))
        assert len(pdfs) == n and done[-1] == n
        assert pages(pdfs[0]) == 1 and pages(pdfs[-1]) == 1
        sizes = sorted(len(p) for p in pdfs)
        print(f"render_many, {n} separate PDFs:        {t_many:7.2f} s   "
              f"({t_many / n * 1000:.1f} ms each, main-process CPU {cpu_many:.1f} s; "
              f"median PDF {sizes[len(sizes) // 2] / 1024:.1f} KiB) -- timed once")
        ratio = naive_total / t_many
        print(f"  speed-up over the naive loop:          {ratio:7.1f}x")

        batch, t_batch, _ = timed(renderer.render_batch, data)
        assert pages(batch) == n
        print(f"render_batch, {n} pages in one PDF:     {t_batch:7.2f} s   ({len(batch) / 1024 / 1024:.1f} MiB) -- timed once")

    merged, t_merge, _ = timed(merge_pdfs, pdfs)
    assert pages(merged) == n
    print(f"merge_pdfs of {n} frozen PDFs:           {t_merge:7.2f} s   ({len(merged) / 1024 / 1024:.1f} MiB) -- timed once")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MiB; loadavg at end={os.getloadavg()[0]:.2f}")

    scale = 1000 / n
    print("\n# against the targets (render share only; storing is not measured here)")
    print(f"issue 1,000 under 15 s:      render alone ~{t_many * scale:.1f} s -> {verdict(t_many * scale < 15)}")
    print(f"issue >= 10x naive:          {ratio:.1f}x -> {verdict(ratio >= 10)}")
    print(f"print 1,000 issued under 5 s: merge ~{t_merge * scale:.1f} s -> {verdict(t_merge * scale < 5)}")


if __name__ == "__main__":  # required: worker processes are spawned
    main()
