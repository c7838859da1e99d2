"""Buildings in plots: packing, the office block, setbacks, fire spacing and fire lanes."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parkmap._geometry import right_of_way
from parkmap.siteplan.fire import check_lanes, needs_fire_lanes
from parkmap.siteplan.plots import Block
from parkmap.siteplan.rulebook import Rulebook
from parkmap.siteplan.standards import BuildingTemplate, fire_spacing_m

__all__ = [
    "Placed",
    "enforce_spacing",
    "plot_buildings",
    "setback_columns",
    "with_lanes",
]

log = logging.getLogger("parkmap")


@dataclass
class Placed:
    """A building placed in a plot, in the block's local frame.

    Attributes
    ----------
    box : shapely.Polygon
        Its footprint (local frame).
    template : BuildingTemplate or None
        Its template (None for an existing building of the park).
    fire_class : str
        Its class in ``fire_classes.csv`` after the high-rise rule.
    """

    box: object  # local polygon
    template: BuildingTemplate | None
    fire_class: str


def _clear_of_edges(boxes, edges, sx: float, sy: float, margins: tuple[float, float]):
    """Which boxes keep the face setbacks from ``edges`` (non-road plot edges).

    A box whose long side runs along x keeps ``margins[0]`` (long faces) in y and
    ``margins[1]`` (gables) in x, and the other way round.
    """
    if edges.is_empty or not len(boxes):
        return np.ones(len(boxes), dtype=bool)
    main, gable = margins
    dx, dy = (gable, main) if sx >= sy else (main, gable)
    b = shapely.bounds(boxes)
    grown = shapely.box(b[:, 0] - dx, b[:, 1] - dy, b[:, 2] + dx, b[:, 3] + dy)
    return ~shapely.intersects(grown, edges)


def _fitting(region, x, y, sx: float, sy: float, edges, margins):
    """Which ``sx`` x ``sy`` boxes at lower-left corners (x, y) fit: a mask and the boxes.

    A box fits when ``region`` (prepared) contains it and it keeps the face setbacks
    from ``edges``. Only boxes whose four corners lie in the region (a condition of
    containment, tested on points without building geometries) are built and tested;
    the boxes of the mask's true entries are returned in order.
    """
    x = np.asarray(x, dtype=float)
    y = np.broadcast_to(np.asarray(y, dtype=float), x.shape)
    ok = (
        shapely.intersects_xy(region, x, y)
        & shapely.intersects_xy(region, x + sx, y)
        & shapely.intersects_xy(region, x, y + sy)
        & shapely.intersects_xy(region, x + sx, y + sy)
    )
    at = np.flatnonzero(ok)
    boxes = shapely.box(x[at], y[at], x[at] + sx, y[at] + sy)
    fits = _clear_of_edges(boxes, edges, sx, sy, margins)
    fits[fits] = shapely.contains(region, boxes[fits])
    ok[at] = fits
    return ok, boxes[fits]


def _distances(boxes, zone, bounds) -> np.ndarray:
    """Distances from boxes inside ``bounds`` to ``zone``, m.

    A road zone runs along whole roads; its far parts cost time and are never nearest.
    Each box is measured to the part of ``zone`` within a margin of ``bounds``: 50 m,
    then the distance from ``bounds`` to the zone plus their diagonal (within which
    every box has a zone point). A distance under the margin is the true one, since
    the rest of the zone is farther; any other is measured to the whole zone.
    """
    x0, y0, x1, y1 = bounds
    frame = shapely.box(x0, y0, x1, y1)
    distance = np.full(len(boxes), np.nan)
    todo = np.arange(len(boxes))
    reach = float(shapely.distance(frame, zone)) + math.hypot(x1 - x0, y1 - y0) + 1.0
    for margin in (50.0, reach):
        near = zone.intersection(frame.buffer(margin, join_style="mitre"))
        got = shapely.distance(boxes[todo], near)
        ok = got < margin - 1e-6
        distance[todo[ok]] = got[ok]
        todo = todo[~ok]
        if not len(todo):
            return distance
    distance[todo] = shapely.distance(boxes[todo], zone)
    return distance


def _pack(region, sx, sy, gap, step, from_top, edges, margins) -> list:
    """Greedy rows of ``sx`` x ``sy`` boxes inside ``region`` with ``gap`` between them."""
    if region.is_empty:
        return []
    shapely.prepare(region)
    x0, y0, x1, y1 = region.bounds
    xs = np.arange(x0, x1 - sx + 1e-9, step)
    if not len(xs):
        return []
    boxes: list = []
    y = y1 - sy if from_top else y0
    while (y >= y0 - 1e-9) if from_top else (y + sy <= y1 + 1e-9):
        ok, fitting = _fitting(region, xs, y, sx, sy, edges, margins)
        placed_here = False
        next_x = -np.inf
        for x, candidate in zip(xs[ok], fitting, strict=True):
            if x >= next_x - 1e-9:
                boxes.append(candidate)
                next_x = x + sx + gap
                placed_here = True
        step_y = sy + gap if placed_here else step
        y = y - step_y if from_top else y + step_y
    return boxes


def _away_from(region, cls: str, placed: list[Placed]):
    """``region`` minus the fire spacing around every placed building.

    A civil building and a 丙/丁/戊 factory of the same plot keep the 6 m of GB 50016
    3.4.1 note 1 (the office serves the plot's factories); existing buildings and the
    buildings of other plots keep the table value.
    """
    for other in placed:
        spacing = fire_spacing_m(cls, other.fire_class, support_building=other.template is not None)
        region = region.difference(other.box.buffer(spacing, join_style="mitre"))
    return region


def _place(region, edges, template, length, opts, rules: Rulebook, placed: list[Placed]):
    """Best packing of one template in ``region`` away from ``placed`` buildings."""
    cls = template.effective_fire_class(opts.highrise_height_m)
    region = _away_from(region, cls, placed)
    gap = fire_spacing_m(cls, cls)
    margins = rules.faces(template, length, opts)
    best: list = []
    for sx, sy in ((template.width_m, length), (length, template.width_m)):
        for from_top in (False, True):
            boxes = _pack(region, sx, sy, gap, opts.placement_step_m, from_top, edges, margins)
            if len(boxes) > len(best):
                best = boxes
    return [Placed(b, template, cls) for b in best]


def _place_office(region, edges, office, length, road_zone, opts, rules: Rulebook, placed):
    """One office block in ``region``, as near the road as it fits (or None)."""
    cls = office.effective_fire_class(opts.highrise_height_m)
    region = _away_from(region, cls, placed)
    if region.is_empty:
        return None
    shapely.prepare(region)
    x0, y0, x1, y1 = region.bounds
    step = opts.placement_step_m
    margins = rules.faces(office, length, opts)
    best = None
    for sx, sy in ((length, office.width_m), (office.width_m, length)):
        xs = np.arange(x0, x1 - sx + 1e-9, step)
        ys = np.arange(y0, y1 - sy + 1e-9, step)
        if not len(xs) or not len(ys):
            continue
        gx, gy = np.meshgrid(xs, ys)
        _, boxes = _fitting(region, gx.ravel(), gy.ravel(), sx, sy, edges, margins)
        if not len(boxes):
            continue
        distance = (
            _distances(boxes, road_zone, (x0, y0, x1, y1))
            if not road_zone.is_empty
            else np.zeros(1)
        )
        i = int(np.argmin(distance + 1e-3 * shapely.bounds(boxes)[:, 0]))
        if best is None or distance[i] < best[0]:
            best = (float(distance[i]), boxes[i])
    return None if best is None else Placed(best[1], office, cls)


def _buildable(plot, block: Block, template: BuildingTemplate, opts, rules: Rulebook):
    """Plot minus the road setbacks (by road width and height), and its non-road edges.

    The packers keep every building at its face setbacks from those edges.
    """
    tol = opts.frontage_tolerance_m
    height = template.height_m
    setback = rules.profile.road_setback_m
    zones = [
        r.buffer(setback(height, w), join_style="mitre")
        for r, w in zip(block.roads_row, block.roads_width, strict=True)
    ]
    zones += [
        s.buffer(setback(height, opts.branch_road_red_line_m), join_style="mitre")
        for _, s in block.branch
    ]
    edges = plot.boundary.difference(block.frontage_zone(tol))
    shapely.prepare(edges)
    out = plot.difference(shapely.union_all(zones)) if zones else plot
    return out, edges


def plot_buildings(plot, block: Block, factories, office, admin_max: float, opts, rules, obstacles):
    """Place factories and an office block in one plot (local frame)."""
    road_zone = block.frontage_zone(opts.frontage_tolerance_m)
    office_length = None
    if office is not None:
        apron = opts.admin_land_apron_m
        allowed = admin_max * opts.admin_share_use * plot.area
        length = allowed / (office.width_m + 2 * apron) - 2 * apron
        if length >= office.length_min_m:
            office_length = min(length, office.length_m)

    def factories_into(placed: list[Placed]) -> list[Placed]:
        for template in factories:
            region, edges = _buildable(plot, block, template, opts, rules)
            placed = placed + _place(
                region, edges, template, template.length_m, opts, rules, placed
            )
        return placed

    def with_office(placed: list[Placed]) -> list[Placed]:
        if office_length is None:
            return placed
        region, edges = _buildable(plot, block, office, opts, rules)
        found = _place_office(region, edges, office, office_length, road_zone, opts, rules, placed)
        return placed if found is None else [*placed, found]

    base = list(obstacles)
    first = with_office(factories_into(base))[len(base) :]
    if office_length is None or any(p.template.role == "office" for p in first):
        return first
    second = factories_into(with_office(base))[len(base) :]
    if not any(p.template.role == "office" for p in second):
        return first
    # an office costs at most one factory building
    n_first = sum(p.template.role == "factory" for p in first)
    n_second = sum(p.template.role == "factory" for p in second)
    return second if n_second >= n_first - 1 else first


def with_lanes(placed, plot, block: Block, obstacles, rules: Rulebook, tolerance: float):
    """Keep the buildings whose fire lanes are clear and joined to a road.

    GB 55037-2022 3.4.2 asks for lanes along both long sides of high-rise factories and
    of 甲/乙/丙类 factories over 3 000 m²; a building whose lanes cannot be had is
    dropped (the last placed first) until every lane is clear. Returns the kept
    buildings and the lane checks.
    """
    # rights-of-way grown by the frontage tolerance: a plot that fronts a road touches it
    roads = block.frontage_zone(tolerance)
    dropped = 0
    while True:
        boxes = [p.box for p in placed] + [o.box for o in obstacles]
        needs = [needs_fire_lanes(p.fire_class, p.box.area) for p in placed]
        needs += [False] * len(obstacles)
        checks = check_lanes(boxes, needs, plot, roads, width_m=rules.lane_width_m)
        bad = sorted({c.building for c in checks if not c.ok})
        if not bad:
            if dropped:
                log.info("layout: %d building(s) dropped for want of fire lanes", dropped)
            return placed, checks
        placed = [p for i, p in enumerate(placed) if i != bad[-1]]
        dropped += 1


def enforce_spacing(
    buildings: gpd.GeoDataFrame, existing: np.ndarray, existing_classes: list[str]
) -> gpd.GeoDataFrame:
    """Drop any planned building closer than the fire spacing to an earlier or existing one."""
    if not len(buildings):
        return buildings
    geoms = np.asarray(buildings.geometry.array, dtype=object)
    classes = buildings["fire_class"].tolist()
    plots = buildings["plot"].tolist()
    every = set(classes) | set(existing_classes)
    reach = max(fire_spacing_m(a, b) for a in every for b in every)
    drop = np.zeros(len(geoms), dtype=bool)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=reach)
    for i, j in zip(left, right, strict=True):
        if i < j and not drop[i] and not drop[j]:
            same_plot = plots[i] == plots[j]
            needed = fire_spacing_m(classes[i], classes[j], support_building=same_plot)
            if shapely.distance(geoms[i], geoms[j]) < needed - 1e-6:
                drop[j] = True
    if len(existing):
        new, old = shapely.STRtree(existing).query(geoms, predicate="dwithin", distance=reach)
        for i, j in zip(new, old, strict=True):
            needed = fire_spacing_m(classes[i], existing_classes[j])
            if shapely.distance(geoms[i], existing[j]) < needed - 1e-6:
                drop[i] = True
    if drop.any():
        log.warning("layout: %d building(s) dropped to keep the fire spacing", int(drop.sum()))
    return buildings[~drop].reset_index(drop=True)


def setback_columns(buildings, plots, roads, new_roads, book: Rulebook) -> gpd.GeoDataFrame:
    """The binding road for each building: its required setback and actual distance."""
    buildings = buildings.copy()
    rows = np.concatenate(
        [
            right_of_way(roads) if len(roads) else np.empty(0, dtype=object),
            right_of_way(new_roads) if len(new_roads) else np.empty(0, dtype=object),
        ]
    )
    widths = np.concatenate(
        [
            pd.to_numeric(roads.get("red_line_m"), errors="coerce").to_numpy(dtype=float),
            new_roads["red_line_m"].to_numpy(dtype=float),
        ]
    )
    required = np.full(len(buildings), np.nan)
    distance = np.full(len(buildings), np.nan)
    if len(buildings) and len(rows):
        tree = shapely.STRtree(rows)
        for k, (geom, height) in enumerate(
            zip(buildings.geometry, buildings["height_m"], strict=True)
        ):
            near = tree.query(geom, predicate="dwithin", distance=200.0)
            if not len(near):
                continue
            d = shapely.distance(geom, rows[near])
            need = np.array([book.profile.road_setback_m(height, widths[j]) for j in near])
            binding = int(np.argmin(d - need))
            required[k], distance[k] = need[binding], d[binding]
    buildings["road_setback_m"] = required
    buildings["road_distance_m"] = distance
    return buildings
