"""Park layout: plots along roads, standard factory buildings, control-indicator checks.

:func:`layout` turns the available land of a park (from :func:`parkmap.availability`)
into a plan a planner can discuss:

1. **Plots.** Each available block (a piece of available land inside one sub-park) is
   worked in the frame of its main axis (the long side of its minimum rotated
   rectangle, :func:`shapely.oriented_envelope`; the cross axis is tried as well and the
   one that plots more land wins). The block is cut across that axis into rows, each
   fronting a road: an existing road right-of-way along the block's side, or a branch
   road inserted where the block is deeper than the rows can be (rows are at most
   ``(branch_road_spacing_m - branch_road_red_line_m) / 2`` deep and sit back to back
   on each side of an inserted road). Each row is then cut along the axis into plots of
   equal area near ``plot_area_target_mu``, between the minimum and maximum size and no
   narrower than ``plot_width_min_m``. A plot left without ``frontage_min_m`` of road
   frontage, too small or too narrow is merged into its neighbour when the result stays
   within the maximum size, or else left unplotted (reported as ``leftover``).
2. **Buildings.** In each plot the buildable area is the plot minus the road setbacks
   (Chongqing table by road width and building height, from the road's red line) and
   minus a boundary setback from the plot's other edges of at least half the fire
   spacing (so buildings of neighbouring plots keep the full spacing). Factory
   templates are packed in rows aligned with the block's axis with the GB 50016 table
   3.4.1 spacing between them (10 m between 丙/丁/戊 grade-one/two factories, 13 m next
   to a high-rise factory taller than 24 m). An office block is sized to the admin share
   the ruleset allows (times ``admin_share_use``) and placed nearest the road, trying it
   both before and after the factories and keeping the better plan. Existing buildings
   of the park are kept at fire spacing too. A last pass over every pair of buildings
   removes any that would still be too close (none in practice; logged).
3. **Indicators** per plot and per sub-park, checked with
   :func:`parkmap.indicators.check_indicators` (see there for formulas, thresholds and
   margins). Green space is not drawn: it is taken as ``green_share_of_open_land`` of
   the plot's unbuilt area, so green ratio = share × (plot − footprints) / plot. Admin
   land is the office footprint grown by ``admin_land_apron_m`` (clipped to the plot).
   Investment intensity is checked where a project of the park lies in a plot and has
   ``investment_yi``, and the ruleset gives a minimum.

Every threshold and default is data: ``data/layout_defaults.csv``,
``data/building_templates.csv``, ``data/setbacks_chongqing.csv``,
``data/fire_spacing_gb50016.csv`` and the indicator ruleset.
"""

from __future__ import annotations

import dataclasses
import io as _io
import itertools
import logging
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from tabulate import tabulate
from wcwidth import wcswidth

from parkmap._data import package_version, read_table
from parkmap._geometry import right_of_way
from parkmap.errors import DataFileError, RulesError
from parkmap.indicators import IndicatorRules, check_indicators, far_floor_area, indicator_rules
from parkmap.io import write_geopackage
from parkmap.park import Park
from parkmap.schema import feature_ids
from parkmap.tables import crs_line, illustrative_line
from parkmap.tables import render as render_text
from parkmap.units import M2_PER_MU

__all__ = [
    "FORMATS",
    "BuildingTemplate",
    "Layout",
    "PlotOptions",
    "building_templates",
    "fire_spacing_m",
    "layout",
    "road_setback_m",
]

log = logging.getLogger("parkmap")

#: Output formats of :meth:`Layout.render`.
FORMATS = ("table", "csv", "markdown", "json")

#: JSON schema version of :meth:`Layout.to_dict`; bumped on incompatible change.
JSON_SCHEMA_VERSION = 1

#: Default factory template(s).
DEFAULT_TEMPLATES = ("multi_storey_factory",)
#: Template of the office block.
OFFICE_TEMPLATE = "office"
#: Geometric tolerance, m (areas below its square are noise).
_EPS = 1e-6


