"""Scenarios: files, application, the comparison engine, the 用地平衡表, changed land."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

import parkmap
from conftest import X0, Y0
from parkmap.errors import DataFileError, RulesError
from parkmap.scenarios import (
    Comparison,
    LayerEdit,
    Scenario,
    compare,
    example_scenarios,
    landuse_balance,
    load_scenario,
)
from parkmap.scenarios import engine as scenario_engine
from parkmap.scenarios.apply import apply_scenario

FARMLAND_50 = Scenario(
    "农田退让50米",
    name_en="farmland 50 m",
    availability={"constraints": {"buffer_m": {"permanent_basic_farmland": 50}}},
)


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def frames_equal(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> bool:
    return len(a) == len(b) and bool(a.geometry.geom_equals_exact(b.geometry, 0).all())


# -- scenario files ------------------------------------------------------------------------
def test_shipped_scenarios_load():
    names = [load_scenario(p).name for p in example_scenarios()]
    assert names == [
        "弹性发展区未获批",
        "重庆高速控制线与50米蓝线",
        "在谈项目签约、阀门基地单层厂房",
    ]
    buffers = load_scenario(example_scenarios()[1])
    assert buffers.layers["constraints"].add.name == "expressway_control.geojson"
    assert buffers.layers["constraints"].add.is_file()  # relative to the scenario file


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[scenario]\nname = "a"\n[availabilty]\nx = 1\n', "'availabilty'"),
        ('[scenario]\nname = "a"\n[availability.constraints.buffer_m]\nwatr = 5\n', "watr"),
        ('[scenario]\nname = "a"\n[availability.constraints.buffer_m]\nwater = -5\n', "water"),
        ('[scenario]\nname = "a"\n[availability.fragments]\nmin_area = 5\n', "min_area"),
        ('[scenario]\nname = "a"\n[availability.boundary]\nzones = ["x"]\n', "boundary.zones"),
        ('[scenario]\nname = "a"\n[layout]\nplot_mu = "big"\n', "layout.plot_mu"),
        ('[scenario]\nname = "a"\n[layout]\ntemplat = "x"\n', "layout.templat"),
        ('[scenario]\nname = "a"\n[allocation]\nstatuses = ["won"]\n', "allocation.statuses"),
        ('[scenario]\nname = "a"\n[layers.roadz]\nadd = "x.geojson"\n', "layers.roadz"),
        ('[scenario]\nname = "a"\n[layers.roads]\nadd = "missing.geojson"\n', "layers.roads.add"),
        ('[scenario]\nname = "a"\n[layers.roads]\nswap = "x"\n', "layers.roads.swap"),
        ('[scenario]\nnam = "a"\n', "name"),
        ('[scenario]\nname = "a"\nsize = 3\n', "scenario.size"),
        ("[scenario\n", "not valid TOML"),
    ],
)
def test_bad_scenario_files_name_file_and_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(RulesError) as err:
        load_scenario(path)
    message = str(err.value)
    assert str(path) in message and key in message and "\n" not in message


def test_missing_scenario_file(tmp_path):
    with pytest.raises(RulesError, match="no such scenario file"):
        load_scenario(tmp_path / "nope.toml")


def test_inconsistent_rules_are_refused_at_apply(small_park, tmp_path):
    path = write(
        tmp_path, '[scenario]\nname = "a"\n[availability.boundary]\nzones = ["集中建设区"]\n'
    )
    with pytest.raises(RulesError, match=r"s\.toml.*弹性发展区"):
        apply_scenario(small_park, load_scenario(path), parkmap.load_rules())


# -- applying a scenario -------------------------------------------------------------------
def test_apply_changes_copies_never_the_base(small_park, layers, tmp_path):
    extra = gpd.GeoDataFrame(
        [
            {
                "id": "k9",
                "name_zh": "新增农田",
                "kind": "permanent_basic_farmland",
                "hard": True,
                "buffer_m": 0.0,
            }
        ],
        geometry=[box(X0 + 200, Y0 + 750, X0 + 800, Y0 + 950)],
        crs=small_park.crs,
    ).to_crs(4326)
    extra.to_file(tmp_path / "extra.geojson", driver="GeoJSON", engine="pyogrio")
    path = write(
        tmp_path,
        '[scenario]\nname = "a"\n[layers.constraints]\nadd = "extra.geojson"\n'
        'remove = ["k3"]\n[availability.fragments]\nmin_area_mu = 0\n',
    )
    before = {n: g.copy() for n, g in small_park.layers.items()}
    rules = parkmap.load_rules()
    applied = apply_scenario(small_park, load_scenario(path), rules)
    for name, gdf in small_park.layers.items():  # the base park is untouched
        assert frames_equal(gdf, before[name])
        pd.testing.assert_frame_equal(
            gdf.drop(columns="geometry"), before[name].drop(columns="geometry")
        )
    assert rules.min_area_mu == 3.0 and applied.rules.min_area_mu == 0.0
    ids = list(applied.park["constraints"]["id"])
    assert ids == ["k1", "k2", "k9"]
    added = applied.park["constraints"].geometry.iloc[-1]
    assert added.area == pytest.approx(600 * 200, rel=1e-6)  # back in the park's CRS
    assert any("k3" in n for n in applied.notes) and any(
        "extra.geojson" in n for n in applied.notes
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extra.geojson", "s.toml"]


def test_remove_of_an_unknown_id_names_it(small_park):
    scenario = Scenario("a", layers={"roads": LayerEdit(remove=("r9",))})
    with pytest.raises(RulesError, match=r"layers\.roads\.remove: no feature with id r9"):
        apply_scenario(small_park, scenario, parkmap.load_rules())


def test_layer_file_without_crs(small_park, tmp_path):
    frame = gpd.GeoDataFrame({"id": ["x"]}, geometry=[box(0, 0, 1, 1)])
    scenario = Scenario("a", layers={"roads": LayerEdit(replace=frame)})
    with pytest.raises(DataFileError, match="no CRS"):
        apply_scenario(small_park, scenario, parkmap.load_rules())


# -- the comparison equals the engines run directly -----------------------------------------
def assert_same_availability(a, b):
    pd.testing.assert_frame_equal(a.table, b.table, rtol=1e-9, atol=1e-9)


@pytest.fixture(scope="module")
def small_comparison():
    from conftest import small_layers

    park = parkmap.Park(small_layers(), metadata={"name_zh": "小园区", "name_en": "Small park"})
    portal = Scenario("单层厂房", layout={"template": "portal_shed", "plot_mu": 20})
    return park, compare(park, [FARMLAND_50, portal], allocation=False)


def test_columns_equal_direct_engine_runs(small_comparison):
    park, result = small_comparison
    assert [c.key for c in result.columns] == ["base", "s1", "s2"]
    base = parkmap.availability(park)
    assert_same_availability(result.base.availability, base)
    assert result.base.layout.summary == parkmap.layout(park, base).summary
    rules = parkmap.load_rules().replace(buffer_m={"permanent_basic_farmland": 50})
    direct = parkmap.availability(park, rules)
    assert_same_availability(result["s1"].availability, direct)
    assert result["s1"].layout.summary == parkmap.layout(park, direct).summary
    portal = parkmap.layout(park, base, building="portal_shed", plot=20)
    assert result["s2"].layout.summary == portal.summary
    assert result["s2"].layout.summary != result.base.layout.summary


def test_differences_are_the_engines_numbers_minus_the_base(small_comparison):
    _, result = small_comparison
    table = result.table("availability").set_index("key")
    for cat in [*result.base.availability.categories, "conditional", "gross"]:
        for col in result.columns:
            assert table.loc[cat, col.key] == col.availability.total[f"{cat}_m2"]
        expected = (
            result["s1"].availability.total[f"{cat}_m2"]
            - result.base.availability.total[f"{cat}_m2"]
        )
        assert table.loc[cat, "delta:s1"] == pytest.approx(expected, abs=1e-9)
    assert table.loc["constraints", "delta:s1"] > 0
    layout = result.table("layout").set_index("key")
    assert layout.loc["n_buildings", "s2"] == result["s2"].layout.summary["n_buildings"]


def test_gains_minus_losses_equal_the_change_of_each_category(small_comparison):
    _, result = small_comparison
    changes = result["s1"].changes
    assert len(changes) and set(changes["change"]) <= {"gained", "lost", "moved"}
    base, scen = result.base.availability.total, result["s1"].availability.total
    for cat in result.base.availability.categories:
        gained = changes.loc[changes["to_category"] == cat, "area_m2"].sum()
        lost = changes.loc[changes["from_category"] == cat, "area_m2"].sum()
        assert gained - lost == pytest.approx(scen[f"{cat}_m2"] - base[f"{cat}_m2"], abs=1e-3)
    # the geometry agrees with plain shapely: land available in the base, not in the scenario
    lost_geom = shapely.difference(
        shapely.union_all(result.base.availability.land.geometry.array),
        shapely.union_all(result["s1"].availability.land.geometry.array),
    )
    lost = changes.loc[changes["change"] == "lost", "area_m2"].sum()
    assert lost == pytest.approx(lost_geom.area, rel=1e-6)
    assert result["s2"].changes.empty  # a layout option changes no land category


def test_landuse_balance_against_a_hand_computation(small_park):
    table, land = landuse_balance(small_park, parkmap.availability(small_park))
    area = dict(zip(table["code"], table["area_m2"], strict=True))
    roads = 2000 * 30 + 1000 * 16 - 30 * 16  # two crossing rights-of-way, counted once
    assert area["1207"] == pytest.approx(roads, rel=1e-9)
    assert area["100102"] == pytest.approx(2 * 300 * 250, rel=1e-9)
    assert area["1402"] == pytest.approx(600 * 150, rel=1e-9)
    assert area["01"] == pytest.approx(400 * 200, rel=1e-9)  # overlapping farmland once
    assert area["03"] == pytest.approx(200 * 200, rel=1e-9)
    gross = 2000 * 1000 + 500 * 1000
    assert area["unclassified"] == pytest.approx(
        gross - sum(v for k, v in area.items() if k != "unclassified"), rel=1e-9
    )
    assert table["area_m2"].sum() == pytest.approx(gross, rel=1e-12)
    assert table["share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert land.geometry.area.sum() == pytest.approx(gross, rel=1e-9)
    assert list(table["group"]) == ["01", "03", "10", "12", "14", "unclassified"]


def test_balance_with_a_layout_and_its_table(small_comparison):
    park, result = small_comparison
    for col in result.columns:
        assert col.balance["share"].sum() == pytest.approx(1.0, abs=1e-12)
        gross = col.availability.total["gross_m2"]
        assert col.balance["area_m2"].sum() == pytest.approx(gross, rel=1e-9)
    plan = result.base.layout
    direct, _ = landuse_balance(park, result.base.availability, plan)
    pd.testing.assert_frame_equal(direct, result.base.balance)
    if len(plan.roads):  # inserted roads are road land in the plan
        assert (
            direct.set_index("code").loc["1207", "area_m2"]
            > result.existing_balance.set_index("code").loc["1207", "area_m2"]
        )
    # plots code only the land no parcel codes (plain shapely, outside every road)
    from parkmap._geometry import right_of_way

    roads = shapely.union_all([*right_of_way(park["roads"]), *right_of_way(plan.roads)])
    new = shapely.difference(
        shapely.union_all(plan.plots.geometry.array),
        shapely.union(shapely.union_all(park["parcels"].geometry.array), roads),
    )
    planned = direct.set_index("code")["area_m2"]
    existing = result.existing_balance.set_index("code")["area_m2"]
    # ... and inserted roads take land from the parcels they cross: a parcel's code is
    # otherwise kept under a plot
    inserted = shapely.difference(
        shapely.union_all(right_of_way(plan.roads)),
        shapely.union_all(right_of_way(park["roads"])),
    )
    crossed = {
        code: shapely.intersection(inserted, shapely.union_all(group.geometry.array)).area
        for code, group in park["parcels"].groupby("landuse_code")
    }
    assert new.area > 0 and crossed["100102"] > 0 and crossed["1402"] > 0
    change = planned["100102"] - existing["100102"]
    assert change == pytest.approx(new.area - crossed["100102"], rel=1e-6)
    assert planned["1402"] == pytest.approx(existing["1402"] - crossed["1402"], rel=1e-9)
    frame = result.table("balance")
    total = frame[frame["kind"] == "total"].iloc[0]
    for key in ["existing", "base", "s1", "s2"]:
        assert total[f"share:{key}"] == pytest.approx(1.0, abs=1e-12)
        groups = frame[frame["kind"] != "total"]
        heads = groups.groupby("group").head(1)  # subtotal or the group's own class row
        assert heads[key].sum() == pytest.approx(total[key], rel=1e-12)
    for key in ["base", "s1", "s2"]:
        assert (frame[f"delta:{key}"] == frame[key] - frame["existing"]).all()


# -- the allocation column -------------------------------------------------------------------
def test_allocation_is_null_with_a_note_without_it(small_park):
    result = compare(small_park, [FARMLAND_50], layout=False)
    assert all(c.allocation is None for c in result.columns)
    assert scenario_engine.ALLOCATION_NO_LAYOUT in result.notes
    assert result.table("allocation") is None and result.table("layout") is None
    data = result.to_dict()
    assert [s["allocation"] for s in data["scenarios"]] == [None, None]
    assert scenario_engine.ALLOCATION_NO_LAYOUT in data["notes"]
    off = compare(small_park, [FARMLAND_50], allocation=False)
    assert scenario_engine.ALLOCATION_OFF in off.notes and off.table("allocation") is None
    assert off.table("layout") is not None


class FakeAllocation:
    def __init__(self, park, layout, statuses):
        self.args = (park, layout, statuses)
        n = len(layout.plots)
        self.summary = {
            "projects": 2,
            "placed": 1 if "negotiating" in statuses else 0,
            "demand_mu": 10.0,
            "allocated_mu": float(n),
        }
        self.balance = pd.DataFrame(
            {
                "subpark": ["s1"],
                "subpark_name": ["阀门园"],
                "supply_mu": [1.0],
                "demand_mu": [10.0],
                "allocated_mu": [1.0],
                "surplus_mu": [-9.0],
            }
        )

    def to_dict(self):
        return {"summary": self.summary, "balance": self.balance.to_dict(orient="records")}


def test_the_allocation_path_gets_each_columns_park_layout_and_options(small_park, monkeypatch):
    calls = []

    def allocate(park, layout, statuses=("under_construction", "signed"), **options):
        calls.append((park, layout, tuple(statuses)))
        return FakeAllocation(park, layout, statuses)

    monkeypatch.setattr(scenario_engine, "allocation_engine", lambda: allocate)
    signed = Scenario("在谈签约", allocation={"statuses": ["signed", "negotiating"]})
    result = compare(small_park, [signed])
    assert [c[2] for c in calls] == [("under_construction", "signed"), ("signed", "negotiating")]
    assert calls[0][1] is result.base.layout and calls[1][1] is result["s1"].layout
    table = result.table("allocation").set_index("key")
    assert table.loc["placed", "base"] == 0 and table.loc["placed", "delta:s1"] == 1
    assert table.loc["surplus_mu:s1", "s1"] == -9.0
    assert result.to_dict()["scenarios"][1]["allocation"]["summary"]["placed"] == 1
    assert not any(n.startswith("allocation") for n in result.notes)


def test_allocation_equals_the_engine_run_directly(small_park):
    from parkmap import allocation

    signed = Scenario(
        "在谈签约", allocation={"statuses": ["under_construction", "signed", "negotiating"]}
    )
    result = compare(small_park, [signed])
    for col, statuses in zip(
        result.columns,
        [("under_construction", "signed"), ("under_construction", "signed", "negotiating")],
        strict=True,
    ):
        direct = allocation.allocate(col.park, col.layout, statuses=statuses)
        assert col.allocation.summary["placed"] == direct.summary["placed"]
        assert col.allocation.summary["allocated_mu"] == pytest.approx(
            direct.summary["allocated_mu"], abs=1e-9
        )


# -- renderings and files ----------------------------------------------------------------------
def test_json_contract(small_comparison):
    _, result = small_comparison
    data = result.to_dict()
    assert data["schema_version"] == 1 and data["crs"] == "EPSG:4545"
    assert [s["name"] for s in data["scenarios"]] == ["基准", "农田退让50米", "单层厂房"]
    first = data["scenarios"][0]
    assert {"name", "availability", "subparks", "layout", "allocation", "landuse_balance"} <= set(
        first
    )
    assert first["availability"]["key"] == "total" and first["changes"] is None
    row = first["landuse_balance"][0]
    assert set(row) >= {"code", "name", "area_m2", "share"}
    assert math.isclose(sum(r["share"] for r in first["landuse_balance"]), 1.0)
    assert data["notes"] and data["existing_landuse_balance"]
    import json

    json.loads(result.render("json"))


def test_text_csv_and_xlsx(small_comparison, tmp_path):
    _, result = small_comparison
    text = result.render("table", "zh")
    assert "用地平衡表" in text and "农田退让50米" in text and "较基准" in text and "现状" in text
    assert "farmland 50 m" in result.render("markdown", "en")
    csv = pd.read_csv(pd.io.common.StringIO(result.render("csv")))
    assert set(csv["table"]) == {"availability", "subparks", "layout", "balance"}
    path = result.to_xlsx(tmp_path / "c.xlsx")
    assert len(pd.read_excel(path, sheet_name=None)) == 5
    with pytest.raises(ValueError, match="to_xlsx"):
        result.render("xlsx")


def test_geopackage_of_changed_land(small_comparison, tmp_path):
    import pyogrio

    _, result = small_comparison
    path = result.save(tmp_path / "c.gpkg")
    names = [n for n, _ in pyogrio.list_layers(path)]
    assert {"base_available_land", "s1_available_land", "s1_changes", "base_landuse"} <= set(names)
    changes = gpd.read_file(path, layer="s1_changes")
    assert set(changes.columns) >= {"from_category", "to_category", "change", "area_m2"}
    assert changes.crs.to_epsg() == 4545
    with pytest.raises(parkmap.errors.OutputExistsError):
        result.save(tmp_path / "c.gpkg")


# -- the embedded park ------------------------------------------------------------------------
def test_dianjiang_flexible_zone_not_approved(dianjiang):
    scenario = example_scenarios()[0]
    result = compare(dianjiang, [scenario], subparks="sp-valve-chengxi", allocation=False)
    assert isinstance(result, Comparison)
    rules = parkmap.load_rules().replace(
        boundary_zones=("集中建设区", "特别用途区"),
        hard_zones=("特别用途区",),
        conditional_zones=(),
    )
    direct = parkmap.availability(dianjiang, rules)
    assert_same_availability(result.columns[1].availability, direct)
    plan = parkmap.layout(dianjiang, direct, subpark="sp-valve-chengxi")
    assert result.columns[1].layout.summary == plan.summary
    table = result.table("availability").set_index("key")
    assert table.loc["available", "delta:flex_zone_not_approved"] < -1e6  # > 100 ha lost
    assert table.loc["gross", "delta:flex_zone_not_approved"] == pytest.approx(0, abs=1e-3)
    changes = result.columns[1].changes
    moved = changes[(changes["to_category"] == "outside_boundary")]
    assert moved["area_m2"].sum() == pytest.approx(
        table.loc["outside_boundary", "delta:flex_zone_not_approved"], rel=1e-6
    )
    flex = dianjiang["boundary"]
    flex = shapely.union_all(flex[flex["zone"] == "弹性发展区"].geometry.array)
    assert shapely.union_all(moved.geometry.array).difference(flex.buffer(0.01)).area < 1.0
    for col in result.columns:
        assert col.balance["share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert np.isclose(result.existing_balance["area_m2"].sum(), direct.total["gross_m2"], rtol=1e-9)


def test_a_scenario_that_moves_the_gross_area(small_park):
    """Removing a cluster: its land is not_in_park on the scenario side, and the
    identity gained - lost = change of the total still holds for every category."""
    smaller = Scenario("去掉二组团", layers={"clusters": LayerEdit(remove=("c2",))})
    result = compare(small_park, [smaller], layout=False)
    base, scen = result.base.availability.total, result["s1"].availability.total
    assert scen["gross_m2"] == pytest.approx(base["gross_m2"] - 500 * 1000, rel=1e-9)
    changes = result["s1"].changes
    assert set(changes["to_category"]) == {"not_in_park"}
    assert changes["area_m2"].sum() == pytest.approx(500 * 1000, rel=1e-9)
    for cat in result.base.availability.categories:
        gained = changes.loc[changes["to_category"] == cat, "area_m2"].sum()
        lost = changes.loc[changes["from_category"] == cat, "area_m2"].sum()
        assert gained - lost == pytest.approx(scen[f"{cat}_m2"] - base[f"{cat}_m2"], abs=1e-3)
    assert len(small_park["clusters"]) == 2  # the base keeps its cluster
    assert result["s1"].balance["area_m2"].sum() == pytest.approx(scen["gross_m2"], rel=1e-9)
