"""The ``cogcheck`` command (the console script is :func:`main`).

typer and click cost about 40 ms of CPU at start-up, a quarter of a one-template scan. An ordinary ``cogcheck scan``
is therefore parsed without them, from the same parameter declarations the typer command is built from
(:mod:`cogcheck.cli.params`), and run by :mod:`cogcheck.cli.run`; ``--help``, a mistake in the arguments, an unusual
spelling and every other command go to the typer app (:mod:`cogcheck.cli.commands`), whose help and error messages
are unchanged. ``from cogcheck.cli import app`` still gives that app.
"""

from __future__ import annotations

import sys
from typing import Any

from cogcheck.cli.params import MAX_FILE_SIZE_MB, Color, FailOn, Format, Scenarios

__all__ = ["MAX_FILE_SIZE_MB", "Color", "FailOn", "Format", "Scenarios", "main"]


def main() -> None:
    """The console script: anything unforeseen is one line on stderr and exit 2, never a traceback nor exit 1."""
    import atexit
    import gc

    from cogcheck.cli.run import EXIT_ERROR, one_line, stdout_closed

    # The interpreter's last collections, as it exits, walk every object the run made (about 15 ms of CPU after a
    # small scan) for cycles nobody can use any more: frozen, they are skipped (the process's memory goes with it,
    # and finalizers registered to run at exit still run).
    atexit.register(gc.freeze)
    try:
        _dispatch(sys.argv[1:])
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("cogcheck: error: interrupted\n")
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:
        stdout_closed()
    except Exception as exc:
        from cogcheck.report.neutralise import text

        sys.stderr.write(text(f"cogcheck: error: {one_line(exc)}") + "\n")
        sys.exit(EXIT_ERROR)


def _dispatch(args: list[str]) -> None:
    if args[:1] == ["scan"]:
        import gc

        from cogcheck.cli.run import GC_THRESHOLD

        # before the scan's modules are imported: with Python's default threshold the cyclic collector runs about
        # a hundred times while they load (5 ms, a tenth of a small scan), and finds nothing to free
        gc.set_threshold(GC_THRESHOLD, 50, 100)
        from cogcheck.cli.params import parse_scan

        values = parse_scan(args[1:])
        if values is not None:
            from cogcheck.cli.run import guarded_scan

            guarded_scan(values)
    from cogcheck.cli.commands import app

    app()


def __getattr__(name: str) -> Any:
    """``app`` and the rest of the typer module, imported when first asked for (not by an ordinary scan)."""
    if name.startswith("__") or name in ("commands", "params", "run"):
        raise AttributeError(name)  # a submodule not imported yet: the import system imports it
    import cogcheck.cli.commands  # noqa: F401 - read from sys.modules (a from-import would ask this hook again)

    return getattr(sys.modules["cogcheck.cli.commands"], name)
