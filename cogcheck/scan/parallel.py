"""Both cores: scan the templates of one run in worker processes, results merged in input order.

The parent discovers the inputs and reads every file once; templates without a client never leave it. Each template
holding a client is sent with its bytes to a worker, which parses and checks it exactly as the parent would
(:func:`cogcheck.scan.pipeline.scan_input`) and returns its part of the result. Parts are merged in the order the
inputs were discovered, so the report is byte-identical to ``--jobs 1``. At most ``WINDOW × jobs`` templates are in
flight, so the parent never holds more than that many templates' bytes beyond the one it reads.

No pool is started when the work is small: fewer than two templates with clients, or fewer than
:data:`MIN_PARALLEL_BYTES` bytes of them, are scanned in the parent. On Linux, workers are forked (they inherit the
loaded rules and options; cogcheck starts no threads before the pool); elsewhere they are spawned and get the options
pickled once.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Below this many bytes of templates holding clients, a pool costs more than it saves (about 0.1 s of work).
MIN_PARALLEL_BYTES = 64 * 1024
#: Templates in flight per worker.
WINDOW = 4

_WORKER_STATE: Any = None


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, not the machine's count)."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        return int(count() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _init(state: Any) -> None:
    global _WORKER_STATE
    _WORKER_STATE = state


def _call(function: Callable[[Any, T], R], task: T) -> R:
    return function(_WORKER_STATE, task)


def ordered_map(
    function: Callable[[Any, T], R],
    state: Any,
    tasks: Iterable[tuple[T, int]],
    jobs: int,
) -> Iterator[R]:
    """``function(state, task)`` for each ``(task, size)``, in order; in ``jobs`` processes when worth it.

    ``function`` must be a module-level function (picklable); ``state`` is handed to each worker once.
    """
    iterator = iter(tasks)
    buffered: list[T] = []
    size = 0
    if jobs > 1:
        for task, task_size in iterator:
            buffered.append(task)
            size += task_size
            if len(buffered) >= 2 and size >= MIN_PARALLEL_BYTES:
                break
    if jobs <= 1 or len(buffered) < 2 or size < MIN_PARALLEL_BYTES:
        for task in buffered:
            yield function(state, task)
        for task, _size in iterator:
            yield function(state, task)
        return
    import gc
    import multiprocessing

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    gc.freeze()  # forked workers never walk (and so never copy) the parent's objects
    try:
        pool = context.Pool(jobs, initializer=_init, initargs=(state,))
    finally:
        gc.unfreeze()
    with pool:
        pending: deque[Any] = deque()

        def submit(task: T) -> Iterator[R]:
            pending.append(pool.apply_async(_call, (function, task)))
            while len(pending) >= WINDOW * jobs:
                yield pending.popleft().get()

        for task in buffered:
            yield from submit(task)
        buffered.clear()
        for task, _size in iterator:
            yield from submit(task)
        while pending:
            yield pending.popleft().get()
