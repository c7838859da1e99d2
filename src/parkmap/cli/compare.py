"""``parkmap compare``: scenarios of a park side by side, the base first."""

from __future__ import annotations

from pathlib import Path

import click

from parkmap.cli.options import (
    check_gpkg,
    check_outputs,
    data_option,
    format_option,
    lang_option,
    load_park,
    overwrite_option,
)
from parkmap.errors import DataFileError

__all__ = ["compare"]

_FORMATS = ("table", "csv", "markdown", "json", "xlsx")


def _scenario_path(value: str, data) -> Path:
    """A scenario file, or the name of a scenario shipped with the embedded park."""
    path = Path(value)
    if path.exists() or data is not None or path.suffix:
        return path
    from parkmap.scenarios import example_scenarios

    shipped = {p.stem: p for p in example_scenarios()}
    if value in shipped:
        return shipped[value]
    raise DataFileError(f"{value}: no such scenario file (shipped scenarios: {', '.join(shipped)})")


@click.command("compare")
@data_option
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--base-name", help="Name of the base column [default: 基准 / base].")
@click.option(
    "--rules", type=click.Path(dir_okay=False), help="Availability rules of the base (TOML)."
)
@click.option(
    "--subpark",
    "subparks",
    multiple=True,
    help="Sub-park laid out in every column (repeatable) [default: every sub-park; "
    "about 40 s per column for the whole Dianjiang park].",
)
@click.option("--no-layout", is_flag=True, help="Compare availability and land use only.")
@click.option("--no-allocation", is_flag=True, help="Do not allocate the project pipeline.")
@format_option(_FORMATS, help="Format of the comparison; xlsx needs -o FILE.xlsx.")
@lang_option(default="en")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="GeoPackage of each scenario's available land, land use and changed land "
    "(or, with --format xlsx, the workbook).",
)
@click.option(
    "--map",
    "map_output",
    type=click.Path(dir_okay=False),
    help="Offline web map (HTML): one layer group per scenario, changes highlighted, "
    "a swipe control between the base and a scenario.",
)
@overwrite_option
def compare(
    data,
    scenarios,
    base_name,
    rules,
    subparks,
    no_layout,
    no_allocation,
    fmt,
    lang,
    output,
    map_output,
    overwrite,
):
    """Compare scenarios (TOML files) of a park side by side, the base first.

    A scenario file names only what changes: availability rules, layout options,
    allocation options, layer replacements or edits. Compared: the availability
    waterfall, available land by sub-park, the layout and allocation summaries and the
    用地平衡表, each with its difference from the base. Nothing is written to the park.

    A SCENARIO is a file, or (on the embedded park) the name of a shipped scenario:
    flex_zone_not_approved, chongqing_buffers, negotiating_signed.

    \b
    Examples:
      parkmap compare flex_zone_not_approved chongqing_buffers negotiating_signed \\
          --subpark sp-valve-chengxi --lang zh
      parkmap compare my_scenario.toml --no-layout --format json > compare.json
      parkmap compare a.toml b.toml --subpark sp-auto -o changes.gpkg --map compare.html
    """
    if fmt == "xlsx":
        if output is None or Path(output).suffix.lower() != ".xlsx":
            raise click.UsageError("--format xlsx writes a file: give -o FILE.xlsx")
    else:
        check_gpkg(output, "compare -o")
    check_outputs(output, map_output, overwrite=overwrite)  # fail before the work
    import parkmap

    park = load_park(data)
    result = parkmap.compare(
        park,
        [_scenario_path(s, data) for s in scenarios],
        base_name=base_name,
        rules=rules,
        subparks=list(subparks) or None,
        layout=not no_layout,
        allocation=not no_allocation,
    )
    if fmt == "xlsx":
        result.to_xlsx(output, lang, overwrite=overwrite)
        click.echo(f"wrote {output}", err=True)
    elif output is not None:
        result.save(output, overwrite=overwrite)
        click.echo(f"wrote {output} ({len(result.columns)} columns)", err=True)
    if map_output is not None:
        from parkmap.maps.compare import comparison_map

        m = comparison_map(result, lang=lang)
        path = parkmap.save_map(m, map_output, overwrite=overwrite)
        click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB, offline)", err=True)
    if fmt != "xlsx":
        click.echo(result.render(fmt, lang), nl=False)
