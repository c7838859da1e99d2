"""Importing the files bureaus send, end to end, on files built here or found in packages.

Areas are compared with independent computations (``pyproj.Geod`` geodesic areas, the
original layers by hand); statuses with the three-category rule restated by hand.
"""

import json

import numpy as np
import pytest
import tomllib
from click.testing import CliRunner

import parkmap
from bureau_data import (
    OSM_PBF,
    dianjiang,
    geodesic_area,
    survey_parcels,
    write_datav_array,
    write_dltb_shapefile,
    write_filegdb,
    write_project_list,
)
from parkmap.cli import cli
from parkmap.errors import CRSError, DataFileError, RulesError
from test_bureau_readers import expected_status


def test_survey_layer_without_mapping_gets_inferred_statuses(tmp_path):
    path = write_dltb_shapefile(tmp_path)
    park, report = parkmap.import_park(path)
    parcels = park["parcels"]
    expected = survey_parcels()["DLBM"].map(expected_status)
    assert parcels["status"].tolist() == expected.tolist()
    note = next(n for n in report.notes if "status inferred from DLBM" in n)
    assert f"for {len(parcels)} feature(s)" in note and note in park.notes
    assert park.is_valid
    # the parcels keep their surveyed (ellipsoidal) areas
    np.testing.assert_allclose(parcels.area, geodesic_area(parcels.geometry), rtol=1e-3)
    result = parkmap.availability(park)
    assert note in json.loads(result.render("json"))["notes"]


def test_survey_k_codes_are_read_as_their_base_class_and_counted(tmp_path):
    import pyogrio

    from parkmap.io.fieldmap import translate_landuse
    from parkmap.io.survey import adjustable_codes

    table = adjustable_codes().set_index("survey_code")
    parcels = survey_parcels()
    k_rows = parcels.index[parcels["DLBM"].isin(table["base_code"])][:7]
    assert len(k_rows) >= 5  # the premise: orchards, forest, ponds among the parcels
    base = parcels.loc[k_rows, "DLBM"].copy()
    parcels.loc[k_rows, "DLBM"] = base + "K"
    parcels.loc[k_rows, "DLMC"] = [table.loc[f"{c}K", "survey_name_zh"] for c in base]
    path = tmp_path / "DLTB.shp"
    pyogrio.write_dataframe(parcels, path, encoding="GBK")
    park, report = parkmap.import_park(path)
    got = park["parcels"]
    # status and 2023 class of a K parcel are those of its base class
    assert got["status"].tolist() == survey_parcels()["DLBM"].map(expected_status).tolist()
    plain = translate_landuse(survey_parcels()["DLBM"], scheme="survey").codes
    assert got["landuse_code"].tolist() == plain.tolist()
    assert not report.unknown_codes
    counts = base.add("K").value_counts()
    (note,) = [n for n in report.notes if "三调 K code" in n]
    assert note.startswith(f"DLTB.shp: {len(k_rows)} feature(s) carry a 三调 K code (")
    assert all(f"{code} ×{n}" in note for code, n in counts.items())
    assert "可调整地类" in note and "plough layer" in note and note in park.notes
    status_note = next(n for n in report.notes if "status inferred from DLBM" in n)
    assert f"{len(k_rows)} with a K code" in status_note
    assert note in json.loads(parkmap.availability(park).render("json"))["notes"]


def test_the_k_code_table_agrees_with_the_survey_status_table():
    from parkmap.io.survey import adjustable_codes, status_table

    k = adjustable_codes()
    status = status_table().set_index("survey_code")
    assert (k["survey_code"] == k["base_code"] + "K").all()
    assert (
        k["survey_name_zh"] == "可调整" + k["base_name_zh"].str.replace("坑塘水面", "养殖坑塘")
    ).all()
    assert (status.loc[k["base_code"], "land_class"] == "agricultural").all()
    assert (k["land_class"] == "agricultural").all()
    assert k["source"].str.len().gt(0).all() and k["confidence"].str.len().gt(0).all()


def test_a_mapping_still_overrides_the_inferred_status(tmp_path):
    path = write_dltb_shapefile(tmp_path)
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[[layers]]\nsource = "DLTB.shp"\ntarget = "parcels"\n'
        '[layers.defaults]\nstatus = "reserved"\n',
        encoding="utf-8",
    )
    park, report = parkmap.import_park(path, mapping=mapping)
    assert set(park["parcels"]["status"]) == {"reserved"}
    assert not [n for n in report.notes if "inferred" in n]


def test_file_geodatabase_every_feature_class(tmp_path):
    gdb = write_filegdb(tmp_path)
    park, report = parkmap.import_park(gdb)
    labels = {s.layer for s in report.sources}
    assert labels == {"CZKFBJ", "YJJBNT", "子园区", "组团", "DLTB"}
    assert any("XZ/DLTB" in n for n in report.notes)  # feature-dataset path in messages
    source = dianjiang()
    for layer in ("clusters", "subparks", "boundary"):
        assert park[layer].area.sum() == pytest.approx(source[layer].area.sum(), rel=1e-7)
    assert set(park["constraints"]["kind"]) == {"permanent_basic_farmland"}


