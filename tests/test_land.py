"""The availability waterfall, checked against independent plain-shapely computations."""

from __future__ import annotations

import json
import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import LineString, Polygon, box

import parkmap
from conftest import CRS, X0, Y0, small_layers
from parkmap.cli import cli
from parkmap.errors import OutputExistsError, RulesError, ValidationError
from parkmap.land.rules import CATEGORIES

NO_FRAGMENTS = {"min_area_mu": 0, "min_width_m": 0}


def frame(rows: list[dict], geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=list(geoms), crs=CRS)


def cluster(geom, cid="c1") -> gpd.GeoDataFrame:
    return frame([{"id": cid, "name_zh": f"组团{cid}"}], [geom])


def road(line, width_m: float, rid="r1", status="built") -> dict:
    return {
        "id": rid,
        "name_zh": "路",
        "road_class": "trunk",
        "red_line_m": width_m,
        "status": status,
        "geometry": line,
    }


def roads(*rows: dict) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(list(rows), geometry="geometry", crs=CRS)


def constraint(geom, kind="permanent_basic_farmland", hard=True, buffer_m=0.0, cid="k1"):
    return {"id": cid, "kind": kind, "hard": hard, "buffer_m": buffer_m, "geometry": geom}


def building(geom, status="built", bid="f1") -> dict:
    return {
        "id": bid,
        "name_zh": "厂房",
        "kind": "factory",
        "storeys": 1,
        "storey_height_m": 8.0,
        "status": status,
        "geometry": geom,
    }


def layer(*rows: dict) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(list(rows), geometry="geometry", crs=CRS)


def total(result) -> pd.Series:
    return result.total


def assert_sums(result):
    table = result.table
    parts = table[[f"{c}_m2" for c in result.categories]].sum(axis=1)
    np.testing.assert_allclose(parts, table["gross_m2"], rtol=1e-6)
    assert (table["conditional_m2"] <= table["available_m2"] * (1 + 1e-9) + 1e-6).all()
    assert (table[[f"{c}_m2" for c in CATEGORIES]] >= 0).all().all()


# -- small parks with exactly known answers -----------------------------------------------
def test_square_minus_a_road_of_known_width():
    square = box(X0, Y0, X0 + 1000, Y0 + 1000)
    park = parkmap.Park(
        {
            "clusters": cluster(square),
            "roads": roads(road(LineString([(X0 - 50, Y0 + 500), (X0 + 1050, Y0 + 500)]), 40)),
        }
    )
    result = parkmap.availability(park)
    row = total(result)
    assert row["roads_m2"] == pytest.approx(1000 * 40)
    assert row["available_m2"] == pytest.approx(1000 * 960)
    assert row["gross_m2"] == pytest.approx(1_000_000)
    assert row["outside_boundary_m2"] == 0  # no boundary layer: no boundary step
    assert sorted(result.land["area_m2"].round(3)) == [480_000, 480_000]
    assert result.land["width_m"].round(6).tolist() == [480, 480]
    assert result.land["length_m"].round(6).tolist() == [1000, 1000]
    assert_sums(result)


def test_small_park_by_hand(small_park):
    result = parkmap.availability(small_park)
    rows = result.table.set_index("key")
    c1 = rows.loc["c1"]
    # boundary parts 1000 x 800 and 700 x 800 inside the 2000 x 1000 cluster
    assert c1["outside_boundary_m2"] == pytest.approx(2_000_000 - 800_000 - 560_000)
    # two overlapping farmland boxes: 400 x 200 once, inside b2
    assert c1["constraints_m2"] == pytest.approx(80_000)
    # 30 m road along 1700 m of boundary, 16 m road along 800 m, crossing counted once
    assert c1["roads_m2"] == pytest.approx(1700 * 30 + 800 * 16 - 30 * 16)
    # the built parcel p1 (300 x 250) holds the building: counted once
    assert c1["built_m2"] == pytest.approx(75_000)
    # flexible zone b2 (700 x 800) minus its farmland and road: conditional
    assert c1["conditional_m2"] == pytest.approx(560_000 - 80_000 - 700 * 30)
    assert rows.loc["c2", "outside_boundary_m2"] == pytest.approx(500_000)
    s1 = rows.loc["s1"]
    assert s1["level"] == "subpark"
    assert s1["roads_m2"] == pytest.approx(600 * 30)
    assert s1["available_m2"] == pytest.approx(300_000 - 600 * 30 - 75_000)
    assert rows.loc["total", "gross_m2"] == pytest.approx(2_500_000)
    assert list(result.table["level"]) == ["cluster", "cluster", "subpark", "total"]
    assert_sums(result)


