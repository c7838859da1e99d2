"""``parkmap allocate``: the project pipeline placed on the plots of a layout."""

from __future__ import annotations

import click

import parkmap
from parkmap.cli.options import (
    check_gpkg,
    check_outputs,
    data_option,
    format_option,
    lang_option,
    load_park,
    overwrite_option,
    write_text,
)

__all__ = ["allocate"]

#: Formats of ``--format`` (the text formats and an Excel workbook).
FORMATS = ("table", "csv", "markdown", "json", "xlsx")
#: Project statuses (``projects.status``), written here so that ``--help`` imports nothing.
STATUSES = ("under_construction", "signed", "negotiating", "producing")


@click.command("allocate")
@data_option
@click.option(
    "--layout",
    "layout_file",
    type=click.Path(dir_okay=False, exists=True),
    help="Layout GeoPackage from `parkmap layout -o` [default: lay out the available land].",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(STATUSES),
    help="Project status to allocate (repeatable) [default: under_construction, signed].",
)
@click.option(
    "--projects",
    "projects_file",
    type=click.Path(dir_okay=False, exists=True),
    help="Project list (.xlsx or .csv) to use instead of the park's projects layer.",
)
@click.option(
    "--rules",
    type=click.Path(dir_okay=False, exists=True),
    help="Allocation rules (TOML) [default: the packaged allocation_rules.toml].",
)
@format_option(FORMATS, help="Format of the allocation tables; xlsx needs --table-output.")
@click.option(
    "--table-output",
    type=click.Path(dir_okay=False),
    help="Write the tables to this file instead of stdout.",
)
@lang_option(default="en")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the layers allocation and unplaced_projects to this GeoPackage.",
)
@click.option(
    "--map",
    "map_output",
    type=click.Path(dir_okay=False),
    help="Also write a self-contained (offline) web map of the allocation to this HTML file.",
)
@overwrite_option
def allocate(
    data,
    layout_file,
    statuses,
    projects_file,
    rules,
    fmt,
    table_output,
    lang,
    output,
    map_output,
    overwrite,
):
    """Place the project pipeline on the plots of a layout; show where land falls short.

    Each project gets one plot or a group of touching plots in a sub-park that takes its
    industry, at least its land demand (its land_mu, or its investment at the investment
    intensity of the rules); an integer programme (HiGHS) serves statuses in order and
    wastes the least land. Prints a per-project table, the land balance per sub-park and
    the notes of every assumption.

    \b
    Examples:
      parkmap layout -o layout.gpkg
      parkmap allocate --layout layout.gpkg --lang zh
      parkmap allocate --layout layout.gpkg --status signed --status negotiating \\
          -o allocation.gpkg --map allocation.html --format json > allocation.json
    """
    if fmt == "xlsx" and table_output is None:
        raise click.UsageError("--format xlsx writes a file: give --table-output FILE.xlsx")
    check_gpkg(output, "allocate")
    check_outputs(output, map_output, table_output, overwrite=overwrite)  # before the work
    park = load_park(data)
    available = None
    if layout_file is None:
        available = parkmap.availability(park)
        layout = parkmap.layout(park, available)
    else:
        layout = layout_file
    result = parkmap.allocate(
        park,
        layout,
        statuses=list(statuses) or ("under_construction", "signed"),
        rules=rules,
        projects=projects_file,
    )
    if output is not None:
        result.save(output, overwrite=overwrite)
        click.echo(
            f"wrote {output} ({len(result.plots)} plots, {len(result.unplaced)} unplaced)",
            err=True,
        )
    if map_output is not None:
        m = parkmap.webmap(park, available, allocation=result, offline=True, lang=lang)
        path = parkmap.save_map(m, map_output, overwrite=overwrite)
        click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB, offline)", err=True)
    if fmt == "xlsx":
        result.to_xlsx(table_output, lang, overwrite=overwrite)
        click.echo(f"wrote {table_output}", err=True)
        return
    write_text(result.render(fmt, lang), table_output, overwrite)
