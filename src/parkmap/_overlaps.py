"""Pairs of polygons of one layer that overlap by more than the digitising tolerance.

Sub-parks must not overlap: the land of an overlap would be counted in both, the
available pieces would sum to more than the total, and a layout would lay the overlap
out twice. The check is vectorised: one spatial-index query for candidate pairs, one
intersection call for their areas.
"""

from __future__ import annotations

import numpy as np
import shapely

from parkmap._data import read_table

__all__ = ["digitising_tolerance_m2", "overlapping_pairs"]


def digitising_tolerance_m2() -> float:
    """The digitising tolerance, m² (``data/tolerances.csv``)."""
    table = read_table("tolerances.csv").set_index("key")["value"]
    return float(table["digitising_tolerance_m2"])


def overlapping_pairs(
    geoms, tolerance_m2: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of polygons whose intersection is larger than the tolerance.

    Parameters
    ----------
    geoms : array-like of shapely geometries
        Polygons in a metric CRS. Missing, empty and invalid geometries are skipped
        (they are reported by the schema checks).
    tolerance_m2 : float, optional
        Default :func:`digitising_tolerance_m2`.

    Returns
    -------
    first, second : numpy.ndarray of int
        Positions of the two polygons of each pair, ``first < second``.
    area : numpy.ndarray of float
        Area of each overlap, m².

    Examples
    --------
    >>> a, b, c = shapely.box(0, 0, 10, 10), shapely.box(5, 0, 15, 10), shapely.box(10, 0, 20, 10)
    >>> overlapping_pairs([a, b, c])
    (array([0, 1]), array([1, 2]), array([50., 50.]))
    """
    tol = digitising_tolerance_m2() if tolerance_m2 is None else tolerance_m2
    geoms = np.asarray(geoms, dtype=object)
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    usable[usable] = shapely.is_valid(geoms[usable])
    positions = np.flatnonzero(usable)
    empty = np.empty(0, dtype=int)
    if len(positions) < 2:
        return empty, empty, np.empty(0)
    valid = geoms[positions]
    left, right = shapely.STRtree(valid).query(valid, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    area = shapely.area(shapely.intersection(valid[left], valid[right]))
    big = area > tol
    order = np.lexsort((right[big], left[big]))
    return positions[left[big]][order], positions[right[big]][order], area[big][order]
