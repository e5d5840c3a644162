"""`lms backup` and `lms restore`: a restored site serves the same certificate bytes and verifies the same codes."""
from __future__ import annotations

import io
import json
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from lms import create_app, db
from lms.certificates.models import Certificate
from tests.conftest import Auth
from tests.models import cube_stl
from tests.processes import env_without_lms, lms_script
from tests.test_assignments import enrol_and_read, upload
from tests.test_certificates import BASE_URL, complete

pytestmark = pytest.mark.app_config(LMS_BASE_URL=BASE_URL)


@pytest.fixture
def site(app, client, auth, users, synced, tasks_running):
    """Two learners with certificates, one uploaded model: rows in every table that matters, files in the store."""
    ids = [users.create("learner@example.org", "Чыныбаев Мирлан Үңөөвич"),
           users.create("second@example.org", "Асанова Гүлнара")]
    enrol_and_read(auth)
    assert upload(auth, cube_stl(20)).status_code == 303
    for user_id in ids:
        complete(app, user_id)
    with app.app_context():
        certs = db.session().scalars(select(Certificate).order_by(Certificate.id)).all()
        from lms.storage_app import get_storage

        originals = {c.id: (c.code, c.serial, get_storage(app).path(c.pdf_sha256).read_bytes()) for c in certs}
    assert len(originals) == 2
    return originals


@pytest.fixture
def empty_instance(tmp_path, app_config):
    """Settings of a fresh instance: its own folder and an empty database of the same engine."""
    folder = tmp_path / "restored"
    source = make_url(app_config["LMS_DATABASE_URL"])
    if source.get_backend_name() == "sqlite":
        yield {"LMS_INSTANCE_PATH": str(folder), "LMS_DATABASE_URL": f"sqlite:///{folder / 'lms.sqlite3'}"}
        return
    name = f"lms_restore_{uuid.uuid4().hex[:8]}"
    server = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield {"LMS_INSTANCE_PATH": str(folder),
               "LMS_DATABASE_URL": source.set(database=name).render_as_string(hide_password=False)}
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _restore(settings: dict, archive: Path, courses_dir: Path) -> subprocess.CompletedProcess:
    env = env_without_lms(**settings, LMS_COURSES_PATH=str(courses_dir), LMS_BASE_URL=BASE_URL)
    return subprocess.run([lms_script(), "restore", str(archive)], env=env, capture_output=True, text=True, timeout=120)


def test_a_restored_site_serves_the_same_certificates(site, runner, tmp_path, empty_instance, app_config, courses_dir):
    archive = tmp_path / "backups" / "lms.tar"
    result = runner.invoke(["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert any(name.startswith("database/") for name in manifest["files"])
    assert sum(name.startswith("storage/") for name in manifest["files"]) >= 3  # model, previews, PDFs

    done = _restore(empty_instance, archive, courses_dir)
    assert done.returncode == 0, done.stderr
    assert "every SHA-256 matched" in done.stdout

    restored = create_app({**app_config, **empty_instance})
    try:
        client = restored.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        assert Auth(client).login("learner@example.org").status_code == 303  # password hashes came along
        with restored.app_context():
            holder_id = db.session().scalar(select(Certificate.id).where(
                Certificate.holder_name == "Чыныбаев Мирлан Үңөөвич"))
        with client.get(f"/certificates/{holder_id}.pdf") as response:
            assert response.status_code == 200 and response.data == site[holder_id][2]
        for cert_id, (code, serial, pdf) in site.items():
            page = client.get(f"/verify/{code}")
            assert page.status_code == 200 and serial in page.get_data(as_text=True)
            with restored.app_context():
                from lms.storage_app import get_storage

                sha = db.session().get(Certificate, cert_id).pdf_sha256
                assert get_storage(restored).path(sha).read_bytes() == pdf
    finally:
        db.get_db(restored).engine.dispose()


def _tampered_copy(archive: Path, target: Path) -> str:
    """The same archive with one stored file's bytes changed (the manifest untouched)."""
    with tarfile.open(archive) as src, tarfile.open(target, "w") as out:
        victim = next(m.name for m in src.getmembers() if m.name.startswith("storage/"))
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == victim:
                data = data[:-1] + bytes([data[-1] ^ 1])
            out.addfile(member, io.BytesIO(data))
    return victim


def test_restore_checks_every_hash_and_leaves_nothing_behind(site, runner, tmp_path, empty_instance, courses_dir):
    archive, bad = tmp_path / "lms.tar", tmp_path / "tampered.tar"
    assert runner.invoke(["backup", "-o", str(archive)]).exit_code == 0
    victim = _tampered_copy(archive, bad)
    done = _restore(empty_instance, bad, courses_dir)
    assert done.returncode != 0 and f"{victim}: SHA-256" in done.stderr and "does not match" in done.stderr
    folder = Path(empty_instance["LMS_INSTANCE_PATH"])
    assert not [p for p in (folder / "storage").rglob("*") if p.is_file()]
    engine = create_engine(empty_instance["LMS_DATABASE_URL"])
    try:
        from sqlalchemy import inspect

        assert inspect(engine).get_table_names() == []  # no half-restored database
    finally:
        engine.dispose()


def test_restore_refuses_an_instance_that_has_data(site, runner, tmp_path, app_config, courses_dir):
    archive = tmp_path / "lms.tar"
    assert runner.invoke(["backup", "-o", str(archive)]).exit_code == 0
    done = _restore({"LMS_INSTANCE_PATH": app_config["LMS_INSTANCE_PATH"],
                     "LMS_DATABASE_URL": app_config["LMS_DATABASE_URL"]}, archive, courses_dir)
    assert done.returncode != 0 and "only fills an empty instance" in done.stderr


def test_restore_rejects_a_file_that_is_not_a_backup(tmp_path, empty_instance, courses_dir):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all")
    done = _restore(empty_instance, junk, courses_dir)
    assert done.returncode != 0 and "not a readable archive" in done.stderr
