"""The morphological opening that finds fragments, with an exact shortcut for plain pieces.

The opening (erosion, then dilation, by half the minimum width, mitre joins) is what the
waterfall calls a fragment test: what it removes is too narrow for a factory. GEOS
buffers cost tens of microseconds a polygon, and at county scale almost every piece
comes back unchanged, so pieces are first sorted by a vectorised, exact test:

- a **convex** piece without holes comes back unchanged when its erosion is not empty;
  it is not empty when one point (the mean of its vertices) lies farther than half the width from
  every edge line;
- a convex piece with **one convex hole** (a building inside its plot) comes back
  unchanged when the hole, grown by half the width with mitre corners, lies strictly
  inside the exterior shrunk by half the width: the erosion is then the shrunk
  exterior minus the grown hole, and the dilation gives both rings back (the hole
  exactly; the exterior as a superset that the clipping to the input takes back).

Both tests need a margin (:data:`MARGIN_M`) beyond the exact threshold; pieces near it,
and all other pieces, go through GEOS as before. The shortcut therefore changes no
result: it only skips buffers whose outcome is known.
"""

from __future__ import annotations

import numpy as np
import shapely

from parkmap._geometry import checked_intersection, repair
from parkmap.land.rings import convex_rings, min_by, polygon_rings, ring_edges

__all__ = ["EMPTY", "MITRE_LIMIT", "OPENING_RTOL", "opening", "unchanged_by_opening"]

#: The empty polygon: what a step leaves of a unit it claims whole (shared with the waterfall).
EMPTY = shapely.from_wkt("POLYGON EMPTY")
#: Relative area change below which an opening is taken to leave a piece unchanged.
OPENING_RTOL = 1e-9
#: Mitre limit of the opening's buffers (GEOS default 5 would bevel corners under 23°).
MITRE_LIMIT = 1000.0
#: Distance beyond the exact threshold a shortcut needs, m (far above rounding noise).
MARGIN_M = 1e-6
#: Smallest ``1 + cos`` of the turn at a hole corner for the mitre formula (sharper: GEOS).
MITRE_MIN = 0.5


