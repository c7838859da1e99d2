"""Geometry helpers shared by the park model, the importer, the area report and the engines."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parkmap._data import read_table

__all__ = [
    "SNAP_GRID_M",
    "checked_difference",
    "checked_intersection",
    "digitising_tolerance_m2",
    "keep_kind",
    "overlapping_pairs",
    "repair",
    "right_of_way",
]


def right_of_way(roads: gpd.GeoDataFrame) -> np.ndarray:
    """Road rights-of-way: each centreline buffered by half its ``red_line_m``, flat ends.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        Road centrelines with a ``red_line_m`` column (metres, in a metric CRS).

    Returns
    -------
    numpy.ndarray of shapely polygons
        One per road, in the roads' order (empty where the width is missing).
    """
    width_m = pd.to_numeric(roads["red_line_m"], errors="coerce").fillna(0.0).to_numpy()
    return shapely.buffer(roads.geometry.array, width_m / 2, cap_style="flat")


def keep_kind(geom, polygonal: bool):
    """The polygonal (or linear) parts of a repaired geometry, as one geometry.

    Parameters
    ----------
    geom : shapely.Geometry
        A geometry, typically what ``shapely.make_valid`` returned (possibly a
        GeometryCollection mixing polygons, lines and points).
    polygonal : bool
        Keep the Polygon / MultiPolygon parts (True) or the LineString /
        MultiLineString parts (False).

    Returns
    -------
    shapely.Geometry
        The union of the kept parts (lines merged), or an empty Polygon / LineString
        when there are none.
    """
    parts = shapely.get_parts(geom)
    wanted = (3, 6) if polygonal else (1, 5)
    parts = parts[np.isin(shapely.get_type_id(parts), wanted)]
    if not len(parts):
        return shapely.from_wkt("POLYGON EMPTY" if polygonal else "LINESTRING EMPTY")
    return shapely.union_all(parts) if polygonal else shapely.line_merge(shapely.union_all(parts))


def repair(geoms, polygonal: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Repair invalid geometries with ``shapely.make_valid``, keeping one geometry kind.

    The one repair routine of parkmap: :meth:`parkmap.Park.repaired` and the importer's
    ``repair_geometries`` both use it.

    Parameters
    ----------
    geoms : array-like of shapely geometries
        The geometries; not modified. Missing and empty ones are left as they are.
    polygonal : bool, optional
        After repair keep only the polygonal (True) or linear (False) parts (see
        :func:`keep_kind`); None keeps whatever ``make_valid`` returns.

    Returns
    -------
    repaired : numpy.ndarray of shapely geometries
        A copy of ``geoms`` with every invalid, non-empty geometry replaced by its
        repair (which may be empty when nothing of the kind is left).
    reasons : numpy.ndarray of object
        Per feature: ``shapely.is_valid_reason`` of the input where it was repaired,
        None elsewhere.

    Examples
    --------
    >>> from shapely.geometry import Polygon
    >>> bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> fixed, reasons = repair([bowtie], polygonal=True)
    >>> fixed[0].geom_type, round(fixed[0].area, 2), reasons[0]
    ('MultiPolygon', 0.5, 'Self-intersection[0.5 0.5]')
    """
    values = np.asarray(geoms, dtype=object).copy()
    reasons = np.full(len(values), None, dtype=object)
    bad = ~(shapely.is_missing(values) | shapely.is_empty(values)) & ~shapely.is_valid(values)
    for pos in np.flatnonzero(bad):
        before = values[pos]
        reasons[pos] = shapely.is_valid_reason(before)
        try:
            fixed = shapely.make_valid(before)
        except shapely.errors.GEOSException:
            # GEOS's linework method fails on some degenerate rings ("mixed-dimension");
            # rebuilding the structure (shells minus holes) still gives a valid polygon.
            fixed = shapely.make_valid(before, method="structure", keep_collapsed=False)
            reasons[pos] = f"{reasons[pos]} (rebuilt by structure)"
        values[pos] = fixed if polygonal is None else keep_kind(fixed, polygonal)
    return values, reasons


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


#: Grid of the snap-rounding overlay used where a floating-point overlay is inconsistent,
#: m (0.1 µm: far below survey precision, ~50 ulps of a coordinate of 10,000 km).
SNAP_GRID_M = 1e-7


def checked_intersection(a, b) -> np.ndarray:
    """``shapely.intersection(a, b)``, recomputed by snap rounding where it is inconsistent.

    GEOS's floating-point overlay can come back grossly wrong for polygons whose edges
    nearly coincide (an intersection empty, a union twice the area: GEOS issue 1344,
    still open in GEOS 3.14). The intersection and the difference ``b - a`` must add up
    to ``b``, and an empty intersection needs interiors that do not meet (by GEOS's
    relate, a different algorithm); where either fails, the intersection is recomputed
    with a snap-rounding overlay on a :data:`SNAP_GRID_M` grid, which is robust.

    Examples
    --------
    >>> a = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])
    >>> float(checked_intersection([a], [a])[0].area)
    100.0
    """
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    out = shapely.intersection(a, b)
    rest = shapely.difference(b, a)
    whole = shapely.area(b)
    got = shapely.area(out)
    bad = np.abs(got + shapely.area(rest) - whole) > 1e-9 * whole + 1e-9
    # the overlay can be wrong and still add up (it took the two for disjoint): the
    # relate algorithm, a different one, says whether their interiors meet
    empty = ~bad & (got <= 0)
    empty[empty] = shapely.relate_pattern(a[empty], b[empty], "2********")
    bad |= empty
    if bad.any():
        out[bad] = shapely.intersection(a[bad], b[bad], grid_size=SNAP_GRID_M)
    return out


def checked_difference(a, b, b_area: np.ndarray | None = None) -> np.ndarray:
    """``shapely.difference(a, b)``, recomputed by snap rounding where it cannot be right.

    The result can be no larger than ``a`` and no smaller than ``a`` less ``b``; and
    where it removed nothing, ``a`` and ``b`` must not share interior (by GEOS's relate,
    a different algorithm than the overlay, which can take nearly coincident polygons
    for disjoint: GEOS issue 1344). Where a check fails, the difference is recomputed
    with a snap-rounding overlay on a :data:`SNAP_GRID_M` grid. The checks cost two
    area sums, and a relate only for the pairs the overlay left unchanged.

    Parameters
    ----------
    a, b : array-like of shapely polygons
        Pairwise operands.
    b_area : numpy.ndarray, optional
        ``shapely.area(b)``, when the caller has it.

    Examples
    --------
    >>> plot = shapely.box(0, 0, 10, 10)
    >>> float(checked_difference([plot], [shapely.box(5, 0, 10, 10)])[0].area)
    50.0
    """
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    out = shapely.difference(a, b)
    before, after = shapely.area(a), shapely.area(out)
    removable = shapely.area(b) if b_area is None else b_area
    tol = 1e-9 * before + 1e-9
    bad = (after > before + tol) | (after < before - removable - tol)
    same = ~bad & (after >= before - tol)
    if same.any():
        same[same] = shapely.relate_pattern(a[same], b[same], "2********")
        bad |= same
    if bad.any():
        out[bad] = shapely.difference(a[bad], b[bad], grid_size=SNAP_GRID_M)
    return out
