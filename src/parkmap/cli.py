"""The ``parkmap`` command line: a thin layer over the public API.

Exit status: 0 success, 1 user error (bad input, validation errors, existing output),
2 usage error (click's own). Errors are one line on stderr, without traceback unless
``--debug`` is given.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

import parkmap
from parkmap.errors import DataFileError, ParkmapError
from parkmap.io import atomic_output
from parkmap.report import FORMATS

__all__ = ["main"]

log = logging.getLogger("parkmap")

_DATA_HELP = (
    "Park GeoPackage (.gpkg) or folder of GeoJSON layers [default: embedded Dianjiang park]."
)


def _load(data: str | None) -> parkmap.Park:
    if data is None:
        return parkmap.datasets.load("dianjiang")
    return parkmap.read_park(data)


def _write_text(text: str, output: str | None, overwrite: bool) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    with atomic_output(output, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


class _Group(click.Group):
    """Click group that turns parkmap errors into one-line messages with exit 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(parkmap.__version__, prog_name="parkmap")
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


@cli.command()
@click.option("--data", type=click.Path(), help=_DATA_HELP)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format; xlsx needs -o.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="en",
    show_default=True,
    help="Language of titles and headers.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
def report(data, fmt, lang, output, overwrite) -> None:
    """Area report: clusters, development boundary, sub-parks and every layer's totals.

    Areas in 亩, 公顷 and km² side by side, computed in the park's metric CRS
    (named in the report).

    \b
    Examples:
      parkmap report
      parkmap report --format json > dianjiang.json
      parkmap report --format xlsx --lang zh -o dianjiang.xlsx
    """
    park = _load(data)
    result = parkmap.area_report(park)
    if fmt == "xlsx":
        if output is None:
            raise click.UsageError("--format xlsx writes a file: give -o FILE.xlsx")
        result.to_xlsx(output, lang, overwrite=overwrite)
        click.echo(f"wrote {output}", err=True)
        return
    _write_text(result.render(fmt, lang), output, overwrite)


@cli.command()
@click.option("--data", type=click.Path(), help=_DATA_HELP)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def layers(data, as_json) -> None:
    """List the park's layers with geometry type, feature count and CRS.

    \b
    Example:
      parkmap layers
    """
    park = _load(data)
    table = park.layer_summary()
    if as_json:
        click.echo(table.to_json(orient="records", force_ascii=False, indent=2))
        return
    from tabulate import tabulate

    click.echo(f"{park.name}  ({park.crs.to_string()}: {park.crs.name})")
    click.echo(tabulate(table.to_numpy().tolist(), headers=list(table.columns)))


@cli.command()
@click.option("--data", type=click.Path(), help=_DATA_HELP)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def check(data, as_json) -> None:
    """Validate a park file: one line per problem; exit 1 if there is any error.

    \b
    Examples:
      parkmap check
      parkmap check --data my_park.gpkg
    """
    logging.getLogger("parkmap").setLevel(logging.ERROR)  # problems are printed below
    park = _load(data)
    problems = parkmap.validate(park)
    if as_json:
        import json

        click.echo(json.dumps([p.__dict__ for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            click.echo(str(problem))
        errors = sum(p.severity == "error" for p in problems)
        warnings = len(problems) - errors
        where = data or "embedded Dianjiang park"
        click.echo(f"{where}: {errors} error(s), {warnings} warning(s)", err=True)
    if not park.is_valid:
        sys.exit(1)


@cli.command()
@click.option("--data", type=click.Path(), help=_DATA_HELP)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    required=True,
    help="Output GeoPackage (.gpkg).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
def export(data, output, overwrite) -> None:
    """Write the park to a GeoPackage (one layer per park layer, CRS kept).

    \b
    Example:
      parkmap export -o dianjiang.gpkg
    """
    if Path(output).suffix.lower() != ".gpkg":
        raise DataFileError(f"{output}: parkmap export writes a GeoPackage; name it *.gpkg")
    park = _load(data)
    park.save(output, overwrite=overwrite)
    click.echo(f"wrote {output} ({len(park)} layers, {park.crs.to_string()})", err=True)


def main() -> None:
    """Entry point of the ``parkmap`` console script."""
    cli(prog_name="parkmap")


if __name__ == "__main__":  # pragma: no cover
    main()
