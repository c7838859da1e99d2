"""``parkmap availability``: the land-availability waterfall."""

from __future__ import annotations

import logging
from pathlib import Path

import click

import parkmap
from parkmap.cli.options import (
    ENGINES,
    check_output,
    data_option,
    format_option,
    lang_option,
    load_park,
    overwrite_option,
)
from parkmap.errors import DataFileError
from parkmap.tables import TEXT_FORMATS

__all__ = ["availability"]

log = logging.getLogger("parkmap")


@click.command("availability")
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
@format_option(TEXT_FORMATS, help="Format of the table printed on stdout.")
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
    type=click.Choice(ENGINES),
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
def availability(
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
    park = load_park(data)
    if engine == "dask":
        from parkmap.land import DaskEngine

        written = {"output": output, "overwrite": overwrite} if suffix == ".parquet" else {}
        engine = DaskEngine(
            scheduler=scheduler, partitions=partitions, parcels=parcels_path, **written
        )
    try:
        result = parkmap.availability(park, rules, progress=progress, repair=repair, engine=engine)
    except ImportError as err:
        raise click.ClickException(str(err)) from err
    if suffix == ".parquet":
        click.echo(f"wrote {output} (available_land, parcel_availability)", err=True)
    elif output is not None:
        result.to_geopackage(output, overwrite=overwrite)
        layers = "available_land" + (", parcel_availability" if result.parcels is not None else "")
        click.echo(f"wrote {output} ({layers})", err=True)
    click.echo(result.render(fmt, lang), nl=False)
