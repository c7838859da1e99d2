"""The layout against the standards, checked independently of the engine.

One Dianjiang sub-park is laid out with each factory template (and once with a class-A
factory, larger plots and the 2023 ruleset). Every check recomputes what it tests from
the output geometries with plain shapely, a grid search and the printed tables typed
below, not with the engine's helpers:

* building to road red line ≥ 渝府令318号 art. 23 (by road width band and height);
* building faces to non-road plot edges ≥ art. 25 / art. 15 (0.5 H and ≥ 4 m for long
  faces, 4 m for gables, up to 24 m), GB 50016 3.4.12 (5 m) and half the fire spacing;
* every pair of buildings ≥ GB 50016 table 3.4.1 / 5.2.2 for their fire classes, with
  6 m between an office and the 丙/丁/戊 factories of its own plot (3.4.1 note 1);
* fire lanes (GB 55037 3.4.2): 4 m strips along both long sides of 甲/乙/丙 factories
  over 3 000 m² and of high-rise factories, clear and joined to a road;
* plots ≤ 8 万 m² (art. 74).
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

import parkmap
from parkmap.errors import RulesError
from parkmap.siteplan import BuildingTemplate

DATA = Path(parkmap.__file__).parent / "data"
SUBPARK = "sp-valve-chengxi"
TOL = 1e-6
TEMPLATES = ["multi_storey_factory", "portal_shed", "small_factory"]


@pytest.fixture(scope="module")
def park():
    return parkmap.datasets.load("dianjiang")


@pytest.fixture(scope="module")
def available(park):
    return parkmap.availability(park)


@pytest.fixture(scope="module", params=TEMPLATES)
def plan(request, park, available):
    return parkmap.layout(park, available, subpark=SUBPARK, building=request.param)


@pytest.fixture(scope="module")
def class_a(park, available):
    """A class-A (甲类) factory, 100-mu plots asked for, and the 2023 ruleset."""
    shed = BuildingTemplate(
        template="hazardous_shed",
        role="factory",
        kind="factory",
        name_zh="甲类厂房",
        name_en="class-A shed",
        width_m=24,
        length_m=60,
        length_min_m=60,
        storeys=1,
        ground_storey_height_m=8.0,
        storey_height_m=8.0,
        fire_class="A_12",
    )
    return parkmap.layout(
        park, available, subpark=SUBPARK, building=shed, plot=100, rules="cn_gy_2023"
    )


# -- the printed tables -----------------------------------------------------------------
def art_23(height_m: float, width_m: float) -> float:
    """渝府令318号 art. 23: rows H ≤ 60 / ≤ 100 / > 100; columns W < 26 / < 40 / ≥ 40."""
    row = 0 if height_m <= 60 else 1 if height_m <= 100 else 2
    col = 0 if width_m < 26 else 1 if width_m < 40 else 2
    return [[3, 5, 7], [5, 7, 9], [7, 9, 11]][row][col]


def art_15_face(height_m: float, face: str) -> float:
    """Art. 15, non-residential buildings up to 24 m (all templates here are)."""
    assert height_m <= 24
    return max(0.5 * height_m, 4.0) if face == "main" else 4.0


def spacing_table() -> dict[tuple[str, str], float]:
    table = pd.read_csv(DATA / "fire_spacing.csv", dtype={"spacing_m": float})
    return {
        (a, b): s
        for a, b, s in zip(table.this_class, table.other_class, table.spacing_m, strict=True)
    }


def rights_of_way(park, plan):
    roads = pd.concat(
        [park["roads"][["red_line_m", "geometry"]], plan.roads[["red_line_m", "geometry"]]]
    )
    width = roads["red_line_m"].to_numpy(dtype=float)
    return shapely.buffer(roads.geometry.array, width / 2, cap_style="flat"), width


def sides(geom):
    """The four sides of a rectangular footprint, long sides first."""
    xy = np.asarray(shapely.oriented_envelope(geom).exterior.coords)[:4]
    out = [shapely.LineString([xy[i], xy[(i + 1) % 4]]) for i in range(4)]
    return sorted(out, key=lambda s: -s.length)


def outward(side, geom, depth: float):
    """The rectangle ``depth`` deep on the outer side of a building side."""
    (x0, y0), (x1, y1) = np.asarray(side.coords)
    n = np.array([-(y1 - y0), x1 - x0]) / side.length
    mid = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    if geom.contains(shapely.Point(*(mid + 0.01 * n))):
        n = -n
    o = n * depth
    return shapely.Polygon([(x0, y0), (x1, y1), (x1 + o[0], y1 + o[1]), (x0 + o[0], y0 + o[1])])


# -- checks -------------------------------------------------------------------------------
def test_every_building_keeps_the_art_23_setback_from_every_red_line(park, plan):
    rows, widths = rights_of_way(park, plan)
    tree = shapely.STRtree(rows)
    assert len(plan.buildings)
    for b in plan.buildings.itertuples():
        for j in tree.query(b.geometry, predicate="dwithin", distance=60.0):
            need = art_23(b.height_m, widths[j])
            assert b.geometry.distance(rows[j]) >= need - TOL, (b.id, widths[j], need)


def test_building_faces_keep_the_boundary_setbacks(park, plan):
    rows, _ = rights_of_way(park, plan)
    road_zone = shapely.union_all(rows).buffer(1.0)
    plots = plan.plots.set_index("id")
    classes = set(plan.buildings["fire_class"])
    spacing = spacing_table()
    half = max(spacing[(a, b)] for a in classes for b in classes) / 2
    for b in plan.buildings.itertuples():
        edges = plots.geometry[b.plot].boundary.difference(road_zone)
        for k, side in enumerate(sides(b.geometry)):
            face = "main" if k < 2 else "gable"
            need = max(art_15_face(b.height_m, face), 5.0, half)
            band = outward(side, b.geometry, need - 1e-3)
            assert not band.intersects(edges), (b.id, face, need)


def test_every_pair_of_buildings_keeps_its_fire_spacing(park, plan):
    spacing = spacing_table()
    existing = park["buildings"]
    geoms = [*plan.buildings.geometry, *existing.geometry]
    plots = [*plan.buildings["plot"], *[None] * len(existing)]
    classes = list(plan.buildings["fire_class"])
    for kind, n, h in zip(existing["kind"], existing["storeys"], existing["storey_height_m"],
                          strict=True):  # fmt: skip
        hazard = "civil" if kind == "office" else "C"
        classes.append(f"{hazard}_H" if n > 1 and n * h > 24 else f"{hazard}_12")
    for b in plan.buildings.itertuples():
        expected = "civil" if b.role == "office" else "C"
        assert b.fire_class == (f"{expected}_H" if b.height_m > 24 else f"{expected}_12")
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=30.0)
    checked = 0
    for i, j in zip(left, right, strict=True):
        if i >= j or i >= len(plan.buildings):
            continue
        need = spacing[(classes[i], classes[j])]
        hazards = {classes[i].split("_")[0], classes[j].split("_")[0]}
        same_plot = plots[i] is not None and plots[i] == plots[j]
        if same_plot and "civil" in hazards and hazards & {"C", "D", "E"}:
            need = 6.0
        assert shapely.distance(geoms[i], geoms[j]) >= need - TOL, (i, j, need)
        checked += 1
    assert checked > 0


def test_offices_are_civil_buildings_next_to_their_factories(plan):
    offices = plan.buildings[plan.buildings["role"] == "office"]
    factories = plan.buildings[plan.buildings["role"] == "factory"]
    assert len(offices)
    assert set(offices["fire_class"]) == {"civil_12"}
    for o in offices.itertuples():
        own = factories[factories["plot"] == o.plot].geometry
        other = factories[factories["plot"] != o.plot].geometry
        if len(own):
            assert own.distance(o.geometry).min() >= 6.0 - TOL
        if len(other):
            assert other.distance(o.geometry).min() >= 10.0 - TOL


def test_class_a_factories_keep_25_m_from_offices(class_a):
    b = class_a.buildings
    offices, factories = b[b["role"] == "office"], b[b["role"] == "factory"]
    assert set(factories["fire_class"]) == {"A_12"} and len(offices)
    for o in offices.itertuples():
        assert factories.geometry.distance(o.geometry).min() >= 25.0 - TOL


def free_cells(plot, roads, footprints, width_m: float, step: float = 1.0):
    """Grid cells (centres) where a vehicle ``width_m`` wide fits, and which are road."""
    area = shapely.union_all([plot, roads])
    x0, y0, x1, y1 = area.bounds
    xs, ys = np.arange(x0, x1, step), np.arange(y0, y1, step)
    gx, gy = np.meshgrid(xs, ys)
    points = shapely.points(gx.ravel(), gy.ravel())
    blocked = shapely.union_all([*footprints, area.boundary])
    ok = shapely.distance(points, blocked) >= width_m / 2 - 0.01
    ok &= shapely.within(points, area)
    on_road = shapely.within(points, roads)
    return ok.reshape(gx.shape), on_road.reshape(gx.shape), (x0, y0, step)


def reachable_from_road(ok, on_road):
    seen = ok & on_road
    queue = deque(zip(*np.nonzero(seen), strict=True))
    while queue:
        i, j = queue.popleft()
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            a, b = i + di, j + dj
            if 0 <= a < ok.shape[0] and 0 <= b < ok.shape[1] and ok[a, b] and not seen[a, b]:
                seen[a, b] = True
                queue.append((a, b))
    return seen


def test_fire_lanes_where_gb55037_asks_for_them(park, plan):
    b = plan.buildings
    hazard = b["fire_class"].str.split("_").str[0]
    need = b["fire_class"].str.endswith("_H") | (
        hazard.isin(["A", "B", "C"]) & (b.geometry.area > 3000.0)
    )
    assert (b["fire_lanes"] == need).all()
    lanes = plan.lanes
    assert sorted(lanes["building"]) == sorted(list(b.loc[need, "id"]) * 2)
    if not need.any():
        return
    rows, _ = rights_of_way(park, plan)
    plots = plan.plots.set_index("id")
    for plot_id, mine in b[need].groupby("plot"):
        plot = plots.geometry[plot_id]
        near = shapely.union_all(rows[shapely.dwithin(rows, plot, 2.0)]).buffer(1.0)
        roads = near.intersection(plot.buffer(12.0, join_style="mitre"))
        footprints = list(b[b["plot"] == plot_id].geometry)
        ok, on_road, (x0, y0, step) = free_cells(plot, roads, footprints, 4.0)
        seen = reachable_from_road(ok, on_road)
        for building in mine.itertuples():
            for lane in lanes[lanes["building"] == building.id].itertuples():
                strip = lane.geometry
                assert strip.area == pytest.approx(4.0 * max(side.length for side in sides(
                    building.geometry)), rel=1e-5)  # fmt: skip
                assert strip.intersection(shapely.union_all(footprints)).area < 1e-6
                # the lane's centre line, on grid cells reachable from a road
                c = shapely.centroid(strip)
                i, j = round((c.y - y0) / step), round((c.x - x0) / step)
                window = seen[max(i - 1, 0) : i + 2, max(j - 1, 0) : j + 2]
                assert window.any(), (building.id, lane.id)


def test_plots_within_art_74(plan, class_a):
    for result in (plan, class_a):
        assert (result.plots.geometry.area <= 80_000 + 1e-6).all()
    assert class_a.options.plot_area_max_mu == pytest.approx(120.0)
    assert any("120" in en for en, _ in class_a.notes)


def test_reports_name_the_standards_and_their_confidence(plan, class_a):
    text = plan.render("table")
    assert "cq318" in text and "cn_gy_2008" in text and "superseded" in text
    assert "confidence C2" in text and "binding rule" in text
    data = plan.to_dict()
    assert data["profile"] == "cq318" and any("GB 50016" in n for n in data["notes"])
    zh = plan.render("table", lang="zh")
    assert "渝府令第318号" in zh and "约束指标" in zh
    assert (plan.plots["binding"].str.contains("cn_gy_2008")).all()
    # the 2023 ruleset: nothing checked, nothing passed, and the report says so
    assert class_a.summary["compliance_rate"] is None
    assert class_a.plots["binding"].str.contains("not verified").all()
    assert "not verified" in class_a.render("table")


def test_standard_factory_floors_hold_the_art_37_unit(park, available):
    tiny = BuildingTemplate(
        template="tiny",
        role="factory",
        kind="standard_factory",
        name_zh="小单元",
        name_en="tiny unit",
        width_m=12,
        length_m=20,
        length_min_m=20,
        storeys=3,
        ground_storey_height_m=6.0,
        storey_height_m=4.5,
        fire_class="C_12",
    )
    with pytest.raises(RulesError, match=r"art\. 37"):
        parkmap.layout(park, available, subpark=SUBPARK, building=tiny)
