"""Run one Python command as ``python`` would, and write its own peak RSS when it ends.

``python bench/child.py REPORT -m MODULE ARGS...`` (or ``-c CODE ARGS...`` or ``SCRIPT ARGS...``) runs the command
in this process and, as the very last thing before the interpreter exits, writes two numbers in KiB to ``REPORT``:
``VmHWM`` from ``/proc/self/status`` (this process's resident high-water mark, counted from its ``exec``) and the
largest ``ru_maxrss`` of the processes it waited for (its ``--jobs`` workers).

Why: ``ru_maxrss`` from :func:`os.wait4` is kept per process across ``fork`` and ``exec`` — a child started by a
benchmark that built a 66 MB assembly in memory reports the benchmark's own peak. ``VmHWM`` belongs to the address
space the ``exec`` made, so it is the command's own.
"""

import atexit
import os
import resource
import runpy
import sys


def _report(path: str) -> None:
    own = 0
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    own = int(line.split()[1])
    except OSError:
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # not Linux: the best there is
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(path, "w", encoding="ascii") as handle:
        handle.write(f"{own} {children}\n")


def main() -> None:
    report, first, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    atexit.register(_report, report)  # registered first, so it runs last (after multiprocessing joins workers)
    if first == "-m":
        sys.argv = [rest[0], *rest[1:]]
        sys.path[0] = os.getcwd()
        runpy.run_module(rest[0], run_name="__main__", alter_sys=True)
    elif first == "-c":
        sys.argv = ["-c", *rest[1:]]
        sys.path[0] = ""
        exec(compile(rest[0], "<string>", "exec"), {"__name__": "__main__"})  # noqa: S102 - our own command
    else:
        sys.argv = [first, *rest]
        sys.path[0] = os.path.dirname(os.path.abspath(first))
        runpy.run_path(first, run_name="__main__")


if __name__ == "__main__":
    main()