# -- options and templates ---------------------------------------------------------------
@dataclass(frozen=True)
class PlotOptions:
    """Plot subdivision and building-placement settings (defaults: ``layout_defaults.csv``).

    Every field is documented, with its source, in ``data/layout_defaults.csv``.
    Build one with :meth:`from_defaults`, which validates the values.
    """

    plot_area_min_mu: float
    plot_area_target_mu: float
    plot_area_max_mu: float
    plot_width_min_m: float
    frontage_min_m: float
    frontage_tolerance_m: float
    branch_road_red_line_m: float
    branch_road_spacing_m: float
    boundary_setback_min_m: float
    highrise_height_m: float
    green_share_of_open_land: float
    admin_share_use: float
    admin_land_apron_m: float
    placement_step_m: float

    @classmethod
    def from_defaults(cls, **overrides: float) -> PlotOptions:
        """The packaged defaults, with ``overrides`` (same names as the fields).

        Raises
        ------
        parkmap.errors.RulesError
            On an unknown name or a value out of range.
        """
        table = read_table("layout_defaults.csv")
        values = dict(zip(table["key"], table["value"].astype(float), strict=True))
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise RulesError(
                f"unknown plot option(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}"
            )
        for key, value in overrides.items():
            try:
                values[key] = float(value)
            except (TypeError, ValueError):
                raise RulesError(f"plot option {key}: {value!r} is not a number") from None
        options = cls(**{name: values[name] for name in names})
        options._check()
        return options

    def _check(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not math.isfinite(value) or value < 0:
                raise RulesError(f"plot option {f.name}: must be a number ≥ 0, got {value!r}")
        if not 0 < self.plot_area_min_mu <= self.plot_area_target_mu <= self.plot_area_max_mu:
            raise RulesError(
                "plot options: need 0 < plot_area_min_mu ≤ plot_area_target_mu ≤ "
                f"plot_area_max_mu, got {self.plot_area_min_mu:g}, "
                f"{self.plot_area_target_mu:g}, {self.plot_area_max_mu:g}"
            )
        for name in ("green_share_of_open_land", "admin_share_use"):
            if getattr(self, name) > 1:
                raise RulesError(f"plot option {name}: a fraction between 0 and 1")
        if self.branch_road_spacing_m <= 2 * self.branch_road_red_line_m:
            raise RulesError(
                "plot options: branch_road_spacing_m must exceed twice branch_road_red_line_m"
            )
        if self.placement_step_m <= 0 or self.branch_road_red_line_m <= 0:
            raise RulesError("plot options: placement_step_m and branch_road_red_line_m > 0")

    @property
    def row_depth_max_m(self) -> float:
        """Deepest row of plots: half the clear width between parallel roads."""
        return (self.branch_road_spacing_m - self.branch_road_red_line_m) / 2

    def as_dict(self) -> dict[str, float]:
        """The options as a plain dict."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class BuildingTemplate:
    """A building type placed by the layout (see ``data/building_templates.csv``).

    Attributes
    ----------
    template : str
        Its name.
    role : {"factory", "office"}
        Factories fill plots; the office block is sized to the admin share.
    kind : str
        The ``buildings.kind`` value (``standard_factory``, ``factory``, ``office``).
    width_m, length_m : float
        Footprint, m (``length_m`` is the longest an office grows to).
    length_min_m : float
        Shortest office block, m (equal to ``length_m`` for factories).
    storeys : int
        Number of storeys.
    ground_storey_height_m, storey_height_m : float
        Height of the ground storey and of each upper storey, m.
    fire_class : str
        Class in ``fire_spacing_gb50016.csv`` (``CDE_12``: 丙/丁/戊, grade one/two).
    """

    template: str
    role: str
    kind: str
    name_zh: str
    name_en: str
    width_m: float
    length_m: float
    length_min_m: float
    storeys: int
    ground_storey_height_m: float
    storey_height_m: float
    fire_class: str
    source: str = "parkmap-choice"
    confidence: str = "R"

    @property
    def height_m(self) -> float:
        """Total height, m."""
        return self.ground_storey_height_m + (self.storeys - 1) * self.storey_height_m

    def effective_fire_class(self, highrise_height_m: float) -> str:
        """``highrise_12`` for a multi-storey building taller than the limit, else its class."""
        if self.storeys > 1 and self.height_m > highrise_height_m:
            return "highrise_12"
        return self.fire_class


def building_templates() -> pd.DataFrame:
    """The packaged building templates (one row each, with source and confidence).

    Examples
    --------
    >>> row = building_templates().loc["multi_storey_factory"]
    >>> float(row["width_m"]), float(row["length_m"]), int(row["storeys"])
    (24.0, 72.0, 4)
    """
    table = read_table("building_templates.csv")
    for column in ("width_m", "length_m", "length_min_m", "ground_storey_height_m"):
        table[column] = table[column].astype(float)
    table["storey_height_m"] = table["storey_height_m"].astype(float)
    table["storeys"] = table["storeys"].astype(int)
    return table.set_index("template")


def _template(value) -> BuildingTemplate:
    if isinstance(value, BuildingTemplate):
        return value
    table = building_templates()
    if value not in table.index:
        raise RulesError(
            f"unknown building template {value!r}; known: {', '.join(table.index)} "
            "(or pass a parkmap.BuildingTemplate)"
        )
    row = table.loc[value]
    values = {}
    for f in dataclasses.fields(BuildingTemplate):
        if f.name != "template":
            kind = {"int": int, "float": float}.get(str(f.type), str)
            values[f.name] = kind(row[f.name])
    return BuildingTemplate(template=str(value), **values)


@cache
def _fire_table() -> dict[tuple[str, str], float]:
    table = read_table("fire_spacing_gb50016.csv")
    return {
        (a, b): float(s)
        for a, b, s in zip(
            table["this_class"], table["other_class"], table["spacing_m"], strict=True
        )
    }


def fire_spacing_m(class_a: str, class_b: str) -> float:
    """Fire separation between two factory buildings, GB 50016 table 3.4.1, m.

    Examples
    --------
    >>> fire_spacing_m("CDE_12", "CDE_12"), fire_spacing_m("CDE_12", "highrise_12")
    (10.0, 13.0)
    """
    try:
        return _fire_table()[(class_a, class_b)]
    except KeyError:
        classes = sorted({a for a, _ in _fire_table()})
        raise RulesError(
            f"no fire spacing for classes {class_a!r} / {class_b!r}; known: {', '.join(classes)}"
        ) from None


def road_setback_m(height_m: float, road_width_m: float) -> float:
    """Setback of a building from a road's red line (Chongqing, 渝府令第318号 art. 23), m.

    Examples
    --------
    >>> road_setback_m(22.2, 16), road_setback_m(22.2, 24), road_setback_m(22.2, 40)
    (2.0, 3.0, 5.0)
    """
    table = read_table("setbacks_chongqing.csv")
    height = pd.to_numeric(table["height_max_m"].replace("", np.inf))
    width = pd.to_numeric(table["road_width_max_m"].replace("", np.inf))
    fits = (height >= height_m) & (width >= road_width_m)
    rows = table[fits].assign(h=height[fits], w=width[fits]).sort_values(["h", "w"])
    return float(rows["setback_m"].iloc[0])


# -- geometry helpers ---------------------------------------------------------------------
@dataclass(frozen=True)
class _Frame:
    """A local frame: origin and rotation putting a block's main axis along x."""

    origin: tuple[float, float]
    theta: float

    def _apply(self, geoms, inverse: bool):
        c, s = math.cos(self.theta), math.sin(self.theta)
        ox, oy = self.origin

        def local(xy: np.ndarray) -> np.ndarray:
            dx, dy = xy[:, 0] - ox, xy[:, 1] - oy
            return np.column_stack([dx * c + dy * s, -dx * s + dy * c])

        def world(xy: np.ndarray) -> np.ndarray:
            return np.column_stack(
                [xy[:, 0] * c - xy[:, 1] * s + ox, xy[:, 0] * s + xy[:, 1] * c + oy]
            )

        return shapely.transform(geoms, world if inverse else local)

    def to_local(self, geoms):
        """Geometries in the local frame."""
        return self._apply(geoms, inverse=False)

    def to_world(self, geoms):
        """Geometries back in the park's CRS."""
        return self._apply(geoms, inverse=True)


def _main_axis(block) -> float:
    """Angle (radians) of the long side of the block's minimum rotated rectangle."""
    coords = np.asarray(shapely.oriented_envelope(block).exterior.coords)
    if len(coords) < 4:
        return 0.0
    edges = np.diff(coords[:3], axis=0)
    longest = edges[np.argmax(np.hypot(edges[:, 0], edges[:, 1]))]
    return math.atan2(longest[1], longest[0])


def _polygons(geom) -> list:
    """The polygon parts of a geometry (collections and lines dropped)."""
    return [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) == 3 and p.area > _EPS]


def _min_width(geom) -> float:
    """Shorter side of the minimum rotated rectangle, m."""
    coords = np.asarray(shapely.oriented_envelope(geom).exterior.coords)
    if len(coords) < 4:
        return 0.0
    edges = np.diff(coords[:3], axis=0)
    return float(np.hypot(edges[:, 0], edges[:, 1]).min())


def _cut_positions(poly, parts: int) -> list[float]:
    """Positions along x cutting ``poly`` into ``parts`` pieces of equal area (bisection)."""
    x0, y0, x1, y1 = poly.bounds
    total = poly.area
    cuts = []
    lo = x0
    for j in range(1, parts):
        goal = total * j / parts
        a, b = lo, x1
        while b - a > 0.01:
            mid = (a + b) / 2
            if shapely.box(x0 - 1, y0 - 1, mid, y1 + 1).intersection(poly).area < goal:
                a = mid
            else:
                b = mid
        cuts.append((a + b) / 2)
        lo = cuts[-1]
    return cuts


