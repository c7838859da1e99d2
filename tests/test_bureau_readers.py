"""Readers for the files bureaus send, on data built here or found in public packages.

The OSM extract is real public data (OpenStreetMap, Karhula, Kotka; shipped as test
data by pyrosm). The other files are written by ``tests/bureau_data.py`` the way the
deliveries look. Expected values come from independent computations: direct GDAL reads,
the code lists themselves, ``pyproj.Geod`` areas.
"""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import tomllib

from bureau_data import (
    OSM_PBF,
    SURVEY_CLASSES,
    geodesic_area,
    project_rows,
    survey_parcels,
    write_datav_array,
    write_project_list,
)
from parkmap.crs import choose_measuring_crs, gcj02_to_wgs84, lonlat_bounds
from parkmap.errors import DataFileError
from parkmap.io.mapping_draft import TODO, DraftEntry, draft_mapping, missing_columns
from parkmap.io.osm import read_osm
from parkmap.io.projects import place_at_subparks, read_project_list
from parkmap.io.sniff import (
    describe_unreadable,
    gcj02_markers,
    geojson_declares_crs,
    is_feature_array,
    read_feature_array,
)
from parkmap.io.survey import infer_status, status_table

# GB/T 21010 level-1 classes that are construction land whole (05-09), and the level-2
# construction classes of 10, 11 and 12: the three-category rule, restated by hand.
CONSTRUCTION_L1 = {"05", "06", "07", "08", "09"}
CONSTRUCTION_L2 = {"1001", "1002", "1003", "1004", "1005", "1007", "1008", "1009", "1103", "1109"}


def expected_status(code: str) -> str:
    base = code.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")[:4] if not code[2:3].isalpha() else code
    if base[:2] in CONSTRUCTION_L1 or base in CONSTRUCTION_L2:
        return "built"
    return "available"  # agricultural, unused, and 1201 空闲地 (idle construction land)


def test_status_table_agrees_with_the_three_categories():
    table = status_table()
    assert set(table["land_class"]) == {"agricultural", "construction", "unused"}
    assert set(table["status"]) <= {"built", "available"}
    for row in table.itertuples():
        assert row.source and row.confidence
        if row.survey_code == "1201":
            assert row.land_class == "construction" and row.status == "available"
            continue
        if row.survey_code == "1103":  # 农用地 in the 三调 tabulations; a reservoir stays built
            assert row.land_class == "agricultural" and row.status == "built"
            continue
        assert row.status == expected_status(row.survey_code), row.survey_code
        assert (row.land_class == "construction") == (row.status == "built"), row.survey_code


def test_status_inferred_on_a_survey_layer():
    parcels = survey_parcels()
    result = infer_status(parcels["DLBM"])
    expected = parcels["DLBM"].map(expected_status)
    assert result.status.tolist() == expected.tolist()
    assert result.inferred == len(parcels) and not result.unknown
    assert result.by_status == expected.value_counts().to_dict()
    assert f"for {len(parcels)} feature(s)" in result.note()


def test_status_inference_codes_as_numbers_and_unknown():
    result = infer_status(pd.Series([601, "0101k", " 1004 ", "8888", None]))
    assert result.status.iloc[:3].tolist() == ["built", "available", "built"]
    assert result.status.iloc[3:].isna().all()
    assert result.unknown == {"8888": 1}


def test_osm_extract_layers_match_direct_reads():
    result = read_osm(OSM_PBF)
    assert set(result.layers) == {"clusters", "buildings", "roads"}
    raw = pyogrio.read_dataframe(
        OSM_PBF, layer="multipolygons", on_invalid="ignore", USE_CUSTOM_INDEXING="NO"
    )
    ok = raw.geometry.notna()
    assert len(result.layers["buildings"]) == int((raw["building"].notna() & ok).sum())
    industrial = raw[(raw["landuse"] == "industrial") & ok]
    assert len(result.layers["clusters"]) == len(industrial)
    lines = pyogrio.read_dataframe(OSM_PBF, layer="lines", USE_CUSTOM_INDEXING="NO")
    public = lines["highway"].isin(
        [
            *("motorway", "motorway_link", "trunk", "primary", "secondary", "tertiary"),
            *("unclassified", "residential", "living_street", "road"),
            *("trunk_link", "primary_link", "secondary_link", "tertiary_link"),
        ]
    )
    roads = result.layers["roads"]
    assert len(roads) == int(public.sum())
    assert set(roads["road_class"]) <= {"expressway", "trunk", "secondary", "branch"}
    assert (roads.loc[roads["road_class"] == "branch", "red_line_m"] == 16).all()
    assert any("red-line width: the default of the class" in n for n in result.notes)
    assert any("cycleway" in n and "left out" in n for n in result.notes)
    # the industrial areas measured in the CRS parkmap chooses, against geodesic areas
    clusters = result.layers["clusters"]
    choice = choose_measuring_crs([clusters.crs], lonlat_bounds([clusters]))
    assert choice.crs.to_epsg() == 32635  # UTM 35N at 26.9°E
    np.testing.assert_allclose(
        clusters.to_crs(choice.crs).area, geodesic_area(clusters.geometry), rtol=1e-3
    )


def test_osm_extract_with_unsorted_node_ids_is_read(tmp_path):
    # pyogrio's own sample extract: GDAL's default indexing refuses it
    import pyogrio as _p

    sample = __import__("pathlib").Path(_p.__file__).parent / "tests" / "fixtures"
    sample = sample / "sample.osm.pbf"
    if not sample.exists():
        pytest.skip("pyogrio installed without its test fixtures")
    result = read_osm(sample)
    assert len(result.layers["roads"]) > 0


