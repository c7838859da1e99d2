"""Fire lanes along the long sides of a building (GB 55037-2022 3.4.1, 3.4.2).

A lane is a strip ``width_m`` wide along a long side of the building's minimum rotated
rectangle. It is **clear** when no building stands in it and it lies inside the plot
or on a road, and **joined to a road** when a vehicle ``width_m`` wide can drive from it
to a road right-of-way without crossing a building or leaving the plot: its centre line
lies in the part of ``(plot ∪ roads) − buildings`` eroded by ``width_m / 2`` that
touches a road.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["LaneCheck", "check_lanes", "long_sides"]

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
    core = free.buffer(-(width_m / 2 - _TOL), join_style="mitre")
    reach = [p for p in shapely.get_parts(core) if not roads.is_empty and p.intersects(roads)]
    reachable = shapely.union_all(reach) if reach else shapely.Polygon()
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
            joined = clear and reachable.buffer(2 * _TOL).contains(centre)
            out.append(LaneCheck(i, k, strip, clear, joined))
    return out