# -- subdivision ---------------------------------------------------------------------------
@dataclass
class _Block:
    """One available block being laid out, in its local frame."""

    frame: _Frame
    shape: object  # local polygon
    roads_row: list  # local existing right-of-way polygons near the block
    roads_width: list[float]
    plots: list = field(default_factory=list)  # local polygons
    branch: list = field(default_factory=list)  # (centreline, strip) local
    leftover_m2: float = 0.0

    @property
    def plotted_m2(self) -> float:
        return float(sum(p.area for p in self.plots))

    def frontage_zone(self, tolerance: float):
        """Where a plot edge counts as fronting a road (existing or inserted)."""
        strips = [s for _, s in self.branch]
        geoms = [*self.roads_row, *strips]
        return shapely.union_all(geoms).buffer(tolerance) if geoms else shapely.Polygon()


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


def _subdivide(block: _Block, opts: PlotOptions) -> _Block:
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
            if strip.area > _EPS and line.length > 0:
                block.branch.append((line, strip))
    rows = []
    for item in plan:
        if item[0] == "row":
            cell = shapely.box(x0 - 1, y0 + item[1], x1 + 1, y0 + item[2])
            rows.extend(_polygons(shape.intersection(cell)))
    for _, strip in block.branch:
        rows = [p for r in rows for p in _polygons(r.difference(strip))]
    plots = []
    for row in rows:
        rx0, ry0, rx1, ry1 = row.bounds
        n = _plot_count(row.area, rx1 - rx0, opts)
        if n == 0:
            block.leftover_m2 += row.area
            continue
        edges = [rx0 - 1, *_cut_positions(row, n), rx1 + 1]
        for a, b in itertools.pairwise(edges):
            parts = _polygons(row.intersection(shapely.box(a, ry0 - 1, b, ry1 + 1)))
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


