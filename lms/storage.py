"""Content-addressed file storage: files are named by their SHA-256 and written atomically.

A small interface so another backend (object storage) can replace the local one.
Pure: no Flask.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1 << 20
_SHA = re.compile(r"^[0-9a-f]{64}$")


class TooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


class Storage(Protocol):
    def put_stream(
        self, stream: BinaryIO, max_bytes: int | None = None, head_size: int = 0
    ) -> tuple[str, int, bytes]: ...
    def stage(self, stream: BinaryIO, max_bytes: int | None = None, head_size: int = 0) -> Staged: ...
    def put_bytes(self, data: bytes) -> str: ...
    def path(self, sha256: str) -> Path: ...
    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...
    def iter_files(self) -> Iterator[tuple[str, float]]: ...


class LocalStorage:
    """Files under ``root/ab/cd/<sha256>``, outside any web root."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def path(self, sha256: str) -> Path:
        if not _SHA.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put_stream(self, stream: BinaryIO, max_bytes: int | None = None, head_size: int = 0) -> tuple[str, int, bytes]:
        """Copy ``stream`` in chunks, hashing as it goes; return (sha256, size, first ``head_size`` bytes).

        Raises TooLarge as soon as more than ``max_bytes`` arrive; nothing is kept then.
        """
        with self.stage(stream, max_bytes, head_size) as staged:
            staged.commit()
        return staged.sha256, staged.size, staged.head

    def stage(self, stream: BinaryIO, max_bytes: int | None = None, head_size: int = 0) -> Staged:
        """Copy ``stream`` into a temporary file that becomes stored only by ``commit()``.

        Use it as a context manager: leaving the block without ``commit()`` (a refusal, an error) removes the
        temporary file, so an upload refused after it was read leaves nothing on disk.
        """
        self.tmp.mkdir(parents=True, exist_ok=True)
        digest, size, head = hashlib.sha256(), 0, b""
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="up-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(max_bytes)
                    if len(head) < head_size:
                        head += chunk[: head_size - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            _unlink(tmp_name)
            raise
        return Staged(self, tmp_name, digest.hexdigest(), size, head)

    def put_bytes(self, data: bytes) -> str:
        import io

        return self.put_stream(io.BytesIO(data))[0]

    def commit_staged(self, tmp_name: str, sha: str) -> None:
        target = self.path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # same content already stored
            os.unlink(tmp_name)
            return
        os.replace(tmp_name, target)  # atomic: a reader never sees half a file

    def delete(self, sha256: str) -> None:
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            pass

    def iter_files(self) -> Iterator[tuple[str, float]]:
        """(sha256, modification time) of every stored file."""
        for path in self.root.glob("??/??/*"):
            if _SHA.match(path.name):
                yield path.name, path.stat().st_mtime

    def sweep_tmp(self, older_than: float = 3600) -> int:
        """Remove upload leftovers of crashed processes."""
        removed = 0
        now = time.time()
        for path in self.tmp.glob("up-*") if self.tmp.exists() else []:
            if now - path.stat().st_mtime > older_than:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


class Staged:
    """An upload read into a temporary file: ``commit()`` stores it under its hash, anything else discards it."""

    def __init__(self, storage: LocalStorage, tmp_name: str, sha256: str, size: int, head: bytes):
        self.storage, self.tmp_name = storage, tmp_name
        self.sha256, self.size, self.head = sha256, size, head
        self.committed = False

    def commit(self) -> str:
        self.storage.commit_staged(self.tmp_name, self.sha256)
        self.committed = True
        return self.sha256

    def discard(self) -> None:
        if not self.committed:
            _unlink(self.tmp_name)

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *exc_info) -> None:
        self.discard()


def _unlink(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass
