"""Park layout: geometric invariants and indicators, checked independently of the engine.

The expensive work (availability + layout of one Dianjiang sub-park) runs once per module.
Every check recomputes what it tests from the output geometries with plain shapely and
the standards' CSV files, not with the layout's own helpers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import LineString, box

import parkmap
from parkmap.cli import cli
from parkmap.errors import DataFileError, OutputExistsError, RulesError
from parkmap.units import M2_PER_MU

DATA = Path(parkmap.__file__).parent / "data"
SUBPARK = "sp-valve-chengxi"
CRS = "EPSG:4545"
X0, Y0 = 433_000.0, 3_355_000.0
TOL = 1e-6


@pytest.fixture(scope="module")
def park():
    return parkmap.datasets.load("dianjiang")


@pytest.fixture(scope="module")
def available(park):
    return parkmap.availability(park)


@pytest.fixture(scope="module")
def plan(park, available):
    return parkmap.layout(park, available, subpark=SUBPARK)


@pytest.fixture(scope="module")
def sheds(park, available):
    """The what-if: single-storey portal sheds (10 m high) in 50-mu plots."""
    return parkmap.layout(park, available, subpark=SUBPARK, plot=50, building="portal_shed")


def rights_of_way(park, plan) -> tuple[np.ndarray, np.ndarray]:
    """Every road right-of-way (existing and inserted), computed here, and its width."""
    roads = pd.concat(
        [park["roads"][["red_line_m", "geometry"]], plan.roads[["red_line_m", "geometry"]]]
    )
    width = roads["red_line_m"].to_numpy(dtype=float)
    return shapely.buffer(roads.geometry.array, width / 2, cap_style="flat"), width


def fire_table() -> dict[tuple[str, str], float]:
    table = pd.read_csv(DATA / "fire_spacing.csv")
    return {
        (a, b): s
        for a, b, s in zip(table.this_class, table.other_class, table.spacing_m, strict=True)
    }


def setback(height_m: float, width_m: float) -> float:
    """Chongqing art. 23 (渝府令318号), from the red line (all templates here are ≤ 60 m)."""
    assert height_m <= 60
    return 3.0 if width_m < 26 else 5.0 if width_m < 40 else 7.0


# -- plots ------------------------------------------------------------------------------
def test_plots_inside_available_land_and_sub_park(park, available, plan):
    assert len(plan.plots) >= 5
    land = shapely.union_all(available.land[available.land["subpark"] == SUBPARK].geometry.array)
    subpark = park["subparks"].set_index("id").geometry[SUBPARK]
    for geom in plan.plots.geometry:
        assert geom.is_valid and geom.geom_type == "Polygon"
        assert geom.difference(land).area < 1e-3
        assert geom.difference(subpark).area < 1e-3
    assert set(plan.plots["subpark"]) == {SUBPARK}


def test_plots_do_not_overlap_each_other_or_roads(park, plan):
    geoms = plan.plots.geometry.array
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i < j:
            assert shapely.intersection(geoms[i], geoms[j]).area < 1e-3
    rows, _ = rights_of_way(park, plan)
    assert shapely.intersection(shapely.union_all(geoms), shapely.union_all(rows)).area < 1e-2


def test_plots_front_a_road_have_the_size_and_width_asked(park, plan):
    rows, _ = rights_of_way(park, plan)
    zone = shapely.union_all(rows).buffer(1.0)
    for geom in plan.plots.geometry:
        assert geom.boundary.intersection(zone).length >= 20.0
    opts = plan.options
    area_mu = plan.plots.geometry.area / M2_PER_MU
    assert (area_mu >= opts.plot_area_min_mu - TOL).all()
    assert (area_mu <= opts.plot_area_max_mu + TOL).all()
    np.testing.assert_allclose(plan.plots["area_mu"], area_mu)
    for geom in plan.plots.geometry:
        rect = np.asarray(shapely.oriented_envelope(geom).exterior.coords)
        sides = np.hypot(*np.diff(rect[:3], axis=0).T)
        assert sides.min() >= opts.plot_width_min_m - 1e-6
        assert geom.area / shapely.oriented_envelope(geom).area > 0.6  # compact, no sliver


def test_land_budget_adds_up(plan, available):
    land = available.land[available.land["subpark"] == SUBPARK]
    s = plan.summary
    assert s["available_m2"] == pytest.approx(land.geometry.area.sum(), rel=1e-6)
    assert s["plotted_m2"] + s["road_m2"] + s["leftover_m2"] == pytest.approx(
        s["available_m2"], rel=1e-6
    )
    assert s["plotted_m2"] == pytest.approx(plan.plots.geometry.area.sum())


# -- buildings ----------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["plan", "sheds"])
def test_buildings_inside_plots_with_setbacks(park, which, request):
    result = request.getfixturevalue(which)
    assert len(result.buildings) > len(result.plots)
    rows, widths = rights_of_way(park, result)
    zone = shapely.union_all(rows).buffer(1.0)
    plots = result.plots.set_index("id").geometry
    for b in result.buildings.itertuples():
        plot = plots[b.plot]
        assert b.geometry.within(plot)
        other_edges = plot.boundary.difference(zone)
        if not other_edges.is_empty:
            # long faces keep boundary_setback_m, gables gable_setback_m (art. 25)
            assert b.geometry.distance(other_edges) >= b.gable_setback_m - 1e-6
        assert b.boundary_setback_m >= b.gable_setback_m >= 5.0  # half the 10 m spacing
        distance = shapely.distance(b.geometry, rows)
        needed = np.array([setback(b.height_m, w) for w in widths])
        assert (distance >= needed - 1e-6).all()


@pytest.mark.parametrize("which", ["plan", "sheds"])
def test_fire_spacing_between_every_pair_of_buildings(park, which, request):
    result = request.getfixturevalue(which)
    spacing = fire_table()
    geoms = np.asarray(result.buildings.geometry.array, dtype=object)
    classes = result.buildings["fire_class"].tolist()
    plots = result.buildings["plot"].tolist()
    for b in result.buildings.itertuples():
        hazard = "civil" if b.role == "office" else "C"
        expected = f"{hazard}_H" if b.storeys > 1 and b.height_m > 24 else f"{hazard}_12"
        assert b.fire_class == expected
    distance = shapely.distance(geoms[:, None], geoms[None, :])
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            need = spacing[(classes[i], classes[j])]
            if plots[i] == plots[j] and "civil_12" in (classes[i], classes[j]):
                need = 6.0  # an office and its own plot's 丙类 factory (3.4.1 note 1)
            assert distance[i, j] >= need - 1e-6
    existing = np.asarray(park["buildings"].geometry.array, dtype=object)
    assert shapely.distance(geoms[:, None], existing[None, :]).min() >= 10.0 - 1e-6


def test_templates_and_offices(plan):
    b = plan.buildings
    factories = b[b["template"] == "multi_storey_factory"]
    assert len(factories) and (factories["storeys"] == 4).all()
    sides = [
        sorted(np.round(np.hypot(*np.diff(np.asarray(g.exterior.coords)[:3], axis=0).T), 6))
        for g in factories.geometry
    ]
    assert all(s == [24.0, 72.0] for s in sides)
    offices = b[b["role"] == "office"]
    assert len(offices) >= len(plan.plots) // 2
    assert (offices.groupby("plot").size() == 1).all()
    assert (b["status"] == "planned").all()


# -- indicators -----------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["plan", "sheds"])
def test_indicators_recomputed_by_hand(which, request):
    result = request.getfixturevalue(which)
    share = result.options.green_share_of_open_land
    for plot in result.plots.itertuples():
        mine = result.buildings[result.buildings["plot"] == plot.id]
        area = plot.geometry.area
        footprint = mine.geometry.area.to_numpy()
        weight = [
            (2 if g > 8 else 1) + (n - 1) * (2 if u > 8 else 1)
            for n, g, u in zip(
                mine.storeys, mine.ground_storey_height_m, mine.storey_height_m, strict=True
            )
        ]
        far = float(np.sum(footprint * np.asarray(weight, dtype=float))) / area
        coverage = float(footprint.sum()) / area
        admin = float(mine[mine["role"] == "office"].geometry.area.sum()) / area
        green = share * (area - footprint.sum()) / area
        assert plot.far == pytest.approx(far, rel=1e-9)
        assert plot.coverage == pytest.approx(coverage, rel=1e-9)
        assert plot.admin_share == pytest.approx(admin, rel=1e-9, abs=1e-12)
        assert plot.green_ratio == pytest.approx(green, rel=1e-9)
        assert plot.floor_area_m2 == pytest.approx(float((footprint * mine.storeys).sum()))
        ok = far >= 0.7 and coverage >= 0.3 and admin <= 0.07 and green <= 0.2
        assert bool(plot.compliant) == ok
        assert plot.far_min == pytest.approx(0.7)  # industry 35 (general machinery), 2008
        assert plot.far_min_margin == pytest.approx(far - 0.7)


def test_sheds_count_double_in_far(sheds):
    sheds_only = sheds.buildings[sheds.buildings["template"] == "portal_shed"]
    assert len(sheds_only)
    np.testing.assert_allclose(sheds_only["far_floor_area_m2"], 2 * sheds_only.geometry.area)
    np.testing.assert_allclose(sheds_only["floor_area_m2"], sheds_only.geometry.area)


def test_sub_park_table_and_summary(plan):
    row = plan.subparks.iloc[0]
    assert row["key"] == SUBPARK and row["n_plots"] == len(plan.plots)
    plotted = plan.plots.geometry.area.sum()
    assert row["far"] == pytest.approx(plan.buildings["far_floor_area_m2"].sum() / plotted)
    assert row["far_min_margin"] == pytest.approx(row["far"] - 0.7)
    s = plan.summary
    assert s["n_plots"] == len(plan.plots) and s["n_buildings"] == len(plan.buildings)
    assert s["compliance_rate"] == pytest.approx(plan.plots["compliant"].mean())
    assert s["investment_capacity_wan"] is None  # no investment minimum in the 2008 table


# -- hand-made parks -------------------------------------------------------------------------
def small_park(depth: float, width: float = 300.0) -> parkmap.Park:
    """A sub-park block of ``width`` x ``depth`` m north of a 24 m road (its only road)."""

    def frame(rows, geoms):
        return gpd.GeoDataFrame(rows, geometry=list(geoms), crs=CRS)

    return parkmap.Park(
        {
            "clusters": frame(
                [{"id": "c1", "name_zh": "组团"}], [box(X0, Y0, X0 + 2000, Y0 + 2000)]
            ),
            "boundary": frame(
                [{"id": "b1", "name_zh": "边界", "zone": "集中建设区", "cluster": "c1"}],
                [box(X0, Y0, X0 + 2000, Y0 + 2000)],
            ),
            "subparks": frame(
                [
                    {
                        "id": "s1",
                        "name_zh": "阀门园",
                        "name_en": "Valve park",
                        "industry": "valves",
                        "industry_code": "35",
                        "landuse_code": "100102",
                    }
                ],
                [box(X0 + 100, Y0 + 88, X0 + 100 + width, Y0 + 100 + depth)],
            ),
            "roads": frame(
                [
                    {
                        "id": "r1",
                        "name_zh": "路",
                        "road_class": "secondary",
                        "red_line_m": 24.0,
                        "status": "built",
                    }
                ],
                [LineString([(X0, Y0 + 100), (X0 + 2000, Y0 + 100)])],
            ),
        }
    )


def test_a_plot_built_to_fail_is_flagged_with_the_right_margin(tmp_path):
    park = small_park(depth=140.0, width=160.0)  # one block of 160 x 128 m = 30.7 mu
    rules = tmp_path / "strict.csv"
    rules.write_text("code,far_min,coverage_min\n35,3.0,0.6\n", encoding="utf-8")
    result = parkmap.layout(park, parkmap.availability(park), plot=30, rules=rules)
    assert len(result.plots) == 1
    plot = result.plots.iloc[0]
    area = result.plots.geometry.iloc[0].area
    assert area == pytest.approx(160 * 128, rel=1e-9)
    far = result.buildings["far_floor_area_m2"].sum() / area
    coverage = result.buildings.geometry.area.sum() / area
    assert far < 3.0 and coverage < 0.6
    assert not plot["compliant"]
    assert plot["far_min_margin"] == pytest.approx(far - 3.0)
    assert plot["coverage_min_margin"] == pytest.approx(coverage - 0.6)
    assert f"FAR {far:.2f} < 3.00 (short by {3.0 - far:.2f})" in plot["failures"]
    assert "building coverage" in plot["failures"]
    assert result.rules.ruleset == "local"


def test_deep_block_gets_branch_roads_and_their_land_is_counted():
    park = small_park(depth=600.0)  # 300 x 588 m, road on the south side only
    result = parkmap.layout(park, parkmap.availability(park))
    roads = result.roads
    assert len(roads) >= 1
    assert (roads["red_line_m"] == 16).all() and (roads["road_class"] == "branch").all()
    rows = shapely.buffer(roads.geometry.array, 8.0, cap_style="flat")
    np.testing.assert_allclose(roads["area_m2"], shapely.area(rows), rtol=1e-6)
    assert result.summary["road_m2"] == pytest.approx(roads["area_m2"].sum())
    # every plot fronts a road: the existing one or an inserted one
    existing = shapely.buffer(park["roads"].geometry.array, 12.0, cap_style="flat")
    zone = shapely.union_all([*rows, *existing]).buffer(1.0)
    for geom in result.plots.geometry:
        assert geom.boundary.intersection(zone).length >= 20.0
    # rows are at most (spacing - red line) / 2 deep: no point farther than that from a road
    far_point = max(
        shapely.distance(shapely.Point(x, y), shapely.union_all([*rows, *existing]))
        for geom in result.plots.geometry
        for x, y in geom.exterior.coords
    )
    assert far_point <= result.options.row_depth_max_m + 1e-6


# -- options, output, CLI ------------------------------------------------------------------------
def test_bad_options_are_refused(park, available):
    with pytest.raises(RulesError, match="unknown building template"):
        parkmap.layout(park, available, subpark=SUBPARK, building="castle")
    with pytest.raises(RulesError, match="unknown plot option"):
        parkmap.layout(park, available, subpark=SUBPARK, plot={"plot_size": 3})
    with pytest.raises(RulesError, match="plot_area_min_mu"):
        parkmap.PlotOptions.from_defaults(plot_area_min_mu=80)
    with pytest.raises(DataFileError, match="no sub-park 'nowhere'"):
        parkmap.layout(park, available, subpark="nowhere")


def test_sub_park_by_name(park, available, plan):
    by_name = parkmap.layout(park, available, subpark="西部智能阀门产业基地")
    assert set(by_name.plots["subpark"]) == {"sp-valve-guiyang", SUBPARK}


def test_save_and_renderers(plan, tmp_path):
    out = tmp_path / "layout.gpkg"
    plan.save(out)
    layers = dict(pyogrio.list_layers(out))
    assert {"plots", "buildings", "layout_roads"} <= set(layers)
    assert len(gpd.read_file(out, layer="plots")) == len(plan.plots)
    assert len(gpd.read_file(out, layer="buildings")) == len(plan.buildings)
    with pytest.raises(OutputExistsError):
        plan.save(out)
    data = json.loads(plan.render("json"))
    assert data["summary"]["n_plots"] == len(plan.plots)
    assert len(data["plots"]) == len(plan.plots) and "far_min_margin" in data["plots"][0]
    assert plan.render("csv").splitlines()[0].startswith("id,subpark")
    assert "| plot " in plan.render("markdown")
    assert "地块指标" in plan.render("table", "zh")


def test_cli_layout(tmp_path):
    out = tmp_path / "l.gpkg"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["layout", "--subpark", SUBPARK, "--plot-mu", "40", "-o", str(out), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["options"]["plot_area_target_mu"] == 40
    assert out.exists()
    bad = runner.invoke(cli, ["layout", "--subpark", "nowhere"])
    assert bad.exit_code == 1 and "no sub-park 'nowhere'" in bad.output
    assert (
        "parkmap layout --subpark sp-valve-chengxi"
        in runner.invoke(cli, ["layout", "--help"]).output
    )


def test_cli_layout_map_opens_on_the_layout(tmp_path):
    page = tmp_path / "layout.html"
    out = tmp_path / "l.gpkg"
    runner = CliRunner()
    args = ["layout", "--subpark", SUBPARK, "-o", str(out), "--map", str(page)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "<script src=" not in html, "the layout map is self-contained"
    plots = gpd.read_file(out, layer="plots").to_crs(4326)
    west, south, east, north = plots.total_bounds
    number = r"(-?[\d.]+)"
    views = re.findall(
        rf"fitBounds\(\s*\[\[{number},\s*{number}\],\s*\[{number},\s*{number}\]\]", html
    )
    assert views, "the map sets its view"
    # the last fitBounds is the map's own (Leaflet's source defines the method first)
    view_south, view_west, view_north, view_east = map(float, views[-1])
    assert (view_south, view_west, view_north, view_east) == pytest.approx(
        (south, west, north, east), abs=1e-6
    )
    again = runner.invoke(cli, args)
    assert again.exit_code == 1 and "--overwrite" in again.output


# -- prerequisites, checked before any work ---------------------------------------------------
def _no_waterfall(monkeypatch):
    import parkmap.land

    def refuse(*args, **kwargs):
        raise AssertionError("the waterfall ran before the prerequisites were checked")

    monkeypatch.setattr(parkmap.land, "availability", refuse)
    monkeypatch.setattr(parkmap, "availability", refuse)


def _runnable(line: str, tmp_path: Path) -> list[str]:
    """The ``parkmap ...`` command a message advises, as arguments (checked by click)."""
    advice = line.split("parkmap ", 2)[-1]
    args = advice.split()
    command = cli.commands[args[0]]
    ctx = command.make_context(args[0], list(args[1:]), resilient_parsing=True)
    assert not ctx.args or args[0] == "import", ctx.args  # no stray option or argument
    return args


def test_layout_without_subparks_stops_before_working(small_park, tmp_path, monkeypatch):
    layers = {k: v for k, v in small_park.layers.items() if k != "subparks"}
    path = parkmap.Park(layers, metadata=small_park.metadata).save(tmp_path / "p.gpkg")
    park = parkmap.read_park(path)
    _no_waterfall(monkeypatch)
    with pytest.raises(DataFileError, match=r"p\.gpkg: the park has no 'subparks' layer"):
        parkmap.layout(park)
    result = CliRunner().invoke(cli, ["layout", "--data", str(path)])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "Traceback" not in result.output and str(path) in line and "'subparks'" in line
    args = _runnable(line, tmp_path)
    assert args[:2] == ["import", str(path)] and args[-2] == "-o"


def test_layout_with_an_empty_subparks_layer_is_refused(small_park, tmp_path):
    layers = dict(small_park.layers)
    layers["subparks"] = layers["subparks"].iloc[:0]
    park = parkmap.Park(layers, metadata=small_park.metadata, source="x.gpkg")
    with pytest.raises(DataFileError, match=r"^x\.gpkg: the park has an empty 'subparks' layer"):
        parkmap.layout(park)


def test_layout_without_available_land_names_the_command_that_explains(small_park, tmp_path):
    layers = dict(small_park.layers)
    farmland = layers["constraints"].iloc[[0]].copy()  # hard: the whole sub-park is farmland
    farmland["geometry"] = [layers["subparks"].geometry.iloc[0].buffer(10)]
    layers["constraints"] = pd.concat([layers["constraints"], farmland.assign(id="k9")])
    path = parkmap.Park(layers, metadata=small_park.metadata).save(tmp_path / "b.gpkg")
    park = parkmap.read_park(path)
    available = parkmap.availability(park)
    assert not (available.land["subpark"] == "s1").any()  # the premise
    with pytest.raises(DataFileError, match=r"b\.gpkg: no available land in sub-park\(s\) s1"):
        parkmap.layout(park, available)
    result = CliRunner().invoke(
        cli, ["layout", "--data", str(path), "-o", str(tmp_path / "l.gpkg")]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.endswith(f"parkmap availability --data {path}")
    args = _runnable(line, tmp_path)
    assert CliRunner().invoke(cli, args).exit_code == 0  # the advice runs as printed
    assert not (tmp_path / "l.gpkg").exists()
