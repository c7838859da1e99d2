"""The fragment opening's shortcut, and the overlay checks against GEOS failures.

The shortcut may only skip buffers whose outcome is known; the checked overlays must
give the right area where GEOS's floating-point overlay does not.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from parkmap._geometry import SNAP_GRID_M, checked_intersection
from parkmap.land.opening import MITRE_LIMIT, opening, unchanged_by_opening

WIDTH = 4.0


def geos_opening(geom, width: float = WIDTH):
    """The opening by GEOS buffers alone, clipped to the input: the reference.

    A mitre dilation can come back crossing itself (a spike over a hole): made valid.
    Clipped by snap rounding: GEOS's floating overlay can fail on nearly equal rings.
    """
    half = width / 2
    eroded = shapely.buffer(geom, -half, join_style="mitre", mitre_limit=MITRE_LIMIT)
    if eroded.is_empty:
        return eroded
    opened = shapely.buffer(eroded, half, join_style="mitre", mitre_limit=MITRE_LIMIT)
    valid = shapely.make_valid(opened)
    parts = [p for p in shapely.get_parts(valid) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.intersection(shapely.union_all(parts), geom, grid_size=SNAP_GRID_M)


def _quad(rng: np.random.Generator, size: float) -> shapely.Polygon:
    """A convex quadrilateral: a jittered square, like a surveyed plot."""
    corners = np.array([(0, 0), (size, 0), (size, size), (0, size)], dtype=float)
    corners += rng.uniform(-0.2, 0.2, corners.shape) * size
    return shapely.convex_hull(shapely.MultiPoint(corners))


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.floats(3.0, 80.0),
    hole=st.booleans(),
    gap=st.floats(0.0, 12.0),
    angle=st.floats(0.0, 90.0),
)
def test_shortcut_agrees_with_geos(seed, size, hole, gap, angle):
    """Where the shortcut says "unchanged", GEOS finds the same polygon (same area).

    The polygons are plots of every width around the threshold, with a factory whose
    clearance to the plot's edge (``gap``) spans the threshold too; GEOS's own opening
    simplifies its input by 1 % of the distance, so areas are compared to 1e-4.
    """
    rng = np.random.default_rng(seed)
    plot = _quad(rng, size)
    if hole:
        side = size / 2
        factory = shapely.affinity.rotate(shapely.box(0, 0, side, side * 0.6), angle)
        cx, cy = shapely.get_coordinates(plot.centroid)[0]
        factory = shapely.affinity.translate(factory, cx - side / 2, cy - gap)
        if not plot.contains_properly(factory):
            return
        plot = plot.difference(factory)
    if shapely.get_type_id(plot) != 3 or plot.area <= 0:
        return
    (shortcut,) = unchanged_by_opening(np.array([plot], dtype=object), WIDTH / 2)
    reference = geos_opening(plot)
    if shortcut:
        assert reference.area == pytest.approx(plot.area, rel=1e-4)
    (ours,) = opening(np.array([plot], dtype=object), WIDTH)
    assert ours.area == pytest.approx(reference.area, rel=1e-4, abs=1e-6)


def test_shortcut_decisions_on_plain_cases():
    """Each branch decides what it should; the threshold itself goes to GEOS."""
    wide = shapely.box(0, 0, 40, 30)
    narrow = shapely.box(0, 0, 40, 3.9)  # narrower than 4 m: the opening removes it
    exact = shapely.box(0, 0, 40, 4.0)  # at the threshold: not decided here
    building = shapely.box(10, 10, 30, 20)
    far = wide.difference(building)  # 10 m all round
    near = wide.difference(shapely.box(10, 1, 30, 20))  # 1 m strip under the factory
    l_shape = shapely.Polygon([(0, 0), (40, 0), (40, 10), (10, 10), (10, 30), (0, 30)])
    two = wide.difference(shapely.box(5, 5, 10, 10)).difference(shapely.box(20, 5, 25, 10))
    geoms = np.array([wide, narrow, exact, far, near, l_shape, two], dtype=object)
    assert unchanged_by_opening(geoms, WIDTH / 2).tolist() == [
        True,
        False,
        False,
        True,
        False,
        False,  # not convex: GEOS decides
        False,  # two holes: GEOS decides
    ]
    out = opening(geoms, WIDTH)
    assert out[0] is wide and out[3] is far  # returned as they are, no buffer
    assert out[1].is_empty and out[2].is_empty
    assert out[4].area == pytest.approx(near.area - 20 * 1)  # the 1 m strip goes
    assert out[5].area == pytest.approx(l_shape.area)


def test_clockwise_rings_and_duplicate_vertices():
    """Ring orientation and repeated vertices do not fool the shortcut."""
    ccw = shapely.box(0, 0, 40, 30)
    cw = shapely.Polygon(list(ccw.exterior.coords)[::-1])
    doubled = shapely.Polygon([(0, 0), (40, 0), (40, 0), (40, 30), (0, 30)])
    hole_cw = shapely.Polygon(ccw.exterior.coords, [[(10, 10), (10, 20), (30, 20), (30, 10)]])
    hole_ccw = shapely.Polygon(ccw.exterior.coords, [[(10, 10), (30, 10), (30, 20), (10, 20)]])
    got = unchanged_by_opening(np.array([cw, doubled, hole_cw, hole_ccw], dtype=object), 2.0)
    assert got.tolist() == [True, False, True, True]  # a zero-length edge goes to GEOS


def test_self_crossing_dilation_does_not_raise():
    """A plot whose factory touches the mitre spike: GEOS's dilation crosses itself.

    Found by the property test above (seed 132); before the repair, the clipping raised
    a TopologyException and ``parkmap availability`` stopped with a traceback. The
    repaired dilation covers the narrow strip above the factory again (``make_valid``
    keeps every face the crossing ring encloses), so the strip is not removed: a
    valid result no larger than the plot, as the GEOS reference gives.
    """
    plot = shapely.from_wkt(
        "POLYGON ((0.5336319379389768 41.09494332280149, 39.63337850213875 36.4732114547222, "
        "38.36394700733632 5.343642611161974, -4.994646490887571 4.2577051177474345, "
        "0.5336319379389768 41.09494332280149), (21.995782144380165 36.072328687805644, "
        "7.59932778688933 26.17791973652497, 13.535973157657734 17.54004712203047, "
        "27.93242751514857 27.434456073311143, 21.995782144380165 36.072328687805644))"
    )
    (out,) = opening(np.array([plot], dtype=object), WIDTH)
    assert out.is_valid and 0 < out.area <= plot.area
    assert shapely.difference(out, plot).area < 1e-9  # never more than the input
    assert out.area == pytest.approx(geos_opening(plot).area, rel=1e-6)


def test_checked_intersection_catches_the_geos_overlay_failure():
    """Two quads equal but for one ulp: GEOS 3.14's overlay says they do not meet."""
    plot = shapely.from_wkt(
        "POLYGON ((50.79335580925911 -10.43403250822058, 0.977622776762162 10.48449531139235, "
        "-2.733562426744527 58.00507029711519, 58.56367005062921 53.675818469321165, "
        "50.79335580925911 -10.43403250822058))"
    )
    again = shapely.from_wkt(
        "POLYGON ((50.79335580925911 -10.43403250822058, 0.9776227767621619 10.48449531139235, "
        "-2.733562426744527 58.00507029711519, 58.56367005062922 53.675818469321165, "
        "50.79335580925911 -10.43403250822058))"
    )
    (got,) = checked_intersection([again], [plot])
    assert got.area == pytest.approx(plot.area, rel=1e-9)
    (ours,) = opening(np.array([plot], dtype=object), WIDTH)
    assert ours.area == pytest.approx(plot.area, rel=1e-12)


