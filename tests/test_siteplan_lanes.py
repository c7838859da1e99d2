"""Fire-lane checks on hand-made plots whose answer is known."""

from __future__ import annotations

from shapely.geometry import Polygon, box

from parkmap.siteplan.fire import check_lanes, long_sides

PLOT = box(0, 0, 100, 60)
ROAD = box(0, 60, 100, 76)  # the road along the plot's north edge


def result(footprints, needs, plot=PLOT, road=ROAD):
    return [
        (c.building, c.side, c.clear, c.joined)
        for c in check_lanes(footprints, needs, plot, road, width_m=4.0)
    ]


def test_open_plot_both_lanes_joined():
    assert result([box(10, 10, 90, 40)], [True]) == [(0, 1, True, True), (0, 2, True, True)]


def test_lane_needs_four_metres_to_the_plot_edge():
    # south wall 3 m from a non-road plot edge: that lane is not clear
    checks = result([box(10, 3, 90, 40)], [True])
    assert sorted(c[2] for c in checks) == [False, True]


def test_lane_blocked_by_a_neighbour_building():
    out = result([box(10, 10, 90, 30), box(10, 33, 90, 50)], [True, False])
    assert (0, 1, True, True) in out or (0, 2, True, True) in out
    assert any(not clear for _, _, clear, _ in out)


def test_lane_enclosed_without_a_four_metre_way_out():
    # a courtyard: the building's south lane is cut off from the road by a wall of
    # other buildings with only 3 m gaps
    ring = [
        box(0, 0, 100, 8),
        box(0, 8, 8, 45),
        box(92, 8, 100, 45),
        box(0, 45, 48.5, 52),
        box(51.5, 45, 100, 52),
    ]
    inner = box(20, 20, 80, 30)
    out = result([inner, *ring], [True] + [False] * len(ring))
    assert [c[2] for c in out] == [True, True]
    assert [c[3] for c in out] == [False, False]


def test_only_buildings_that_need_lanes_are_checked():
    assert result([box(10, 10, 40, 20)], [False]) == []


def test_long_sides_of_a_rotated_building():
    square = Polygon([(0, 0), (30, 30), (20, 40), (-10, 10)])
    lengths = sorted(round(s.length, 6) for s in long_sides(square))
    assert lengths == [round(30 * 2**0.5, 6)] * 2
