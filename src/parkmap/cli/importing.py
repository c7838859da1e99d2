"""``parkmap import``: planners' own files into a park GeoPackage."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

import parkmap
from parkmap.cli.options import (
    check_gpkg,
    check_output,
    overwrite_option,
)
from parkmap.errors import DataFileError

__all__ = ["import_"]

log = logging.getLogger("parkmap")


_IMPORT_EXAMPLES = """\b
Examples:
  parkmap import 地类图斑.shp 总图.dxf --s-srs EPSG:4524 -o park.gpkg
  parkmap import bureau/ --mapping mapping.toml -o park.gpkg --overwrite
  parkmap export -o dianjiang.gpkg && parkmap import dianjiang.gpkg -o copy.gpkg
"""


@click.command("import", epilog=_IMPORT_EXAMPLES)
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
@click.option(
    "--write-mapping",
    "write_mapping",
    type=click.Path(dir_okay=False),
    help="Also write a ready-to-edit mapping file: every source, its target, TODOs.",
)
def import_(
    sources,
    output,
    mapping,
    s_srs,
    t_srs,
    from_gcj02,
    encoding,
    swap_xy,
    overwrite,
    as_json,
    write_mapping,
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
    check_gpkg(output, "import")
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
            write_mapping=write_mapping,
        )
    finally:
        log.setLevel(level)
        if write_mapping and Path(write_mapping).is_file():
            click.echo(f"wrote {write_mapping}: fill its TODOs, then --mapping {write_mapping}")
    park.save(output, overwrite=overwrite)
    if as_json:
        import json

        data = {**found.to_dict(), "validation": [p.__dict__ for p in park.problems]}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for line in found.lines() + [str(p) for p in park.problems]:
            click.echo(line, err=True)
    errors = [p for p in found.problems + park.problems if p.severity == "error"]
    if any(p.message == "required column is missing" for p in errors) and not write_mapping:
        again = " ".join(["parkmap", "import", *sources, "-o", output, "--overwrite"])
        click.echo(
            "columns are missing: write them into one file with\n  "
            f"{again} --write-mapping mapping.toml\nthen fill its TODOs and import with "
            "--mapping mapping.toml",
            err=True,
        )
    counts = ", ".join(f"{name}={len(gdf)}" for name, gdf in park.layers.items())
    click.echo(
        f"wrote {output} ({counts}; {park.crs.to_string()}): {len(errors)} error(s)"
        + ("; fix them, then `parkmap check --data " + output + "`" if errors else ""),
        err=True,
    )
    if errors:
        sys.exit(1)
