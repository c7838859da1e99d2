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
from parkmap.io.files import atomic_output, check_output
from parkmap.land import ENGINES as AVAILABILITY_ENGINES
from parkmap.land import FORMATS as AVAILABILITY_FORMATS
from parkmap.report import FORMATS
from parkmap.siteplan import FORMATS as LAYOUT_FORMATS

__all__ = ["main"]

log = logging.getLogger("parkmap")

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
@data_option
@format_option(FORMATS, help="Output format; xlsx needs -o.")
@lang_option(default="en")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@overwrite_option
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
@data_option
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
    if Path(output).suffix.lower() != ".gpkg":
        raise DataFileError(f"{output}: parkmap export writes a GeoPackage; name it *.gpkg")
    park = _load(data)
    park.save(output, overwrite=overwrite)
    click.echo(f"wrote {output} ({len(park)} layers, {park.crs.to_string()})", err=True)


@cli.command("availability")
@data_option
@click.option(
    "--rules",
    type=click.Path(dir_okay=False),
    help="Availability rules (TOML) [default: the shipped availability_rules.toml].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="Also write the layers available_land and parcel_availability to this GeoPackage "
    "(.gpkg), or with --engine dask to this folder (.parquet) of two GeoParquet datasets, "
    "written by the workers.",
)
@format_option(AVAILABILITY_FORMATS, help="Format of the table printed on stdout.")
@lang_option(default="en")
@overwrite_option
@click.option(
    "--progress/--no-progress", default=False, show_default=True, help="Show a progress bar."
)
@click.option(
    "--repair/--no-repair",
    default=True,
    show_default=True,
    help="Repair invalid geometries with make_valid (reported) instead of refusing the park.",
)
@click.option(
    "--engine",
    type=click.Choice(AVAILABILITY_ENGINES),
    default="local",
    show_default=True,
    help="local: threads on this machine; dask: Hilbert-sorted partitions of the parcels "
    "on a Dask cluster (parcels-only parks; pip install 'parkmap[dask]').",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler address (tcp://HOST:8786) [default: a local cluster, one worker "
    "per core].",
)
@click.option(
    "--partitions", type=click.IntRange(min=1), help="Number of Dask partitions [default: auto]."
)
@click.option(
    "--parcels",
    "parcels_path",
    type=click.Path(exists=True),
    help="With --engine dask: parcels from GeoParquet (a file or a folder of parts) "
    "instead of the park's parcels layer; the other layers come from --data.",
)
def availability_(
    data,
    rules,
    output,
    fmt,
    lang,
    overwrite,
    progress,
    repair,
    engine,
    scheduler,
    partitions,
    parcels_path,
) -> None:
    """Land availability: the waterfall from gross area to available land.

    Every square metre of each cluster is counted once, in the first category that
    claims it: outside the development boundary, hard constraints, road rights-of-way,
    built, committed, unusable fragments, available; conditionally available land
    (cropland, forest, flexible zone) is shown beside it. Rows per cluster, sub-park and
    a total, in 亩, 公顷 and km², in the park's metric CRS.

    A county's or province's parcels (a parcels-only park) can be worked on Dask with
    --engine dask: on a local cluster, or on a running one given by --scheduler; the
    dashboard's address is logged. The result is the local engine's, parcel by parcel.

    \b
    Examples:
      parkmap availability --engine dask --data county.gpkg \\
          --parcels parcels.parquet -o county_availability.parquet
      parkmap availability
      parkmap availability --format json > availability.json
      parkmap availability --lang zh -o available.gpkg --overwrite
    """
    suffix = Path(output).suffix.lower() if output is not None else None
    if suffix not in (None, ".gpkg", ".parquet"):
        raise DataFileError(f"{output}: -o writes a GeoPackage (*.gpkg) or GeoParquet (*.parquet)")
    if suffix == ".parquet" and engine != "dask":
        raise click.UsageError("-o *.parquet is written by the Dask workers: add --engine dask")
    dask_options = {
        "--scheduler": scheduler,
        "--partitions": partitions,
        "--parcels": parcels_path,
    }
    if engine != "dask" and any(v is not None for v in dask_options.values()):
        given = ", ".join(k for k, v in dask_options.items() if v is not None)
        raise click.UsageError(f"{given}: only with --engine dask")
    if output is not None:
        check_output(output, overwrite)
    if engine == "dask" and log.getEffectiveLevel() == logging.WARNING:
        log.setLevel(logging.INFO)  # the dashboard's address and the partitions
    park = _load(data)
    options = {}
    if engine == "dask":
        options = {"scheduler": scheduler, "partitions": partitions, "parcels": parcels_path}
        if suffix == ".parquet":
            options.update(output=output, overwrite=overwrite)
    try:
        result = parkmap.availability(
            park, rules, progress=progress, repair=repair, engine=engine, **options
        )
    except ImportError as err:
        raise click.ClickException(str(err)) from err
    if suffix == ".parquet":
        click.echo(f"wrote {output} (available_land, parcel_availability)", err=True)
    elif output is not None:
        result.to_geopackage(output, overwrite=overwrite)
        layers = "available_land" + (", parcel_availability" if result.parcels is not None else "")
        click.echo(f"wrote {output} ({layers})", err=True)
    click.echo(result.render(fmt, lang), nl=False)


@cli.command("map")
@data_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Output HTML file [default: <park>_map.html in the current folder].",
)
@click.option(
    "--basemap",
    default="osm",
    show_default=True,
    metavar="osm|tianditu|amap|none|URL",
    help="Background tiles; URL is a tile template with {z}/{x}/{y} (intranet server). "
    "amap shifts the features to GCJ-02 to match its tiles.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="One self-contained file: Leaflet and every script and style inlined, no network.",
)
@lang_option(default="zh", help="Language of the map's interface.")
@click.option(
    "--tianditu-key",
    metavar="KEY",
    help="Tianditu browser key [default: the TIANDITU_KEY environment variable].",
)
@click.option(
    "--simplify-m",
    type=click.FloatRange(min=0),
    default=None,
    help="Display simplification tolerance in metres [default: 1; 0 = none]. "
    "Areas always use the full geometry.",
)
@click.option(
    "--availability",
    "with_availability",
    is_flag=True,
    help="Also compute the available land and draw it (layer and panel by sub-park).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the map in a web browser.")
