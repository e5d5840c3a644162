"""``lms backup`` / ``lms restore``: one tar archive with the database, the stored files and a SHA-256 manifest.

The database goes in as SQLite's online backup (a consistent copy while the site runs) or as a
``pg_dump`` custom-format dump. The stored files are content-addressed, so their names are their
hashes; the manifest lists a hash for every member, and a restore checks each one before anything
is moved into the instance. A restore only fills an empty instance. No Flask here: config is a dict.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from lms.storage import CHUNK, LocalStorage

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/lms.sqlite3"
PG_MEMBER = "database/lms.pgdump"
INSTANCE_FILES = ("secret_key",)  # sessions and signed links stay valid on the restored site


class BackupError(Exception):
    pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_command(url: str, program: str) -> tuple[list[str], dict]:
    """libpq arguments for ``url``; the password travels in the environment, not on the command line."""
    parts = make_url(url)
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    args = [program, "-h", parts.host or "localhost", "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
            "-d", parts.database]
    return args, env


def _dump_database(url: str, work: Path) -> tuple[str, Path]:
    if url.startswith("sqlite"):
        target = work / "lms.sqlite3"
        source = sqlite3.connect(make_url(url).database)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # the online backup API: consistent while other processes write
        finally:
            copy.close()
            source.close()
        return SQLITE_MEMBER, target
    target = work / "lms.pgdump"
    args, env = _pg_command(url, "pg_dump")
    done = subprocess.run([*args, "--format=custom", "--no-owner", "--no-privileges", "-f", str(target)],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return PG_MEMBER, target


def write_backup(config: dict, instance_path: Path, output: Path) -> dict:
    """Write the archive to ``output`` (atomically) and return its manifest."""
    url = config["LMS_DATABASE_URL"]
    store = LocalStorage(config["LMS_STORAGE_PATH"])
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".lms-backup-") as tmp:
        work = Path(tmp)
        db_member, db_file = _dump_database(url, work)
        members = {db_member: db_file}
        for name in INSTANCE_FILES:
            if (instance_path / name).is_file():
                members[f"instance/{name}"] = instance_path / name
        for sha, _mtime in store.iter_files():
            members[f"storage/{sha[:2]}/{sha[2:4]}/{sha}"] = store.path(sha)
        manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "database": make_url(url).get_backend_name(), "files": {}}
        partial = work / "archive.tar"
        with tarfile.open(partial, "w") as tar:
            for member, path in members.items():
                manifest["files"][member] = sha256_file(path)
                tar.add(path, arcname=member, recursive=False)
            blob = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(blob), int(datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(blob))
        os.replace(partial, output)
    return manifest


# --- restore ------------------------------------------------------------------------------------


def _instance_is_empty(config: dict) -> str | None:
    """Why the instance is not empty, or None."""
    url = config["LMS_DATABASE_URL"]
    if url.startswith("sqlite") and not Path(make_url(url).database).exists():
        tables = []
    else:
        engine = create_engine(url)
        try:
            tables = inspect(engine).get_table_names()
        finally:
            engine.dispose()
    if tables:
        return f"the database already has tables ({', '.join(sorted(tables)[:3])}...)"
    if any(LocalStorage(config["LMS_STORAGE_PATH"]).iter_files()):
        return f"the store {config['LMS_STORAGE_PATH']} already holds files"
    return None


def _read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile(MANIFEST))
    except (KeyError, ValueError, AttributeError) as exc:
        raise BackupError("not an lms backup: no readable manifest.json") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT}")
    return manifest


def _extract_checked(tar: tarfile.TarFile, manifest: dict, work: Path) -> None:
    """Extract every listed member into ``work`` and check its hash; nothing unlisted is taken."""
    listed = manifest["files"]
    seen = set()
    for info in tar.getmembers():
        if info.name == MANIFEST:
            continue
        if info.name not in listed or not info.isfile():
            raise BackupError(f"{info.name}: not in the manifest")
        tar.extract(info, work, filter="data")
        actual = sha256_file(work / info.name)
        if actual != listed[info.name]:
            raise BackupError(f"{info.name}: SHA-256 {actual} does not match the manifest's {listed[info.name]}")
        if info.name.startswith("storage/") and actual != Path(info.name).name:
            raise BackupError(f"{info.name}: the stored file's content does not match its name")
        seen.add(info.name)
    missing = set(listed) - seen
    if missing:
        raise BackupError(f"missing from the archive: {', '.join(sorted(missing)[:5])}")


def _restore_database(url: str, work: Path) -> None:
    if url.startswith("sqlite"):
        source = work / SQLITE_MEMBER
        if not source.is_file():
            raise BackupError("the archive holds no SQLite database (was it made on PostgreSQL?)")
        target = Path(make_url(url).database)
        target.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):  # of an empty database, else they replay
            leftover.unlink(missing_ok=True)
        shutil.copyfile(source, target)
        return
    source = work / PG_MEMBER
    if not source.is_file():
        raise BackupError("the archive holds no PostgreSQL dump (was it made on SQLite?)")
    args, env = _pg_command(url, "pg_restore")
    done = subprocess.run([*args, "--no-owner", "--no-privileges", "--exit-on-error", str(source)],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def restore_backup(config: dict, instance_path: Path, archive: Path) -> dict:
    """Fill an empty instance from ``archive``; every hash is checked before anything is moved in."""
    reason = _instance_is_empty(config)
    if reason:
        raise BackupError(f"restore only fills an empty instance: {reason}")
    store_root = Path(config["LMS_STORAGE_PATH"])
    store_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store_root, prefix=".lms-restore-") as tmp:
        work = Path(tmp)
        try:
            with tarfile.open(archive, "r") as tar:
                manifest = _read_manifest(tar)
                _extract_checked(tar, manifest, work)
        except tarfile.TarError as exc:
            raise BackupError(f"{archive}: not a readable archive ({exc})") from exc
        _restore_database(config["LMS_DATABASE_URL"], work)
        for name in INSTANCE_FILES:
            if (work / "instance" / name).is_file():
                os.replace(work / "instance" / name, instance_path / name)
        for member in manifest["files"]:
            if member.startswith("storage/"):
                target = store_root / member.removeprefix("storage/")
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(work / member, target)  # same file system: the temp folder is inside the store
    return manifest


def backup_commands() -> list:
    """``lms backup`` and ``lms restore``, built on call so that importing this module needs no click."""
    import click
    from flask import current_app
    from flask.cli import with_appcontext

    def on_this_instance(action, *args):
        """``action`` (write_backup or restore_backup) on this app's instance; a BackupError is the command's error."""
        try:
            return action(current_app.config, Path(current_app.instance_path), *args)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc

    @click.command("backup")
    @click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="The archive to write (a .tar).")
    @with_appcontext
    def backup(output: Path):
        """Write the database, the stored files and a SHA-256 manifest into one archive."""
        manifest = on_this_instance(write_backup, output)
        stored = sum(1 for name in manifest["files"] if name.startswith("storage/"))
        click.echo(f"backup written to {output}: {manifest['database']} database, {stored} stored files, "
                   f"{output.stat().st_size // 1024} kB")

    @click.command("restore")
    @click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @with_appcontext
    def restore(archive: Path):
        """Fill an empty instance from a backup archive, checking every file's SHA-256."""
        manifest = on_this_instance(restore_backup, archive)
        click.echo(f"restored {len(manifest['files'])} files from {archive} (made {manifest['created_at']}); "
                   "every SHA-256 matched")
        click.echo("next: `lms db upgrade` if this release is newer than the backup")

    return [backup, restore]
