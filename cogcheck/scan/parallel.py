"""Both cores: scan the templates of one run in worker processes, results merged in input order.

The parent discovers the inputs and reads every file once; templates without a client never leave it. ``--jobs N``
is N processes: the parent and N - 1 workers. Each worker is sent templates holding a client with their bytes, two
at a time, and parses and checks them exactly as the parent would (:func:`cogcheck.scan.pipeline.scan_input`),
returning its part of the result; while every worker has its two, the parent scans the next template itself. Parts
are merged in the order the inputs were discovered, so the report is byte-identical to ``--jobs 1``. At most
``WINDOW × jobs`` templates are in flight, so the parent never holds more than that many templates' bytes beyond the
one it reads.

No pool is started when the work is small: fewer than two templates with clients, or fewer than
:data:`MIN_PARALLEL_BYTES` bytes of them, are scanned in the parent. On Linux, workers are forked (they inherit the
loaded rules and options; cogcheck starts no threads before the pool); elsewhere they are spawned and get the options
pickled once.

A worker that dies (the kernel's out-of-memory killer, a ``SIGKILL``, a crash of the interpreter) loses only the
template it was scanning: each worker has its own pipe and scans what it is sent in order, so the parent knows which
one (the oldest it sent without an answer); that task ends as ``lost(task, why)`` (an input error naming it), the
one queued behind it is sent again, and a new worker takes its place. The scan never waits for a result that cannot
come.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Below this many bytes of templates holding clients, a pool costs more than it saves (about 0.1 s of work).
MIN_PARALLEL_BYTES = 64 * 1024
#: Templates read ahead of the one the report waits for, per worker (the bytes the parent holds beyond the one it
#: reads).
WINDOW = 4
#: Templates sent to one worker at a time: the one it scans and the next, so it never waits for the parent.
PER_WORKER = 2

def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, not the machine's count)."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        return int(count() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def free_cpus() -> int:
    """The default ``--jobs``: the usable CPUs less the machine's load (its one-minute average of runnable
    processes, rounded to the nearest whole), at least one. A worker on a core that another process keeps busy only
    adds the cost of forking and sending results back: on a loaded machine the default scans in this process."""
    usable = usable_cpus()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not available here: assume the CPUs are free
        return usable
    return max(1, min(usable, usable - round(load)))


def _same(value: Any) -> Any:
    return value


def ordered_map(
    function: Callable[[Any, T], R],
    state: Any,
    tasks: Iterable[tuple[T, int]],
    jobs: int,
    lost: Callable[[T, str], R],
    pack: Callable[[R], Any] = _same,
    unpack: Callable[[Any], R] = _same,
) -> Iterator[R]:
    """``function(state, task)`` for each ``(task, size)``, in order; in ``jobs`` processes when worth it.

    ``function`` must be a module-level function (picklable); ``state`` is handed to each worker once. ``lost(task,
    why)`` stands for the result of a task whose worker died while on it (``why``: how it ended). A worker sends
    ``pack(result)`` and the parent takes ``unpack`` of it: plain values (tuples, strings) pickle and unpickle far
    cheaper than objects, and the parent's time receiving is time it does not scan.
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
    with _Workers(function, state, jobs, pack, unpack) as workers:
        yield from workers.map((task for task, _size in itertools.chain(buffered, iterator)), lost)


def _share(function: Callable[[Any, T], R], state: Any, task: T) -> R:
    """A task the parent scans itself while the workers scan theirs (its result is the one a worker would give)."""
    return function(state, task)


class _Worker(Generic[T]):
    """A worker process (``multiprocessing.Process``), the parent's end of its pipe, and the tasks sent to it, in
    order (the first is being scanned). Plain classes here, not dataclasses: every scan imports this module."""

    def __init__(self, process: Any, conn: Any) -> None:
        self.process = process
        self.conn = conn
        self.tasks: deque[tuple[int, T]] = deque()