@overwrite_option
def map_(
    data,
    output,
    basemap,
    offline,
    lang,
    tianditu_key,
    simplify_m,
    with_availability,
    open_browser,
    overwrite,
):
    """Write an interactive web map (HTML) of the park: layers, legend, area panel.

    Without arguments it writes dianjiang_map.html (the embedded park) in the
    current folder. Send the file to anyone; with --offline it works with no
    internet at all (tiles aside: then the background is plain).

    \b
    Examples:
      parkmap map
      parkmap map --offline --basemap none -o dianjiang_offline.html
      parkmap map --availability -o dianjiang_available.html
      parkmap map --basemap amap --lang en -o dianjiang_amap.html
      parkmap map --basemap "http://tiles.intranet/{z}/{x}/{y}.png" --offline
    """
    if output is None:
        output = "dianjiang_map.html" if data is None else f"{Path(data).stem}_map.html"
    check_output(output, overwrite)  # fail before the work
    park = _load(data)
    m = parkmap.webmap(
        park,
        parkmap.availability(park) if with_availability else None,
        basemap=basemap,
        offline=offline,
        lang=lang,
        tianditu_key=tianditu_key,
        simplify_m=simplify_m,
    )
    path = parkmap.save_map(m, output, overwrite=overwrite)
    size_mb = path.stat().st_size / 1e6
    mode = "offline, self-contained" if offline else "online: loads Leaflet from a CDN"
    click.echo(
        f"wrote {path} ({size_mb:.2f} MB, {mode}, basemap {m.parkmap_info['basemap']})", err=True
    )
    if open_browser:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())


_IMPORT_EXAMPLES = """\b
Examples:
  parkmap import 地类图斑.shp 总图.dxf --s-srs EPSG:4524 -o park.gpkg
  parkmap import bureau/ --mapping mapping.toml -o park.gpkg --overwrite
  parkmap export -o dianjiang.gpkg && parkmap import dianjiang.gpkg -o copy.gpkg
"""


