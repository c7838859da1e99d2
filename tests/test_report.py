import io
import json

import pandas as pd
import pytest
import shapely

import parkmap
from parkmap.report import FORMATS


@pytest.fixture
def report(small_park):
    return parkmap.area_report(small_park)


def rows_by_key(table):
    return {row["key"]: row for row in table["rows"] + table["totals"]}


def test_cluster_and_boundary_areas_are_exact(report):
    data = report.to_dict()
    tables = {t["key"]: t for t in data["tables"]}
    clusters = rows_by_key(tables["clusters"])
    assert clusters["c1"]["area_m2"] == pytest.approx(2e6)
    assert clusters["c1"]["area_mu"] == pytest.approx(3000.0)
    assert clusters["platform_total"]["area_km2"] == pytest.approx(2.0)
    assert clusters["total"]["area_ha"] == pytest.approx(250.0)
    boundary = rows_by_key(tables["boundary"])
    assert boundary["zone:集中建设区"]["area_m2"] == pytest.approx(800_000)
    assert boundary["total"]["area_m2"] == pytest.approx(800_000 + 560_000)
    assert boundary["b1"]["group_en"] == "Cluster one"


def test_roads_crossing_counted_once(report):
    roads = rows_by_key(report.to_dict()["tables"][3])
    assert roads["trunk"]["area_m2"] == pytest.approx(2000 * 30)
    assert roads["branch"]["area_m2"] == pytest.approx(1000 * 16)
    assert roads["total"]["area_m2"] == pytest.approx(2000 * 30 + 1000 * 16 - 30 * 16)
    assert roads["total"]["length_m"] == pytest.approx(3000)


def test_constraint_overlap_counted_once(report, small_park):
    table = report.table("constraints")
    frame = table.frame().set_index("key")
    # two farmland boxes 300x200 and 200x200 overlapping by 100x200
    assert frame.loc["permanent_basic_farmland", "area_m2"] == pytest.approx(80_000)
    independent = shapely.union_all(small_park["constraints"].geometry.array).area
    assert frame.loc["total", "area_m2"] == pytest.approx(independent)
    assert frame.loc["forest", "group_zh"] == "弹性"


def test_buildings_floor_area_and_projects(report):
    buildings = report.table("buildings").frame().set_index("key")
    assert buildings.loc["built", "floor_area_m2"] == pytest.approx(72 * 24 * 4)
    projects = report.table("projects").frame().set_index("key")
    assert projects.loc["total", "investment_yi"] == pytest.approx(2.5)
    assert projects.loc["total", "count"] == 2


def test_parcels_by_landuse_names(report):
    frame = report.table("parcels_by_landuse").frame().set_index("key")
    assert frame.loc["100102", "name_zh"].endswith("二类工业用地")
    assert frame.loc["100102", "area_m2"] == pytest.approx(2 * 300 * 250)


def test_totals_from_unrounded_values():
    import geopandas as gpd
    from shapely.geometry import box

    from conftest import X0, Y0

    # three 8 m² clusters: 0.012 mu each, shown as 0.01; the total 0.036 mu shows as 0.04
    clusters = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"], "name_zh": ["甲", "乙", "丙"]},
        geometry=[box(X0 + 10 * i, Y0, X0 + 10 * i + 2, Y0 + 4) for i in range(3)],
        crs="EPSG:4545",
    )
    report = parkmap.area_report(parkmap.Park({"clusters": clusters}))
    text = report.render("table", "zh").split("用地可用性")[0]  # the area tables only
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    assert lines["甲"][2] == "0.01"
    assert lines["合计"][2] == "0.04"


def test_json_contract(report):
    data = json.loads(report.render("json"))
    assert data["schema_version"] == 1
    assert data["crs"] == "EPSG:4545"
    assert "Gauss-Kruger" in data["crs_name"]
    assert data["units"]["m2_per_mu"] == pytest.approx(10000 / 15)
    keys = [t["key"] for t in data["tables"]]
    assert keys == [
        "clusters",
        "boundary",
        "subparks",
        "roads",
        "buildings",
        "parcels_by_status",
        "parcels_by_landuse",
        "constraints",
        "projects",
    ]
    for table in data["tables"]:
        for row in table["rows"] + table["totals"]:
            assert {
                "key",
                "name_zh",
                "name_en",
                "count",
                "area_m2",
                "area_mu",
                "area_ha",
                "area_km2",
            } <= set(row)
            assert isinstance(row["count"], int)


def test_text_formats_name_the_crs(report):
    for lang in ("en", "zh"):
        text = report.render("table", lang)
        assert "EPSG:4545" in text
    assert "面积(亩)" in report.render("table", "zh")
    assert "area (mu)" in report.render("table", "en")
    markdown = report.render("markdown", "en")
    assert markdown.startswith("# Area report")
    assert "| Cluster one" in markdown


def test_csv_is_one_tidy_table(report):
    frame = pd.read_csv(io.StringIO(report.render("csv")))
    assert {"table", "row_type", "key", "area_m2", "area_mu"} <= set(frame.columns)
    c1 = frame[(frame["table"] == "clusters") & (frame["key"] == "c1")].iloc[0]
    assert c1["area_ha"] == pytest.approx(200.0)
    zh = pd.read_csv(io.StringIO(report.render("csv", "zh")))
    assert "面积(公顷)" in zh.columns


def test_xlsx_sheets(tmp_path, report):
    path = tmp_path / "r.xlsx"
    report.to_xlsx(path, "zh")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets)[:3] == ["说明", "组团面积", "城镇开发边界面积"]
    clusters = sheets["组团面积"]
    assert "面积(亩)" in clusters.columns
    assert clusters["面积(亩)"].iloc[0] == pytest.approx(3000.0)


def test_unknown_format(report):
    assert "xlsx" in FORMATS
    with pytest.raises(ValueError, match="unknown format"):
        report.render("pdf")


def test_parcels_only_park(layers):
    park = parkmap.Park({"parcels": layers["parcels"]})
    report = parkmap.area_report(park)
    assert [t.key for t in report.tables] == ["parcels_by_status", "parcels_by_landuse"]
