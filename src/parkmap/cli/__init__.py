"""The ``parkmap`` command line: a thin layer over the public API.

One module per command (``park``: report, layers, check, export; ``availability``;
``webmap``: map; ``importing``: import; ``layout``; ``allocate``; ``compare``), the
shared options in :mod:`parkmap.cli.options`. Commands import the heavy libraries
(geopandas, folium) only when they run, so ``parkmap --help`` is fast.

Exit status: 0 success, 1 user error (bad input, validation errors, existing output),
2 usage error (click's own). Errors are one line on stderr, without traceback unless
``--debug`` is given.
"""

from __future__ import annotations

import logging
import sys

import click

from parkmap.cli.allocate import allocate
from parkmap.cli.availability import availability
from parkmap.cli.compare import compare
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
    import_,
    layout,
    allocate,
    compare,
):
    cli.add_command(_command)


def main() -> None:
    """Entry point of the ``parkmap`` console script."""
    cli(prog_name="parkmap")


if __name__ == "__main__":  # pragma: no cover
    main()
