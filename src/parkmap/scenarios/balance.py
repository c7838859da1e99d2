"""The 用地平衡表: the park's land by 2023 用地用海 class, in 公顷 and as a share.

The land counted is the availability waterfall's gross area (the clusters, or the
parcels of a parcels-only park), so the table's total is the waterfall's ``gross_m2``.
Each square metre goes to the first layer that gives it a class, in this order:

1. the branch roads a layout inserts (when a layout is given);
2. road rights-of-way (centreline buffered by half the red line) of the statuses the
   availability rules claim, classed by ``road_class``;
3. parcels, by their ``landuse_code`` (a parcel's planned use is kept under a plot);
4. the layout's plots, by their sub-park's ``landuse_code`` (land no parcel codes);
5. constraints whose kind implies a class (water, farmland, cropland, forest);
6. what is left is *unclassified*: the data give it no land use.

The classes of roads, inserted roads and constraint kinds are data
(``data/landuse_balance.csv``, with sources). The classes are grouped under their
level-1 class (一级类), as planners print the table.
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parkmap._data import read_table
from parkmap._geometry import right_of_way
from parkmap.landuse import landuse_classes, lookup_code
from parkmap.park import Park
from parkmap.schema import feature_ids

__all__ = ["UNCLASSIFIED", "balance_steps", "landuse_balance"]

#: The ``code`` of land no layer classifies.
UNCLASSIFIED = "unclassified"


@cache
def _class_table() -> dict[tuple[str, str], str]:
    table = read_table("landuse_balance.csv")
    return {(r.layer, r.value): r.code for r in table.itertuples(index=False)}


def _code(value) -> str | None:
    found = lookup_code(value)
    return None if found is None else found.code


def balance_steps(park: Park, availability, layout=None) -> list[tuple[str, np.ndarray, list]]:
    """The classifying layers in order: (name, geometries, 2023 code or None per feature)."""
    classes = _class_table()
    steps = []
    if layout is not None:
        roads = layout.roads
        if len(roads):
            codes = [classes.get(("layout_roads", str(c))) for c in roads["road_class"]]
            steps.append(("layout_roads", right_of_way(roads), codes))
    roads = park.get("roads")
    if roads is not None and len(roads):
        roads = roads[roads["status"].isin(availability.rules.road_statuses)].reset_index(drop=True)
        codes = [classes.get(("roads", str(c))) for c in roads["road_class"]]
        steps.append(("roads", right_of_way(roads), codes))
    parcels = park.get("parcels")
    if parcels is not None and len(parcels):
        codes = [_code(c) for c in parcels["landuse_code"]]
        steps.append(("parcels", np.asarray(parcels.geometry.array), codes))
    if layout is not None:
        plots = layout.plots
        if len(plots):
            subparks = park["subparks"]
            by_id = dict(zip(feature_ids(subparks), subparks["landuse_code"], strict=True))
            codes = [_code(by_id.get(s)) for s in plots["subpark"]]
            steps.append(("layout_plots", np.asarray(plots.geometry.array), codes))
    constraints = park.get("constraints")
    if constraints is not None and len(constraints):
        codes = [classes.get(("constraints", str(k))) for k in constraints["kind"]]
        steps.append(("constraints", np.asarray(constraints.geometry.array), codes))
    return steps


def _gross(park: Park) -> shapely.Geometry:
    clusters = park.get("clusters")
    layer = clusters if clusters is not None and len(clusters) else park.get("parcels")
    if layer is None:
        return shapely.Polygon()
    return shapely.union_all(np.asarray(layer.geometry.array))


def landuse_balance(park: Park, availability, layout=None) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """The 用地平衡表 of a park, with a layout's plan when one is given.

    Parameters
    ----------
    park : Park
        The park.
    availability : Availability
        Its availability (for the road statuses its rules claim).
    layout : Layout, optional
        A layout whose plots and inserted roads are the plan.

    Returns
    -------
    table : pandas.DataFrame
        One row per class present, in code order, then ``unclassified``: ``code``,
        ``name_zh``, ``name_en``, ``group`` (the level-1 code), ``group_zh``,
        ``group_en``, ``area_m2`` and ``share`` (of the total; the shares sum to 1).
    land : geopandas.GeoDataFrame
        The land of each class (``code``, ``geometry``), for maps.

    Examples
    --------
    >>> import parkmap
    >>> park = parkmap.datasets.load("dianjiang")
    >>> table, _ = landuse_balance(park, parkmap.availability(park))
    >>> round(float(table["share"].sum()), 9)
    1.0
    """
    remaining = _gross(park)
    areas: dict[str, float] = {}
    pieces: dict[str, list] = {}
    for _name, geoms, codes in balance_steps(park, availability, layout):
        codes = np.asarray([c if c else "" for c in codes], dtype=object)
        for code in sorted(set(codes) - {""}):
            if remaining.is_empty:
                break
            claim = shapely.union_all(geoms[codes == code])
            taken = shapely.intersection(claim, remaining)
            if taken.is_empty:
                continue
            areas[code] = areas.get(code, 0.0) + taken.area
            pieces.setdefault(code, []).append(taken)
            remaining = shapely.difference(remaining, claim)
    areas[UNCLASSIFIED] = remaining.area
    pieces[UNCLASSIFIED] = [remaining]
    return _table(areas), _land(pieces, park)


def _table(areas: dict[str, float]) -> pd.DataFrame:
    names = landuse_classes()
    total = sum(areas.values())
    rows = []
    for code in [*sorted(c for c in areas if c != UNCLASSIFIED), UNCLASSIFIED]:
        if code == UNCLASSIFIED:
            zh, en, group, gzh, gen = (
                "未分类（数据未赋用途）",
                "unclassified (no land use in the data)",
                UNCLASSIFIED,
                "未分类",
                "unclassified",
            )
        else:
            zh, en = names.loc[code, "name_zh"], names.loc[code, "name_en"]
            group = code[:2]
            gzh, gen = names.loc[group, "name_zh"], names.loc[group, "name_en"]
        rows.append(
            {
                "code": code,
                "name_zh": zh,
                "name_en": en,
                "group": group,
                "group_zh": gzh,
                "group_en": gen,
                "area_m2": areas[code],
                "share": areas[code] / total if total else 0.0,
            }
        )
    return pd.DataFrame(rows)


def _land(pieces: dict[str, list], park: Park) -> gpd.GeoDataFrame:
    codes = list(pieces)
    geoms = [shapely.union_all(pieces[c]) for c in codes]
    return gpd.GeoDataFrame({"code": codes}, geometry=geoms, crs=park.crs)
