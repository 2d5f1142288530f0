"""Decoding and rendering strangers' data with a wall-time and memory bound.

A decoder or renderer stuck on crafted input (a progressive JPEG of 40,000 scans, 200,000
nested tags) cannot be interrupted inside our process. `bounded` runs such a call in a pool
process (pebble) that is killed when its time is up or its memory limit is hit; the caller gets
a BadInput naming the source, and the next call gets a fresh process. Pool processes start from
a forkserver, never as forks of a caller that may hold threads and locks.
"""

from __future__ import annotations

import atexit
import multiprocessing
import resource
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable, TypeVar

from pebble import ProcessExpired, ProcessPool

from pipeline.errors import BadInput

T = TypeVar("T")
WORKERS = 2
MEMORY_BYTES = 2 * 1024**3  # address space of one pool process
TASKS_PER_PROCESS = 500  # then a fresh process: a slow leak in a decoder cannot grow for ever

_pool: ProcessPool | None = None
_lock = threading.Lock()


def _limit_memory(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _get_pool() -> ProcessPool:
    global _pool
    with _lock:
        if _pool is None or not _pool.active:
            _pool = ProcessPool(max_workers=WORKERS, max_tasks=TASKS_PER_PROCESS, initializer=_limit_memory,
                                initargs=(MEMORY_BYTES,), context=multiprocessing.get_context("forkserver"))
        return _pool


def bounded(fn: Callable[..., T], *args: Any, seconds: float, what: str, source: str | None = None) -> T:
    """`fn(*args)` in a pool process, at most `seconds` of wall time; its own exceptions propagate.

    `fn` and its arguments must be picklable (a module-level function, plain data)."""
    future = _get_pool().schedule(fn, args=args, timeout=seconds)
    try:
        return future.result()
    except FutureTimeout:
        raise BadInput(f"{what} took longer than {seconds:g} s (refused)", source=source) from None
    except ProcessExpired as e:
        reason = "ran out of memory" if e.exitcode in (-9, 1, -6) else f"crashed (exit code {e.exitcode})"
        raise BadInput(f"{what} {reason} (limit {MEMORY_BYTES // 1024**2} MiB)", source=source) from None
    except MemoryError:
        raise BadInput(f"{what} ran out of memory (limit {MEMORY_BYTES // 1024**2} MiB)", source=source) from None


@atexit.register
def _shutdown() -> None:
    if _pool is not None and _pool.active:
        _pool.stop()
        _pool.join(timeout=5)
