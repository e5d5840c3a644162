"""Worker processes for large certificate batches. WeasyPrint is pure Python for
the most part, so separate processes are the only way to use more than one core.
Each worker builds its own renderer once (``spawn``ed lazily on first use) and is
kept until :meth:`WorkerPool.close`. Pure: no Flask."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

Progress = Callable[[int, int], None]

# Worker-process side. Module-level so that the functions pickle by name.
_WORKER: Any = None


def _worker_init(factory: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    global _WORKER
    _WORKER = factory(**kwargs)


def _worker_many(items: list) -> list[bytes]:
    assert _WORKER is not None
    return _WORKER._render_many_here(items)


def _worker_batch(items: list) -> bytes:
    assert _WORKER is not None
    return _WORKER._write_combined(items)


#: What a worker does with one chunk, by name: "many" (separate PDFs) or "batch" (one PDF).
WORKER_TASKS = {"many": _worker_many, "batch": _worker_batch}


class WorkerPool:
    """Runs a renderer method over chunks, in worker processes when there are
    ``workers`` > 1 and more than one chunk, in-process otherwise."""

    def __init__(self, workers: int, keep_workers: bool, factory: Callable[..., Any], kwargs: dict[str, Any]):
        self.workers = workers
        #: False: stop the processes after each batch (a long-lived web process
        #: should not hold idle renderers in memory between rare large batches).
        self.keep_workers = keep_workers
        self._factory, self._kwargs = factory, kwargs
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(self._factory, self._kwargs),
            )
        return self._pool

    def map(self, task: str, chunks: Sequence[Sequence], local: Callable, progress: Progress | None) -> Iterator:
        """Yield ``task`` (see WORKER_TASKS) of each chunk, in order; ``local`` is
        the same work in this process. ``progress(done, total)`` after each chunk."""
        if self.workers > 1 and len(chunks) > 1:
            yield from self._map_remote(WORKER_TASKS[task], chunks, progress)
            return
        total, done = sum(len(c) for c in chunks), 0
        for chunk in chunks:
            yield local(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)

    def _map_remote(self, func: Callable, chunks: Sequence[Sequence], progress: Progress | None) -> Iterator:
        futures = [self._executor().submit(func, list(chunk)) for chunk in chunks]
        total, done = sum(len(c) for c in chunks), 0
        try:
            for chunk, future in zip(chunks, futures):
                yield future.result()
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        finally:
            for future in futures:
                future.cancel()
            if not self.keep_workers:
                self.close()

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