def _clean_plots(plots: list, block: _Block, opts: PlotOptions) -> list:
    """Merge or drop plots that are too small, too narrow or without road frontage."""
    zone = block.frontage_zone(opts.frontage_tolerance_m)
    min_m2 = opts.plot_area_min_mu * M2_PER_MU
    max_m2 = opts.plot_area_max_mu * M2_PER_MU

    def bad(p) -> bool:
        return (
            p.area < min_m2 - _EPS
            or _min_width(p) < opts.plot_width_min_m - 1e-6
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
                if shared > best_shared and merged_area <= max_m2 + _EPS:
                    best, best_shared = j, shared
            if best is not None:
                merged = _polygons(shapely.union_all([plot, plots[best]]).buffer(0))
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


def _lay_out_block(world_block, rows: np.ndarray, widths: np.ndarray, opts) -> _Block:
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
    theta = _main_axis(world_block)
    for angle in (theta, theta + math.pi / 2):
        frame = _Frame((centre.x, centre.y), angle)
        block = _Block(
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


# -- buildings ---------------------------------------------------------------------------
@dataclass
class _Placed:
    box: object  # local polygon
    template: BuildingTemplate
    fire_class: str


def _pack(region, sx: float, sy: float, gap: float, step: float, from_top: bool) -> list:
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
        candidates = shapely.box(xs, y, xs + sx, y + sy)
        ok = shapely.contains(region, candidates)
        placed_here = False
        next_x = -np.inf
        for x, fits, candidate in zip(xs, ok, candidates, strict=True):
            if fits and x >= next_x - 1e-9:
                boxes.append(candidate)
                next_x = x + sx + gap
                placed_here = True
        step_y = sy + gap if placed_here else step
        y = y - step_y if from_top else y + step_y
    return boxes


def _place(region, template: BuildingTemplate, length: float, opts, placed: list[_Placed]):
    """Best packing of one template in ``region`` away from ``placed`` buildings."""
    cls = template.effective_fire_class(opts.highrise_height_m)
    for other in placed:
        spacing = fire_spacing_m(cls, other.fire_class)
        region = region.difference(other.box.buffer(spacing, join_style="mitre"))
    gap = fire_spacing_m(cls, cls)
    best: list = []
    for sx, sy in ((template.width_m, length), (length, template.width_m)):
        for from_top in (False, True):
            boxes = _pack(region, sx, sy, gap, opts.placement_step_m, from_top)
            if len(boxes) > len(best):
                best = boxes
    return [_Placed(b, template, cls) for b in best]


def _place_office(region, office: BuildingTemplate, length: float, road_zone, opts, placed):
    """One office block in ``region``, as near the road as it fits (or None)."""
    cls = office.effective_fire_class(opts.highrise_height_m)
    for other in placed:
        region = region.difference(
            other.box.buffer(fire_spacing_m(cls, other.fire_class), join_style="mitre")
        )
    if region.is_empty:
        return None
    shapely.prepare(region)
    x0, y0, x1, y1 = region.bounds
    step = opts.placement_step_m
    best = None
    for sx, sy in ((length, office.width_m), (office.width_m, length)):
        xs = np.arange(x0, x1 - sx + 1e-9, step)
        ys = np.arange(y0, y1 - sy + 1e-9, step)
        if not len(xs) or not len(ys):
            continue
        gx, gy = np.meshgrid(xs, ys)
        boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + sx, gy.ravel() + sy)
        boxes = boxes[shapely.contains(region, boxes)]
        if not len(boxes):
            continue
        distance = shapely.distance(boxes, road_zone) if not road_zone.is_empty else np.zeros(1)
        i = int(np.argmin(distance + 1e-3 * shapely.bounds(boxes)[:, 0]))
        if best is None or distance[i] < best[0]:
            best = (float(distance[i]), boxes[i])
    return None if best is None else _Placed(best[1], office, cls)


def _buildable(plot, block: _Block, template: BuildingTemplate, opts, side: float):
    """Plot minus road setbacks and minus the boundary setback from non-road edges."""
    tol = opts.frontage_tolerance_m
    height = template.height_m
    zones = [
        r.buffer(road_setback_m(height, w), join_style="mitre")
        for r, w in zip(block.roads_row, block.roads_width, strict=True)
    ]
    zones += [
        s.buffer(road_setback_m(height, opts.branch_road_red_line_m), join_style="mitre")
        for _, s in block.branch
    ]
    road_zone = block.frontage_zone(tol)
    edges = plot.boundary.difference(road_zone)
    out = plot.difference(edges.buffer(side)) if not edges.is_empty else plot
    if zones:
        out = out.difference(shapely.union_all(zones))
    return out


def _boundary_setback(factories, office, opts: PlotOptions) -> float:
    """Setback from non-road plot edges: at least half the largest fire spacing."""
    templates = [*factories, *([office] if office is not None else [])]
    classes = [t.effective_fire_class(opts.highrise_height_m) for t in templates]
    spacing_max = max(fire_spacing_m(a, b) for a in classes for b in classes)
    return max(opts.boundary_setback_min_m, spacing_max / 2)


def _plot_buildings(
    plot, block: _Block, factories, office, admin_max: float, opts, obstacles, side: float
):
    """Place factories and an office block in one plot (local frame)."""
    road_zone = block.frontage_zone(opts.frontage_tolerance_m)
    office_length = None
    if office is not None:
        apron = opts.admin_land_apron_m
        allowed = admin_max * opts.admin_share_use * plot.area
        length = allowed / (office.width_m + 2 * apron) - 2 * apron
        if length >= office.length_min_m:
            office_length = min(length, office.length_m)

    def factories_into(placed: list[_Placed]) -> list[_Placed]:
        for template in factories:
            region = _buildable(plot, block, template, opts, side)
            placed = placed + _place(region, template, template.length_m, opts, placed)
        return placed

    def with_office(placed: list[_Placed]) -> list[_Placed]:
        if office_length is None:
            return placed
        region = _buildable(plot, block, office, opts, side)
        found = _place_office(region, office, office_length, road_zone, opts, placed)
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


# -- the result ------------------------------------------------------------------------------
_PLOT_TABLE = (
    ("id", "地块", "plot", None),
    ("subpark", "园中园", "sub-park", None),
    ("area_mu", "面积(亩)", "area (mu)", 2),
    ("n_buildings", "建筑数", "buildings", 0),
    ("floor_area_m2", "建筑面积(平方米)", "floor area (m²)", 0),
    ("far", "容积率", "FAR", 2),
    ("coverage", "建筑系数", "coverage", "%"),
    ("admin_share", "行政办公用地比重", "admin share", "%"),
    ("green_ratio", "绿地率", "green ratio", "%"),
    ("compliant", "达标", "compliant", None),
)
_SUBPARK_TABLE = (
    ("name", "园中园", "sub-park", None),
    ("industry_code", "行业代码", "industry", None),
    ("far_min", "容积率下限", "FAR min", 2),
    ("available_mu", "可用地(亩)", "available (mu)", 2),
    ("road_mu", "新增支路(亩)", "new roads (mu)", 2),
    ("plotted_mu", "地块(亩)", "plots (mu)", 2),
    ("leftover_mu", "未成块(亩)", "leftover (mu)", 2),
    ("n_plots", "地块数", "plots", 0),
    ("n_buildings", "建筑数", "buildings", 0),
    ("floor_area_m2", "建筑面积(平方米)", "floor area (m²)", 0),
    ("far", "容积率", "FAR", 2),
    ("coverage", "建筑系数", "coverage", "%"),
    ("compliance_rate", "达标率", "compliance", "%"),
)
_SUMMARY_LABELS = {
    "n_plots": ("地块数", "plots"),
    "n_buildings": ("建筑数", "buildings"),
    "n_factories": ("厂房数", "factory buildings"),
    "n_offices": ("办公楼数", "office blocks"),
    "available_m2": ("可用地面积(亩)", "available land (mu)"),
    "plotted_m2": ("地块面积(亩)", "plotted land (mu)"),
    "road_m2": ("新增支路用地(亩)", "inserted road land (mu)"),
    "road_length_m": ("新增支路长度(米)", "inserted road length (m)"),
    "leftover_m2": ("未成块用地(亩)", "leftover land (mu)"),
    "floor_area_m2": ("总建筑面积(平方米)", "floor area (m²)"),
    "far": ("容积率", "FAR"),
    "coverage": ("建筑系数", "building coverage"),
    "compliance_rate": ("地块达标率", "plots compliant"),
    "compliance_rate_by_area": ("达标地块面积比例", "compliant share of plotted land"),
    "investment_capacity_wan": ("最低投资规模(万元)", "minimum investment capacity (10k CNY)"),
}


def _fmt(value, decimals) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "✓" if value else "✗"
    if decimals == "%":
        return f"{float(value) * 100:.1f}%"
    if decimals is None:
        return str(value)
    return f"{float(value):,.{decimals}f}"


@dataclass
class Layout:
    """A park layout: plots, buildings, inserted branch roads and their indicators.

    Attributes
    ----------
    plots : geopandas.GeoDataFrame
        One row per plot: ``id``, ``subpark``, ``subpark_name``, ``industry_code``,
        ``block`` (index of the available piece), ``area_m2``, ``area_mu``,
        ``frontage_m``, ``width_m``, ``n_buildings``, ``footprint_m2``,
        ``floor_area_m2``, ``far_floor_area_m2`` (storeys over 8 m counted twice),
        ``admin_land_m2``, ``green_area_m2``, ``investment_wan`` (NaN if unknown), the
        indicators ``far``, ``coverage``, ``admin_share``, ``green_ratio``,
        ``investment_wan_per_mu``, and from :func:`~parkmap.indicators.check_indicators`
        each threshold with ``<threshold>_ok`` and ``<threshold>_margin``, ``compliant``,
        ``failures`` and ``failures_zh``.
    buildings : geopandas.GeoDataFrame
        One row per planned building: ``id``, ``plot``, ``subpark``, ``template``,
        ``kind``, ``name_zh``, ``storeys``, ``ground_storey_height_m``,
        ``storey_height_m``, ``height_m``, ``fire_class`` (after the high-rise rule),
        ``footprint_m2``, ``floor_area_m2``, ``far_floor_area_m2``, ``road_setback_m``
        (smallest allowed distance to a road red line), ``boundary_setback_m``
        (to plot edges not on a road), ``status`` (``planned``).
    roads : geopandas.GeoDataFrame
        Inserted branch roads by centreline, like the park's ``roads`` layer (``id``,
        ``name_zh``, ``road_class`` ``branch``, ``red_line_m``, ``status`` ``planned``)
        plus ``subpark``, ``block``, ``length_m``, ``area_m2`` (land they take) and
        ``connected_ends`` (0-2 ends meeting an existing road right-of-way).
    subparks : pandas.DataFrame
        One row per laid-out sub-park with land budget (available, roads, plotted,
        leftover), counts, floor area, the area-weighted indicators checked against the
        ruleset and ``compliance_rate`` (share of plots compliant).
    summary : dict
        Totals: counts, areas (m²), floor area, FAR, coverage, compliance rates and the
        minimum investment capacity where the ruleset gives an intensity.
    rules : IndicatorRules
        The indicator ruleset used.
    options : PlotOptions
        The subdivision and placement settings used.
    templates : list of BuildingTemplate
        Factory templates, then the office block.
    """

    plots: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    subparks: pd.DataFrame
    summary: dict
    rules: IndicatorRules
    options: PlotOptions
    templates: list[BuildingTemplate]
    crs: CRS
    park_name_zh: str = ""
    park_name_en: str = ""
    illustrative: bool = False

    def caption(self, lang: str = "en") -> str:
        """The lines that open every rendering: park, CRS, ruleset, templates."""
        names = ", ".join(t.name_zh if lang == "zh" else t.name_en for t in self.templates)
        if lang == "zh":
            lines = [
                f"{self.park_name_zh} 地块与厂房布局",
                crs_line(self.crs.to_string(), self.crs.name, "zh"),
                f"控制指标：{self.rules.ruleset}（{self.rules.code_edition}）；建筑：{names}",
            ]
        else:
            lines = [
                f"Layout: {self.park_name_en or self.park_name_zh}",
                crs_line(self.crs.to_string(), self.crs.name, "en"),
                f"Control indicators: {self.rules.ruleset} ({self.rules.code_edition}); "
                f"buildings: {names}",
            ]
        if self.illustrative:
            lines.append(illustrative_line(lang))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """The stable JSON form: ``summary``, ``subparks`` and ``plots`` (no geometry)."""
        plots = pd.DataFrame(self.plots.drop(columns="geometry"))
        return {
            "schema_version": JSON_SCHEMA_VERSION,
            "generator": f"parkmap {package_version()}",
            "park": {"name_zh": self.park_name_zh, "name_en": self.park_name_en},
            "crs": self.crs.to_string(),
            "ruleset": {
                "name": self.rules.ruleset,
                "code_edition": self.rules.code_edition,
                "source": self.rules.source,
            },
            "options": self.options.as_dict(),
            "templates": [dataclasses.asdict(t) for t in self.templates],
            "summary": _clean(self.summary),
            "subparks": [_clean(r) for r in self.subparks.to_dict(orient="records")],
            "plots": [_clean(r) for r in plots.to_dict(orient="records")],
        }

    def _table(self, frame: pd.DataFrame, spec, lang: str, tablefmt: str) -> str:
        index = 1 if lang == "zh" else 2
        rows = [
            [_fmt(r[c], spec_[3]) for spec_, c in zip(spec, [s[0] for s in spec], strict=True)]
            for _, r in frame.iterrows()
        ]
        headers = [s[index] for s in spec]
        align = ["left" if s[3] is None else "right" for s in spec]
        return tabulate(
            rows, headers=headers, tablefmt=tablefmt, colalign=align, disable_numparse=True
        )

    def to_text(self, lang: str = "en", fmt: str = "table") -> str:
        """Render as terminal tables (``fmt="table"``) or Markdown (``"markdown"``)."""
        tablefmt = "pipe" if fmt == "markdown" else "simple"

        def heading(title: str) -> str:
            return f"## {title}" if fmt == "markdown" else f"{title}\n{'=' * wcswidth(title)}"

        caption = self.caption(lang)
        if fmt == "markdown":
            first, *rest = caption.splitlines()
            blocks = [f"# {first}\n\n" + "\n".join(f"{line}  " for line in rest)]
        else:
            blocks = [caption]
        index = 0 if lang == "zh" else 1
        summary_rows = []
        for key, labels in _SUMMARY_LABELS.items():
            value = self.summary.get(key)
            if value is None:
                continue
            if key.endswith("_m2") and key != "floor_area_m2":
                text = _fmt(value / M2_PER_MU, 2)
            elif key in ("far",):
                text = _fmt(value, 2)
            elif key in ("coverage", "compliance_rate", "compliance_rate_by_area"):
                text = _fmt(value, "%")
            else:
                text = _fmt(value, 0)
            summary_rows.append([labels[index], text])
        blocks.append(
            heading("布局汇总" if lang == "zh" else "Summary")
            + "\n"
            + tabulate(
                summary_rows,
                headers=["指标", "数值"] if lang == "zh" else ["figure", "value"],
                tablefmt=tablefmt,
                colalign=["left", "right"],
                disable_numparse=True,
            )
        )
        frame = self.subparks.assign(name=self.subparks["name_zh" if lang == "zh" else "name_en"])
        blocks.append(
            heading("按园中园" if lang == "zh" else "By sub-park")
            + "\n"
            + self._table(frame, _SUBPARK_TABLE, lang, tablefmt)
        )
        spec = (
            *_PLOT_TABLE,
            ("failures_zh" if lang == "zh" else "failures", "未达标指标", "failing", None),
        )
        blocks.append(
            heading("地块指标" if lang == "zh" else "Plot indicators")
            + "\n"
            + self._table(pd.DataFrame(self.plots), spec, lang, tablefmt)
        )
        if lang == "en":
            blocks.append(
                "(FAR counts storeys over "
                f"{self.rules.storey_double_count_height_m:g} m twice; green ratio = "
                f"{self.options.green_share_of_open_land:g} x unbuilt plot area / plot area; "
                "margins are in the plots' columns <threshold>_margin)"
            )
        return "\n\n".join(blocks) + "\n"

    def to_csv(self, lang: str = "en") -> str:
        """The plots' attributes and indicators as CSV (unrounded; no geometry)."""
        frame = pd.DataFrame(self.plots.drop(columns="geometry"))
        if lang == "zh":
            names = {s[0]: s[1] for s in (*_PLOT_TABLE, *_SUBPARK_TABLE)}
            frame.columns = [names.get(c, c) for c in frame.columns]
        buffer = _io.StringIO()
        frame.to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()

    def render(self, fmt: str = "table", lang: str = "en") -> str:
        """Render as text in ``fmt`` (``table``, ``csv``, ``markdown``, ``json``)."""
        return render_text(self, fmt, lang, FORMATS)

    def save(self, path: str | os.PathLike, *, overwrite: bool = False):
        """Write the GeoPackage layers ``plots``, ``buildings`` and ``layout_roads``.

        The file is written to a temporary name and moved into place when complete;
        its ``park_metadata`` table holds the ruleset, options, templates and summary.

        Raises
        ------
        parkmap.errors.OutputExistsError
            If the file exists and ``overwrite`` is false.
        """
        layers = {"plots": self.plots, "buildings": self.buildings, "layout_roads": self.roads}
        meta = self.to_dict()
        metadata = {k: meta[k] for k in ("generator", "crs", "ruleset", "options", "summary")}
        metadata["templates"] = meta["templates"]
        return write_geopackage(path, layers, metadata, overwrite=overwrite)


def _clean(record: Mapping) -> dict:
    out = {}
    for key, value in record.items():
        if isinstance(value, (np.bool_, bool)):
            out[key] = bool(value)
        elif isinstance(value, (np.integer,)):
            out[key] = int(value)
        elif isinstance(value, (float, np.floating)):
            out[key] = None if np.isnan(value) else float(value)
        elif value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
            out[key] = None
        else:
            out[key] = value
    return out


# -- the computation ---------------------------------------------------------------------------
def _options(plot) -> PlotOptions:
    if plot is None:
        return PlotOptions.from_defaults()
    if isinstance(plot, PlotOptions):
        return plot
    if isinstance(plot, (int, float)):
        return PlotOptions.from_defaults(
            plot_area_target_mu=plot,
            plot_area_min_mu=min(PlotOptions.from_defaults().plot_area_min_mu, plot),
            plot_area_max_mu=max(PlotOptions.from_defaults().plot_area_max_mu, 2 * plot),
        )
    if isinstance(plot, Mapping):
        return PlotOptions.from_defaults(**plot)
    raise TypeError(f"plot: a PlotOptions, a dict of options or a target size in mu, not {plot!r}")


def _templates(building) -> list[BuildingTemplate]:
    if building is None:
        building = DEFAULT_TEMPLATES
    if isinstance(building, (str, BuildingTemplate)):
        building = [building]
    templates = [_template(b) for b in building]
    if not templates or any(t.role != "factory" for t in templates):
        raise RulesError("building: give one or more factory templates (the office is added)")
    return templates


def _select_subparks(park: Park, subpark) -> gpd.GeoDataFrame:
    subparks = park.get("subparks")
    if subparks is None or not len(subparks):
        raise DataFileError(f"{park.source or park.name}: the park has no 'subparks' layer")
    ids = feature_ids(subparks)
    if subpark is None:
        return subparks.assign(_id=ids.to_numpy())
    wanted = [subpark] if isinstance(subpark, str) else list(subpark)
    keep = np.zeros(len(subparks), dtype=bool)
    labels = [ids, *(subparks[c].astype(str) for c in ("name_zh", "name_en") if c in subparks)]
    for name in wanted:
        hit = np.zeros(len(subparks), dtype=bool)
        for column in labels:
            hit |= column.astype(str).str.casefold().to_numpy() == str(name).casefold()
        if not hit.any():
            known = ", ".join(f"{i} ({z})" for i, z in zip(ids, subparks["name_zh"], strict=True))
            raise DataFileError(f"park has no sub-park {name!r}; known: {known}")
        keep |= hit
    return subparks[keep].assign(_id=ids[keep].to_numpy())


def _land(availability) -> gpd.GeoDataFrame:
    land = getattr(availability, "land", availability)
    if not isinstance(land, gpd.GeoDataFrame) or "subpark" not in land.columns:
        raise TypeError(
            "availability: the result of parkmap.availability(park) (or its .land GeoDataFrame)"
        )
    return land


def _existing_buildings(park: Park, opts: PlotOptions) -> tuple[np.ndarray, list[str]]:
    gdf = park.get("buildings")
    if gdf is None or not len(gdf):
        return np.empty(0, dtype=object), []
    storeys = pd.to_numeric(gdf.get("storeys"), errors="coerce").fillna(1).to_numpy()
    height = storeys * pd.to_numeric(gdf.get("storey_height_m"), errors="coerce").fillna(0.0)
    classes = [
        "highrise_12" if n > 1 and h > opts.highrise_height_m else "CDE_12"
        for n, h in zip(storeys, height, strict=True)
    ]
    return np.asarray(gdf.geometry.array, dtype=object), classes


def layout(
    park: Park,
    availability=None,
    *,
    subpark: str | Iterable[str] | None = None,
    plot: PlotOptions | Mapping[str, float] | float | None = None,
    building: str | BuildingTemplate | Iterable[str | BuildingTemplate] | None = None,
    rules: IndicatorRules | str | os.PathLike | None = None,
    office: bool = True,
    progress: bool = False,
) -> Layout:
    """Lay out plots, branch roads and buildings on a park's available land.

    Parameters
    ----------
    park : Park
        The park (its ``subparks``, ``roads``, ``buildings`` and ``projects`` layers are
        used).
    availability : Availability or geopandas.GeoDataFrame, optional
        The result of :func:`parkmap.availability` (or its ``land``); computed with the
        default rules when not given.
    subpark : str or list of str, optional
        Sub-park id(s) or name(s) (Chinese or English) to lay out; default: all.
    plot : PlotOptions, dict or float, optional
        Settings (defaults: ``data/layout_defaults.csv``): a :class:`PlotOptions`, a
        dict of overrides, or a target plot size in 亩 (the minimum and maximum widen to
        admit it).
    building : str, BuildingTemplate or list, optional
        Factory template(s), packed in this order (default ``multi_storey_factory``,
        24 x 72 m x 4 storeys). See :func:`building_templates`.
    rules : IndicatorRules or path-like, optional
        Control-indicator ruleset, or a CSV of local rules (see
        :func:`parkmap.indicators.indicator_rules`); default: the 2008 national table.
    office : bool, default True
        Place an office block sized to the admin share in each plot where it fits.
    progress : bool, default False
        Show a progress bar over blocks (``tqdm.auto``).

    Returns
    -------
    Layout

    Raises
    ------
    parkmap.errors.DataFileError
        If the park has no sub-parks or ``subpark`` names none of them.
    parkmap.errors.RulesError
        On bad options, an unknown template or a bad rules file.

    Notes
    -----
    See the module docstring for the algorithm. The layout is a first plan for
    discussion: it ignores terrain, utilities, entrances and the local detailed plan.

    Examples
    --------
    >>> import parkmap
    >>> park = parkmap.datasets.load("dianjiang")
    >>> plan = parkmap.layout(park, subpark="sp-valve-chengxi")
    >>> plan.summary["n_plots"] > 0 and bool((plan.plots["far"] > 0).all())
    True
    """
    park = park.require_valid()
    opts = _options(plot)
    factories = _templates(building)
    office_template = _template(OFFICE_TEMPLATE) if office else None
    rules = rules if isinstance(rules, IndicatorRules) else indicator_rules(rules)
    if availability is None:
        from parkmap.land import availability as compute

        availability = compute(park)
    land = _land(availability)
    subparks = _select_subparks(park, subpark)
    roads = park.get("roads")
    if roads is None:
        roads = gpd.GeoDataFrame({"red_line_m": []}, geometry=[], crs=park.crs)
    roads = roads.reset_index(drop=True)
    row_geoms = right_of_way(roads) if len(roads) else np.empty(0, dtype=object)
    road_widths = pd.to_numeric(roads["red_line_m"], errors="coerce").fillna(0.0).to_numpy()
    all_row = shapely.union_all(row_geoms) if len(roads) else shapely.Polygon()
    existing, existing_classes = _existing_buildings(park, opts)
    existing_tree = shapely.STRtree(existing)
    side = _boundary_setback(factories, office_template, opts)

    plot_rows: list[dict] = []
    building_rows: list[dict] = []
    road_rows: list[dict] = []
    budget: dict[str, dict[str, float]] = {}
    from tqdm.auto import tqdm

    jobs = []
    for _, sp in subparks.iterrows():
        pieces = land[land["subpark"].astype(object) == sp["_id"]]
        budget[sp["_id"]] = {"available_m2": 0.0, "road_m2": 0.0, "leftover_m2": 0.0}
        for piece_index, piece in zip(pieces.index, pieces.geometry, strict=True):
            for block in _polygons(piece.intersection(sp.geometry).difference(all_row)):
                jobs.append((sp, piece_index, block))
    for sp, piece_index, world_block in tqdm(
        jobs, desc="layout", unit="block", disable=not progress
    ):
        sp_id = sp["_id"]
        code = sp.get("industry_code")
        admin_max = rules.thresholds(code)["admin_share_max"]
        block = _lay_out_block(world_block, row_geoms, road_widths, opts)
        frame = block.frame
        budget[sp_id]["available_m2"] += world_block.area
        budget[sp_id]["leftover_m2"] += block.leftover_m2
        zone_world = frame.to_world(block.frontage_zone(opts.frontage_tolerance_m))
        for line, strip in block.branch:
            line_w = frame.to_world(line)
            ends = shapely.get_parts(shapely.boundary(line_w))
            connected = int(
                sum(shapely.distance(e, all_row) <= opts.frontage_tolerance_m for e in ends)
            )
            area = float(strip.area)
            budget[sp_id]["road_m2"] += area
            road_rows.append(
                {
                    "id": f"{sp_id}-R{len(road_rows) + 1:03d}",
                    "name_zh": "新增支路（布局）",
                    "name_en": "inserted branch road (layout)",
                    "road_class": "branch",
                    "red_line_m": opts.branch_road_red_line_m,
                    "status": "planned",
                    "subpark": sp_id,
                    "block": int(piece_index),
                    "length_m": float(line_w.length),
                    "area_m2": area,
                    "connected_ends": connected,
                    "source": "parkmap layout",
                    "geometry": line_w,
                }
            )
        # existing buildings near the block, as local obstacles
        near = existing_tree.query(world_block.buffer(20.0))
        obstacles = [_Placed(frame.to_local(existing[i]), None, existing_classes[i]) for i in near]
        for local_plot in block.plots:
            world_plot = _polygons(frame.to_world(local_plot).intersection(world_block))
            if not world_plot:
                continue
            world_plot = max(world_plot, key=lambda p: p.area)
            plot_id = f"{sp_id}-P{len(plot_rows) + 1:03d}"
            placed = _plot_buildings(
                local_plot, block, factories, office_template, admin_max, opts, obstacles, side
            )
            first_building = len(building_rows)
            for p in placed:
                t = p.template
                geom = frame.to_world(p.box)
                building_rows.append(
                    {
                        "id": f"{plot_id}-B{len(building_rows) - first_building + 1:02d}",
                        "plot": plot_id,
                        "subpark": sp_id,
                        "template": t.template,
                        "kind": t.kind,
                        "role": t.role,
                        "name_zh": t.name_zh,
                        "storeys": int(t.storeys),
                        "ground_storey_height_m": float(t.ground_storey_height_m),
                        "storey_height_m": float(t.storey_height_m),
                        "height_m": float(t.height_m),
                        "fire_class": p.fire_class,
                        "status": "planned",
                        "boundary_setback_m": side,
                        "geometry": geom,
                    }
                )
            plot_rows.append(
                {
                    "id": plot_id,
                    "subpark": sp_id,
                    "subpark_name": sp.get("name_zh"),
                    "industry_code": None if pd.isna(code) else str(code),
                    "block": int(piece_index),
                    "frontage_m": float(world_plot.boundary.intersection(zone_world).length),
                    "width_m": _min_width(world_plot),
                    "geometry": world_plot,
                }
            )
    plots, buildings, roads_out = _frames(plot_rows, building_rows, road_rows, park.crs)
    buildings = _enforce_spacing(buildings, existing, existing_classes)
    buildings = _setback_columns(buildings, plots, roads, roads_out)
    plots = _indicators(plots, buildings, park, rules, opts)
    table = _subpark_table(plots, buildings, subparks, budget, rules)
    summary = _summary(plots, buildings, roads_out, budget, rules)
    meta = park.metadata
    templates = [*factories, *([office_template] if office_template else [])]
    log.info(
        "layout: %d plots, %d buildings, %d branch roads in %d sub-park(s)",
        len(plots),
        len(buildings),
        len(roads_out),
        len(subparks),
    )
    return Layout(
        plots=plots,
        buildings=buildings,
        roads=roads_out,
        subparks=table,
        summary=summary,
        rules=rules,
        options=opts,
        templates=templates,
        crs=park.crs,
        park_name_zh=str(meta.get("name_zh") or park.name),
        park_name_en=str(meta.get("name_en") or park.name),
        illustrative=bool(meta.get("illustrative", False)),
    )


# -- tables ----------------------------------------------------------------------------------
_PLOT_COLUMNS = [
    "id",
    "subpark",
    "subpark_name",
    "industry_code",
    "block",
    "frontage_m",
    "width_m",
]
_BUILDING_COLUMNS = [
    "id",
    "plot",
    "subpark",
    "template",
    "kind",
    "role",
    "name_zh",
    "storeys",
    "ground_storey_height_m",
    "storey_height_m",
    "height_m",
    "fire_class",
    "status",
    "boundary_setback_m",
]
_ROAD_COLUMNS = [
    "id",
    "name_zh",
    "name_en",
    "road_class",
    "red_line_m",
    "status",
    "subpark",
    "block",
    "length_m",
    "area_m2",
    "connected_ends",
    "source",
]


def _frames(plot_rows, building_rows, road_rows, crs):
    def frame(rows: list[dict], columns: list[str]) -> gpd.GeoDataFrame:
        data = pd.DataFrame(rows, columns=[*columns, "geometry"])
        return gpd.GeoDataFrame(
            data.drop(columns="geometry"), geometry=list(data["geometry"]), crs=crs
        )

    return (
        frame(plot_rows, _PLOT_COLUMNS),
        frame(building_rows, _BUILDING_COLUMNS),
        frame(road_rows, _ROAD_COLUMNS),
    )


def _enforce_spacing(
    buildings: gpd.GeoDataFrame, existing: np.ndarray, existing_classes: list[str]
) -> gpd.GeoDataFrame:
    """Drop any planned building closer than the fire spacing to an earlier or existing one."""
    if not len(buildings):
        return buildings
    geoms = np.asarray(buildings.geometry.array, dtype=object)
    classes = buildings["fire_class"].tolist()
    reach = max(_fire_table().values())
    drop = np.zeros(len(geoms), dtype=bool)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=reach)
    for i, j in zip(left, right, strict=True):
        if i < j and not drop[i] and not drop[j]:
            needed = fire_spacing_m(classes[i], classes[j])
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