def test_road_across_farmland_is_not_double_counted():
    square = box(X0, Y0, X0 + 1000, Y0 + 1000)
    farmland = box(X0 + 200, Y0, X0 + 400, Y0 + 1000)  # 200 m wide, full height
    park = parkmap.Park(
        {
            "clusters": cluster(square),
            "constraints": layer(constraint(farmland)),
            "roads": roads(road(LineString([(X0, Y0 + 500), (X0 + 1000, Y0 + 500)]), 20)),
        }
    )
    row = total(parkmap.availability(park))
    assert row["constraints_m2"] == pytest.approx(200_000)
    assert row["roads_m2"] == pytest.approx((1000 - 200) * 20)
    assert row["available_m2"] == pytest.approx(1_000_000 - 200_000 - 800 * 20)


def test_building_on_a_constraint_is_counted_as_constraint():
    square = box(X0, Y0, X0 + 1000, Y0 + 1000)
    water = box(X0 + 100, Y0 + 100, X0 + 300, Y0 + 300)
    park = parkmap.Park(
        {
            "clusters": cluster(square),
            "constraints": layer(constraint(water, kind="water", buffer_m=10.0)),
            "buildings": layer(
                building(box(X0 + 150, Y0 + 150, X0 + 250, Y0 + 250), bid="f1"),
                building(box(X0 + 600, Y0 + 600, X0 + 700, Y0 + 650), bid="f2"),
            ),
        }
    )
    row = total(parkmap.availability(park, parkmap.load_rules().replace(**NO_FRAGMENTS)))
    buffered = shapely.buffer(water, 10.0).area  # round corners, as the engine buffers
    assert row["constraints_m2"] == pytest.approx(buffered)
    assert row["built_m2"] == pytest.approx(100 * 50)  # only the building off the water
    assert row["available_m2"] == pytest.approx(1_000_000 - buffered - 5_000)


def test_rules_buffer_floor_tightens_a_constraint():
    square = box(X0, Y0, X0 + 1000, Y0 + 1000)
    water = box(X0 + 400, Y0 + 400, X0 + 600, Y0 + 600)
    park = parkmap.Park(
        {"clusters": cluster(square), "constraints": layer(constraint(water, kind="water"))}
    )
    loose = total(parkmap.availability(park))
    tight = total(parkmap.availability(park, parkmap.load_rules().replace(buffer_m={"water": 50})))
    assert loose["constraints_m2"] == pytest.approx(40_000)
    assert tight["constraints_m2"] == pytest.approx(shapely.buffer(water, 50).area)
    assert tight["available_m2"] < loose["available_m2"]


def test_committed_statuses_and_reserved_for_signed_projects():
    square = box(X0, Y0, X0 + 1000, Y0 + 1000)
    parcels = frame(
        [
            {"id": "p1", "landuse_code": "100101", "status": "supplied", "project": None},
            {"id": "p2", "landuse_code": "100101", "status": "reserved", "project": "j1"},
            {"id": "p3", "landuse_code": "100101", "status": "reserved", "project": None},
        ],
        [
            box(X0, Y0, X0 + 200, Y0 + 200),
            box(X0 + 200, Y0, X0 + 400, Y0 + 200),
            box(X0 + 400, Y0, X0 + 600, Y0 + 200),
        ],
    )
    projects = frame(
        [{"id": "j1", "name_zh": "项目", "status": "signed", "investment_yi": 1.0, "land_mu": 60}],
        [shapely.Point(X0 + 300, Y0 + 100)],
    )
    park = parkmap.Park({"clusters": cluster(square), "parcels": parcels, "projects": projects})
    result = parkmap.availability(park)
    assert total(result)["committed_m2"] == pytest.approx(80_000)
    per_parcel = result.parcels.set_index("id")
    assert per_parcel.loc["p2", "committed_m2"] == pytest.approx(40_000)
    assert per_parcel.loc["p3", "available_m2"] == pytest.approx(40_000)