def test_osm_file_that_is_not_osm(tmp_path):
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    with pytest.raises(DataFileError, match=r"broken\.osm\.pbf"):
        read_osm(bad)


def test_datav_array(tmp_path):
    path = write_datav_array(tmp_path)
    with pytest.raises(pyogrio.errors.DataSourceError):
        pyogrio.read_dataframe(path)  # GDAL does not open it
    assert is_feature_array(path)
    gdf = read_feature_array(path)
    assert len(gdf) == 1 and gdf.crs.to_epsg() == 4326
    assert json.loads(gdf["parent"].iloc[0]) == {"adcode": 500100}
    assert gcj02_markers(gdf.columns) == ["adcode", "acroutes"]
    assert not geojson_declares_crs(path)
    # the coordinates are GCJ-02: converting them back to WGS84 moves them
    ring = np.asarray(gdf.geometry.iloc[0].geoms[0].exterior.coords)
    lon, _ = gcj02_to_wgs84(ring[:, 0], ring[:, 1])
    assert abs(lon.mean() - ring[:, 0].mean()) > 0.003  # GCJ-02 shifts ~500 m


def test_geojson_with_crs_member(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text(
        '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4545"}},'
        '"features":[]}'
    )
    assert geojson_declares_crs(path) and not is_feature_array(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"[1, 2, 3]", "JSON array of 3 item(s) (int)"),
        (b'{"rows": [], "total": 0}', "JSON object without GeoJSON geometry (keys: rows, total)"),
        (b"<!DOCTYPE html><html></html>", "HTML page"),
        (b"PK\x03\x04rest", "ZIP archive"),
        (b"", "empty file"),
        (b'{"a": ', "not valid JSON"),
    ],
)
def test_describe_unreadable(tmp_path, content, expected):
    path = tmp_path / "data.json"
    path.write_bytes(content)
    assert expected in describe_unreadable(path)


@pytest.mark.parametrize("name", ["项目清单.xlsx", "项目清单.csv"])
def test_project_list(tmp_path, name):
    rows = project_rows()
    result = read_project_list(write_project_list(tmp_path, name))
    gdf = result.gdf
    assert gdf["name_zh"].tolist() == rows["项目名称"].tolist()
    assert gdf["land_mu"].tolist() == rows["用地面积（亩）"].tolist()
    assert gdf.geometry.notna().sum() == rows["经度"].notna().sum()
    assert gdf.crs.to_epsg() == 4326


def test_project_list_units_and_placement(tmp_path):
    rows = project_rows().rename(
        columns={"投资额（亿元）": "投资（万元）", "用地面积（亩）": "用地（公顷）"}
    )
    path = tmp_path / "list.csv"
    rows.to_csv(path, index=False, encoding="gb18030")  # a GBK spreadsheet export
    result = read_project_list(path)
    np.testing.assert_allclose(result.gdf["investment_yi"], rows["投资（万元）"] / 1e4)
    np.testing.assert_allclose(result.gdf["land_mu"], rows["用地（公顷）"] * 15)
    assert len(result.notes) == 2
    from bureau_data import dianjiang

    park = dianjiang()
    placed, note = place_at_subparks(result.gdf.to_crs(park.crs), park["subparks"])
    assert note.startswith("2 project(s)")
    assert placed.geometry.notna().all()
    subparks = park["subparks"].set_index("name_zh")
    for row in placed[placed["position"] == "sub-park centre"].itertuples():
        assert subparks.geometry[row.subpark].contains(row.geometry)


def test_project_list_row_without_position(tmp_path):
    rows = project_rows()
    rows.loc[3, "所属园区"] = None
    path = tmp_path / "list.csv"
    rows.to_csv(path, index=False)
    with pytest.raises(DataFileError, match=r"row 5 \(丁公司新材料项目\): neither coordinates"):
        read_project_list(path)


def test_project_list_unknown_subpark(tmp_path):
    rows = project_rows()
    rows.loc[2, "所属园区"] = "不存在的园区"
    path = tmp_path / "list.csv"
    rows.to_csv(path, index=False)
    result = read_project_list(path)
    from bureau_data import dianjiang

    park = dianjiang()
    with pytest.raises(DataFileError, match="不存在的园区"):
        place_at_subparks(result.gdf.to_crs(park.crs), park["subparks"])


def test_mapping_draft_parses_and_lists_todos():
    entries = [
        DraftEntry(
            "设计.dxf",
            "道路",
            "roads",
            "layer name 道路",
            {},
            ["Layer"],
            missing_columns("roads", ["name_zh"]),
        ),
        DraftEntry("设计.dxf", "标注", None, "", {}, ["Layer"], []),
    ]
    text = draft_mapping(entries, command="parkmap import 设计.dxf -o park.gpkg")
    data = tomllib.loads(text)
    roads, other = data["layers"]
    assert roads["defaults"] == {"road_class": TODO, "red_line_m": TODO, "status": TODO}
    assert other["target"] == TODO
    assert "one of: highway, expressway, trunk, secondary, branch" in text
    assert "--mapping" in text


def test_survey_parcel_areas_match_their_declared_tbmj():
    parcels = survey_parcels()
    # TBMJ is the ellipsoidal area; EPSG:4524 (zone 36, CM 108E) passes the scale test
    choice = choose_measuring_crs([parcels.crs], lonlat_bounds([parcels]))
    assert choice.crs.to_epsg() == 4524 and not choice.derived
    np.testing.assert_allclose(parcels.area, parcels["TBMJ"], rtol=5e-4)
    assert isinstance(parcels, gpd.GeoDataFrame)
    assert len({c for c, _ in SURVEY_CLASSES}) == len(SURVEY_CLASSES)
