"""Commands on a park as it is: ``report``, ``layers``, ``check``, ``export``."""

from __future__ import annotations

import logging
import sys

import click

import parkmap
from parkmap.cli.options import (
    check_gpkg,
    check_output,
    data_option,
    format_option,
    load_park,
    overwrite_option,
    write_text,
)
from parkmap.tables import FORMATS

__all__ = ["check", "export", "layers", "report"]


@click.command()
@data_option
@format_option((*FORMATS, "docx"), help="Output format; xlsx and docx need -o.")
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    help="Language of titles and headers [default: en; zh for docx].",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@click.option(
    "--subpark",
    "subparks",
    multiple=True,
    help="docx: lay out only this sub-park (repeatable) [default: every sub-park, slow].",
)
@overwrite_option
def report(data, fmt, lang, output, subparks, overwrite) -> None:
    """Area report: clusters, development boundary, sub-parks and every layer's totals.

    Areas in 亩, 公顷 and km² side by side, computed in the park's metric CRS
    (named in the report). With --format docx: a Word report with the area tables,
    the availability waterfall, the layout indicators, charts and map figures.

    \b
    Examples:
      parkmap report
      parkmap report --format json > dianjiang.json
      parkmap report --format xlsx --lang zh -o dianjiang.xlsx
      parkmap report --format docx --subpark sp-prefab -o 报告.docx
    """
    lang = lang or ("zh" if fmt == "docx" else "en")
    if fmt in ("xlsx", "docx") and output is None:
        raise click.UsageError(f"--format {fmt} writes a file: give -o FILE.{fmt}")
    if fmt == "docx":
        check_output(output, overwrite)
        from parkmap.word_report import word_report

        word_report(
            output,
            load_park(data),
            lang=lang,
            subpark=list(subparks) or None,
            overwrite=overwrite,
        )
        click.echo(f"wrote {output}", err=True)
        return
    park = load_park(data)
    result = parkmap.area_report(park)
    if fmt == "xlsx":
        result.to_xlsx(output, lang, overwrite=overwrite)
        click.echo(f"wrote {output}", err=True)
        return
    write_text(result.render(fmt, lang), output, overwrite)


@click.command()
@data_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def layers(data, as_json) -> None:
    """List the park's layers with geometry type, feature count and CRS.

    \b
    Example:
      parkmap layers
    """
    park = load_park(data)
    table = park.layer_summary()
    if as_json:
        click.echo(table.to_json(orient="records", force_ascii=False, indent=2))
        return
    from tabulate import tabulate

    click.echo(f"{park.name}  ({park.crs.to_string()}: {park.crs.name})")
    click.echo(tabulate(table.to_numpy().tolist(), headers=list(table.columns)))


@click.command()
@data_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def check(data, as_json) -> None:
    """Validate a park file: one line per problem; exit 1 if there is any error.

    \b
    Examples:
      parkmap check
      parkmap check --data my_park.gpkg
    """
    logging.getLogger("parkmap").setLevel(logging.ERROR)  # problems are printed below
    park = load_park(data)
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


@click.command()
@data_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    required=True,
    help="Output GeoPackage (.gpkg).",
)
@overwrite_option
def export(data, output, overwrite) -> None:
    """Write the park to a GeoPackage (one layer per park layer, CRS kept).

    \b
    Example:
      parkmap export -o dianjiang.gpkg
    """
    check_gpkg(output, "export")
    park = load_park(data)
    park.save(output, overwrite=overwrite)
    click.echo(f"wrote {output} ({len(park)} layers, {park.crs.to_string()})", err=True)