def test_fragments_on_and_off():
    square = box(X0, Y0, X0 + 1000, Y0 + 1000)
    # farmland leaves a 10 m strip along the top edge and a 30 x 30 m nook
    farmland = Polygon(
        [
            (X0, Y0),
            (X0 + 1000, Y0),
            (X0 + 1000, Y0 + 990),
            (X0 + 30, Y0 + 990),
            (X0 + 30, Y0 + 960),
            (X0, Y0 + 960),
        ]
    )
    park = parkmap.Park({"clusters": cluster(square), "constraints": layer(constraint(farmland))})
    left = 1_000_000 - farmland.area
    on = total(parkmap.availability(park))
    assert on["fragments_m2"] == pytest.approx(left)
    assert on["available_m2"] == pytest.approx(0)
    off = parkmap.availability(park, parkmap.load_rules().replace(**NO_FRAGMENTS))
    assert total(off)["fragments_m2"] == 0
    assert total(off)["available_m2"] == pytest.approx(left)
    # the width test alone: the 30 x 40 m corner survives, the 10 m strip does not
    width_only = total(parkmap.availability(park, parkmap.load_rules().replace(min_area_mu=0)))
    assert width_only["available_m2"] == pytest.approx(30 * 40)
    # the area test alone (1 亩 = 666.7 m²): the whole L (about 1.1 亩 + 14.6 亩) is one piece
    area_only = parkmap.load_rules().replace(min_width_m=0, min_area_mu=1)
    assert total(parkmap.availability(park, area_only))["available_m2"] == pytest.approx(left)


def test_parcels_only_park_is_worked_parcel_by_parcel(layers):
    park = parkmap.Park(
        {
            "parcels": layers["parcels"],
            "roads": layers["roads"],
            "buildings": layers["buildings"],
        }
    )
    result = parkmap.availability(park, parkmap.load_rules().replace(**NO_FRAGMENTS))
    assert list(result.table["level"]) == ["total"]
    parcels = result.parcels.set_index("id")
    assert parcels.loc["p1", "built_m2"] == pytest.approx(75_000)
    assert parcels.loc["p2", "available_m2"] == pytest.approx(75_000)
    # p3 (600 x 150, reserved, no project) lies clear of the roads
    assert parcels.loc["p3", "available_m2"] == pytest.approx(90_000)
    assert (parcels["outside_boundary_m2"] == 0).all()
    np.testing.assert_allclose(
        parcels[[f"{c}_m2" for c in CATEGORIES]].sum(axis=1), parcels.geometry.area
    )
    assert set(result.land["parcel"]) == {"p2", "p3"}
    assert result.waterfall is None
    assert_sums(result)


def test_parcels_only_matches_cluster_engine_in_threads():
    """Chunked, threaded per-parcel work gives what one chunk gives."""
    grid = [
        box(X0 + i * 100, Y0 + j * 100, X0 + i * 100 + 100, Y0 + j * 100 + 100)
        for i in range(12)
        for j in range(12)
    ]
    parcels = frame(
        [{"id": f"p{k}", "landuse_code": "100101", "status": "available"} for k in range(144)],
        grid,
    )
    rows = roads(road(LineString([(X0, Y0), (X0 + 1200, Y0 + 1150)]), 24))
    park = parkmap.Park({"parcels": parcels, "roads": rows})
    one = parkmap.availability(park, workers=1)
    many = parkmap.availability(park, workers=2, chunk_size=10)
    pd.testing.assert_frame_equal(one.table, many.table)
    np.testing.assert_allclose(one.parcels["roads_m2"], many.parcels["roads_m2"])
    assert total(one)["roads_m2"] == pytest.approx(
        shapely.buffer(LineString([(X0, Y0), (X0 + 1200, Y0 + 1150)]), 12, cap_style="flat")
        .intersection(box(X0, Y0, X0 + 1200, Y0 + 1200))
        .area
    )