def _setback_columns(buildings, plots, roads, new_roads) -> gpd.GeoDataFrame:
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
            need = np.array([road_setback_m(height, widths[j]) for j in near])
            binding = int(np.argmin(d - need))
            required[k], distance[k] = need[binding], d[binding]
    buildings["road_setback_m"] = required
    buildings["road_distance_m"] = distance
    return buildings


def _investment(plots: gpd.GeoDataFrame, park: Park) -> np.ndarray:
    """Known investment (万元) of the park's projects lying in each plot."""
    out = np.full(len(plots), np.nan)
    projects = park.get("projects")
    if projects is None or not len(projects) or "investment_yi" not in projects or not len(plots):
        return out
    money = pd.to_numeric(projects["investment_yi"], errors="coerce").to_numpy() * 1e4
    known = ~np.isnan(money)
    points = shapely.point_on_surface(np.asarray(projects.geometry.array, dtype=object)[known])
    where, plot_idx = shapely.STRtree(plots.geometry.array).query(points, predicate="within")
    for p, i in zip(where, plot_idx, strict=True):
        out[i] = np.nansum([out[i], money[known][p]])
    return out


def _indicators(plots, buildings, park: Park, rules: IndicatorRules, opts: PlotOptions):
    """Per-building floor areas and per-plot indicators, checked against the ruleset."""
    footprint = buildings.geometry.area.to_numpy()
    buildings["footprint_m2"] = footprint
    buildings["floor_area_m2"] = footprint * buildings["storeys"].to_numpy(dtype=float)
    buildings["far_floor_area_m2"] = (
        far_floor_area(
            footprint,
            buildings["storeys"].to_numpy(dtype=float),
            buildings["ground_storey_height_m"].to_numpy(dtype=float),
            buildings["storey_height_m"].to_numpy(dtype=float),
            double_count_height_m=rules.storey_double_count_height_m,
        )
        if len(buildings)
        else np.empty(0)
    )
    area = plots.geometry.area.to_numpy()
    plots["area_m2"] = area
    plots["area_mu"] = area / M2_PER_MU
    by_plot = buildings.groupby("plot")
    for column, source in (
        ("footprint_m2", "footprint_m2"),
        ("floor_area_m2", "floor_area_m2"),
        ("far_floor_area_m2", "far_floor_area_m2"),
    ):
        plots[column] = plots["id"].map(by_plot[source].sum()).fillna(0.0).to_numpy(dtype=float)
    plots["n_buildings"] = plots["id"].map(by_plot.size()).fillna(0).astype(int)
    offices = buildings[buildings["role"] == "office"]
    admin = dict.fromkeys(plots["id"], 0.0)
    plot_geom = dict(zip(plots["id"], plots.geometry, strict=True))
    for pid, geom in zip(offices["plot"], offices.geometry, strict=True):
        land = (
            geom.buffer(opts.admin_land_apron_m, join_style="mitre")
            if opts.admin_land_apron_m
            else geom
        )
        admin[pid] += land.intersection(plot_geom[pid]).area
    plots["admin_land_m2"] = plots["id"].map(admin).to_numpy(dtype=float)
    plots["green_area_m2"] = opts.green_share_of_open_land * (area - plots["footprint_m2"])
    plots["investment_wan"] = _investment(plots, park)
    with np.errstate(divide="ignore", invalid="ignore"):
        plots["far"] = plots["far_floor_area_m2"] / area
        plots["coverage"] = plots["footprint_m2"] / area
        plots["admin_share"] = plots["admin_land_m2"] / area
        plots["green_ratio"] = plots["green_area_m2"] / area
        plots["investment_wan_per_mu"] = plots["investment_wan"] / plots["area_mu"]
    checked = check_indicators(pd.DataFrame(plots.drop(columns="geometry")), rules)
    return gpd.GeoDataFrame(checked, geometry=plots.geometry.array, crs=plots.crs)


