"""Where a scenario changes the land: pieces whose waterfall category differs from the base.

For a park with clusters, the waterfall's land of each category (``Availability.waterfall``)
of the base and of the scenario are overlaid: every piece where the two categories differ
is a change, with ``from_category`` and ``to_category``. Land in one park's gross area but
not the other's (a scenario that moves a cluster edge) has the category ``not_in_park``
on the side that lacks it. For a parcels-only park (no waterfall geometry) the changes are
the available land gained and lost (the other side is ``not_available``).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["NOT_AVAILABLE", "NOT_IN_PARK", "changed_land"]

#: The category of land outside one of the two parks' gross area.
NOT_IN_PARK = "not_in_park"
#: The other side of a change in a parcels-only park.
NOT_AVAILABLE = "not_available"

_MIN_AREA_M2 = 1e-6  # slivers of floating-point noise between identical edges


def _by_category(result) -> gpd.GeoDataFrame:
    waterfall = result.waterfall
    waterfall = waterfall[waterfall["category"].isin(result.categories)]
    merged = waterfall.dissolve(by="category", as_index=False)[["category", "geometry"]]
    return merged[~merged.geometry.is_empty].reset_index(drop=True)


def _pieces(base: gpd.GeoDataFrame, other: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    rows = []
    for a_cat, a_geom in zip(base["category"], base.geometry, strict=True):
        for b_cat, b_geom in zip(other["category"], other.geometry, strict=True):
            if a_cat == b_cat or not a_geom.intersects(b_geom):
                continue
            piece = shapely.intersection(a_geom, b_geom)
            rows.append((a_cat, b_cat, piece))
    a_all = shapely.union_all(np.asarray(base.geometry.array))
    b_all = shapely.union_all(np.asarray(other.geometry.array))
    for cat, geom in zip(base["category"], base.geometry, strict=True):
        rows.append((cat, NOT_IN_PARK, shapely.difference(geom, b_all)))
    for cat, geom in zip(other["category"], other.geometry, strict=True):
        rows.append((NOT_IN_PARK, cat, shapely.difference(geom, a_all)))
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["from_category", "to_category", "geometry"]),
        geometry="geometry",
        crs=crs,
    )


def changed_land(base, scenario) -> gpd.GeoDataFrame:
    """The land whose category differs between two availability results.

    Parameters
    ----------
    base, scenario : Availability
        The base's and the scenario's availability.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per (from, to) pair that changes: ``from_category``, ``to_category``,
        ``change`` (``gained`` where the scenario has more available land, ``lost``
        where less, ``moved`` between two other categories) and ``area_m2``.

    Notes
    -----
    Gained minus lost available land equals the change of the total ``available_m2``
    (tested to 1e-6 relative): the waterfalls count every square metre once.
    """
    crs = base.crs
    if base.waterfall is not None and scenario.waterfall is not None:
        frame = _pieces(_by_category(base), _by_category(scenario), crs)
    else:
        a = gpd.GeoDataFrame({"category": ["available"]}, geometry=[_union(base.land)], crs=crs)
        b = gpd.GeoDataFrame({"category": ["available"]}, geometry=[_union(scenario.land)], crs=crs)
        frame = gpd.GeoDataFrame(
            {
                "from_category": ["available", NOT_AVAILABLE],
                "to_category": [NOT_AVAILABLE, "available"],
            },
            geometry=[
                shapely.difference(a.geometry.iloc[0], b.geometry.iloc[0]),
                shapely.difference(b.geometry.iloc[0], a.geometry.iloc[0]),
            ],
            crs=crs,
        )
    frame["area_m2"] = frame.geometry.area
    frame = frame[frame["area_m2"] > _MIN_AREA_M2].reset_index(drop=True)
    frame["change"] = np.where(
        frame["to_category"] == "available",
        "gained",
        np.where(frame["from_category"] == "available", "lost", "moved"),
    )
    return frame[["from_category", "to_category", "change", "area_m2", "geometry"]]


def _union(land: gpd.GeoDataFrame):
    return shapely.union_all(np.asarray(land.geometry.array)) if len(land) else shapely.Polygon()