def unchanged_by_opening(geoms: np.ndarray, half_m: float) -> np.ndarray:
    """Which polygons an opening by ``2 * half_m`` provably leaves unchanged.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely Polygons
        Non-empty polygons.
    half_m : float
        Half the minimum width, m.

    Returns
    -------
    numpy.ndarray of bool
        True where the opening returns the polygon as it is (False: not known).

    Examples
    --------
    >>> import shapely
    >>> plot = shapely.box(0, 0, 50, 30)
    >>> with_factory = shapely.box(0, 0, 50, 30).difference(shapely.box(10, 10, 40, 20))
    >>> near_edge = shapely.box(0, 0, 50, 30).difference(shapely.box(10, 1, 40, 20))
    >>> unchanged_by_opening(np.array([plot, with_factory, near_edge]), 2.0).tolist()
    [True, True, False]
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms), dtype=bool)
    holes = shapely.get_num_interior_rings(geoms)
    cand = np.flatnonzero((shapely.get_type_id(geoms) == 3) & (holes <= 1))
    if not len(cand):
        return out
    coords, ring_offsets, poly_offsets = polygon_rings(geoms[cand], holes[cand])
    e = ring_edges(coords, ring_offsets)
    convex = convex_rings(e)
    shell = poly_offsets[:-1]  # ring index of each polygon's exterior
    n_holes = holes[cand]
    need = half_m + MARGIN_M
    inward = e["normal"] * e["sign"][e["owner"], None]  # valid on exterior rings
    own = e["owner"]

    # no hole: the mean of the vertices (inside a convex ring) lies deeper than half the width
    centre = (
        np.stack(
            [np.bincount(own, weights=e["start"][:, k], minlength=len(e["ok"])) for k in (0, 1)],
            axis=1,
        )
        / np.maximum(e["counts"], 1)[:, None]
    )
    depth = np.einsum("ij,ij->i", inward, centre[own] - e["start"])
    deep = min_by(depth, own, len(e["ok"])) > need
    plain = (n_holes == 0) & convex[shell] & deep[shell]
    out[cand[plain]] = True

    # one hole: the grown hole lies strictly inside the shrunk exterior
    holed = np.flatnonzero(
        (n_holes == 1) & convex[shell] & convex[np.minimum(shell + 1, len(e["ok"]) - 1)]
    )
    if not len(holed):
        return out
    hole_ring = shell[holed] + 1
    # the hole's edges, pointing away from the hole into the polygon
    on_hole = np.zeros(len(e["ok"]), dtype=int) - 1
    on_hole[hole_ring] = np.arange(len(holed))
    edges = np.flatnonzero(on_hole[own] >= 0)
    away = -e["normal"] * e["sign"][own, None]
    prev = np.empty_like(e["next"])
    prev[e["next"]] = np.arange(len(prev))
    turn = np.einsum("ij,ij->i", away[prev[edges]], away[edges]) + 1.0  # 1 + cos
    which = on_hole[own[edges]]
    sharp = np.bincount(which, weights=(turn < MITRE_MIN).astype(float), minlength=len(holed))
    grown = (
        e["start"][edges]
        + half_m * (away[prev[edges]] + away[edges]) / np.maximum(turn, MITRE_MIN)[:, None]
    )
    # every grown-hole vertex against every exterior edge of the same polygon
    ext_ring = shell[holed][which]
    reps = e["counts"][ext_ring]
    vertex = np.repeat(np.arange(len(edges)), reps)
    offset = np.arange(len(vertex)) - np.repeat(np.cumsum(reps) - reps, reps)
    edge = e["first"][ext_ring][vertex] + offset
    clearance = np.einsum("ij,ij->i", inward[edge], grown[vertex] - e["start"][edge])
    inside = min_by(clearance, which[vertex], len(holed)) > need
    out[cand[holed[(sharp == 0) & inside]]] = True
    return out


def opening(geoms: np.ndarray, min_width_m: float) -> np.ndarray:
    """Morphological opening of polygons by ``min_width_m``: what is narrower goes.

    Erosion then dilation by half the width, with mitre joins and a high mitre limit
    (:data:`MITRE_LIMIT`), so right-angled and other sharp corners come back whole.
    Polygons :func:`unchanged_by_opening` recognises come back as they are without a
    buffer; a convex polygon whose erosion is not empty comes back unchanged, so it is
    not dilated at all; elsewhere the result is clipped to the input (a dilated mitre
    may reach beyond it), except where the opening changed no area.
    """
    geoms = np.asarray(geoms, dtype=object)
    half = min_width_m / 2
    out = geoms.copy()
    todo_all = np.flatnonzero(~unchanged_by_opening(geoms, half))
    if not len(todo_all):
        return out
    sub = geoms[todo_all]
    eroded = shapely.buffer(sub, -half, join_style="mitre", mitre_limit=MITRE_LIMIT)
    gone = shapely.is_empty(eroded)
    out[todo_all[gone]] = EMPTY
    area = shapely.area(sub)
    convex = (shapely.get_type_id(sub) == 3) & (shapely.get_num_interior_rings(sub) == 0)
    convex[convex] = (
        shapely.area(shapely.convex_hull(sub[convex])) - area[convex] <= OPENING_RTOL * area[convex]
    )
    todo = np.flatnonzero(~gone & ~convex)
    opened = shapely.buffer(eroded[todo], half, join_style="mitre", mitre_limit=MITRE_LIMIT)
    # GEOS's mitre offset can cross itself where a spike meets a hole: repair first,
    # or the clipping below raises a TopologyException
    invalid = ~shapely.is_valid(opened)
    if invalid.any():
        opened[invalid] = repair(opened[invalid], polygonal=True)[0]
    changed = np.abs(shapely.area(opened) - area[todo]) > OPENING_RTOL * area[todo]
    pick = todo[changed]
    out[todo_all[pick]] = checked_intersection(opened[changed], sub[pick])
    return out
