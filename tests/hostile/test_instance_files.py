"""Issue 10, item 18: the instance folder holds the password hashes (SQLite) and the secret key,
so a fresh instance is readable by its owner only, whatever the process's umask."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.processes import env_without_lms


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_instance_is_private_to_its_owner(tmp_path, courses_dir):
    instance = tmp_path / "instance"
    env = env_without_lms(LMS_INSTANCE_PATH=str(instance), LMS_COURSES_PATH=str(courses_dir))
    lms = str(Path(sys.executable).with_name("lms"))
    for args in (["db", "upgrade"], ["courses", "sync"]):
        done = subprocess.run([lms, *args], env=env, capture_output=True, text=True, timeout=120,
                              preexec_fn=lambda: os.umask(0o022))  # the usual umask, world-readable by default
        assert done.returncode == 0, done.stderr
    assert _mode(instance) == 0o700
    files = [p for p in instance.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"lms.sqlite3", "secret_key"} <= names, names
    loose = {str(p.relative_to(instance)): oct(_mode(p)) for p in files if _mode(p) & 0o077}
    assert not loose, f"readable by others: {loose}"
