"""Options and helpers shared by the commands (one registry, as rio's ``options.py``).

- ``--data PATH`` (:data:`data_option`): the park; the embedded Dianjiang park by default;
- ``--lang zh|en`` (:func:`lang_option`), ``--format`` (:func:`format_option`);
- ``--overwrite`` (:data:`overwrite_option`): outputs are never replaced without it; the
  check itself is :func:`parkmap.io.files.check_output`, the one place that refuses;
  :func:`check_outputs` runs it on every output of a command before the work, and
  :func:`check_gpkg` refuses a ``-o`` that is not a GeoPackage;
- :class:`ParkmapGroup`: parkmap errors become one line on stderr with exit status 1.

Nothing here imports geopandas, folium or the engines: ``parkmap --help`` stays fast.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

import parkmap
from parkmap.errors import DataFileError, ParkmapError

__all__ = [
    "ENGINES",
    "ParkmapGroup",
    "check_gpkg",
    "check_output",
    "check_outputs",
    "data_option",
    "format_option",
    "lang_option",
    "load_park",
    "overwrite_option",
    "write_text",
]

log = logging.getLogger("parkmap")

#: Availability engines offered by ``--engine`` (the same as :data:`parkmap.land.ENGINES`,
#: written here so that ``--help`` needs no engine import; a test keeps them equal).
ENGINES = ("local", "dask")

_DATA_HELP = (
    "Park GeoPackage (.gpkg) or folder of GeoJSON layers [default: embedded Dianjiang park]."
)


def lang_option(*, default: str = "en", help: str = "Language of titles and headers."):
    """The ``--lang zh|en`` option shared by the commands."""
    return click.option(
        "--lang", type=click.Choice(["zh", "en"]), default=default, show_default=True, help=help
    )


def format_option(choices: tuple[str, ...], *, help: str):
    """The ``--format`` option (stored as ``fmt``) with a command's own choices."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default="table",
        show_default=True,
        help=help,
    )


#: ``--data PATH``: the park to work on (default: the embedded Dianjiang park).
data_option = click.option("--data", type=click.Path(), help=_DATA_HELP)
#: ``--overwrite``: outputs are never replaced without it.
overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace an existing output file."
)


def load_park(data: str | None) -> parkmap.Park:
    """The park of ``--data``: a park file, or the embedded Dianjiang park by default."""
    if data is None:
        return parkmap.datasets.load("dianjiang")
    return parkmap.read_park(data)


def check_output(path, overwrite: bool) -> None:
    """Refuse an existing output without ``--overwrite`` (:func:`parkmap.io.files.check_output`)."""
    from parkmap.io.files import check_output as check

    check(path, overwrite)


def check_outputs(*paths, overwrite: bool) -> None:
    """:func:`check_output` on every output asked for (``None``: not asked for).

    Commands call it before the work, so that a refused output fails at once.
    """
    for path in paths:
        if path is not None:
            check_output(path, overwrite)


def check_gpkg(output, command: str) -> None:
    """Refuse an ``output`` (when given) that is not named ``*.gpkg``.

    The message names the command: ``parkmap {command} writes a GeoPackage``.
    """
    if output is not None and Path(output).suffix.lower() != ".gpkg":
        raise DataFileError(f"{output}: parkmap {command} writes a GeoPackage; name it *.gpkg")


def write_text(text: str, output: str | None, overwrite: bool) -> None:
    """Print ``text``, or write it atomically to ``output`` (refusing to overwrite)."""
    if output is None:
        click.echo(text, nl=False)
        return
    from parkmap.io.files import atomic_output

    with atomic_output(output, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


class ParkmapGroup(click.Group):
    """Click group that turns parkmap errors into one-line messages with exit 1."""

    def invoke(self, ctx: click.Context):
        """Run the command; a parkmap error becomes one line on stderr and exit status 1.

        SIGTERM and SIGHUP stop the command like Ctrl-C: partial outputs are removed,
        and the exit status is 128 + the signal number, as for a process killed by it.
        """
        from parkmap.cli.signals import Stopped, stop_on_signals

        try:
            with stop_on_signals():
                return super().invoke(ctx)
        except Stopped as stop:
            click.echo(f"parkmap: stopped by {stop.name}; partial output removed", err=True)
            sys.exit(stop.exit_code)
        except ParkmapError as err:
            if ctx.meta.get("parkmap.debug"):
                raise
            click.echo(f"parkmap: error: {err}", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as err:
            if ctx.meta.get("parkmap.debug"):
                raise
            click.echo(
                f"parkmap: unexpected error: {type(err).__name__}: {err} "
                "(run with --debug for the traceback)",
                err=True,
            )
            sys.exit(1)