def test_waterfall_claims_a_unit_its_claimer_covers_to_the_ulp():
    """A claimer equal to the unit but for one ulp claims all of it.

    GEOS 3.14's overlay alone says the difference is the whole unit (the two taken for
    disjoint), which made the whole plot "available" without a word.
    """
    from parkmap._geometry import checked_difference
    from parkmap.land.waterfall import Step, claim_layer, run_waterfall

    plot = shapely.from_wkt(
        "POLYGON ((50.79335580925911 -10.43403250822058, 0.977622776762162 10.48449531139235, "
        "-2.733562426744527 58.00507029711519, 58.56367005062921 53.675818469321165, "
        "50.79335580925911 -10.43403250822058))"
    )
    road = shapely.from_wkt(
        "POLYGON ((50.79335580925911 -10.43403250822058, 0.9776227767621619 10.48449531139235, "
        "-2.733562426744527 58.00507029711519, 58.56367005062922 53.675818469321165, "
        "50.79335580925911 -10.43403250822058))"
    )
    (checked,) = checked_difference([plot], [road])
    assert checked.area < 1e-3 * plot.area
    result = run_waterfall(np.array([plot], dtype=object), [Step("roads", claim_layer([road]))])
    assert result.areas["roads"][0] == pytest.approx(plot.area, rel=1e-6)
    assert result.areas["available"][0] < 1e-3 * plot.area
