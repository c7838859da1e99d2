"""Land supply: the plots of a layout and which of them may form one group.

Two plots of one sub-park are neighbours when they share at least ``min_contact_m`` of
boundary, or when they face each other across a branch road the layout inserted (the
group that takes both absorbs that stretch of road). Existing park roads are never
absorbed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parkmap.errors import DataFileError

__all__ = ["Supply", "plot_supply"]

_M2_PER_MU = 10_000 / 15
#: Geometric tolerance, m: gaps this small are digitising noise.
_TOL_M = 0.5


@dataclass
class Supply:
    """Plots and their neighbour graph.

    Attributes
    ----------
    plots : geopandas.GeoDataFrame
        ``id``, ``subpark``, ``area_mu``, ``far`` (NaN when the layout has none), geometry.
    neighbours : list of set of int
        Neighbours of each plot (positions in ``plots``).
    absorbed_m2 : dict
        ``{(i, j): m²}`` of inserted road between plots facing across it (i < j).
    source : str
        Where the plots came from.
    """

    plots: gpd.GeoDataFrame
    neighbours: list[set[int]]
    absorbed_m2: dict[tuple[int, int], float] = field(default_factory=dict)
    source: str = ""


def _layers_of(layout) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, str]:
    if isinstance(layout, (str, os.PathLike)):
        import pyogrio

        path = os.fspath(layout)
        try:
            names = [str(n) for n, _ in pyogrio.list_layers(path)]
        except Exception as err:  # pyogrio raises its own DataSourceError
            raise DataFileError(f"{path}: cannot open as a layout GeoPackage ({err})") from err
        if "plots" not in names:
            raise DataFileError(f"{path}: no 'plots' layer (write one with parkmap layout -o)")
        plots = gpd.read_file(path, layer="plots")
        roads = gpd.read_file(path, layer="layout_roads") if "layout_roads" in names else None
        return plots, roads, path
    if isinstance(layout, gpd.GeoDataFrame):
        return layout, None, "plots given as a GeoDataFrame"
    plots = getattr(layout, "plots", None)
    if not isinstance(plots, gpd.GeoDataFrame):
        raise TypeError("layout must be a Layout, a plots GeoDataFrame or a GeoPackage path")
    return plots, getattr(layout, "roads", None), "the layout given"


def plot_supply(layout, crs, *, min_contact_m: float) -> Supply:
    """Plots of ``layout`` in the park's CRS with their neighbour graph.

    Parameters
    ----------
    layout : Layout, geopandas.GeoDataFrame or path-like
        A :class:`parkmap.Layout`, its ``plots`` frame, or a GeoPackage written by
        ``Layout.save`` (layers ``plots`` and ``layout_roads``).
    crs : pyproj.CRS or str
        The park's metric CRS; plots in another CRS are projected to it.
    min_contact_m : float
        Shared boundary, m, for two plots to count as touching.

    Raises
    ------
    parkmap.errors.DataFileError
        When the plots lack ``id`` or ``subpark``, or ids repeat.
    """
    plots, roads, source = _layers_of(layout)
    missing = [c for c in ("id", "subpark") if c not in plots.columns]
    if missing:
        raise DataFileError(f"{source}: plots lack column(s) {', '.join(missing)}")
    if plots.crs is not None and crs is not None and plots.crs != crs:
        plots = plots.to_crs(crs)
        roads = roads.to_crs(crs) if roads is not None and roads.crs is not None else roads
    keep = [c for c in ("id", "subpark", "subpark_name", "far") if c in plots.columns]
    out = gpd.GeoDataFrame(plots[keep].copy(), geometry=plots.geometry.array, crs=plots.crs)
    out["id"] = out["id"].astype(str)
    out["subpark"] = out["subpark"].astype(str)
    if out["id"].duplicated().any():
        raise DataFileError(
            f"{source}: plot id {out['id'][out['id'].duplicated()].iloc[0]!r} repeats"
        )
    if "far" not in out.columns:
        out["far"] = np.nan
    out["area_mu"] = shapely.area(out.geometry.array) / _M2_PER_MU
    out = out.sort_values("id", kind="stable").reset_index(drop=True)
    neighbours, absorbed = _graph(out, roads, min_contact_m)
    return Supply(out, neighbours, absorbed, source)


def _graph(plots: gpd.GeoDataFrame, roads, min_contact_m: float):
    n = len(plots)
    neighbours: list[set[int]] = [set() for _ in range(n)]
    absorbed: dict[tuple[int, int], float] = {}
    if n == 0:
        return neighbours, absorbed
    geoms = np.asarray(plots.geometry.array, dtype=object)
    subpark = plots["subpark"].to_numpy()
    row_lines, row_polys, reach = _inserted_roads(roads)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=reach + _TOL_M)
    keep = (left < right) & (subpark[left] == subpark[right])
    left, right = left[keep], right[keep]
    gap = shapely.distance(geoms[left], geoms[right])
    near = gap <= _TOL_M
    grown = shapely.buffer(geoms, _TOL_M)
    contact = np.zeros(len(left))
    contact[near] = shapely.length(
        shapely.intersection(shapely.boundary(geoms[right[near]]), grown[left[near]])
    )
    for i, j, c, is_near, g in zip(left, right, contact, near, gap, strict=True):
        if is_near:
            if c >= min_contact_m:
                neighbours[i].add(int(j))
                neighbours[j].add(int(i))
            continue
        area = _across(geoms[i], geoms[j], g, row_lines, row_polys, min_contact_m)
        if area is not None:
            neighbours[i].add(int(j))
            neighbours[j].add(int(i))
            absorbed[(int(i), int(j))] = area
    return neighbours, absorbed


def _inserted_roads(roads):
    """Centrelines and rights-of-way of the layout's inserted roads; the widest reach."""
    if roads is None or not len(roads):
        return [], [], 0.0
    width = pd.to_numeric(roads.get("red_line_m"), errors="coerce").fillna(0).to_numpy()
    lines = list(roads.geometry.array)
    polys = [shapely.buffer(g, w / 2, cap_style="flat") for g, w in zip(lines, width, strict=True)]
    return lines, polys, float(width.max()) if len(width) else 0.0


def _across(gi, gj, gap, lines, polys, min_contact_m) -> float | None:
    """Road area absorbed when plots gi and gj face each other across an inserted road."""
    for line, poly in zip(lines, polys, strict=True):
        if not (
            shapely.intersects(poly, gi.buffer(_TOL_M))
            and shapely.intersects(poly, gj.buffer(_TOL_M))
        ):
            continue
        facing = shapely.length(shapely.intersection(gj.boundary, gi.buffer(gap + _TOL_M)))
        if facing < min_contact_m:
            continue
        hull = shapely.convex_hull(shapely.union(gi, gj))
        between = shapely.difference(hull, shapely.union(gi, gj).buffer(_TOL_M))
        if shapely.intersects(between, line):
            return float(shapely.area(shapely.intersection(poly, hull)))
    return None
