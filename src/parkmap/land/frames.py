"""Availability output frames: waterfall results attributed to clusters, sub-parks, parcels."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parkmap.land.rules import CATEGORIES
from parkmap.land.waterfall import (
    WaterfallResult,
    dimensions_m,
    tile,
)
from parkmap.park import Park
from parkmap.schema import feature_ids
from parkmap.units import M2_PER_MU
from parkmap.vocab import display_names

if TYPE_CHECKING:
    pass


from parkmap.land.plan import Plan, geoms_of, park_layer

__all__ = [
    "cluster_outputs",
    "feature_names",
    "first_area",
    "land_frame",
    "overlay_areas",
    "parcel_frame",
    "parcel_outputs",
    "table_columns",
    "table_row",
]

log = logging.getLogger("parkmap")


# -- attributing results -----------------------------------------------------------------
def overlay_areas(targets: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Area of each target inside the (disjoint) ``geoms``, m²."""
    parts = shapely.get_parts(geoms[~shapely.is_empty(geoms)])
    if not len(parts) or not len(targets):
        return np.zeros(len(targets))
    side = np.sqrt(np.median(shapely.area(targets)))
    parts = tile(parts, max(100.0, 8.0 * float(side)))
    part_idx, target_idx = shapely.STRtree(targets).query(parts, predicate="intersects")
    area = shapely.area(shapely.intersection(targets[target_idx], parts[part_idx]))
    return np.bincount(target_idx, weights=area, minlength=len(targets))


def first_area(targets: np.ndarray, areas: np.ndarray) -> np.ndarray:
    """Index of the area each target's representative point lies in (-1: none).

    Where areas overlap, the first one in layer order wins: the smallest index among the
    hits, taken explicitly, since ``STRtree.query`` returns its hits in tree order, not
    in the areas' order (the Dask engine, which queries a spatial subset of the areas
    in the same relative order, then attributes like the local one).
    """
    none = np.iinfo(np.intp).max
    out = np.full(len(targets), none, dtype=np.intp)
    if len(targets) and len(areas):
        point_idx, area_idx = shapely.STRtree(areas).query(
            shapely.point_on_surface(targets), predicate="intersects"
        )
        np.minimum.at(out, point_idx, area_idx)
    out[out == none] = -1
    return out


def feature_names(gdf: gpd.GeoDataFrame) -> tuple[list[str], list[str], list[str]]:
    """Ids and Chinese and English names of a layer's features (names fall back on ids)."""
    ids = feature_ids(gdf)
    zh, en = display_names(gdf, fallback=ids)
    return list(ids), [str(v) for v in zh], [str(v) for v in en]


def table_row(level: str, key: str, name: str, name_en: str, values: dict[str, float]) -> dict:
    """One row of the availability table from the area of each category, m²."""
    row = {"level": level, "key": key, "name": name, "name_en": name_en}
    row.update({f"{c}_m2": float(values[c]) for c in CATEGORIES})
    row["conditional_m2"] = float(values["conditional"])
    row["gross_m2"] = float(sum(values[c] for c in CATEGORIES))
    return row


def table_columns() -> list[str]:
    """The columns of the availability table, in order."""
    return [
        "level",
        "key",
        "name",
        "name_en",
        *(f"{c}_m2" for c in CATEGORIES),
        "conditional_m2",
        "gross_m2",
    ]


def land_frame(
    pieces: np.ndarray, columns: dict[str, object], conditional_m2, dimensions, crs
) -> gpd.GeoDataFrame:
    """The available pieces with their areas, shape measures and the columns given."""
    area = shapely.area(pieces)
    perimeter = shapely.length(pieces)
    with np.errstate(divide="ignore", invalid="ignore"):
        compactness = np.where(perimeter > 0, 4 * np.pi * area / perimeter**2, 0.0)
    frame = {
        "piece": np.arange(len(pieces)),
        **columns,
        "area_m2": area,
        "area_mu": area / M2_PER_MU,
        "conditional_m2": np.asarray(conditional_m2, dtype=float),
        "compactness": compactness,
        "width_m": np.asarray(dimensions[0], dtype=float),
        "length_m": np.asarray(dimensions[1], dtype=float),
    }
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(pieces, crs=crs), crs=crs)