def _subpark_table(plots, buildings, subparks, budget, rules: IndicatorRules) -> pd.DataFrame:
    rows = []
    for _, sp in subparks.iterrows():
        sp_id = sp["_id"]
        mine = plots[plots["subpark"] == sp_id]
        plotted = float(mine["area_m2"].sum())
        money = mine["investment_wan"].dropna()
        with np.errstate(divide="ignore", invalid="ignore"):
            row = {
                "key": sp_id,
                "name_zh": sp.get("name_zh"),
                "name_en": sp.get("name_en") if pd.notna(sp.get("name_en")) else sp.get("name_zh"),
                "industry_code": None
                if pd.isna(sp.get("industry_code"))
                else str(sp["industry_code"]),
                "available_m2": budget[sp_id]["available_m2"],
                "road_m2": budget[sp_id]["road_m2"],
                "plotted_m2": plotted,
                "leftover_m2": budget[sp_id]["leftover_m2"],
                "n_plots": len(mine),
                "n_buildings": int((buildings["subpark"] == sp_id).sum()),
                "floor_area_m2": float(mine["floor_area_m2"].sum()),
                "far_floor_area_m2": float(mine["far_floor_area_m2"].sum()),
                "far": float(mine["far_floor_area_m2"].sum()) / plotted if plotted else np.nan,
                "coverage": float(mine["footprint_m2"].sum()) / plotted if plotted else np.nan,
                "admin_share": float(mine["admin_land_m2"].sum()) / plotted if plotted else np.nan,
                "green_ratio": float(mine["green_area_m2"].sum()) / plotted if plotted else np.nan,
                "investment_wan_per_mu": (
                    float(money.sum()) / float(mine.loc[money.index, "area_mu"].sum())
                    if len(money)
                    else np.nan
                ),
                "compliance_rate": float(mine["compliant"].mean()) if len(mine) else np.nan,
                "compliance_rate_by_area": (
                    float(mine.loc[mine["compliant"], "area_m2"].sum()) / plotted
                    if plotted
                    else np.nan
                ),
            }
        for unit_column in ("available", "road", "plotted", "leftover"):
            row[f"{unit_column}_mu"] = row[f"{unit_column}_m2"] / M2_PER_MU
        minimum = rules.thresholds(row["industry_code"])["investment_min_wan_per_mu"]
        row["investment_capacity_wan"] = (
            minimum * plotted / M2_PER_MU if not np.isnan(minimum) else np.nan
        )
        rows.append(row)
    table = pd.DataFrame(rows)
    return check_indicators(table, rules) if len(table) else table


