import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET

import pandas as pd
import pyogrio
import pytest

from parkmap._data import data_path
from parkmap.io.styles import STYLE_TABLE, add_layer_styles, layer_style, read_layer_styles

SE = "{http://www.opengis.net/se}"
OGC = "{http://www.opengis.net/ogc}"


@pytest.fixture(scope="module")
def styled(dianjiang, tmp_path_factory):
    path = tmp_path_factory.mktemp("styles") / "dianjiang.gpkg"
    dianjiang.save(path)  # the one GeoPackage writer adds the styles
    return path, list(read_layer_styles(path)["f_table_name"])


def _fields(path, layer):
    return set(pyogrio.read_info(path, layer=layer)["fields"])


def _rgb(hex_colour):
    h = hex_colour.lstrip("#")
    return ",".join(str(int(h[i : i + 2], 16)) for i in (0, 2, 4))


def test_every_park_layer_is_styled(styled, dianjiang):
    path, names = styled
    assert sorted(names) == sorted(dianjiang.layers)
    table = read_layer_styles(path)
    assert sorted(table["f_table_name"]) == sorted(dianjiang.layers)
    assert table["useAsDefault"].all()
    assert set(table.columns) >= {
        "f_table_catalog",
        "f_table_schema",
        "f_table_name",
        "f_geometry_column",
        "styleName",
        "styleQML",
        "styleSLD",
        "useAsDefault",
        "description",
        "owner",
        "ui",
        "update_time",
    }


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs GDAL's ogrinfo")
def test_gdal_lists_the_table(styled):
    path, _ = styled
    out = subprocess.run(["ogrinfo", "-ro", "-q", str(path)], capture_output=True, text=True)
    assert out.returncode == 0
    assert re.search(rf"^\d+: {STYLE_TABLE}\b", out.stdout, re.M), out.stdout
    out = subprocess.run(
        ["ogrinfo", "-ro", "-so", str(path), STYLE_TABLE], capture_output=True, text=True
    )
    assert "styleQML: String" in out.stdout
    assert "useAsDefault: Integer(Boolean)" in out.stdout


def test_geometry_column_is_the_files(styled):
    path, _ = styled
    with sqlite3.connect(path) as con:
        geometry = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    table = read_layer_styles(path)
    for row in table.itertuples():
        assert row.f_geometry_column == geometry[row.f_table_name]


def test_styles_are_xml_naming_the_layer_and_its_fields(styled):
    path, _ = styled
    for row in read_layer_styles(path).itertuples():
        fields = _fields(path, row.f_table_name)
        qml = ET.fromstring(row.styleQML.split("\n", 1)[1])  # after the DOCTYPE line
        assert qml.tag == "qgis"
        rules = qml.findall("./renderer-v2/rules/rule")
        assert rules, row.f_table_name
        for rule in rules:
            for column in re.findall(r'"([^"]+)"', rule.get("filter", "")):
                assert column in fields, (row.f_table_name, column)
        for text in qml.iter("text-style"):
            assert text.get("fieldName") in fields
        for option in qml.iter("Option"):
            if option.get("name") == "expression":
                assert option.get("value").strip('"') in fields
        # every rule points at a symbol that exists
        names = {s.get("name") for s in qml.iter("symbol")}
        assert {r.get("symbol") for r in rules} <= names

        sld = ET.fromstring(row.styleSLD.encode())
        assert sld.find(f".//{{http://www.opengis.net/sld}}NamedLayer/{SE}Name").text == (
            row.f_table_name
        )
        for prop in sld.iter(f"{OGC}PropertyName"):
            assert prop.text in fields, (row.f_table_name, prop.text)


def _qml_rules(path, layer):
    row = read_layer_styles(path).set_index("f_table_name").loc[layer]
    qml = ET.fromstring(row["styleQML"].split("\n", 1)[1])
    symbols = {s.get("name"): s for s in qml.iter("symbol")}
    out = {}
    for rule in qml.findall("./renderer-v2/rules/rule"):
        options = {
            o.get("name"): o.get("value")
            for o in symbols[rule.get("symbol")].iter("Option")
            if o.get("value") is not None
        }
        out[rule.get("filter", "")] = (rule.get("label"), options)
    return out


def test_parcel_colours_are_the_2023_landuse_colours(styled, dianjiang):
    path, _ = styled
    classes = pd.read_csv(data_path("landuse_2023.csv"), dtype=str).set_index("code")
    rules = _qml_rules(path, "parcels")
    codes = sorted(set(dianjiang["parcels"]["landuse_code"].astype(str)))
    for code in codes:
        label, options = rules[f"\"landuse_code\" = '{code}'"]
        assert label == f"{code} {classes.loc[code, 'name_zh']}"
        assert options["color"].startswith(_rgb(classes.loc[code, "hex"]) + ",")
    # status outlines drawn over the fills, as on the web map
    assert any(f.startswith('"status"') for f in rules)


