"""OpenStreetMap extracts (``.osm.pbf``, ``.osm``) as park layers.

Three things of an OSM extract make a park: ``landuse=industrial`` areas (read as the
park's clusters, the areas the analysis covers), buildings, and roads. OSM tags are
translated through data tables with sources: ``osm_highway.csv`` (highway class →
road class; footways, service roads and tracks are left out) and ``osm_building.csv``
(building type → kind, with default storeys and storey height where
``building:levels`` is not mapped). OSM has no right-of-way widths, so every road gets
the default red line of its class (``road_classes.csv``). Every default and every
inferred value is counted in :attr:`OsmLayers.notes`.

GDAL's OSM driver reads the file; its custom node index is switched off, since it
refuses extracts whose node ids are not sorted (GDAL's own message, "Non increasing
node id. Use OSM_USE_CUSTOM_INDEXING=NO", would not help a planner).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from parkmap._data import read_table
from parkmap.errors import DataFileError

__all__ = ["OsmLayers", "read_osm"]

_OPEN = {"USE_CUSTOM_INDEXING": "NO"}


@dataclass
class OsmLayers:
    """Park layers read from an OSM extract.

    Attributes
    ----------
    layers : dict of str to geopandas.GeoDataFrame
        ``clusters``, ``buildings`` and ``roads`` (those with features), in WGS84.
    notes : list of str
        What was inferred or defaulted, with counts.
    """

    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _read(path: Path, layer: str, columns: list[str], where: str) -> gpd.GeoDataFrame:
    try:
        return pyogrio.read_dataframe(
            path, layer=layer, columns=columns, where=where, on_invalid="ignore", **_OPEN
        )
    except Exception as err:
        text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DataFileError(
            f"{path}: cannot be read as an OpenStreetMap extract ({text})"
        ) from None


def _tag(other_tags: pd.Series, key: str) -> pd.Series:
    """Value of one tag from GDAL's ``other_tags`` hstore text, vectorised."""
    pattern = rf'"{key}"=>"([^"]*)"'
    return other_tags.astype("string").str.extract(pattern, expand=False)


def _dropped_geometries(gdf: gpd.GeoDataFrame, notes: list[str], what: str) -> gpd.GeoDataFrame:
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        notes.append(
            f"{int(missing.sum())} OSM {what} with a broken outline (unclosed or "
            "incomplete in the extract) left out"
        )
    return gdf.loc[~missing].reset_index(drop=True)


def _ids(gdf: gpd.GeoDataFrame, prefix: str) -> pd.Series:
    ids = gdf["osm_id"].astype("string") if "osm_id" in gdf else None
    if "osm_way_id" in gdf:
        way = "w" + gdf["osm_way_id"].astype("string")
        rel = "r" + gdf["osm_id"].astype("string")
        ids = way.where(gdf["osm_way_id"].notna(), rel)
    elif ids is not None:
        ids = "w" + ids
    return prefix + ids.fillna("?").astype(str)


