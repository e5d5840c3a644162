"""Benchmark of certificate issuing and printing through the app's operations (not a test).

    python bench/bench_certificates.py                 # N=1,000 on a temp SQLite database
    python bench/bench_certificates.py --n 200 --naive-sample 10
    python bench/bench_certificates.py --naive-sample 1000   # the naive loop over all 1,000 (minutes)

Prints, in one run:
  * issuing N certificates unsigned (no signing key: the path before issue 17), then -- after
    ``lms certificates keygen`` -- N more signed (PAdES) with their Open Badges credential embedded,
    and the ratio of the two (target for the signed run: under 15 s), each with the CPU seconds it used
    (this process and its render workers), which a loaded machine inflates far less than the wall time;
  * issuing N certificates with lms.certificates.operations.issue_due (render_many + content-addressed
    store + rows + audit events + commit), beside a naive loop -- every certificate its own renderer and
    WeasyPrint document (render_certificate: template, CSS and fonts loaded each time), run on a sample
    and extrapolated to N -- and the ratio (target: under 15 s, at least 10x faster);
  * printing the N issued certificates as one PDF (merge of the frozen files; target under 5 s);
  * issuing one certificate (warm renderer), median of --repeat;
  * downloading one issued certificate through the Flask test client, median of --repeat.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIRST = ["Мирлан", "Айгерим", "Бакыт", "Гүлнара", "Нурлан", "Жылдыз", "Ömer", "Ayşe", "Emily", "Тимур"]
LAST = ["Чыныбаев", "Асанова", "Осмонов", "Үсөнова", "Şahin", "Ilgaz", "Smith", "Жумабеков", "Ибраимова"]
COURSE = "3d-printing-classroom"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the render workers stop after each batch)."""
    import resource

    return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--naive-sample", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--no-unsigned", action="store_true", help="skip the unsigned baseline run")
    parser.add_argument("--workers", type=int, default=0,
                        help="LMS_CERT_RENDER_WORKERS (render processes; 0 = the app default, one per CPU)")
    args = parser.parse_args()

    from sqlalchemy import select

    from lms import create_app, db
    from lms.accounts.models import User
    from lms.accounts.operations import create_user
    from lms.assignments.models import Completion
    from lms.assignments.operations import record_completion
    from lms.catalog.models import Course
    from lms.catalog.operations import sync_courses
    from lms.certificates import operations as ops
    from lms.certificates.models import Certificate
    from lms.certificates.pdf import render_certificate
    from lms.migrate import upgrade

    tmp = Path(tempfile.mkdtemp(prefix="bench-certs-"))
    app = create_app({"LMS_INSTANCE_PATH": str(tmp), "LMS_DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
                      "LMS_TASKS_IMMEDIATE": True, "SERVER_NAME": "lms.test", "LMS_BASE_URL": "https://lms.fablab.kg",
                      "LMS_CERT_RENDER_WORKERS": args.workers})
    upgrade(app)
    from lms.certificates.operations import render_workers
    workers = render_workers(app.config)
    print(f"# temp instance {tmp} (SQLite), N={args.n}, render workers={workers}, cpus={os.cpu_count()},"
          f" loadavg at start={os.getloadavg()[0]:.2f}")
    with app.app_context():
        s = db.session()
        sync_courses(s, ROOT / "courses")
        course = s.scalar(select(Course).where(Course.slug == COURSE))
        course.certificate = {**course.certificate, "issuing": "approved"}  # completions stay due until we issue
        people = [User(email=f"p{i:05d}@example.org", name=f"{LAST[i % len(LAST)]} {FIRST[(i * 3) % len(FIRST)]} Үңөөвич")
                  for i in range(args.n * (1 if args.no_unsigned else 2) + args.repeat)]
        s.add_all(people)
        s.flush()
        for i, user in enumerate(people):
            record_completion(s, user, course, final_score=None, source="manual", reason="bench",
                              completed_on=date.today() - timedelta(days=i % 30))
        learner = create_user("learner@example.org", "Чыныбаев Мирлан Үңөөвич", "correct horse battery", "learner")
        s.flush()
        single = [c for c in s.scalars(select(Completion).order_by(Completion.id.desc()).limit(args.repeat))]
        s.commit()

        # 1. Issue N through the operation (the renderer is loaded inside, once): unsigned, then signed.
        def issue_next():
            due = [c for c in s.scalars(ops.due_query(course).order_by(Completion.id)) if c not in single][: args.n]
            cpu = cpu_seconds()
            issued, seconds = timed(lambda: (ops.issue_certificates(s, due, action="approve"), s.commit())[0])
            assert len(issued) == args.n
            cpu_used.append(cpu_seconds() - cpu)
            return issued, seconds

        cpu_used: list[float] = []

        t_unsigned = None
        if not args.no_unsigned:
            t_unsigned = issue_next()[1]
        from lms.certificates import publishing, signing

        signing.generate(publishing.signing_folder(), "Bench FabLab")
        issued, t_issue = issue_next()
        assert issued[0].credential_jwt and signing.check(ops.stored_pdf(issued[0]), publishing.signing_material()).status == "valid"

        # 2. The naive loop on a sample: each certificate its own renderer and WeasyPrint document.
        template = Path(app.config["LMS_CERTIFICATE_TEMPLATES_PATH"]) / "default"
        from lms.certificates.pdf import CertificateData

        sample = []
        for cert in issued[: args.naive_sample]:
            data = CertificateData(serial=cert.serial, code=cert.code, holder_name=cert.holder_name,
                                   course_title=cert.course_title, hours=int(cert.hours), completed_on=cert.completed_on,
                                   issued_on=cert.issued_on, verify_url=ops.verify_url(cert.code), language=cert.language,
                                   institution=cert.issuer, signatories=ops.DEFAULT_SIGNATORIES)
            sample.append(timed(render_certificate, template, data)[1])
        naive_each = statistics.median(sample)
        # The whole loop when it ran over all N; else the sample's median times N.
        naive_total = sum(sample) if len(sample) >= args.n else naive_each * args.n

        # 3. Print the N issued certificates as one PDF.
        certs = list(s.scalars(select(Certificate).where(Certificate.id.in_([c.id for c in issued]))
                               .order_by(Certificate.serial)))
        merged, t_print = timed(ops.print_pdf, certs)

        # 4. Issue one (warm renderer).
        one = []
        for completion in single:
            one.append(timed(lambda c=completion: (ops.issue_certificate(s, c), s.commit()))[1])
        cert_id = certs[0].id
        s.get(Certificate, cert_id).user_id = learner.id  # the learner downloads it
        s.commit()

    # 5. Download one already issued through the test client.
    client = app.test_client()
    from tests.conftest import csrf_token

    client.post("/login", data={"email": "learner@example.org", "password": "correct horse battery",
                                "csrf_token": csrf_token(client)})
    downloads = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        with client.get(f"/certificates/{cert_id}.pdf") as response:
            assert response.status_code == 200 and response.data[:5] == b"%PDF-"
        downloads.append(time.perf_counter() - start)

    ratio = naive_total / t_issue
    cores = os.cpu_count() or 1
    if t_unsigned is not None:
        print(f"issue {args.n} unsigned (no key; as before):      {t_unsigned:7.2f} s   ({t_unsigned / args.n * 1000:.1f} ms each)"
              f"   CPU {cpu_used[0]:.1f} s (/{cores} cores: {cpu_used[0] / cores:.1f} s)")
    print(f"issue {args.n} signed + credential (issue_due): {t_issue:7.2f} s"
          f"   ({t_issue / args.n * 1000:.1f} ms each)   target < 15 s: {'OK' if t_issue < 15 else 'MISSED'}"
          f"   CPU {cpu_used[-1]:.1f} s (/{cores} cores: {cpu_used[-1] / cores:.1f} s)")
    if t_unsigned is not None:
        print(f"ratio signed / unsigned:                {t_issue / t_unsigned:7.2f}x wall, {cpu_used[-1] / cpu_used[0]:.2f}x CPU")
    how = (f"measured over all {args.n}: {naive_total:.1f} s" if len(sample) >= args.n
           else f"extrapolated to {args.n}: {naive_total:.1f} s")
    print(f"naive loop, own renderer+document each: {naive_each * 1000:7.1f} ms each (median of {len(sample)}, {how})")
    print(f"ratio naive / issue_due:                {ratio:7.1f}x   target >= 10x: {'OK' if ratio >= 10 else 'MISSED'}")
    print(f"print {len(certs)} issued as one PDF (merge): {t_print:7.2f} s   ({len(merged) / 1024 / 1024:.1f} MiB)"
          f"   target < 5 s: {'OK' if t_print < 5 else 'MISSED'}")
    print(f"issue one certificate (warm):           {statistics.median(one) * 1000:7.1f} ms (median of {len(one)})")
    print(f"download one issued (test client):      {statistics.median(downloads) * 1000:7.1f} ms (median of {len(downloads)})")
    import lms.certificates.pdf as pdfmod

    print(f"# merge engine: {'pikepdf' if pdfmod._pikepdf else 'pypdf (pikepdf not installed)'}")
    print(f"# loadavg at end={os.getloadavg()[0]:.2f}")
    with app.app_context():
        for renderer in app.extensions.get("lms_cert_renderers", {}).values():
            renderer.close()
    db.get_db(app).engine.dispose()


if __name__ == "__main__":
    main()
