"""Polygon rings as flat coordinate arrays: edges, orientation, convexity.

Vectorised helpers for tests that would otherwise need one GEOS call per polygon (the
fragment opening's shortcut, :mod:`parkmap.land.opening`). Coordinates come from
``shapely.get_coordinates`` without cloning any ring.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = [
    "CONVEX_RTOL",
    "convex_rings",
    "min_by",
    "polygon_rings",
    "ring_edges",
]

#: Relative cross product below which two edges count as collinear in the convexity test.
CONVEX_RTOL = 1e-12


def ring_edges(coords: np.ndarray, ring_offsets: np.ndarray) -> dict[str, np.ndarray]:
    """Edges of closed rings given as ragged coordinates (``shapely.to_ragged_array``).

    Returns a dict with, per edge, ``start`` (start point), ``vec`` (start to end),
    ``length``, ``normal`` (unit normal to its left), ``owner`` (ring index) and
    ``next`` (the following edge of the same ring, cyclic); and per ring ``sign`` (+1
    counter-clockwise, -1 clockwise), ``first`` (its first edge), ``counts`` (edges) and
    ``ok`` (at least three edges, none of zero length).
    """
    n = len(ring_offsets) - 1
    sizes = np.diff(ring_offsets)
    ring_of = np.repeat(np.arange(n), sizes)
    idx = np.flatnonzero(ring_of[:-1] == ring_of[1:])
    start, end, own = coords[idx], coords[idx + 1], ring_of[idx]
    vec = end - start
    length = np.hypot(vec[:, 0], vec[:, 1])
    counts = np.bincount(own, minlength=n)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    short = np.bincount(own, weights=(length <= 1e-9).astype(float), minlength=n) > 0
    ok = (counts >= 3) & ~short
    safe = np.where(length > 0, length, 1.0)
    normal = np.stack([-vec[:, 1], vec[:, 0]], axis=1) / safe[:, None]
    twice_area = np.bincount(
        own, weights=start[:, 0] * end[:, 1] - end[:, 0] * start[:, 1], minlength=n
    )
    nxt = np.arange(len(idx)) + 1
    has = counts > 0
    nxt[(first + counts - 1)[has]] = first[has]
    return {
        "start": start,
        "vec": vec,
        "length": safe,
        "normal": normal,
        "owner": own,
        "next": nxt,
        "sign": np.where(twice_area >= 0, 1.0, -1.0),
        "first": first,
        "counts": counts,
        "ok": ok,
    }


def polygon_rings(
    geoms: np.ndarray, holes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates and ring offsets of polygons with at most one hole, without copies.

    Like ``shapely.to_ragged_array``, which clones every ring first: the exterior ring
    of a valid polygon closes at the first repetition of its first vertex, and the hole
    (if any) takes the rest.
    """
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    n = len(geoms)
    counts = np.bincount(owner, minlength=n)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    pos = np.arange(len(coords))
    closes = (coords == coords[first[owner]]).all(axis=1) & (pos > first[owner])
    at = np.flatnonzero(closes)
    seen, where = np.unique(owner[at], return_index=True)
    shell_end = first + counts  # exclusive end of the shell
    shell_end[seen] = at[where] + 1
    has_hole = holes > 0
    ends = np.stack([shell_end, np.where(has_hole, first + counts, shell_end)], axis=1)
    keep = np.stack([np.ones(n, dtype=bool), has_hole], axis=1)
    ring_offsets = np.r_[0, ends[keep]]
    poly_offsets = np.r_[0, np.cumsum(1 + has_hole)]
    return coords, ring_offsets, poly_offsets


def convex_rings(e: dict[str, np.ndarray]) -> np.ndarray:
    """Per ring: convex (every turn the same way as the ring, collinear allowed)."""
    vec, nxt, own = e["vec"], e["next"], e["owner"]
    n = len(e["ok"])
    cross = vec[:, 0] * vec[nxt, 1] - vec[:, 1] * vec[nxt, 0]
    scale = e["length"] * e["length"][nxt]
    bad = e["sign"][own] * cross < -CONVEX_RTOL * scale
    return e["ok"] & (np.bincount(own, weights=bad.astype(float), minlength=n) == 0)


def min_by(values: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Smallest of ``values`` per ``owner`` (``inf`` where an owner has none)."""
    out = np.full(n, np.inf)
    np.minimum.at(out, owner, values)
    return out