def _clusters(path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    gdf = _read(path, "multipolygons", ["osm_id", "osm_way_id", "name"], "landuse = 'industrial'")
    gdf = _dropped_geometries(gdf, notes, "industrial areas")
    if not len(gdf):
        return gdf
    ids = _ids(gdf, "osm-")
    names = gdf["name"].where(gdf["name"].notna(), "industrial area " + ids.str[4:])
    unnamed = int(gdf["name"].isna().sum())
    notes.append(
        f"{len(gdf)} OSM landuse=industrial area(s) read as clusters"
        + (f"; {unnamed} without a name are named by their OSM id" if unnamed else "")
    )
    return gpd.GeoDataFrame(
        {"id": ids, "name_zh": names, "source": f"{path.name}:landuse=industrial"},
        geometry=gdf.geometry.array,
        crs=gdf.crs,
    )


def _buildings(path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    gdf = _read(
        path,
        "multipolygons",
        ["osm_id", "osm_way_id", "name", "building", "other_tags"],
        "building IS NOT NULL",
    )
    gdf = _dropped_geometries(gdf, notes, "buildings")
    if not len(gdf):
        return gdf
    table = read_table("osm_building.csv").set_index("building")
    known = gdf["building"].where(gdf["building"].isin(table.index), "*")
    rows = table.loc[known.to_numpy()]
    levels = pd.to_numeric(_tag(gdf["other_tags"], "building:levels"), errors="coerce")
    levels = levels.where(levels >= 1).round()
    default_storeys = pd.Series(rows["default_storeys"].astype(int).to_numpy(), index=gdf.index)
    storeys = levels.fillna(default_storeys).astype(int)
    n_default = int(levels.isna().sum())
    notes.append(
        f"{len(gdf)} OSM building(s) read as built; kind from building=* "
        f"(osm_building.csv); storeys: the default of the building type for {n_default} "
        f"without building:levels; storey height: the default of the building type for all"
    )
    return gpd.GeoDataFrame(
        {
            "id": _ids(gdf, "osm-"),
            "name_zh": gdf["name"],
            "kind": rows["kind"].to_numpy(),
            "storeys": storeys.to_numpy(),
            "storey_height_m": rows["default_storey_height_m"].astype(float).to_numpy(),
            "status": "built",
            "source": f"{path.name}:building",
        },
        geometry=gdf.geometry.array,
        crs=gdf.crs,
    )


def _roads(path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    gdf = _read(path, "lines", ["osm_id", "name", "highway"], "highway IS NOT NULL")
    if not len(gdf):
        return gdf
    table = read_table("osm_highway.csv").set_index("highway")
    widths = read_table("road_classes.csv").set_index("road_class")["default_red_line_m"]
    kept = table.index[table["keep"] == "yes"]
    keep = gdf["highway"].isin(kept)
    left = gdf.loc[~keep, "highway"].value_counts()
    if len(left):
        parts = ", ".join(f"{n} {h}" for h, n in left.items())
        notes.append(f"{int(left.sum())} OSM way(s) that are not public roads left out ({parts})")
    gdf = gdf.loc[keep].reset_index(drop=True)
    gdf = gdf.loc[~(gdf.geometry.isna() | gdf.geometry.is_empty)].reset_index(drop=True)
    if not len(gdf):
        return gdf
    road_class = table.loc[gdf["highway"].to_numpy(), "road_class"].to_numpy()
    red_line = widths.loc[road_class].astype(float).to_numpy()
    per_class = pd.Series(road_class).value_counts()
    defaults = ", ".join(
        f"{per_class[c]} {c} {float(widths[c]):g} m" for c in widths.index if c in per_class
    )
    notes.append(
        f"{len(gdf)} OSM road(s) read as built; road class from highway=* (osm_highway.csv); "
        f"red-line width: the default of the class for all, as OSM maps none ({defaults})"
    )
    return gpd.GeoDataFrame(
        {
            "id": "osm-w" + gdf["osm_id"].astype("string").fillna("?").astype(str),
            "name_zh": gdf["name"],
            "road_class": road_class,
            "red_line_m": red_line,
            "status": "built",
            "source": f"{path.name}:highway",
        },
        geometry=shapely.force_2d(np.asarray(gdf.geometry.array, dtype=object)),
        crs=gdf.crs,
    )


def read_osm(path) -> OsmLayers:
    """Read an OpenStreetMap extract into park layers.

    Parameters
    ----------
    path : path-like
        An ``.osm.pbf`` or ``.osm`` file.

    Returns
    -------
    OsmLayers
        The layers that have features, and the notes on what was inferred.

    Raises
    ------
    parkmap.errors.DataFileError
        If the file cannot be read, or holds no industrial area, building or road.
    """
    path = Path(path)
    result = OsmLayers()
    for name, build in (("clusters", _clusters), ("buildings", _buildings), ("roads", _roads)):
        gdf = build(path, result.notes)
        if len(gdf):
            result.layers[name] = gdf
    if not result.layers:
        raise DataFileError(
            f"{path}: no landuse=industrial area, building or road in this OpenStreetMap extract"
        )
    return result
