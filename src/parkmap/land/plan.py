"""The availability plan: a park and its rules as the units and claiming steps of the waterfall."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parkmap._geometry import digitising_tolerance_m2, right_of_way
from parkmap.errors import DataFileError
from parkmap.land.rules import AvailabilityRules
from parkmap.land.waterfall import (
    ClaimLayer,
    Step,
    claim_layer,
)
from parkmap.park import Park
from parkmap.schema import feature_ids

if TYPE_CHECKING:
    pass


__all__ = [
    "Plan",
    "claim_steps",
    "committing",
    "geoms_of",
    "make_plan",
    "parcel_status",
    "park_layer",
    "tile_m",
    "with_whole",
]

log = logging.getLogger("parkmap")


# -- building the steps from a park ------------------------------------------------------
def park_layer(park: Park, name: str) -> gpd.GeoDataFrame | None:
    """A layer of the park, or None when it is missing or empty."""
    gdf = park.get(name)
    return gdf if gdf is not None and len(gdf) else None


def status_in(gdf: gpd.GeoDataFrame | None, values, column: str = "status") -> np.ndarray:
    if gdf is None or column not in gdf.columns:
        return np.zeros(0 if gdf is None else len(gdf), dtype=bool)
    return gdf[column].astype(str).isin(list(values)).to_numpy()


def geoms_of(gdf: gpd.GeoDataFrame | None, mask: np.ndarray | None = None) -> np.ndarray:
    """The geometries of a layer (those where ``mask`` is true) as an object array."""
    if gdf is None:
        return np.empty(0, dtype=object)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    return geoms if mask is None else geoms[mask]


def constraint_geoms(park: Park, rules: AvailabilityRules) -> tuple[np.ndarray, np.ndarray]:
    """Buffered hard and conditional constraint polygons."""
    gdf = park_layer(park, "constraints")
    if gdf is None:
        return np.empty(0, dtype=object), np.empty(0, dtype=object)
    kind = gdf["kind"].astype(str)
    flag = gdf["hard"].astype(bool) if "hard" in gdf.columns else pd.Series(True, index=gdf.index)
    hard = (kind.isin(rules.hard_kinds) | (~kind.isin(rules.conditional_kinds) & flag)).to_numpy()
    own = pd.to_numeric(gdf.get("buffer_m"), errors="coerce") if "buffer_m" in gdf else 0.0
    floor = kind.map(dict(rules.buffer_m)).astype(float).fillna(0.0)
    if "control_line" in gdf:  # the local rules' control line of the feature (power line…)
        line = gdf["control_line"].astype(object).where(gdf["control_line"].notna(), "")
        floor = np.maximum(floor, line.map(dict(rules.control_line_m)).astype(float).fillna(0.0))
    buffer_m = np.maximum(pd.Series(own, index=gdf.index).fillna(0.0), floor).to_numpy()
    geoms = geoms_of(gdf)
    buffered = geoms.copy()
    grow = buffer_m > 0
    buffered[grow] = shapely.buffer(geoms[grow], buffer_m[grow])
    return buffered[hard], buffered[~hard]


def control_bands(roads: gpd.GeoDataFrame | None, rules: AvailabilityRules) -> np.ndarray:
    """Control bands along roads of the classes the rules name (flat ends), as polygons."""
    if roads is None or not len(roads) or not rules.road_control_band_m:
        return np.empty(0, dtype=object)
    width = roads["road_class"].astype(str).map(dict(rules.road_control_band_m))
    keep = width.notna().to_numpy() & status_in(roads, rules.road_statuses)
    if not keep.any():
        return np.empty(0, dtype=object)
    lines = geoms_of(roads, keep)
    return np.asarray(shapely.buffer(lines, width[keep].to_numpy(dtype=float), cap_style="flat"))


def committing(park: Park, rules: AvailabilityRules) -> set | None:
    """Ids of the projects whose status commits their land (None: no projects layer)."""
    projects = park_layer(park, "projects")
    if projects is None:
        return None
    return set(feature_ids(projects)[status_in(projects, rules.committed_project_statuses)])


def parcel_status(
    parcels: gpd.GeoDataFrame | None, committing: set | None, rules: AvailabilityRules
) -> dict[str, np.ndarray]:
    """Parcels whose own status claims them: ``built``, and ``committed`` (not built).

    Committed: a committed status, or reserved for a project with a committing status.
    """
    built = status_in(parcels, rules.built_parcel_statuses)
    committed = status_in(parcels, rules.committed_parcel_statuses)
    if parcels is not None and committing is not None and "project" in parcels.columns:
        reserved = parcels["status"].astype(str).eq("reserved").to_numpy()
        named = parcels["project"].astype(object).isin(committing).to_numpy()
        committed = committed | (reserved & named)
    return {"built": built, "committed": committed & ~built}


@dataclass
class Plan:
    """The units and steps of one availability run."""

    mode: str  # "clusters" or "parcels"
    units: np.ndarray
    steps: list[Step]
    conditional: ClaimLayer | None


def tile_m(area_m2: np.ndarray) -> float:
    """Tile size for large claimers, m: a few units wide, from the units' areas."""
    side = np.sqrt(np.median(area_m2)) if len(area_m2) else 0.0
    return max(200.0, 8.0 * float(side))