def test_progress_bar_and_no_prints(small_park, capsys):
    parkmap.availability(small_park, progress=False)
    assert capsys.readouterr().out == ""
    shown = parkmap.availability(small_park, progress=True)  # the bar goes to stderr
    captured = capsys.readouterr()
    assert captured.out == "" and "availability" in captured.err
    assert shown.table.equals(parkmap.availability(small_park).table)


# -- invalid geometry ---------------------------------------------------------------------
def test_invalid_geometry_is_repaired_and_reported(caplog):
    layers = small_layers()
    bowtie = Polygon(
        [(X0 + 1200, Y0 + 600), (X0 + 1400, Y0 + 800), (X0 + 1400, Y0 + 600), (X0 + 1200, Y0 + 800)]
    )
    layers["constraints"].loc[0, "geometry"] = bowtie
    park = parkmap.Park(layers)
    assert not park.is_valid
    with pytest.raises(ValidationError, match="invalid geometry"):
        parkmap.availability(park, repair=False)
    with caplog.at_level(logging.WARNING, logger="parkmap"):
        result = parkmap.availability(park)
    assert len(result.repairs) == 1
    assert result.repairs[0].feature == "k1"
    assert "repaired with make_valid" in caplog.text
    assert "Repaired 1 invalid" in result.render("table")
    # the bow-tie became two triangles (base 200 m, height 100 m) beside k2 (200 x 200)
    assert total(result)["constraints_m2"] == pytest.approx(40_000 + 2 * 200 * 100 / 2)
    assert_sums(result)


# -- the embedded park --------------------------------------------------------------------
def _union(geoms) -> shapely.Geometry:
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    return shapely.union_all(geoms) if geoms else Polygon()


def reference_waterfall(park: parkmap.Park, rules) -> dict[str, float]:
    """The waterfall by hand: union each category's claims, subtract in order."""
    clusters = _union(park["clusters"].geometry)
    boundary = park["boundary"]
    inside = _union(boundary.geometry[boundary["zone"].isin(rules.boundary_zones)])
    c = park["constraints"]
    hard_mask = c["kind"].isin(rules.hard_kinds) | (
        ~c["kind"].isin(rules.conditional_kinds) & c["hard"].astype(bool)
    )
    buffers = np.maximum(c["buffer_m"], c["kind"].map(dict(rules.buffer_m)).fillna(0))
    grown = [g.buffer(b) if b > 0 else g for g, b in zip(c.geometry, buffers, strict=True)]
    hard = _union(
        [g for g, h in zip(grown, hard_mask, strict=True) if h]
        + list(boundary.geometry[boundary["zone"].isin(rules.hard_zones)])
    )
    soft = _union(
        [g for g, h in zip(grown, hard_mask, strict=True) if not h]
        + list(boundary.geometry[boundary["zone"].isin(rules.conditional_zones)])
    )
    r = park["roads"]
    r = r[r["status"].isin(rules.road_statuses)]
    road_land = _union(
        g.buffer(w / 2, cap_style="flat") for g, w in zip(r.geometry, r["red_line_m"], strict=True)
    )
    parcels, buildings = park["parcels"], park["buildings"]
    built = _union(
        list(parcels.geometry[parcels["status"].isin(rules.built_parcel_statuses)])
        + list(buildings.geometry[buildings["status"].isin(rules.built_building_statuses)])
    )
    projects = park["projects"]
    signed = set(projects["id"][projects["status"].isin(rules.committed_project_statuses)])
    committed_mask = parcels["status"].isin(rules.committed_parcel_statuses) | (
        (parcels["status"] == "reserved") & parcels["project"].isin(signed)
    )
    committed = _union(
        list(parcels.geometry[committed_mask])
        + list(buildings.geometry[buildings["status"].isin(rules.committed_building_statuses)])
    )
    out: dict[str, float] = {"gross": clusters.area}
    left = clusters.intersection(inside)
    out["outside_boundary"] = clusters.area - left.area
    for name, claim in (
        ("constraints", hard),
        ("roads", road_land),
        ("built", built),
        ("committed", committed),
    ):
        out[name] = left.intersection(claim).area
        left = left.difference(claim)
    out["rest"] = left.area
    out["conditional_max"] = left.intersection(soft).area
    return out


