"""A workshop under load: real HTTP clients, each in its own process, against a real `lms serve`.

    python bench/bench_workshop.py                                  # SQLite, lms serve's own consumer
    python bench/bench_workshop.py --database-url postgresql+psycopg://... --redis-url redis://...  # + lms worker

25 learners log in, open the lesson and the assignment, then upload a 10 MB keychain STL at the same
moment and poll until it is checked, while 25 more people browse the course and lesson pages. Prints
the time until all 25 are checked, page p50/p95/max during the burst, errors, lost or duplicated
submissions; then, under the same gunicorn settings, a minimal Flask page's throughput beside the
catalogue's and the assignment page's (the baseline is measured in the same run).
Targets (2 cores): all checked within 30 s, p95 < 300 ms, no errors, catalogue >= 0.3x minimal.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "workshop-password"
LMS = str(Path(sys.executable).with_name("lms"))
COURSE = """slug: workshop
title: {en: "3D printing workshop"}
language: en
hours: 4
enrolment: open
modules:
  - slug: m
    title: "Keychains"
    lessons:
      - slug: intro
        title: "Before you print"
        file: lessons/intro.md
    assignments:
      - slug: keychain
        title: "A keychain"
        brief: "Upload your keychain."
        max_attempts: 3
        requirements: {formats: [stl], max_file_mb: 20, closed: true, max_dimensions_mm: [80, 80, 20]}
