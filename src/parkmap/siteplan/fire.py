"""Fire code for the layout: building classes, spacing, and fire lanes.

- **Classes** (``data/fire_classes.csv``): hazard 甲 … 戊 (``A`` … ``E``) or civil, by
  fire-resistance grade and height (GB 50016-2014 (2018) table 3.4.1; 2.1.1: a building of
  more than one storey over 24 m is high-rise): :func:`fire_class`.
- **Spacing** (``data/fire_spacing.csv``): tables 3.4.1 (factories, and factories to
  civil buildings) and 5.2.2 (civil ↔ civil), 戊类 reduced by 2 m (note 1), 6 m between a
  support building and its own 丙/丁/戊 factory (note 1): :func:`fire_spacing_m`.
- **Lanes** (``data/fire_rules.csv``): GB 55037-2022 3.4.2 asks for lanes along both long
  sides of every high-rise factory and of 甲/乙/丙类 factories over 3 000 m²
  (:func:`needs_fire_lanes`); 3.4.1 joins them to a road; GB 50016 7.1.8 makes them
  4.0 m clear. :func:`check_lanes` checks them on a plot: a lane is clear when no building
  stands in it and it lies in the plot or on a road, and joined when its centre line lies
  in the part of ``(plot ∪ roads) − buildings`` eroded by half the lane width that
  touches a road.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd
import shapely

from parkmap._data import read_table
from parkmap.errors import RulesError

__all__ = [
    "HAZARDS",
    "LaneCheck",
    "check_lanes",
    "fire_class",
    "fire_classes",
    "fire_rule",
    "fire_spacing_m",
    "long_sides",
    "needs_fire_lanes",
]

HAZARDS = ("A", "B", "C", "D", "E", "civil")
_HAZARD_ZH = {"甲": "A", "乙": "B", "丙": "C", "丁": "D", "戊": "E", "民用": "civil"}


def _float(text: str) -> float:
    return float(text) if str(text).strip() != "" else math.nan


# -- fire code ----------------------------------------------------------------------------
def fire_classes() -> pd.DataFrame:
    """The fire classes of ``fire_classes.csv``, indexed by ``fire_class``.

    Examples
    --------
    >>> fire_classes().loc["civil_12", "hazard"]
    'civil'
    """
    return read_table("fire_classes.csv").set_index("fire_class")


@cache
def _spacing_table() -> dict[tuple[str, str], tuple[float, str]]:
    table = read_table("fire_spacing.csv")
    return {
        (r.this_class, r.other_class): (_float(r.spacing_m), r.clause)
        for r in table.itertuples(index=False)
    }


@cache
def _rules() -> dict[str, str]:
    table = read_table("fire_rules.csv")
    return dict(zip(table["key"], table["value"], strict=True))


def fire_rule(key: str) -> float:
    """A single value of ``fire_rules.csv`` as a number (``fire_lane_width_min_m`` …).

    Examples
    --------
    >>> fire_rule("fire_lane_width_min_m"), fire_rule("support_building_spacing_m")
    (4.0, 6.0)
    """
    try:
        return float(_rules()[key])
    except KeyError:
        raise RulesError(
            f"fire_rules.csv has no key {key!r}; known: {', '.join(_rules())}"
        ) from None


def fire_class(hazard: str, *, grade: str = "12", height_m: float = 0.0, storeys: int = 1) -> str:
    """The class of a building in ``fire_classes.csv``.

    Parameters
    ----------
    hazard : str
        Fire hazard of the production (``A`` … ``E`` or 甲 … 戊) or ``civil`` (民用, e.g. an
        office block, which GB 50016 3.4.1 note 1 treats as a civil building).
    grade : {"12", "3", "4"}
        Fire-resistance grade (``12`` = 一/二级).
    height_m : float
        Building height, m.
    storeys : int
        Number of storeys. A building of more than one storey taller than
        ``highrise_height_m`` (24 m, GB 50016 2.1.1) is high-rise (grade one/two).

    Raises
    ------
    parkmap.errors.RulesError
        On an unknown hazard or a grade the table has no row for.

    Examples
    --------
    >>> fire_class("丙", height_m=22.2, storeys=4), fire_class("C", height_m=25.0, storeys=5)
    ('C_12', 'C_H')
    >>> fire_class("civil", height_m=19.5, storeys=5)
    'civil_12'
    """
    key = _HAZARD_ZH.get(str(hazard).strip(), str(hazard).strip())
    if key not in HAZARDS:
        raise RulesError(f"unknown fire hazard {hazard!r}; use one of {', '.join(HAZARDS)}")
    highrise = storeys > 1 and height_m > fire_rule("highrise_height_m")
    name = f"{key}_H" if highrise else f"{key}_{grade}"
    if name not in fire_classes().index:
        raise RulesError(
            f"no fire class {name!r} (hazard {hazard!r}, grade {grade!r}); known: "
            + ", ".join(fire_classes().index)
        )
    return name


def fire_spacing_m(class_a: str, class_b: str, *, support_building: bool = False) -> float:
    """Fire separation between two buildings, m (GB 50016 tables 3.4.1 and 5.2.2).

    Parameters
    ----------
    class_a, class_b : str
        Classes of ``fire_classes.csv``.
    support_building : bool
        True when one of them is a civil building put up to serve the other, a 丙/丁/戊
        factory of the same plot: then 6 m (3.4.1 note 1) instead of the table value.

    Raises
    ------
    parkmap.errors.RulesError
        On an unknown class, or a pair the table gives no value for.

    Examples
    --------
    >>> fire_spacing_m("C_12", "C_12"), fire_spacing_m("E_12", "E_12")
    (10.0, 8.0)
    >>> fire_spacing_m("civil_12", "A_12"), fire_spacing_m("civil_12", "civil_12")
    (25.0, 6.0)
    >>> fire_spacing_m("civil_12", "C_12", support_building=True)
    6.0
    """
    try:
        value, _ = _spacing_table()[(class_a, class_b)]
    except KeyError:
        raise RulesError(
            f"no fire spacing for classes {class_a!r} / {class_b!r}; known: "
            + ", ".join(fire_classes().index)
        ) from None
    if math.isnan(value):
        raise RulesError(f"GB 50016 table 3.4.1 gives no spacing for {class_a} / {class_b}")
    if support_building:
        hazards = {class_a.split("_")[0], class_b.split("_")[0]}
        if "civil" in hazards and hazards & {"C", "D", "E"}:
            return fire_rule("support_building_spacing_m")
    return value


def needs_fire_lanes(fire_class_: str, footprint_m2: float) -> bool:
    """Whether GB 55037-2022 3.4.2 asks for fire lanes along both long sides.

    Every high-rise factory, and single/multi-storey 甲, 乙 and 丙类 factories with a
    footprint over ``fire_lane_footprint_min_m2`` (3 000 m²).

    Examples
    --------
    >>> needs_fire_lanes("C_12", 36 * 96), needs_fire_lanes("C_12", 24 * 72)
    (True, False)
    >>> needs_fire_lanes("E_H", 1000.0), needs_fire_lanes("D_12", 5000.0)
    (True, False)
    """
    hazard, _, grade = fire_class_.partition("_")
    if hazard == "civil":
        return False
    if grade == "H":
        return True
    hazards = _rules()["fire_lane_hazards"].split(";")
    return hazard in hazards and footprint_m2 > fire_rule("fire_lane_footprint_min_m2")


# -- fire lanes ---------------------------------------------------------------------------
#: Distances below this, m, are rounding.
_TOL = 1e-3


def long_sides(footprint) -> list:
    """The two long sides of a footprint's minimum rotated rectangle, as line strings."""
    rect = shapely.oriented_envelope(footprint)
    xy = np.asarray(rect.exterior.coords)[:4]
    edges = [shapely.LineString([xy[i], xy[(i + 1) % 4]]) for i in range(4)]
    edges.sort(key=lambda e: -e.length)
    return edges[:2]