def test_dianjiang_against_plain_shapely(dianjiang):
    rules = parkmap.load_rules()
    result = parkmap.availability(dianjiang, rules)
    expected = reference_waterfall(dianjiang, rules)
    row = total(result)
    for name in ("outside_boundary", "constraints", "roads", "built", "committed"):
        assert row[f"{name}_m2"] == pytest.approx(expected[name], rel=1e-6), name
    assert row["gross_m2"] == pytest.approx(expected["gross"], rel=1e-6)
    assert row["fragments_m2"] + row["available_m2"] == pytest.approx(expected["rest"], rel=1e-6)
    assert 0 < row["fragments_m2"] < 0.05 * expected["rest"]
    assert row["conditional_m2"] <= expected["conditional_max"] * (1 + 1e-6)
    assert row["available_m2"] == pytest.approx(result.land["area_m2"].sum(), rel=1e-9)
    assert_sums(result)
    # without fragments the available land is exactly the rest
    free = total(parkmap.availability(dianjiang, rules.replace(**NO_FRAGMENTS)))
    assert free["available_m2"] == pytest.approx(expected["rest"], rel=1e-6)
    assert free["conditional_m2"] == pytest.approx(expected["conditional_max"], rel=1e-6)


def test_dianjiang_rows_land_and_parcels(dianjiang):
    result = parkmap.availability(dianjiang)
    table = result.table
    assert list(table["level"].unique()) == ["cluster", "subpark", "total"]
    assert len(table[table["level"] == "cluster"]) == len(dianjiang["clusters"])
    assert len(table[table["level"] == "subpark"]) == len(dianjiang["subparks"])
    clusters = table[table["level"] == "cluster"]
    for column in [f"{c}_m2" for c in result.categories] + ["conditional_m2", "gross_m2"]:
        assert clusters[column].sum() == pytest.approx(result.total[column], rel=1e-9)
    land = result.land
    assert {"cluster", "subpark", "area_m2", "area_mu", "compactness", "width_m"} <= set(land)
    assert land.crs.to_epsg() == 4545
    assert land["area_m2"].min() > 0
    assert ((land["compactness"] > 0) & (land["compactness"] <= 1)).all()
    subpark_rows = table[table["level"] == "subpark"].set_index("key")
    by_subpark = land.groupby("subpark")["area_m2"].sum()
    np.testing.assert_allclose(
        by_subpark.sort_index(),
        subpark_rows.loc[by_subpark.index, "available_m2"].sort_index(),
        rtol=1e-6,
    )
    parcels = result.parcels
    assert len(parcels) == len(dianjiang["parcels"])
    np.testing.assert_allclose(parcels["gross_m2"], parcels.geometry.area, rtol=1e-6)
    built = parcels[parcels["status"] == "built"]
    assert (built["available_m2"] < 1e-6).all()
    waterfall = result.waterfall
    assert set(waterfall["category"]) <= {*result.categories, "conditional"}
    assert waterfall[waterfall["category"] == "available"]["area_m2"].sum() == pytest.approx(
        result.total["available_m2"], rel=1e-9
    )


