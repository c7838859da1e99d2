"""Subdivision: available blocks into rows along roads, rows into plots, branch roads."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import shapely

from parkmap.siteplan.geometry import EPS, Frame, cut_positions, main_axis, min_width, polygons
from parkmap.siteplan.standards import PlotOptions
from parkmap.units import M2_PER_MU

__all__ = ["Block", "lay_out_block"]


@dataclass
class Block:
    """One available block being laid out, in its local frame."""

    frame: Frame
    shape: object  # local polygon
    roads_row: list  # local existing right-of-way polygons near the block
    roads_width: list[float]
    plots: list = field(default_factory=list)  # local polygons
    branch: list = field(default_factory=list)  # (centreline, strip) local
    leftover_m2: float = 0.0
    _zones: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def plotted_m2(self) -> float:
        """Area of the block's plots, m²."""
        return float(sum(p.area for p in self.plots))

    def frontage_zone(self, tolerance: float):
        """Where a plot edge counts as fronting a road (existing or inserted)."""
        strips = [s for _, s in self.branch]
        geoms = [*self.roads_row, *strips]
        # asked once per plot, template and check: kept while the roads stay the same
        # (the geometries are kept with it, so their ids cannot be reused meanwhile)
        key = (tolerance, tuple(map(id, geoms)))
        if key not in self._zones:
            zone = shapely.union_all(geoms).buffer(tolerance) if geoms else shapely.Polygon()
            self._zones = {key: (geoms, zone)}
        return self._zones[key][1]


def _row_plan(depth: float, bottom: bool, top: bool, opts: PlotOptions) -> list[tuple]:
    """Rows and roads across a block of ``depth``: ``("row", y0, y1)`` / ``("road", yc)``."""
    w, dmax = opts.branch_road_red_line_m, opts.row_depth_max_m
    served = int(bottom) + int(top)
    if served == 2 and depth <= dmax:
        return [("row", 0.0, depth)]
    k = 0 if served else 1
    while True:
        n = served + 2 * k
        d = (depth - k * w) / n if n else 0.0
        if d <= dmax or d <= 0:
            break
        k += 1
    if d <= 0:
        return []
    plan, y = [], 0.0
    if bottom:
        plan.append(("row", y, y + d))
        y += d
    for _ in range(k):
        plan += [("row", y, y + d), ("road", y + d + w / 2)]
        plan.append(("row", y + d + w, y + 2 * d + w))
        y += 2 * d + w
    if top:
        plan.append(("row", y, y + d))
    return plan


def _plot_count(area: float, extent: float, opts: PlotOptions) -> int:
    lo = math.ceil(area / (opts.plot_area_max_mu * M2_PER_MU) - 1e-9)
    hi = math.floor(area / (opts.plot_area_min_mu * M2_PER_MU) + 1e-9)
    hi = min(hi, math.floor(extent / opts.plot_width_min_m + 1e-9))
    if hi < 1:
        return 0
    target = round(area / (opts.plot_area_target_mu * M2_PER_MU))
    return max(1, min(max(target, lo), hi))