class LaneCheck:
    """Result of :func:`check_lanes` for one building side.

    Attributes
    ----------
    building : int
        Index of the building in the input list.
    side : int
        1 or 2 (the two long sides).
    strip : shapely.Polygon
        The lane, ``width_m`` deep along the side, outside the building.
    clear : bool
        No building in the strip, and the strip inside the plot or on a road.
    joined : bool
        A ``width_m`` wide path leads from the strip to a road.
    """

    __slots__ = ("building", "clear", "joined", "side", "strip")

    def __init__(self, building: int, side: int, strip, clear: bool, joined: bool):
        self.building, self.side, self.strip = building, side, strip
        self.clear, self.joined = clear, joined

    @property
    def ok(self) -> bool:
        """Clear and joined to a road."""
        return self.clear and self.joined


def _outward_strip(side, footprint, width_m: float):
    """The rectangle ``width_m`` deep on the outer side of ``side``."""
    (x0, y0), (x1, y1) = np.asarray(side.coords)
    dx, dy = x1 - x0, y1 - y0
    length = float(np.hypot(dx, dy))
    nx, ny = -dy / length, dx / length
    mid = shapely.Point((x0 + x1) / 2 + nx, (y0 + y1) / 2 + ny)
    if footprint.buffer(_TOL).contains(mid):
        nx, ny = -nx, -ny
    ox, oy = nx * width_m, ny * width_m
    strip = shapely.Polygon([(x0, y0), (x1, y1), (x1 + ox, y1 + oy), (x0 + ox, y0 + oy)])
    centre = shapely.LineString([(x0 + ox / 2, y0 + oy / 2), (x1 + ox / 2, y1 + oy / 2)])
    return strip, centre