# -- rendering ----------------------------------------------------------------------------
def test_json_contract(small_park):
    data = json.loads(parkmap.availability(small_park).render("json"))
    assert data["crs"] == "EPSG:4545"
    assert data["categories"] == list(CATEGORIES)
    assert [r["level"] for r in data["rows"]] == ["cluster", "cluster", "subpark", "total"]
    for row in data["rows"]:
        assert {"level", "name", "gross_m2", "conditional_m2"} <= set(row)
        assert all(isinstance(row[f"{c}_m2"], float) for c in data["categories"])
        assert sum(row[f"{c}_m2"] for c in data["categories"]) == pytest.approx(row["gross_m2"])
    assert data["rows"][-1]["name"] == "合计"
    assert data["rules"]["fragments"] == {"min_area_mu": 3.0, "min_width_m": 20.0}


def test_text_csv_markdown(small_park):
    result = parkmap.availability(small_park)
    text = result.render("table", "en")
    assert "EPSG:4545" in text and "Availability waterfall" in text
    assert "By cluster and sub-park (mu)" in text and "By cluster and sub-park (ha)" in text
    zh = result.render("table", "zh")
    assert "开发边界外" in zh and "公顷" in zh and "亩" in zh
    assert "规则：内置默认规则" in zh and "built-in" not in zh  # the rules line in Chinese too
    assert "Rules: built-in defaults" in text
    markdown = result.render("markdown", "en")
    assert markdown.startswith("# Land availability")
    assert "| Cluster one" in markdown
    csv = pd.read_csv(pd.io.common.StringIO(result.render("csv")))
    assert {"available_m2", "available_mu", "available_ha", "available_km2"} <= set(csv)
    assert csv.loc[csv["key"] == "c1", "gross_ha"].iloc[0] == pytest.approx(200)
    zh_csv = result.render("csv", "zh")
    assert "可用(公顷)" in zh_csv.splitlines()[0]
    with pytest.raises(ValueError, match="unknown format"):
        result.render("xlsx")
    assert result.frame("mu").loc[3, "gross_mu"] == pytest.approx(3750)


def test_area_report_gains_the_availability_section(small_park):
    report = parkmap.area_report(small_park)
    assert report.availability is not None
    data = report.to_dict()
    assert data["availability"]["categories"] == list(CATEGORIES)
    assert "Availability waterfall" in report.render("table")
    assert (
        parkmap.area_report(small_park, with_availability=False).to_dict()["availability"] is None
    )


# -- command line -------------------------------------------------------------------------
@pytest.fixture
def park_file(tmp_path, small_park):
    path = tmp_path / "small.gpkg"
    small_park.save(path)
    return str(path)


def test_cli_formats(park_file):
    runner = CliRunner()
    for fmt in ("table", "csv", "markdown"):
        result = runner.invoke(cli, ["availability", "--data", park_file, "--format", fmt])
        assert result.exit_code == 0, result.output
        assert "outside" in result.output
    result = runner.invoke(cli, ["availability", "--data", park_file, "--format", "json"])
    data = json.loads(result.stdout)
    assert data["rows"][-1]["level"] == "total"
    zh = runner.invoke(cli, ["availability", "--data", park_file, "--lang", "zh"])
    assert "用地可用性" in zh.output


