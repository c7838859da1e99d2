"""The ``parkmap`` command line: a thin layer over the public API.

One module per command (``park``: report, layers, check, export; ``availability``;
``webmap``: map; ``figure``; ``importing``: import; ``layout``; ``allocate``; ``compare``), the
shared options in :mod:`parkmap.cli.options`. Commands import the heavy libraries
(geopandas, folium) only when they run, so ``parkmap --help`` is fast.

Exit status: 0 success, 1 user error (bad input, validation errors, existing output),
2 usage error (click's own). Errors are one line on stderr, without traceback unless
``--debug`` is given.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
from typing import NoReturn

import click

from parkmap.cli.allocate import allocate
from parkmap.cli.availability import availability
from parkmap.cli.compare import compare
from parkmap.cli.figure import figure
from parkmap.cli.importing import import_
from parkmap.cli.layout import layout
from parkmap.cli.options import ParkmapGroup
from parkmap.cli.park import check, export, layers, report
from parkmap.cli.webmap import map_

__all__ = ["cli", "main"]

log = logging.getLogger("parkmap")


def _version() -> str:
    from parkmap._data import package_version

    return package_version()


@click.group(cls=ParkmapGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="parkmap", prog_name="parkmap")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, debug: bool) -> None:
    """parkmap: industrial-park land planning (areas, availability, layout, maps).

    Every command works on the embedded Dianjiang park by default; give --data for
    your own park file.

    \b
    Example:
      parkmap report --lang zh
    """
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("parkmap: %(levelname)s: %(message)s"))
    log.handlers = [h for h in log.handlers if not isinstance(h, logging.StreamHandler)]
    log.addHandler(handler)
    log.setLevel(level)
    ctx.meta["parkmap.debug"] = debug


for _command in (
    report,
    layers,
    check,
    export,
    availability,
    map_,
    figure,
    import_,
    layout,
    allocate,
    compare,
):
    cli.add_command(_command)


def main() -> None:
    """Entry point of the ``parkmap`` console script."""
    try:
        cli(prog_name="parkmap")
    except SystemExit as end:
        _leave(end)


def _leave(end: SystemExit) -> NoReturn:
    """End the process with ``end``'s status, without the interpreter's teardown.

    Once a command has printed and closed its outputs, the interpreter would still free
    every object and module one by one (pandas, GDAL, PROJ, each parcel's geometry):
    0.2 s after ``parkmap report``, more at county scale, which the operating system
    reclaims at once. So, when nothing else is running, the exit handlers run (logging,
    temporary folders, a Dask cluster), the standard streams are flushed and the
    process ends with ``os._exit``. Anything unusual (another thread still alive, a
    status that is not a number, a stream that cannot be flushed, a Python without
    ``atexit._run_exitfuncs``) takes the normal exit instead.
    """
    code = 0 if end.code is None else end.code
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    alone = all(t.daemon for t in threading.enumerate() if t is not threading.main_thread())
    if not isinstance(code, int) or run_exit_handlers is None or not alone:
        raise end
    run_exit_handlers()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the normal exit reports it as before
        raise end from None
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