def _subdivide(block: Block, opts: PlotOptions) -> Block:
    """Cut a block into rows (inserting branch roads) and the rows into plots."""
    shape = block.shape
    x0, y0, x1, y1 = shape.bounds
    depth = y1 - y0
    zone = block.frontage_zone(opts.frontage_tolerance_m)
    front = shape.boundary.intersection(zone)
    band = min(max(0.25 * depth, 5.0), 30.0)

    def fronts(ya: float, yb: float) -> bool:
        return front.intersection(shapely.box(x0 - 1, ya, x1 + 1, yb)).length >= (
            opts.frontage_min_m
        )

    plan = _row_plan(depth, fronts(y0 - 1, y0 + band), fronts(y1 - band, y1 + 1), opts)
    w = opts.branch_road_red_line_m
    for item in plan:
        if item[0] == "road":
            yc = y0 + item[1]
            strip = shape.intersection(shapely.box(x0 - 1, yc - w / 2, x1 + 1, yc + w / 2))
            line = shape.intersection(shapely.LineString([(x0 - 1, yc), (x1 + 1, yc)]))
            if strip.area > EPS and line.length > 0:
                block.branch.append((line, strip))
    rows = []
    for item in plan:
        if item[0] == "row":
            cell = shapely.box(x0 - 1, y0 + item[1], x1 + 1, y0 + item[2])
            rows.extend(polygons(shape.intersection(cell)))
    for _, strip in block.branch:
        rows = [p for r in rows for p in polygons(r.difference(strip))]
    plots = []
    for row in rows:
        rx0, ry0, rx1, ry1 = row.bounds
        n = _plot_count(row.area, rx1 - rx0, opts)
        if n == 0:
            block.leftover_m2 += row.area
            continue
        edges = [rx0 - 1, *cut_positions(row, n), rx1 + 1]
        for a, b in itertools.pairwise(edges):
            parts = polygons(row.intersection(shapely.box(a, ry0 - 1, b, ry1 + 1)))
            if not parts:
                continue
            parts.sort(key=lambda p: p.area, reverse=True)
            plots.append(parts[0])
            block.leftover_m2 += sum(p.area for p in parts[1:])
    block.plots = _clean_plots(plots, block, opts)
    used = []
    for line, strip in block.branch:
        near = strip.buffer(opts.frontage_tolerance_m)
        if any(p.boundary.intersection(near).length >= opts.frontage_min_m for p in block.plots):
            used.append((line, strip))
        else:
            block.leftover_m2 += strip.area
    block.branch = used
    # whatever is neither plot nor road is leftover (rows too small, dropped plots, slivers)
    roads_m2 = sum(strip.area for _, strip in used)
    block.leftover_m2 = max(shape.area - block.plotted_m2 - roads_m2, 0.0)
    return block


def _clean_plots(plots: list, block: Block, opts: PlotOptions) -> list:
    """Merge or drop plots that are too small, too narrow or without road frontage."""
    zone = block.frontage_zone(opts.frontage_tolerance_m)
    min_m2 = opts.plot_area_min_mu * M2_PER_MU
    max_m2 = opts.plot_area_max_mu * M2_PER_MU

    def bad(p) -> bool:
        return (
            p.area < min_m2 - EPS
            or min_width(p) < opts.plot_width_min_m - 1e-6
            or p.boundary.intersection(zone).length < opts.frontage_min_m
        )

    plots = list(plots)
    changed = True
    while changed:
        changed = False
        for i, plot in enumerate(plots):
            if not bad(plot):
                continue
            best, best_shared = None, 1.0
            for j, other in enumerate(plots):
                if j == i:
                    continue
                shared = plot.boundary.intersection(other.boundary).length
                merged_area = plot.area + other.area
                if shared > best_shared and merged_area <= max_m2 + EPS:
                    best, best_shared = j, shared
            if best is not None:
                merged = polygons(shapely.union_all([plot, plots[best]]).buffer(0))
                if len(merged) == 1 and not bad(merged[0]):
                    plots[best] = merged[0]
                    del plots[i]
                    changed = True
                    break
            block.leftover_m2 += plot.area
            del plots[i]
            changed = True
            break
    return plots


def lay_out_block(world_block, rows: np.ndarray, widths: np.ndarray, opts) -> Block:
    """Subdivide one block along its main axis and across it; keep the better result.

    ``rows`` are the park's road rights-of-way and ``widths`` their red-line widths.
    """
    near = shapely.STRtree(rows).query(
        world_block, predicate="dwithin", distance=2 * opts.frontage_tolerance_m
    )
    row_world = rows[near]
    widths = [float(w) for w in widths[near]]
    centre = world_block.centroid
    best = None
    theta = main_axis(world_block)
    for angle in (theta, theta + math.pi / 2):
        frame = Frame((centre.x, centre.y), angle)
        block = Block(
            frame,
            frame.to_local(world_block),
            list(frame.to_local(row_world)),
            widths,
        )
        _subdivide(block, opts)
        key = (round(block.plotted_m2, 3), -len(block.branch))
        if best is None or key > best[0]:
            best = (key, block)
    return best[1]
