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

A worker that dies (the kernel's out-of-memory killer, a ``SIGKILL``, a crash of the interpreter) loses only the
template it was scanning: each worker holds one task at a time, so the parent knows which one; that task ends as
``lost(task, why)`` (an input error naming it) and a new worker takes the rest. The scan never waits for a result that
cannot come.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Below this many bytes of templates holding clients, a pool costs more than it saves (about 0.1 s of work).
MIN_PARALLEL_BYTES = 64 * 1024
#: Templates read ahead of the one the report waits for, per worker (the bytes the parent holds beyond the one it
#: reads).
WINDOW = 4

def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, not the machine's count)."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        return int(count() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def ordered_map(
    function: Callable[[Any, T], R],
    state: Any,
    tasks: Iterable[tuple[T, int]],
    jobs: int,
    lost: Callable[[T, str], R],
) -> Iterator[R]:
    """``function(state, task)`` for each ``(task, size)``, in order; in ``jobs`` processes when worth it.

    ``function`` must be a module-level function (picklable); ``state`` is handed to each worker once. ``lost(task,
    why)`` stands for the result of a task whose worker died while on it (``why``: how it ended).
    """
    iterator = iter(tasks)
    buffered: list[tuple[T, int]] = []
    size = 0
    if jobs > 1:
        for task, task_size in iterator:
            buffered.append((task, task_size))
            size += task_size
            if len(buffered) >= 2 and size >= MIN_PARALLEL_BYTES:
                break
    if jobs <= 1 or len(buffered) < 2 or size < MIN_PARALLEL_BYTES:
        for task, _size in itertools.chain(buffered, iterator):
            yield function(state, task)
        return
    with _Workers(function, state, jobs) as workers:
        yield from workers.map((task for task, _size in itertools.chain(buffered, iterator)), lost)


@dataclass
class _Worker(Generic[T]):
    process: Any  # multiprocessing.Process
    conn: Any  # the parent's end of its pipe
    task: tuple[int, T] | None = None  # the one task it holds


@dataclass
class _Workers(Generic[T, R]):
    """``jobs`` worker processes, each fed one task at a time over its own pipe; a dead one is replaced."""

    function: Callable[[Any, T], R]
    state: Any
    jobs: int
    workers: list[_Worker[T]] = field(default_factory=list)
    _idle_deaths: int = 0

    def __enter__(self) -> _Workers[T, R]:
        import multiprocessing

        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self._context: Any = multiprocessing.get_context(method)
        for _ in range(self.jobs):
            self.workers.append(self._start())
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        """Idle workers are told to stop; on an exception (or the consumer closing early) they are killed."""
        for worker in self.workers:
            if kind is None:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
            else:
                worker.process.kill()
        for worker in self.workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()

    def _start(self) -> _Worker[T]:
        import gc

        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, self.function, self.state), daemon=True)
        gc.freeze()  # forked workers never walk (and so never copy) the parent's objects
        try:
            process.start()
        finally:
            gc.unfreeze()
        child.close()
        return _Worker(process, parent)

    def map(self, tasks: Iterator[T], lost: Callable[[T, str], R]) -> Iterator[R]:
        """The results of ``tasks`` in order, at most ``WINDOW × jobs`` tasks read ahead of the next one due."""
        from multiprocessing.connection import wait

        ready: deque[tuple[int, T]] = deque()  # read, not yet handed to a worker
        results: dict[int, R] = {}
        read = due = 0
        exhausted = False
        while True:
            while due in results:
                yield results.pop(due)
                due += 1
            for worker in self.workers:  # hand work to idle workers, reading ahead while the window allows
                while worker.task is None:
                    if not ready and not exhausted and read - due < WINDOW * self.jobs:
                        task = next(tasks, _END)
                        if task is _END:
                            exhausted = True
                        else:
                            ready.append((read, task))
                            read += 1
                    if not ready:
                        break
                    worker.task = ready.popleft()
                    try:
                        worker.conn.send(worker.task)
                    except OSError:  # it died idle: the task goes to its replacement
                        ready.appendleft(worker.task)
                        worker.task = None
                        self._replace(worker, results, lost)
            busy = [worker for worker in self.workers if worker.task is not None]
            if not busy:
                if due in results:
                    continue
                return
            if not ready and not exhausted and read - due < WINDOW * self.jobs:  # read the next while they work
                task = next(tasks, _END)
                if task is _END:
                    exhausted = True
                else:
                    ready.append((read, task))
                    read += 1
                continue
            waitable = {worker.conn: worker for worker in busy} | {worker.process.sentinel: worker for worker in busy}
            for handle in wait(list(waitable)):
                worker = waitable[handle]
                if worker.task is None:
                    continue  # both its pipe and its sentinel were ready
                self._receive(worker, results, lost)

    def _receive(self, worker: _Worker[T], results: dict[int, R], lost: Callable[[T, str], R]) -> None:
        """The worker's pipe or its process sentinel is ready: its result, or its end."""
        try:
            if worker.conn.poll():
                index, result = worker.conn.recv()
                results[index] = result
                worker.task = None
                return
        except (EOFError, OSError):
            pass
        self._replace(worker, results, lost)

    def _replace(self, worker: _Worker[T], results: dict[int, R], lost: Callable[[T, str], R]) -> None:
        """The worker ended: its task is lost (an input error), a new worker takes its place."""
        worker.process.join()
        if worker.task is not None:
            index, task = worker.task
            results[index] = lost(task, _how_it_ended(worker.process.exitcode))
        else:
            self._idle_deaths += 1
            if self._idle_deaths > 2 * self.jobs:
                raise RuntimeError("worker processes keep ending before they take any work")
        worker.conn.close()
        fresh = self._start()
        worker.process, worker.conn, worker.task = fresh.process, fresh.conn, None


_END: Any = object()


def _how_it_ended(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (the out-of-memory killer sends it)" if name == "SIGKILL" else ""
        return f"the worker process scanning it was killed by {name}{hint}; not scanned"
    return f"the worker process scanning it ended with exit status {exitcode}; not scanned"


def _serve(conn: Any, function: Callable[[Any, Any], Any], state: Any) -> None:
    """A worker: one task at a time until the parent sends ``None`` or goes away."""
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, task = message
        conn.send((index, function(state, task)))