class _Workers(Generic[T, R]):
    """``jobs`` worker processes, each fed over its own pipe, at most :data:`PER_WORKER` tasks at a time; a dead one
    is replaced."""

    def __init__(
        self, function: Callable[[Any, T], R], state: Any, jobs: int, pack: Callable[[R], Any] = _same,
        unpack: Callable[[Any], R] = _same,
    ) -> None:
        self.function = function
        self.state = state
        self.jobs = jobs
        self.pack = pack
        self.unpack = unpack
        self.workers: list[_Worker[T]] = []
        self.ready: deque[tuple[int, T]] = deque()  # read, not yet sent to a worker
        self._idle_deaths = 0

    def __enter__(self) -> _Workers[T, R]:
        import multiprocessing

        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self._context: Any = multiprocessing.get_context(method)
        for _ in range(self.jobs - 1):  # the parent is the last of the ``jobs`` processes: it scans a share too
            self.workers.append(self._start())
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        """Workers are told to stop; on an exception (or the consumer closing early) they are killed."""
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
        process = self._context.Process(target=_serve, args=(child, self.function, self.state, self.pack), daemon=True)
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

        results: dict[int, R] = {}
        read = due = 0
        exhausted = False

        def read_one() -> bool:
            nonlocal read, exhausted
            if exhausted or read - due >= WINDOW * self.jobs:
                return False
            task = next(tasks, _END)
            if task is _END:
                exhausted = True
                return False
            self.ready.append((read, task))
            read += 1
            return True

        while True:
            while due in results:
                yield results.pop(due)
                due += 1
            for worker in sorted(self.workers, key=lambda w: len(w.tasks)):  # feed the least busy first
                while len(worker.tasks) < PER_WORKER and (self.ready or read_one()):
                    message = self.ready.popleft()
                    try:
                        worker.conn.send(message)
                    except OSError:  # it died: the task goes to its replacement
                        self.ready.appendleft(message)
                        self._replace(worker, results, lost)
                        continue
                    worker.tasks.append(message)
            # every worker has its fill: the parent scans the next task itself rather than wait for them
            shared = self.ready.popleft() if self.ready or read_one() else None
            if shared is not None:
                results[shared[0]] = _share(self.function, self.state, shared[1])
            busy = [worker for worker in self.workers if worker.tasks]
            if not busy:
                if due in results or shared is not None:
                    continue
                return
            waitable = {w.conn: w for w in busy} | {w.process.sentinel: w for w in busy}
            handles = wait(list(waitable), timeout=0 if shared is not None else None)
            for handle in handles:
                worker = waitable[handle]
                if handle is worker.conn or handle == worker.process.sentinel:  # not replaced meanwhile
                    self._receive(worker, results, lost)

    def _receive(self, worker: _Worker[T], results: dict[int, R], lost: Callable[[T, str], R]) -> None:
        """The worker's pipe or its process sentinel is ready: its results, or its end."""
        try:
            while worker.tasks and worker.conn.poll():
                index, result = worker.conn.recv()
                if worker.tasks[0][0] != index:  # pragma: no cover - a worker answers in order
                    raise RuntimeError(f"worker answered task {index} before task {worker.tasks[0][0]}")
                worker.tasks.popleft()
                results[index] = self.unpack(result)
            if worker.process.is_alive() or not worker.tasks:
                return
        except (EOFError, OSError):
            pass
        self._replace(worker, results, lost)

    def _replace(self, worker: _Worker[T], results: dict[int, R], lost: Callable[[T, str], R]) -> None:
        """The worker ended: the task it was scanning is lost (an input error), the ones queued behind it go back to
        be sent again, and a new worker takes its place."""
        worker.process.join()
        if worker.tasks:
            index, task = worker.tasks.popleft()
            results[index] = lost(task, _how_it_ended(worker.process.exitcode))
            self.ready.extendleft(reversed(worker.tasks))
            worker.tasks.clear()
        else:
            self._idle_deaths += 1
            if self._idle_deaths > 2 * self.jobs:
                raise RuntimeError("worker processes keep ending before they take any work")
        worker.conn.close()
        fresh = self._start()
        worker.process, worker.conn = fresh.process, fresh.conn


_END: Any = object()


def _how_it_ended(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        import signal

        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (the out-of-memory killer sends it)" if name == "SIGKILL" else ""
        return f"the worker process scanning it was killed by {name}{hint}; not scanned"
    return f"the worker process scanning it ended with exit status {exitcode}; not scanned"


def _serve(conn: Any, function: Callable[[Any, Any], Any], state: Any, pack: Callable[[Any], Any] = _same) -> None:
    """A worker: tasks in the order they come, until the parent sends ``None`` or goes away.

    A thread receives the tasks while the main thread scans, so the parent's send never waits on a worker that is
    itself waiting to send a result (and the next task is there when the last one is done)."""
    import queue
    import threading

    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def receive() -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                message = None
            inbox.put(message)
            if message is None:
                return

    threading.Thread(target=receive, daemon=True).start()
    while (message := inbox.get()) is not None:
        index, task = message
        conn.send((index, pack(function(state, task))))