def test_zone_and_road_styles_follow_map_styles(styled):
    path, _ = styled
    styles = pd.read_csv(data_path("map_styles.csv"), dtype=str, keep_default_na=False)
    zones = styles[styles["layer"] == "boundary"].set_index("key")
    rules = _qml_rules(path, "boundary")
    for zone, row in zones.iterrows():
        _, options = rules[f"\"zone\" = '{zone}'"]
        assert options["outline_color"] == _rgb(row["color"]) + ",255"
    roads = _qml_rules(path, "roads")
    _, trunk = roads["\"road_class\" = 'trunk'"]
    assert trunk["line_width_unit"] == "MapUnit"  # the red-line width, in metres
    trunk_fill = styles[(styles["layer"] == "roads") & (styles["key"] == "trunk")].iloc[0]
    assert trunk["line_color"].startswith(_rgb(trunk_fill["fill_color"]))


def test_unknown_codes_get_an_else_rule():
    frame = pd.DataFrame({"landuse_code": ["1001", "9999"], "status": ["built", "built"]})
    style = layer_style("parcels", frame, "MultiPolygon")
    qml = ET.fromstring(style.qml.split("\n", 1)[1])
    filters = [r.get("filter") for r in qml.iter("rule")]
    assert "ELSE" in filters
    assert "\"landuse_code\" = '1001'" in filters


def test_layers_without_symbology_are_left_alone(tmp_path, small_park):
    import geopandas as gpd

    path = tmp_path / "p.gpkg"
    small_park.save(path)
    extra = gpd.GeoDataFrame({"v": [1]}, geometry=small_park["clusters"].geometry[:1])
    extra.to_file(path, layer="my_notes", driver="GPKG")
    styled = add_layer_styles(path, lang="en")  # again, in English
    assert "my_notes" not in styled
    assert "clusters" in styled
    table = read_layer_styles(path)
    assert sorted(table["f_table_name"]) == sorted(small_park.layers)  # replaced, not doubled
    labels = {r[0] for r in _qml_rules(path, "buildings").values()}
    assert "built" in labels  # English legend labels


def test_every_writer_styles_its_layers(dianjiang, tmp_path):
    import parkmap

    avail = parkmap.availability(dianjiang)
    avail.to_geopackage(tmp_path / "a.gpkg")
    assert set(read_layer_styles(tmp_path / "a.gpkg")["f_table_name"]) == {
        "available_land",
    } | ({"parcel_availability"} if avail.parcels is not None else set())
    plan = parkmap.layout(dianjiang, avail, subpark="sp-prefab")
    plan.save(tmp_path / "l.gpkg")
    table = read_layer_styles(tmp_path / "l.gpkg").set_index("f_table_name")
    assert set(table.index) == {"plots", "buildings", "layout_roads"}
    assert "规划建筑" in table.loc["buildings", "styleQML"]  # the layout's building style
    from parkmap.io import write_geopackage

    plain = write_geopackage(tmp_path / "p.gpkg", dianjiang.layers, styles=False)
    assert read_layer_styles(plain).empty


def test_allocation_layers_are_styled_per_project(dianjiang, tmp_path):
    import parkmap

    if not hasattr(parkmap, "allocate"):
        pytest.skip("this version has no allocation engine")
    plan = parkmap.layout(dianjiang, subpark="sp-prefab")
    result = parkmap.allocate(dianjiang, plan)
    result.save(tmp_path / "a.gpkg")
    rules = _qml_rules(tmp_path / "a.gpkg", "allocation")
    placed = [p for p in dict.fromkeys(result.plots["project"]) if isinstance(p, str) and p]
    for project in placed:
        assert f"\"project\" = '{project}'" in rules
    assert "ELSE" in rules  # the free plots


def test_add_styles_refuses_a_non_geopackage(tmp_path):
    from parkmap.errors import DataFileError

    path = tmp_path / "x.gpkg"
    path.write_text("not a database")
    with pytest.raises(DataFileError, match="not a GeoPackage"):
        add_layer_styles(path)


def test_park_files_skip_the_styles_table_by_its_name():
    from parkmap.io.files import QGIS_STYLE_TABLE

    assert QGIS_STYLE_TABLE == STYLE_TABLE
