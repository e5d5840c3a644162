"""Assignment benchmarks, each beside a minimal Flask page served the same way in the same run.

    python bench/bench_assignments.py [--stl bench/out/icosphere.stl] [--seconds 5] [--threads 4]

1. Upload to checked report for the 1.3M-triangle STL, through HTTP on a real threaded server with the
   embedded (SQLite) task consumer, beside uploading the same file to a minimal Flask endpoint that only
   streams it to disk.
2. Requests per second of the assignment page (logged in), beside a minimal Flask page.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import io
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flask import Flask, request
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COURSE_YAML = """slug: bench-course
title: Bench course
language: en
hours: 1
enrolment: open
modules:
  - slug: m
    title: M
    lessons:
      - slug: l
        title: L
        file: l.md
    assignments:
      - slug: big
        title: A big model
        brief: "Upload the icosphere."
        requirements: {formats: [stl], max_file_mb: 100, closed: true, printer: prusa-mk4}
"""


def serve(app) -> tuple[str, object]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = "----benchboundary7d1"
    body = io.BytesIO()
    for k, v in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    for k, (name, data) in files.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                   "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str, accept: str = "text/html") -> bytes:
        req = urllib.request.Request(self.base + path, headers={"Accept": accept})
        with self.opener.open(req) as r:
            return r.read()

    def token(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path).decode()).group(1)

    def post(self, path: str, fields: dict, files: dict | None = None):
        data, ctype = multipart(fields, files or {})
        req = urllib.request.Request(self.base + path, data=data, headers={"Content-Type": ctype})
        with self.opener.open(req) as r:
            r.read()
            return r.geturl()


def minimal_app(upload_dir: Path) -> Flask:
    app = Flask("minimal")

    @app.get("/")
    def page():
        return "<!doctype html><title>hello</title><p>hello</p>"

    @app.post("/upload")
    def upload():
        request.files["model"].save(upload_dir / "upload.bin")
        return "ok"

    return app


def rps(url_getter, seconds: float, threads: int) -> float:
    stop = time.perf_counter() + seconds
    counts = [0] * threads

    def worker(i):
        while time.perf_counter() < stop:
            url_getter()
            counts[i] += 1

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    return sum(counts) / seconds


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--stl", default=str(ROOT / "bench" / "out" / "icosphere.stl"))
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    stl = Path(args.stl)
    if not stl.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_icosphere.py"), str(stl)], check=True)
    model = stl.read_bytes()

    from lms import create_app, db, tasks
    from lms.accounts.operations import create_user
    from lms.catalog.operations import sync_courses
    from lms.migrate import upgrade

    work = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    courses = work / "courses" / "bench-course"
    courses.mkdir(parents=True)
    (courses / "course.yaml").write_text(COURSE_YAML)
    (courses / "l.md").write_text("# L\n")
    app = create_app({"LMS_INSTANCE_PATH": str(work / "instance"), "LMS_COURSES_PATH": str(work / "courses"),
                      "LMS_MAX_UPLOAD_MB": 100})
    upgrade(app)
    with app.app_context():
        sync_courses(db.session(), work / "courses")
        create_user("bench@example.org", "Bench", "bench-password-1")
        db.session().commit()
    tasks.start_embedded_consumer()
    base, server = serve(app)
    mini_base, mini_server = serve(minimal_app(work))

    b = Browser(base)
    b.post("/login", {"email": "bench@example.org", "password": "bench-password-1", "csrf_token": b.token("/login")})
    b.post("/courses/bench-course/enrol", {"csrf_token": b.token("/courses/")})
    page = "/courses/bench-course/assignments/big/"

    print(f"model: {stl} ({len(model) / 1e6:.1f} MB, {(len(model) - 84) // 50:,} triangles)")
    lms_times, mini_times = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(
                mini_base + "/upload", data=multipart({}, {"model": ("m.stl", model)})[0],
                headers={"Content-Type": multipart({}, {})[1]})) as r:
            r.read()
        mini_times.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        url = b.post(page, {"csrf_token": b.token(page)}, {"model": ("icosphere.stl", model)})
        path = url[len(base):]
        while True:
            state = re.search(rb'"state":\s*"(\w+)"', b.get(path, "application/json")).group(1).decode()
            if state in ("checked", "failed"):
                break
            time.sleep(0.05)
        lms_times.append(time.perf_counter() - t0)
        assert state == "checked", state
    up_lms, up_mini = statistics.median(lms_times), statistics.median(mini_times)
    print(f"upload -> checked report (median of {args.repeat}): {up_lms:.2f} s; "
          f"minimal Flask upload only: {up_mini:.2f} s; ratio {up_lms / up_mini:.1f}x")

    r_lms = rps(lambda: b.get(page), args.seconds, args.threads)
    plain = urllib.request.build_opener()
    r_mini = rps(lambda: plain.open(mini_base + "/").read(), args.seconds, args.threads)
    print(f"assignment page: {r_lms:.0f} req/s; minimal Flask page: {r_mini:.0f} req/s; "
          f"ratio {r_lms / r_mini:.2f} ({args.threads} client threads, {args.seconds:.0f} s each, same werkzeug server)")

    server.shutdown()
    mini_server.shutdown()
    tasks.stop_embedded_consumer()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