def make_plan(park: Park, rules: AvailabilityRules) -> Plan:
    """The units (clusters or parcels) and claiming steps of a park under ``rules``."""
    clusters, parcels = park_layer(park, "clusters"), park_layer(park, "parcels")
    if clusters is not None:
        mode, units = "clusters", disjoint(geoms_of(clusters), feature_ids(clusters))
    elif parcels is not None:
        mode, units = "parcels", geoms_of(parcels)
    else:
        raise DataFileError(
            f"{park.source or park.name}: availability needs a 'clusters' or a 'parcels' layer"
        )
    steps, conditional = claim_steps(park, rules, mode, tile_m(shapely.area(units)))
    whole = parcel_status(parcels, committing(park, rules), rules) if mode == "parcels" else {}
    return Plan(mode, units, with_whole(steps, whole, len(units)), conditional)


def with_whole(steps: list[Step], whole: dict[str, np.ndarray], n_units: int) -> list[Step]:
    """The steps with the units each claims whole: by own status, or all of them.

    ``whole`` maps a category to a mask of the units its step claims whole (a parcel's
    own status); a step that keeps what its layer covers (the boundary) but has no layer
    claims every unit.
    """
    out = []
    for step in steps:
        if step.keep and step.layer is None:
            out.append(Step(step.category, whole=np.ones(n_units, dtype=bool)))
        else:
            out.append(Step(step.category, step.layer, step.keep, whole.get(step.category)))
    return out


#: The layers each claiming step takes its land from.
STEP_LAYERS = {
    "outside_boundary": ("boundary",),
    "constraints": ("constraints", "boundary"),
    "roads": ("roads",),
    "built": ("buildings", "parcels"),
    "committed": ("buildings", "parcels", "projects"),
}


def skipped_steps(park: Park, rules: AvailabilityRules) -> list[str]:
    """One note per waterfall step that could not be computed: its layers are missing.

    A skipped step claims nothing, so its land counts as available: every output says
    so (caption line, JSON ``notes``, map panel).

    Examples
    --------
    >>> import parkmap
    >>> from parkmap.land.rules import load_rules
    >>> park = parkmap.datasets.load("dianjiang")
    >>> skipped_steps(park, load_rules())
    []
    """
    notes = []
    for step in rules.order:
        layers = STEP_LAYERS.get(step)
        if layers and all(park_layer(park, name) is None for name in layers):
            what = " or ".join(layers)
            notes.append(
                f"step {step!r} not computed: the park has no {what} layer, so none of its "
                "land is subtracted and it counts as available"
            )
    return notes


def claim_steps(
    park: Park, rules: AvailabilityRules, mode: str, tile_m: float
) -> tuple[list[Step], ClaimLayer | None]:
    """The claiming steps in the rules' order (their layers, no unit masks yet).

    Returns the steps and the conditional layer. In a parcels-only park (``mode``
    ``"parcels"``) the parcels' own statuses are not in the layers: see
    :func:`with_whole`.
    """
    parcels = park_layer(park, "parcels")

    def layer(*parts: np.ndarray) -> ClaimLayer | None:
        return claim_layer(np.concatenate([np.asarray(p, dtype=object) for p in parts]), tile_m)

    boundary = park_layer(park, "boundary")
    hard, soft = constraint_geoms(park, rules)
    roads = park_layer(park, "roads")
    hard = np.concatenate([hard, control_bands(roads, rules)])
    buildings = park_layer(park, "buildings")
    projects = park_layer(park, "projects")
    zone_geoms = {
        key: geoms_of(boundary, status_in(boundary, zones, "zone"))
        for key, zones in (
            ("inside", rules.boundary_zones),
            ("hard", rules.hard_zones),
            ("conditional", rules.conditional_zones),
        )
    }
    built = [geoms_of(buildings, status_in(buildings, rules.built_building_statuses))]
    committed = [
        geoms_of(buildings, status_in(buildings, rules.committed_building_statuses)),
        geoms_of(projects, status_in(projects, rules.committed_project_statuses)),
    ]
    if mode == "clusters":
        status = parcel_status(parcels, committing(park, rules), rules)
        built.append(geoms_of(parcels, status["built"]))
        committed.append(geoms_of(parcels, status["committed"]))
    steps_by_name = {
        "outside_boundary": Step(
            "outside_boundary",
            layer(zone_geoms["inside"]) if boundary is not None else None,
            keep=boundary is not None,
        ),
        "constraints": Step("constraints", layer(hard, zone_geoms["hard"])),
        "roads": Step(
            "roads",
            layer(right_of_way(roads[status_in(roads, rules.road_statuses)]))
            if roads is not None
            else None,
        ),
        "built": Step("built", layer(*built)),
        "committed": Step("committed", layer(*committed)),
    }
    steps = [steps_by_name[name] for name in rules.order if name != "fragments"]
    return steps, layer(soft, zone_geoms["conditional"])


def disjoint(geoms: np.ndarray, ids: pd.Series) -> np.ndarray:
    """Units that do not overlap: each cluster minus the ones before it."""
    out = geoms.copy()
    for i in range(1, len(out)):
        earlier = shapely.union_all(geoms[:i])
        overlap = shapely.area(shapely.intersection(out[i], earlier))
        if overlap > digitising_tolerance_m2():
            log.warning(
                "cluster %s overlaps an earlier cluster by %.0f m²; counted in the earlier one",
                ids.iloc[i],
                overlap,
            )
        if overlap > 0:  # below the tolerance: digitising noise, removed without a word
            out[i] = shapely.difference(out[i], earlier)
    return out