@cli.command("import", epilog=_IMPORT_EXAMPLES)
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    required=True,
    help="Output park GeoPackage (.gpkg).",
)
@click.option("--mapping", type=click.Path(dir_okay=False), help="Field-mapping TOML file.")
@click.option("--s-srs", "s_srs", help="CRS of sources without one, e.g. EPSG:4524.")
@click.option("--t-srs", "t_srs", help="The park's metric CRS [default: derived].")
@click.option(
    "--from-gcj02", is_flag=True, help="Sources are GCJ-02 lon/lat (AMap, Tencent): convert."
)
@click.option("--encoding", help="Text encoding of Shapefiles / DXF [default: detected].")
@click.option("--swap-xy", is_flag=True, help="Swap x/y of sources detected as swapped.")
@overwrite_option
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
def import_(
    sources, output, mapping, s_srs, t_srs, from_gcj02, encoding, swap_xy, overwrite, as_json
) -> None:
    """Import your own files into a park GeoPackage.

    Reads Shapefile, GeoPackage (every layer), GeoJSON, GeoParquet, KML, FlatGeobuf
    and DXF (closed polylines become polygons; the CAD layer name is kept), detects
    the text encoding and standard Chinese fields (三调 DLBM/DLMC, planning database
    GHFLDM/YDYHFLDM, 2023 / 2020-trial / GB 50137 codes), repairs invalid geometries
    and lists every change. A source without a CRS stops the import with the
    candidate CRSs: confirm one with --s-srs. The park is written even when it has
    validation errors (fix them, then `parkmap check`); the exit status is then 1.
    The mapping format is in the README ("Importing your own data").
    """
    if Path(output).suffix.lower() != ".gpkg":
        raise DataFileError(f"{output}: parkmap import writes a GeoPackage; name it *.gpkg")
    check_output(output, overwrite)
    if any(Path(s).resolve() == Path(output).resolve() for s in sources):
        raise DataFileError(f"{output}: is also an input; write the park to another file")
    level = log.level
    log.setLevel(max(level, logging.ERROR))  # the report below says everything once
    try:
        park, found = parkmap.import_park(
            list(sources),
            mapping=mapping,
            s_srs=s_srs,
            from_gcj02=from_gcj02,
            encoding=encoding,
            swap_xy=swap_xy,
            crs=t_srs,
        )
    finally:
        log.setLevel(level)
    park.save(output, overwrite=overwrite)
    if as_json:
        import json

        data = {**found.to_dict(), "validation": [p.__dict__ for p in park.problems]}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for line in found.lines() + [str(p) for p in park.problems]:
            click.echo(line, err=True)
    errors = [p for p in found.problems + park.problems if p.severity == "error"]
    counts = ", ".join(f"{name}={len(gdf)}" for name, gdf in park.layers.items())
    click.echo(
        f"wrote {output} ({counts}; {park.crs.to_string()}): {len(errors)} error(s)"
        + ("; fix them, then `parkmap check --data " + output + "`" if errors else ""),
        err=True,
    )
    if errors:
        sys.exit(1)


@cli.command("layout")
@data_option
@click.option(
    "--subpark",
    "subparks",
    multiple=True,
    help="Sub-park id or name to lay out (repeatable) [default: every sub-park].",
)
@click.option(
    "--plot-mu", type=click.FloatRange(min=0, min_open=True), help="Target plot size, 亩."
)
@click.option(
    "--template",
    "templates",
    multiple=True,
    help="Factory template (repeatable, packed in order) [default: multi_storey_factory]; "
    "one of: " + ", ".join(parkmap.building_templates().query("role == 'factory'").index) + ".",
)
@click.option(
    "--rules",
    type=click.Path(dir_okay=False),
    help="CSV of local control indicators [default: the 2008 national table].",
)
@click.option("--no-office", is_flag=True, help="Do not place office blocks.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the layers plots, buildings and layout_roads to this GeoPackage.",
)
@format_option(LAYOUT_FORMATS, help="Format of the indicator report on stdout.")
@lang_option(default="en")
@overwrite_option
@click.option(
    "--map",
    "map_output",
    type=click.Path(dir_okay=False),
    help="Also write a self-contained (offline) web map of the layout to this HTML file.",
)
def layout_(
    data, subparks, plot_mu, templates, rules, no_office, output, fmt, lang, overwrite, map_output
):
    """Lay out plots, branch roads and standard factories; check the control indicators.

    Plots front a road (branch roads are inserted in deep blocks), buildings keep road
    setbacks and fire spacing, and every plot is checked for FAR (storeys over 8 m
    count twice), building coverage, admin share and green ratio.

    \b
    Examples:
      parkmap layout --subpark sp-valve-chengxi
      parkmap layout --subpark sp-valve-chengxi --plot-mu 50 --template portal_shed \\
          -o layout.gpkg --format json > layout.json
      parkmap layout --subpark sp-auto --map auto_layout.html --lang zh
    """
    if output is not None and Path(output).suffix.lower() != ".gpkg":
        raise DataFileError(f"{output}: parkmap layout writes a GeoPackage; name it *.gpkg")
    for target in (output, map_output):  # fail before the work, not after it
        if target is not None:
            check_output(target, overwrite)
    park = _load(data)
    available = parkmap.availability(park)
    result = parkmap.layout(
        park,
        available,
        subpark=list(subparks) or None,
        plot=plot_mu,
        building=list(templates) or None,
        rules=rules,
        office=not no_office,
    )
    if output is not None:
        result.save(output, overwrite=overwrite)
        click.echo(
            f"wrote {output} ({len(result.plots)} plots, {len(result.buildings)} buildings, "
            f"{len(result.roads)} branch roads)",
            err=True,
        )
    if map_output is not None:
        m = parkmap.webmap(park, available, result, offline=True, lang=lang)
        path = parkmap.save_map(m, map_output, overwrite=overwrite)
        click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB, offline)", err=True)
    click.echo(result.render(fmt, lang), nl=False)


def main() -> None:
    """Entry point of the ``parkmap`` console script."""
    cli(prog_name="parkmap")


if __name__ == "__main__":  # pragma: no cover
    main()