def cluster_outputs(park: Park, plan: Plan, result, areas: dict[str, np.ndarray]):
    """Table, land pieces, parcels and per-category land of a park worked by clusters."""
    clusters = park["clusters"]
    ids, zh, en = feature_names(clusters)
    rows = [
        table_row("cluster", k, z, e, {c: v[i] for c, v in areas.items()})
        for i, (k, z, e) in enumerate(zip(ids, zh, en, strict=True))
    ]
    claimed = dict(result.claimed)
    claimed["conditional"] = result.conditional
    subparks = park_layer(park, "subparks")
    if subparks is not None:
        targets = geoms_of(subparks)
        by_category = {c: overlay_areas(targets, claimed[c]) for c in areas}
        s_ids, s_zh, s_en = feature_names(subparks)
        rows += [
            table_row("subpark", k, z, e, {c: v[i] for c, v in by_category.items()})
            for i, (k, z, e) in enumerate(zip(s_ids, s_zh, s_en, strict=True))
        ]
    totals = {c: v.sum() for c, v in areas.items()}
    rows.append(table_row("total", "total", "合计", "total", totals))
    table = pd.DataFrame(rows, columns=table_columns())

    # the available land, split at sub-park edges
    available = claimed["available"]
    pieces, unit = shapely.get_parts(available, return_index=True)
    subpark_of = np.full(len(pieces), None, dtype=object)
    if subparks is not None and len(pieces):
        s_geoms = geoms_of(subparks)
        split, split_unit, split_sub = [], [], []
        p_idx, s_idx = shapely.STRtree(s_geoms).query(pieces, predicate="intersects")
        cut = shapely.intersection(pieces[p_idx], s_geoms[s_idx])
        for piece, sub, geom in zip(p_idx, s_idx, cut, strict=True):
            for part in shapely.get_parts(geom):
                if shapely.get_type_id(part) == 3 and part.area > 0:
                    split.append(part)
                    split_unit.append(unit[piece])
                    split_sub.append(s_ids[sub])
        union_subparks = shapely.union_all(s_geoms)
        rest = shapely.difference(pieces, union_subparks)
        rest_parts, rest_idx = shapely.get_parts(rest, return_index=True)
        keep = (shapely.get_type_id(rest_parts) == 3) & (shapely.area(rest_parts) > 0)
        pieces = np.concatenate([np.asarray(split, dtype=object), rest_parts[keep]])
        unit = np.concatenate([np.asarray(split_unit, dtype=int), unit[rest_idx[keep]]])
        subpark_of = np.concatenate(
            [np.asarray(split_sub, dtype=object), np.full(keep.sum(), None, dtype=object)]
        )
    conditional = claimed["conditional"]
    conditional_m2 = shapely.area(shapely.intersection(pieces, conditional[unit]))
    land = land_frame(
        pieces,
        {"cluster": np.asarray(ids, dtype=object)[unit], "subpark": subpark_of},
        conditional_m2,
        dimensions_m(pieces),
        park.crs,
    )

    parcels = None
    if park_layer(park, "parcels") is not None:
        targets = geoms_of(park["parcels"])
        per_parcel = {c: overlay_areas(targets, claimed[c]) for c in areas}
        inside = sum(per_parcel[c] for c in CATEGORIES if c in per_parcel)
        per_parcel["outside_boundary"] = per_parcel["outside_boundary"] + np.maximum(
            shapely.area(targets) - inside, 0.0
        )
        parcels = parcel_frame(park["parcels"], per_parcel, park.crs)

    records = []
    for category in [*areas]:
        for i, geom in enumerate(claimed[category]):
            if not shapely.is_empty(geom):
                records.append({"cluster": ids[i], "category": category, "geometry": geom})
    waterfall = gpd.GeoDataFrame(
        records or None, columns=["cluster", "category", "geometry"], crs=park.crs
    )
    waterfall["area_m2"] = waterfall.geometry.area
    return table, land, parcels, waterfall


def parcel_frame(source: gpd.GeoDataFrame, areas: dict[str, np.ndarray], crs) -> gpd.GeoDataFrame:
    """The parcels with the area of each category, m²."""
    keep = [c for c in ("id", "landuse_code", "status", "project") if c in source.columns]
    frame = gpd.GeoDataFrame(source[keep].copy(), geometry=source.geometry, crs=crs)
    for category in CATEGORIES:
        frame[f"{category}_m2"] = areas[category]
    frame["conditional_m2"] = areas["conditional"]
    frame["gross_m2"] = sum(areas[c] for c in CATEGORIES)
    return frame.reset_index(drop=True)


def parcel_outputs(
    parcels: gpd.GeoDataFrame,
    subparks: gpd.GeoDataFrame | None,
    crs,
    result: WaterfallResult,
    areas: dict[str, np.ndarray],
) -> tuple[pd.DataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Table (sub-parks by where each parcel lies, total), available land, parcel frame."""
    parcel_ids = np.asarray(feature_ids(parcels), dtype=object)
    rows = []
    subpark_of_parcel = np.full(len(parcels), None, dtype=object)
    if subparks is not None:
        s_ids, s_zh, s_en = feature_names(subparks)
        where = first_area(geoms_of(parcels), geoms_of(subparks))
        for j, (k, z, e) in enumerate(zip(s_ids, s_zh, s_en, strict=True)):
            mine = where == j
            rows.append(table_row("subpark", k, z, e, {c: v[mine].sum() for c, v in areas.items()}))
        subpark_of_parcel[where >= 0] = np.asarray(s_ids, dtype=object)[where[where >= 0]]
    totals = {c: v.sum() for c, v in areas.items()}
    rows.append(table_row("total", "total", "合计", "total", totals))
    table = pd.DataFrame(rows, columns=table_columns())
    unit = result.piece_unit
    land = land_frame(
        result.pieces,
        {
            "cluster": np.full(len(unit), None, dtype=object),
            "subpark": subpark_of_parcel[unit],
            "parcel": parcel_ids[unit],
        },
        result.piece_conditional_m2,
        (result.piece_width_m, result.piece_length_m),
        crs,
    )
    return table, land, parcel_frame(parcels, areas, crs)