def check_lanes(footprints, needs, plot, roads, *, width_m: float) -> list[LaneCheck]:
    """Check the lanes along both long sides of every building that needs them.

    Parameters
    ----------
    footprints : sequence of shapely.Polygon
        Every building near the plot (those that need lanes and the obstacles).
    needs : sequence of bool
        Which footprints need lanes.
    plot : shapely.Polygon
        The plot the lanes must stay in (with ``roads``).
    roads : shapely geometry
        Road rights-of-way next to the plot (empty if none).
    width_m : float
        Clear lane width, m.

    Returns
    -------
    list of LaneCheck
        Two per building that needs lanes.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> plot, road = box(0, 0, 100, 60), box(0, 60, 100, 76)
    >>> checks = check_lanes([box(10, 10, 90, 40)], [True], plot, road, width_m=4.0)
    >>> [(c.side, c.clear, c.joined) for c in checks]
    [(1, True, True), (2, True, True)]
    """
    footprints = list(footprints)
    built = shapely.union_all(footprints) if footprints else shapely.Polygon()
    area = shapely.union_all([plot, roads]) if not roads.is_empty else plot
    free = area.difference(built)
    # The lanes lie within ``width_m`` of the plot, and eroding a shape by r changes it
    # only within r of its edges: the free space is eroded within a window around the
    # plot, not along the whole of every road near the block (the same result near the
    # plot, at a fraction of the cost). A core part near the plot that reaches a road
    # reaches it inside the window: outside the plot everything is road.
    x0, y0, x1, y1 = plot.bounds
    margin = 2 * width_m + 1.0
    window = shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    core = free.intersection(window).buffer(-(width_m / 2 - _TOL), join_style="mitre")
    reach = [p for p in shapely.get_parts(core) if not roads.is_empty and p.intersects(roads)]
    reachable = shapely.union_all(reach) if reach else shapely.Polygon()
    reachable = reachable.buffer(2 * _TOL)
    shapely.prepare(reachable)
    inside = area.buffer(_TOL)
    out: list[LaneCheck] = []
    for i, (footprint, need) in enumerate(zip(footprints, needs, strict=True)):
        if not need:
            continue
        others = shapely.union_all([f for j, f in enumerate(footprints) if j != i])
        for k, side in enumerate(long_sides(footprint), start=1):
            strip, centre = _outward_strip(side, footprint, width_m)
            clear = inside.contains(strip) and (
                others.is_empty or others.intersection(strip).area <= _TOL
            )
            joined = clear and reachable.contains(centre)
            out.append(LaneCheck(i, k, strip, clear, joined))
    return out