def test_cli_geopackage_layers(park_file, tmp_path):
    runner = CliRunner()
    out = tmp_path / "avail.gpkg"
    args = ["availability", "--data", park_file, "-o", str(out), "--format", "json"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    names = [name for name, _ in pyogrio.list_layers(out)]
    assert {"available_land", "parcel_availability"} <= set(names)
    land = pyogrio.read_dataframe(out, layer="available_land")
    assert land.crs.to_epsg() == 4545
    available = json.loads(result.stdout)["rows"][-1]["available_m2"]
    assert land["area_m2"].sum() == pytest.approx(available)
    parcels = pyogrio.read_dataframe(out, layer="parcel_availability")
    assert {"id", "built_m2", "available_m2", "gross_m2", "conditional_m2"} <= set(parcels)
    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    assert "exists" in again.output and "Traceback" not in again.output
    assert runner.invoke(cli, [*args, "--overwrite"]).exit_code == 0
    wrong = runner.invoke(cli, ["availability", "--data", park_file, "-o", str(tmp_path / "a.shp")])
    assert wrong.exit_code == 1 and "GeoPackage" in wrong.output


def test_cli_bad_rules_is_one_line(park_file, tmp_path):
    rules = tmp_path / "bad.toml"
    rules.write_text("[fragments]\nmin_area_mu = -3\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["availability", "--data", park_file, "--rules", str(rules)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1
    assert "fragments.min_area_mu" in lines[0] and str(rules) in lines[0]


def test_cli_help_has_an_example():
    result = CliRunner().invoke(cli, ["availability", "--help"])
    assert "parkmap availability --format json" in result.output


def test_to_geopackage_refuses_to_overwrite(small_park, tmp_path):
    result = parkmap.availability(small_park)
    path = tmp_path / "a.gpkg"
    result.to_geopackage(path)
    with pytest.raises(OutputExistsError):
        result.to_geopackage(path)


def test_rules_file_path_accepted(small_park, tmp_path):
    path = tmp_path / "r.toml"
    path.write_text("[fragments]\nmin_area_mu = 0\nmin_width_m = 0\n", encoding="utf-8")
    result = parkmap.availability(small_park, path)
    assert result.rules.source == str(path)
    with pytest.raises(RulesError):
        parkmap.availability(small_park, tmp_path / "missing.toml")


def test_control_line_of_the_local_rules_is_the_smallest_buffer():
    """A 220 kV corridor tagged ``control_line`` keeps 15 m more (渝府令318号 art. 51)."""
    square = box(X0, Y0, X0 + 1000, Y0 + 1000)
    line = box(X0 - 10, Y0 + 499, X0 + 1010, Y0 + 501)  # the line's 2 m corridor polygon
    tagged = {**constraint(line, kind="corridor"), "control_line": "power_220kv"}
    park = parkmap.Park({"clusters": cluster(square), "constraints": layer(tagged)})
    row = total(parkmap.availability(park))
    expected = shapely.buffer(line, 15.0).intersection(square).area
    assert row["constraints_m2"] == pytest.approx(expected)
    # the feature's own larger buffer still wins; an unknown feature adds nothing
    wider = {**tagged, "buffer_m": 40.0}
    park = parkmap.Park({"clusters": cluster(square), "constraints": layer(wider)})
    assert total(parkmap.availability(park))["constraints_m2"] == pytest.approx(
        shapely.buffer(line, 40.0).intersection(square).area
    )
    other = {**tagged, "control_line": "no_such_line", "buffer_m": 1.0}
    park = parkmap.Park({"clusters": cluster(square), "constraints": layer(other)})
    assert total(parkmap.availability(park))["constraints_m2"] == pytest.approx(
        shapely.buffer(line, 1.0).intersection(square).area
    )


def test_highway_control_band_is_a_hard_constraint():
    """A 高速公路 keeps 66 m each side of its centreline free (渝府令318号 art. 48)."""
    square = box(X0, Y0, X0 + 1000, Y0 + 1000)
    line = LineString([(X0 - 50, Y0 + 500), (X0 + 1050, Y0 + 500)])
    park = parkmap.Park(
        {"clusters": cluster(square), "roads": roads({**road(line, 60), "road_class": "highway"})}
    )
    row = total(parkmap.availability(park))
    band = shapely.buffer(line, 66.0, cap_style="flat").intersection(square).area
    assert row["constraints_m2"] == pytest.approx(band)
    assert row["roads_m2"] == pytest.approx(0.0, abs=1e-6)  # inside the band already
    # an urban expressway (快速路) has no such band: only its right-of-way
    urban = parkmap.Park(
        {
            "clusters": cluster(square),
            "roads": roads({**road(line, 60), "road_class": "expressway"}),
        }
    )
    row = total(parkmap.availability(urban))
    assert row["constraints_m2"] == pytest.approx(0.0, abs=1e-6)
    assert row["roads_m2"] == pytest.approx(60.0 * 1000)