"""
LESSON = "# Before you print\n\n" + "Check the model, slice it, watch the first layer.\n\n" * 40


def keychain_stl(path: Path, target_mb: float = 10.0) -> None:
    """A closed torus (a key ring) of about ``target_mb`` as binary STL."""
    from tests.models import binary_stl

    faces_wanted = int(target_mb * 1024 * 1024 / 50)
    nu = int((faces_wanted / 2 / 0.4) ** 0.5)
    nv = max(int(faces_wanted / 2 / nu), 3)
    u, v = np.meshgrid(np.linspace(0, 2 * np.pi, nu, endpoint=False), np.linspace(0, 2 * np.pi, nv, endpoint=False),
                       indexing="ij")
    big, small = 15.0, 4.0
    pts = np.stack([(big + small * np.cos(v)) * np.cos(u), (big + small * np.cos(v)) * np.sin(u), small * np.sin(v)], -1)
    i, j = np.meshgrid(np.arange(nu), np.arange(nv), indexing="ij")
    a, b = i * nv + j, ((i + 1) % nu) * nv + j
    c, d = ((i + 1) % nu) * nv + (j + 1) % nv, i * nv + (j + 1) % nv
    faces = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([a, c, d], -1).reshape(-1, 3)])
    flat = pts.reshape(-1, 3)
    path.write_bytes(binary_stl(flat[faces].astype("<f4")))


def lms(env: dict, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([LMS, *args], env=env, input=stdin, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.exit(f"lms {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def make_site(work: Path, args) -> dict:
    courses = work / "courses" / "workshop"
    (courses / "lessons").mkdir(parents=True)
    (courses / "course.yaml").write_text(COURSE)
    (courses / "lessons" / "intro.md").write_text(LESSON)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(LMS_INSTANCE_PATH=str(work / "instance"), LMS_COURSES_PATH=str(work / "courses"),
               LMS_BASE_URL="https://workshop.example.org", LMS_DEFAULT_LANGUAGE="en")
    if args.database_url:
        env.update(LMS_DATABASE_URL=args.database_url, LMS_REDIS_URL=args.redis_url)
        reset = ("from sqlalchemy import create_engine, text\n"
                 f"e = create_engine({args.database_url!r})\n"
                 "with e.begin() as c: c.execute(text('DROP SCHEMA public CASCADE')); c.execute(text('CREATE SCHEMA public'))\n")
        subprocess.run([sys.executable, "-c", reset], check=True)
        subprocess.run(["redis-cli", "-u", args.redis_url, "flushdb"], check=True, capture_output=True)
    lms(env, "db", "upgrade")
    lms(env, "courses", "sync")
    people = "\n".join(f"user{n:02d}@example.org" for n in range(50))
    script = ("import sys\nfrom lms import create_app, db\nfrom lms.accounts.operations import create_user\n"
              "app = create_app()\nwith app.app_context():\n"
              f"    for email in sys.stdin.read().split():\n        create_user(email, email, {PASSWORD!r}, 'learner')\n"
              "    db.session().commit()\n")
    subprocess.run([sys.executable, "-c", script], env=env, input=people, text=True, check=True)
    return env


def wait_http(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.ConnectionError:
            time.sleep(0.3)
    sys.exit(f"{url} did not answer")


# --- the clients (each runs in its own process) ------------------------------------------------


def _session(base: str, email: str):
    import requests

    s = requests.Session()
    # People arrive over a minute, not in one instant: a password hash costs a core ~0.1 s, and the burst
    # measured here is the uploads, not fifty simultaneous logins.
    time.sleep(int(re.search(r"\d+", email).group()) * 0.5)
    page = s.get(f"{base}/login", timeout=120).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = s.post(f"{base}/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
               allow_redirects=False, timeout=120)
    if r.status_code != 303:
        raise RuntimeError(f"login {email}: {r.status_code}")
    return s


def _token(s, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', s.get(url, timeout=120).text).group(1)


def learner(base: str, email: str, model: str, barrier, results) -> None:
    course = f"{base}/courses/workshop"
    try:
        s = _session(base, email)
        s.post(f"{course}/enrol", data={"csrf_token": _token(s, f"{course}/")}, timeout=30)
        s.get(f"{course}/lessons/intro", timeout=30)
        assignment = f"{course}/assignments/keychain/"
        token = _token(s, assignment)
        data = Path(model).read_bytes()
        barrier.wait()
        start = time.time()
        r = s.post(assignment, data={"csrf_token": token}, files={"model": ("keychain.stl", data)},
                   allow_redirects=False, timeout=120)
        if r.status_code != 303:
            raise RuntimeError(f"upload {email}: {r.status_code}")
        uploaded = time.time() - start
        url = requests_join(base, r.headers["Location"])
        while True:
            state = s.get(url, headers={"Accept": "application/json"}, timeout=30).json()["state"]
            if state in ("checked", "failed"):
                break
            if time.time() - start > 300:
                raise RuntimeError(f"{email}: still {state} after 300 s")
            time.sleep(0.5)
        results.put(("learner", email, state, uploaded, time.time() - start, None))
    except Exception as exc:
        try:
            barrier.abort()
        except Exception:
            pass
        results.put(("learner", email, "error", 0.0, 0.0, repr(exc)))


def requests_join(base: str, location: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base + "/", location)


def browser(base: str, email: str, go, stop, results) -> None:
    pages = [f"{base}/courses/", f"{base}/courses/workshop/", f"{base}/courses/workshop/lessons/intro"]
    timings, errors = [], []
    try:
        s = _session(base, email)
        s.post(f"{base}/courses/workshop/enrol", data={"csrf_token": _token(s, f"{base}/courses/workshop/")}, timeout=30)
        go.wait()
        n = 0
        while not stop.is_set():
            url = pages[n % len(pages)]
            n += 1
            start = time.perf_counter()
            r = s.get(url, timeout=30)
            elapsed = time.perf_counter() - start
            if r.status_code != 200:
                errors.append(f"{url}: {r.status_code}")
            timings.append(elapsed)
            time.sleep(0.2)  # a person reading, not a load generator
    except Exception as exc:
        errors.append(repr(exc))
    results.put(("browser", email, timings, errors))


def hammer(url: str, cookie: dict | None, seconds: float, results) -> None:
    import requests

    s = requests.Session()
    if cookie:
        s.cookies.update(cookie)
    count, errors, deadline = 0, 0, time.time() + seconds
    while time.time() < deadline:
        r = s.get(url, timeout=30)
        count += 1
        errors += r.status_code != 200
    results.put((count, errors))


# --- the run -----------------------------------------------------------------------------------


def make_minimal_app():
    """The baseline: one Flask page, no database, no templates."""
    from flask import Flask

    app = Flask("minimal")
    app.add_url_rule("/", "index", lambda: "<!doctype html><title>ok</title><p>ok</p>")
    return app


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def run_workshop(base: str, model: Path, learners: int, browsers: int) -> dict:
    ctx = mp.get_context("spawn")
    results, barrier = ctx.Queue(), ctx.Barrier(learners + 1)
    go, stop_browsing = ctx.Event(), ctx.Event()
    procs = [ctx.Process(target=learner, args=(base, f"user{n:02d}@example.org", str(model), barrier, results))
             for n in range(learners)]
    procs += [ctx.Process(target=browser, args=(base, f"user{n:02d}@example.org", go, stop_browsing, results))
              for n in range(learners, learners + browsers)]
    for p in procs:
        p.start()
    try:
        barrier.wait(timeout=300)  # every learner is on the assignment page, the file in memory
    except Exception:
        stop_browsing.set()
        time.sleep(5)
        while not results.empty():
            print("  before the burst:", results.get())
        for p in procs:
            p.terminate()
        raise SystemExit("the burst did not start") from None
    go.set()
    burst = time.time()
    outcomes, pages = [], []
    while len(outcomes) < learners:  # a browser that failed early reports before the learners
        item = results.get(timeout=600)
        (outcomes if item[0] == "learner" else pages).append(item)
    all_checked = time.time() - burst
    stop_browsing.set()
    while len(pages) < browsers:
        pages.append(results.get(timeout=120))
    for p in procs:
        p.join(timeout=60)
    timings = [t for _kind, _email, ts, _errs in pages for t in ts]
    errors = [e for o in outcomes if o[5] for e in [o[5]]] + [e for p in pages for e in p[3]]
    return {"all_checked_s": all_checked, "states": [o[2] for o in outcomes],
            "uploads_s": [o[3] for o in outcomes if o[2] != "error"], "checked_s": [o[4] for o in outcomes],
            "pages": timings, "errors": errors}


def throughput(url: str, cookie: dict | None, seconds: float, clients: int) -> tuple[float, int]:
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=hammer, args=(url, cookie, seconds, results)) for _ in range(clients)]
    for p in procs:
        p.start()
    counts = [results.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    return sum(c for c, _e in counts) / seconds, sum(e for _c, e in counts)


def count_submissions(env: dict) -> dict:
    script = ("import json\nfrom sqlalchemy import func, select\nfrom lms import create_app, db\n"
              "from lms.assignments.models import Submission\nfrom lms.accounts.models import User\n"
              "app = create_app()\nwith app.app_context():\n"
              "    rows = db.session().execute(select(User.email, func.count(Submission.id)).join(Submission, "
              "Submission.user_id == User.id).group_by(User.email)).all()\n"
              "    print(json.dumps({e: n for e, n in rows}))\n")
    import json

    return json.loads(subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                                     check=True).stdout)


def main() -> None:
    from tests.processes import free_port, start_logged, stop_process

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", help="PostgreSQL (with --redis-url): lms worker processes consume the queue")
    ap.add_argument("--redis-url")
    ap.add_argument("--learners", type=int, default=25)
    ap.add_argument("--browsers", type=int, default=25)
    ap.add_argument("--web-workers", type=int, default=2)
    ap.add_argument("--task-workers", type=int, default=2, help="consumer threads (SQLite) or lms worker threads")
    ap.add_argument("--seconds", type=float, default=10, help="per throughput measurement")
    ap.add_argument("--clients", type=int, default=8, help="client processes per throughput measurement")
    ap.add_argument("--keep", action="store_true", help="keep the temporary site (logs) afterwards")
    args = ap.parse_args()
    if bool(args.database_url) != bool(args.redis_url):
        ap.error("--database-url and --redis-url go together")
    work = Path(tempfile.mkdtemp(prefix="lms-workshop-"))
    procs: list[subprocess.Popen] = []
    try:
        env = make_site(work, args)
        model = work / "keychain.stl"
        keychain_stl(model)
        port, minimal_port = free_port(), free_port()
        gunicorn_args = ["--workers", str(args.web_workers), "--threads", "8"]
        procs.append(start_logged([LMS, "serve", "--port", str(port), *gunicorn_args,
                            "--consumer-workers", str(args.task_workers), "--access-log", str(work / "access.log")],
                           env, work / "serve.log"))
        if args.redis_url:
            procs.append(start_logged([LMS, "worker", "--workers", str(args.task_workers)], env, work / "worker.log"))
        procs.append(start_logged([sys.executable, "-m", "gunicorn", "--chdir", str(ROOT / "bench"), "--bind",
                            f"127.0.0.1:{minimal_port}", "--worker-class", "gthread", *gunicorn_args,
                            "--access-logfile", str(work / "minimal-access.log"), "bench_workshop:make_minimal_app()"],
                           env, work / "minimal.log"))
        base, minimal = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{minimal_port}"
        wait_http(f"{base}/login")
        wait_http(f"{minimal}/")
        engine = "PostgreSQL + Redis (lms worker)" if args.redis_url else "SQLite (lms serve's consumer process)"
        print(f"workshop on {engine}: {args.learners} learners upload {model.stat().st_size / 2**20:.1f} MB "
              f"at once, {args.browsers} browse; lms serve --workers {args.web_workers} --threads 8")
        result = run_workshop(base, model, args.learners, args.browsers)
        report_workshop(result, args.learners, count_submissions(env))

        cookie = dict(_session(base, "user00@example.org").cookies)
        rows = [("minimal Flask page", f"{minimal}/", None), ("catalogue", f"{base}/courses/", None),
                ("assignment page", f"{base}/courses/workshop/assignments/keychain/", cookie)]
        print(f"\nthroughput, same gunicorn settings, {args.clients} client processes, {args.seconds:.0f} s each:")
        baseline = None
        for label, url, jar in rows:
            rate, errors = throughput(url, jar, args.seconds, args.clients)
            baseline = baseline or rate
            print(f"  {label:<20} {rate:8.1f} req/s  {rate / baseline:5.2f}x minimal  errors {errors}")
    finally:
        for proc in reversed(procs):
            stop_process(proc, 90)
        if args.keep:
            print(f"site and logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def report_workshop(result: dict, learners: int, per_user: dict) -> None:
    pages, checked = result["pages"], [s for s in result["checked_s"] if s]
    lost = learners - len(per_user)
    duplicated = sum(1 for n in per_user.values() if n > 1)
    print(f"  all {learners} checked after      {result['all_checked_s']:6.1f} s   (target 30 s)")
    print(f"  one check, median / max    {statistics.median(checked):6.1f} / {max(checked):.1f} s" if checked else "")
    print(f"  upload, median / max       {statistics.median(result['uploads_s']):6.2f} / "
          f"{max(result['uploads_s']):.2f} s" if result["uploads_s"] else "")
    states = ", ".join(f"{s}: {result['states'].count(s)}" for s in sorted(set(result["states"])))
    print(f"  states                     {states}")
    print(f"  pages during the burst     {len(pages)} requests, p50 {percentile(pages, 50) * 1000:.0f} ms, "
          f"p95 {percentile(pages, 95) * 1000:.0f} ms, max {max(pages, default=0) * 1000:.0f} ms   (target p95 300 ms)")
    shown = ": " + "; ".join(result["errors"][:5]) if result["errors"] else ""
    print(f"  errors                     {len(result['errors'])}{shown}")
    print(f"  submissions                {sum(per_user.values())} for {len(per_user)} learners; "
          f"lost {lost}, duplicated {duplicated}")


if __name__ == "__main__":
    main()