def test_project_list_beside_a_geodatabase(tmp_path):
    gdb = write_filegdb(tmp_path)
    projects = write_project_list(tmp_path)
    park, _ = parkmap.import_park([gdb, projects])
    got = park["projects"]
    assert got["status"].tolist() == ["signed", "negotiating", "under_construction", "producing"]
    assert got["position"].tolist().count("sub-park centre") == 2
    subparks = park["subparks"].set_index("name_zh")
    for row in got[got["position"] == "sub-park centre"].itertuples():
        assert subparks.geometry[row.subpark].contains(row.geometry)
    assert "2 project(s) without coordinates drawn at the centre of their sub-park" in park.notes


def test_osm_extract_imports_as_a_park():
    park, _ = parkmap.import_park(OSM_PBF)
    assert park.crs.to_epsg() == 32635
    assert set(park.layers) == {"clusters", "roads", "buildings"}
    assert any("red-line width: the default of the class" in n for n in park.notes)
    np.testing.assert_allclose(
        park["clusters"].area, geodesic_area(park["clusters"].geometry), rtol=1e-3
    )
    result = parkmap.availability(park)
    notes = json.loads(result.render("json"))["notes"]
    assert any("not computed" in n for n in notes)  # no boundary in OSM: said so
    assert any("OSM road(s)" in n for n in notes)
    # every note of the import and of the waterfall reads in Chinese in Chinese output
    from parkmap.vocab import note_text

    untranslated = [n for n in notes if note_text(n, "zh") == n]
    assert untranslated == []
    zh = result.render("table", "zh")
    assert "条 OSM 道路读作已建" in zh and "OSM road(s)" not in zh


def test_datav_array_and_geojson_crs_wording(tmp_path):
    path = write_datav_array(tmp_path)
    park, report = parkmap.import_park(path)
    (source,) = report.sources
    assert "by the GeoJSON standard" in source.crs and "(declared by the file)" not in source.crs
    assert any("read as a FeatureCollection" in n for n in report.notes)
    assert any("--from-gcj02" in n for n in park.notes)


def test_english_layer_names(tmp_path):
    park = dianjiang()
    for name, layer in (("plots", "parcels"), ("streets", "roads"), ("landuse", "clusters")):
        park[layer].to_file(tmp_path / f"{name}.geojson", engine="pyogrio")
    _, report = parkmap.import_park([tmp_path / "plots.geojson", tmp_path / "streets.geojson"])
    assert {s.target for s in report.sources} == {"parcels", "roads"}


def test_write_mapping_then_import_with_it(tmp_path):
    roads = dianjiang()["roads"][["name_zh", "geometry"]]  # no class, width or status
    roads.to_file(tmp_path / "streets.geojson", engine="pyogrio")
    draft = tmp_path / "mapping.toml"
    park, _ = parkmap.import_park(tmp_path / "streets.geojson", write_mapping=draft)
    assert not park.is_valid
    data = tomllib.loads(draft.read_text(encoding="utf-8"))
    (entry,) = data["layers"]
    assert entry["target"] == "roads"
    assert entry["defaults"] == {"road_class": "TODO", "red_line_m": "TODO", "status": "TODO"}
    with pytest.raises(RulesError, match="road_class, red_line_m, status still TODO"):
        parkmap.import_park(tmp_path / "streets.geojson", mapping=draft)
    text = draft.read_text(encoding="utf-8")
    text = text.replace('road_class = "TODO"', 'road_class = "branch"')
    text = text.replace('red_line_m = "TODO"', "red_line_m = 16")
    text = text.replace('status = "TODO"', 'status = "built"')
    draft.write_text(text, encoding="utf-8")
    park, _ = parkmap.import_park(tmp_path / "streets.geojson", mapping=draft)
    assert park.is_valid and set(park["roads"]["red_line_m"]) == {16.0}


def test_cli_suggests_write_mapping(tmp_path):
    roads = dianjiang()["roads"][["name_zh", "geometry"]]
    roads.to_file(tmp_path / "streets.geojson", engine="pyogrio")
    out = tmp_path / "p.gpkg"
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "streets.geojson"), "-o", str(out)])
    assert result.exit_code == 1
    assert "--write-mapping mapping.toml" in result.output


def test_unreadable_file_says_what_it_is(tmp_path):
    page = tmp_path / "boundary.json"
    page.write_text("<!DOCTYPE html><html><body>login</body></html>", encoding="utf-8")
    with pytest.raises(DataFileError, match="it is an HTML page") as info:
        parkmap.import_park(page)
    assert "<DRIVER>" not in str(info.value)


def test_crs_advice_is_a_runnable_command(tmp_path):
    parcels = survey_parcels()
    parcels.to_file(tmp_path / "raw.shp", engine="pyogrio", encoding="GBK")
    (tmp_path / "raw.prj").unlink()
    with pytest.raises(CRSError, match=r"parkmap import .*raw\.shp --s-srs EPSG:4524 -o park"):
        parkmap.import_park(tmp_path / "raw.shp")
    result = CliRunner().invoke(cli, ["report", "--data", str(tmp_path / "raw.shp")])
    assert result.exit_code == 1 and "parkmap import" in result.output