def _summary(plots, buildings, roads, budget, rules) -> dict:
    plotted = float(plots["area_m2"].sum()) if len(plots) else 0.0
    capacity = []
    for code, area in zip(plots.get("industry_code", []), plots.get("area_m2", []), strict=True):
        minimum = rules.thresholds(code)["investment_min_wan_per_mu"]
        if not np.isnan(minimum):
            capacity.append(minimum * area / M2_PER_MU)
    return {
        "n_plots": len(plots),
        "n_buildings": len(buildings),
        "n_factories": int((buildings["role"] == "factory").sum()),
        "n_offices": int((buildings["role"] == "office").sum()),
        "available_m2": float(sum(b["available_m2"] for b in budget.values())),
        "plotted_m2": plotted,
        "road_m2": float(roads["area_m2"].sum()) if len(roads) else 0.0,
        "road_length_m": float(roads["length_m"].sum()) if len(roads) else 0.0,
        "leftover_m2": float(sum(b["leftover_m2"] for b in budget.values())),
        "floor_area_m2": float(plots["floor_area_m2"].sum()) if len(plots) else 0.0,
        "far_floor_area_m2": float(plots["far_floor_area_m2"].sum()) if len(plots) else 0.0,
        "far": float(plots["far_floor_area_m2"].sum()) / plotted if plotted else None,
        "coverage": float(plots["footprint_m2"].sum()) / plotted if plotted else None,
        "compliance_rate": float(plots["compliant"].mean()) if len(plots) else None,
        "compliance_rate_by_area": (
            float(plots.loc[plots["compliant"], "area_m2"].sum()) / plotted if plotted else None
        ),
        "investment_capacity_wan": float(sum(capacity)) if capacity else None,
    }
