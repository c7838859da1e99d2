"""Importing planners' own files: a corpus of small, often broken inputs built here.

Every test that reads input files checks afterwards that their checksums are unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, box

import parkmap
import parkmap.crs
from parkmap.cli import cli
from parkmap.errors import CRSError, DataFileError, RulesError
from parkmap.io.detect import bytes_encoding, crs_candidates, extent_problem, garbled
from parkmap.io.fieldmap import load_mapping, translate_landuse
from parkmap.io.importer import repair_geometries

X0, Y0 = 433_000.0, 3_355_000.0  # near Dianjiang in EPSG:4545 (no zone prefix)
PREFIX = 36_000_000.0  # zone 36 prefix of EPSG:4524
BOWTIE = Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])


# -- helpers --------------------------------------------------------------------------------
def checksums(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.fixture
def inputs(tmp_path):
    """A folder for input files whose checksums must be unchanged after the test."""
    folder = tmp_path / "in"
    folder.mkdir()
    seen: dict[str, str] = {}

    def freeze() -> Path:
        seen.update(checksums(folder))
        return folder

    yield freeze
    if seen:
        after = checksums(folder)
        assert {k: after.get(k) for k in seen} == seen, "an input file was modified"


def write_shapefile(gdf, path: Path, *, encoding="utf-8", cpg=True, prj=True) -> Path:
    gdf.to_file(path, engine="pyogrio", encoding=encoding)
    if not cpg:
        path.with_suffix(".cpg").unlink()
    if not prj:
        path.with_suffix(".prj").unlink()
    return path


def survey_parcels(offset_x: float = 0.0) -> gpd.GeoDataFrame:
    """三调-style parcels in EPSG:4545 metres, shifted by ``offset_x`` (a zone prefix)."""
    x = X0 + offset_x
    return gpd.GeoDataFrame(
        {
            "BSM": ["101", "102", "103", "104"],
            "DLBM": ["0601", "1004", "0101", "0999"],
            "DLMC": ["工业用地", "城镇村道路用地", "水田", "不明地类"],
            "TBMJ": [250_000.0, 5_000.0, 40_000.0, 10_000.0],
            "ZT": ["现状", "现状", "可供", "储备"],
        },
        geometry=[
            box(x, Y0, x + 500, Y0 + 500),
            box(x + 500, Y0, x + 1000, Y0 + 10),
            box(x, Y0 + 600, x + 200, Y0 + 800),
            box(x + 300, Y0 + 600, x + 400, Y0 + 700),
        ],
        crs="EPSG:4524" if offset_x else "EPSG:4545",
    )


def write_dxf(path: Path, entities: list[tuple[str, list, bool]], *, header: str | None,
              encoding: str) -> Path:  # fmt: skip
    """A minimal DXF with LWPOLYLINE entities (layer, points, closed), as CAD exports them."""
    lines: list[str] = []
    if header is not None:
        lines += ["0", "SECTION", "2", "HEADER", "9", "$ACADVER", "1", header]
        if header < "AC1021":
            lines += ["9", "$DWGCODEPAGE", "3", "ANSI_936"]
        lines += ["0", "ENDSEC"]
    lines += ["0", "SECTION", "2", "ENTITIES"]
    for handle, (layer, points, closed) in enumerate(entities, start=0x100):
        lines += ["0", "LWPOLYLINE", "5", f"{handle:X}", "8", layer, "90", str(len(points))]
        lines += ["70", "1" if closed else "0"]
        for x, y in points:
            lines += ["10", f"{x:.3f}", "20", f"{y:.3f}"]
    lines += ["0", "ENDSEC", "0", "EOF"]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def design_entities() -> list[tuple[str, list, bool]]:
    x, y = X0 + 100, Y0 + 100
    return [
        ("厂房", [(x, y), (x + 72, y), (x + 72, y + 24), (x, y + 24)], True),
        ("厂房", [(x + 100, y), (x + 172, y), (x + 172, y + 24), (x + 100, y + 24)], True),
        ("厂房", [(x + 200, y), (x + 272, y), (x + 272, y + 24)], False),  # not closed
        ("道路中心线", [(x - 50, y - 20), (x + 400, y - 20)], False),
    ]


def feature_problems(report, text: str) -> list:
    return [p for p in report.problems if text in p.message]


# -- encodings ------------------------------------------------------------------------------
def test_gbk_shapefile_without_cpg_is_detected(inputs):
    path = write_shapefile(survey_parcels(), inputs() / "地类图斑.shp", encoding="gbk", cpg=False)
    inputs()
    park, report = parkmap.import_park(path)
    assert report.sources[0].encoding == "gb18030 (detected)"
    parcels = park["parcels"]
    assert parcels["landuse_name"].tolist()[:3] == ["工业用地", "城镇村道路用地", "水田"]
    assert not path.with_suffix(".cpg").exists()


def test_cpg_that_lies_is_refused_not_garbled(inputs):
    path = write_shapefile(survey_parcels(), inputs() / "lies.shp", encoding="gbk")
    path.with_suffix(".cpg").write_text("UTF-8")
    inputs()
    with pytest.raises(DataFileError, match=r"lies\.dbf: text is not UTF-8 .*GBK/GB18030"):
        parkmap.import_park(path)
    park, report = parkmap.import_park(path, encoding="gbk")
    assert report.sources[0].encoding == "gbk (given)"
    assert "工业用地" in set(park["parcels"]["landuse_name"])


def test_garbled_and_bytes_encoding():
    assert bytes_encoding(b"plain") == "ascii"
    assert bytes_encoding("园区".encode()) == "utf-8"
    assert bytes_encoding("园区".encode("gbk")) == "gb18030"
    assert bytes_encoding(b"\xff\xff\xff") is None
    assert garbled("Müller Straße") is None
    assert "GBK" in garbled("工业用地".encode("gbk").decode("latin-1"))
    assert "UTF-8" in garbled("厂房".encode().decode("latin-1"))
    assert "U+FFFD" in garbled("工\ufffd")


# -- CRS ------------------------------------------------------------------------------------
def test_missing_prj_with_zone_prefix_names_the_zone(inputs):
    path = write_shapefile(survey_parcels(PREFIX), inputs() / "dltb.shp", prj=False)
    inputs()
    with pytest.raises(CRSError, match=r"dltb\.shp: no coordinate reference system.*EPSG:4524"):
        parkmap.import_park(path)
    park, report = parkmap.import_park(path, s_srs="EPSG:4524", crs="EPSG:4545")
    assert park.crs.to_epsg() == 4545
    assert "(--s-srs)" in report.sources[0].crs
    assert park["parcels"].total_bounds[0] == pytest.approx(X0, abs=0.01)


def test_missing_prj_without_prefix_lists_candidates_and_ranks_by_other_sources(inputs):
    folder = inputs()
    path = write_shapefile(survey_parcels(), folder / "noprj.shp", prj=False)
    with pytest.raises(CRSError, match="any 3-degree zone fits") as alone:
        parkmap.import_park(path)
    # the first zone whose area of use holds the data (CM 75E does not reach 30°N)
    assert "EPSG:4534" not in str(alone.value) and "--s-srs EPSG:45" in str(alone.value)
    town = gpd.GeoDataFrame({"name": ["县城"]}, geometry=[Point(107.34545, 30.33355)], crs=4326)
    town.to_file(folder / "town.geojson", engine="pyogrio")
    inputs()
    with pytest.raises(CRSError, match=r"fit EPSG:4545 .*ranked by distance"):
        parkmap.import_park([path, folder / "town.geojson"])


def test_crs_candidates():
    assert [c.epsg for c in crs_candidates((107.3, 30.2, 107.4, 30.3))] == [4490, 4326]
    assert [c.epsg for c in crs_candidates((PREFIX + X0, Y0, PREFIX + X0 + 10, Y0 + 10))] == [4524]
    many = crs_candidates((X0, Y0, X0 + 10, Y0 + 10), near=(107.3, 30.3))
    assert many[0].epsg == 4545 and 1 < len(many) < 21  # zones that can hold 30°N
    assert crs_candidates((1e9, 1e9, 2e9, 2e9)) == []


def test_swapped_lat_lon_is_detected_and_fixed_on_request(inputs):
    folder = inputs()
    pts = [(30.33355, 107.34545), (30.26204, 107.29287)]  # (lat, lon): the wrong way round
    gdf = gpd.GeoDataFrame(
        {"name_zh": ["县城", "太平"]}, geometry=[Point(p) for p in pts], crs=4326
    )
    gdf.to_file(folder / "projects_swapped.geojson", engine="pyogrio")
    inputs()
    with pytest.raises(CRSError, match=r"axes swapped.*--swap-xy"):
        parkmap.import_park(folder / "projects_swapped.geojson")
    park, report = parkmap.import_park(folder / "projects_swapped.geojson", swap_xy=True)
    lonlat = park["projects"].to_crs(4326).geometry
    assert lonlat.x.tolist() == pytest.approx([107.34545, 107.29287], abs=1e-7)
    assert feature_problems(report, "x and y swapped")


def test_swapped_gauss_kruger_axes():
    assert extent_problem((Y0, X0, Y0 + 10, X0 + 10), "EPSG:4545").startswith("axes swapped")
    assert extent_problem((X0, Y0, X0 + 10, Y0 + 10), "EPSG:4545") is None
    assert "outside the area of use" in extent_problem((0, 0, 10, 10), "EPSG:4545")


def test_absurd_coordinates_are_dropped_and_listed(inputs):
    gdf = survey_parcels()
    gdf.loc[1, "geometry"] = box(0, 0, 10, 10)  # digitised at the origin
    path = write_shapefile(gdf, inputs() / "parcels.shp")
    inputs()
    park, report = parkmap.import_park(path)
    assert len(park["parcels"]) == 3
    [problem] = feature_problems(report, "absurd coordinates")
    assert problem.feature == "102" and problem.source == str(path)


def test_gcj02_points_convert_to_known_wgs84_positions(inputs):
    folder = inputs()
    wgs = np.array([[107.34545, 30.33355], [107.29287, 30.26204], [107.25890, 30.20921]])
    glon, glat = parkmap.crs.wgs84_to_gcj02(wgs[:, 0], wgs[:, 1])
    gdf = gpd.GeoDataFrame(
        {"name_zh": ["县城", "太平", "澄溪"], "status": ["signed"] * 3},
        geometry=gpd.points_from_xy(glon, glat),
        crs=4326,
    )
    gdf.to_file(folder / "projects_amap.geojson", engine="pyogrio")
    inputs()
    park, report = parkmap.import_park(folder / "projects_amap.geojson", from_gcj02=True)
    to_park = Transformer.from_crs(4326, park.crs, always_xy=True)
    ex, ey = to_park.transform(wgs[:, 0], wgs[:, 1])
    got = park["projects"].geometry
    assert np.hypot(got.x - ex, got.y - ey).max() < 0.01  # metres
    assert feature_problems(report, "converted from GCJ-02")
    raw, _ = parkmap.import_park(folder / "projects_amap.geojson")
    shift = np.hypot(raw["projects"].geometry.x - ex, raw["projects"].geometry.y - ey)
    assert shift.min() > 450 and shift.max() < 600  # GCJ-02 is ~512 m off here


def test_gcj02_refuses_projected_sources(inputs):
    path = write_shapefile(survey_parcels(), inputs() / "p.shp")
    inputs()
    with pytest.raises(CRSError, match=r"GCJ-02 conversion \(parkmap import --from-gcj02.*needs"):
        parkmap.import_park(path, from_gcj02=True)


# -- geometry -------------------------------------------------------------------------------
def test_bowtie_is_repaired_and_listed(inputs):
    gdf = survey_parcels()
    gdf.loc[2, "geometry"] = shapely.affinity.translate(BOWTIE, X0, Y0 + 600)
    path = write_shapefile(gdf, inputs() / "bowtie.shp")
    inputs()
    park, report = parkmap.import_park(path)
    [problem] = feature_problems(report, "repaired with make_valid")
    assert problem.feature == "103" and "Self-intersection" in problem.message
    fixed = park["parcels"].set_index("id").geometry["103"]
    assert fixed.is_valid and fixed.area == pytest.approx(5_000)
    assert not [p for p in park.problems if "invalid geometry" in p.message]


def test_empty_and_null_geometries_dropped_and_listed(inputs):
    gdf = survey_parcels()
    gdf.loc[0, "geometry"] = None
    gdf.loc[3, "geometry"] = Polygon()
    path = write_shapefile(gdf, inputs() / "holes.shp")
    inputs()
    park, report = parkmap.import_park(path)
    dropped = {p.feature for p in feature_problems(report, "empty or null geometry")}
    assert dropped == {"101", "104"}
    assert sorted(park["parcels"]["id"]) == ["102", "103"]


def test_empty_layer_is_reported(inputs):
    folder = inputs()
    write_shapefile(survey_parcels().iloc[:0], folder / "empty.shp")
    write_shapefile(survey_parcels(), folder / "parcels.shp")
    inputs()
    park, report = parkmap.import_park(folder)
    assert feature_problems(report, "empty layer")
    assert len(park["parcels"]) == 4
    with pytest.raises(DataFileError, match="every source layer is empty"):
        parkmap.import_park(folder / "empty.shp")


def test_mixed_geometry_types_leave_out_the_wrong_ones(inputs):
    gdf = gpd.GeoDataFrame(
        {"id": ["a", "b"], "landuse_code": ["1001", "1001"], "status": ["available"] * 2},
        geometry=[box(X0, Y0, X0 + 10, Y0 + 10), Point(X0, Y0)],
        crs=4545,
    )
    gdf.to_file(inputs() / "parcels.geojson", engine="pyogrio")
    inputs()
    park, report = parkmap.import_park(inputs() / "parcels.geojson")
    [problem] = feature_problems(report, "mixed geometry types")
    assert problem.feature == "b" and "Point" in problem.message
    assert park["parcels"]["id"].tolist() == ["a"]
    assert park.is_valid


def polygons():
    coords = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False)
    rings = st.lists(st.tuples(coords, coords), min_size=3, max_size=9)
    return st.lists(rings.map(lambda pts: Polygon(pts)), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(polygons())
@example(  # GEOS's make_valid (linework) raises "mixed-dimension" on this ring
    [
        Polygon(
            [
                (-1, 0),
                (0, 0),
                (-1.625, 27),
                (0, -2.2e-16),
                (1, 0),
                (0, 3),
                (-1, -1),
                (0, 0),
                (0, -2.2e-16),
            ]
        )
    ]
)
def test_repair_invariants(geoms):
    gdf = gpd.GeoDataFrame({"id": [f"f{i}" for i in range(len(geoms))]}, geometry=geoms)
    fixed, found = repair_geometries(gdf, "polygon")
    out = fixed.geometry.array
    assert shapely.is_valid(out).all() and not shapely.is_empty(out).any()
    assert set(fixed.geom_type) <= {"Polygon", "MultiPolygon"}
    listed = set(found["empty"]) | set(found["collapsed"])
    assert listed.isdisjoint(fixed["id"]) and listed | set(fixed["id"]) == set(gdf["id"])
    repaired = {fid for fid, _ in found["repaired"]}
    for fid, before in zip(gdf["id"], geoms, strict=True):
        if fid in set(fixed["id"]) and fid not in repaired:
            assert fixed.set_index("id").geometry[fid].equals_exact(before, 0)
    assert repaired == {f for f, g in zip(gdf["id"], geoms, strict=True) if not g.is_valid} - (
        set(found["collapsed"]) | set(found["empty"])
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-50, 50), st.floats(-50, 50)), min_size=2, max_size=8))
def test_repair_keeps_lines_lines(points):
    gdf = gpd.GeoDataFrame({"id": ["r"]}, geometry=[LineString(points)])
    fixed, found = repair_geometries(gdf, "line")
    assert set(fixed.geom_type) <= {"LineString", "MultiLineString"}
    assert len(fixed) + len(found["empty"]) + len(found["collapsed"]) == 1


# -- corrupt files --------------------------------------------------------------------------
def test_truncated_shp_names_the_broken_feature(inputs):
    path = write_shapefile(survey_parcels(), inputs() / "cut.shp")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 60])
    inputs()
    with pytest.raises(DataFileError, match=r"cut\.shp, feature #4: cannot be read .*truncated"):
        parkmap.import_park(path)


def test_truncated_dbf_names_the_first_missing_record(inputs):
    path = write_shapefile(survey_parcels(), inputs() / "cutdbf.shp")
    dbf = path.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes()[:-100])
    inputs()
    with pytest.raises(DataFileError, match=r"cutdbf\.dbf, feature #4: the \.dbf is truncated"):
        parkmap.import_park(path)


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".kml"])
def test_truncated_files_are_one_line_errors(inputs, suffix):
    path = inputs() / f"cut{suffix}"
    driver = {".kml": "KML"}.get(suffix)
    survey_parcels().to_crs(4326).to_file(path, driver=driver, engine="pyogrio")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    inputs()
    with pytest.raises(DataFileError) as err:
        parkmap.import_park(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_unreadable_layer_names_the_broken_feature(inputs, monkeypatch):
    # A GeoPackage whose third geometry is garbage: GDAL's bulk read can fail on such a
    # layer (here forced), and the feature-by-feature walk must then name the feature.
    path = inputs() / "broken.gpkg"
    survey_parcels().to_file(path, layer="parcels", engine="pyogrio")
    with contextlib.closing(sqlite3.connect(path)) as con:
        for (trigger,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            con.execute(f'DROP TRIGGER "{trigger}"')
        con.execute("UPDATE parcels SET geom = X'4750000100000000DEADBEEF' WHERE fid = 3")
        con.commit()
    inputs()

    def bulk_read_fails(*args, **kwargs):
        raise pyogrio.errors.DataSourceError("failed to read the layer")

    monkeypatch.setattr(pyogrio, "read_dataframe", bulk_read_fails)
    where = r"broken\.gpkg, layer 'parcels', feature #3: cannot be read"
    with pytest.raises(DataFileError, match=where):
        parkmap.import_park(path)


def test_unsupported_and_missing_files(inputs):
    (inputs() / "notes.txt").write_text("x")
    inputs()
    with pytest.raises(DataFileError, match=r"unsupported format \.txt"):
        parkmap.import_park(inputs() / "notes.txt")
    with pytest.raises(DataFileError, match="no such file"):
        parkmap.import_park(inputs() / "nothing.shp")
    (inputs() / "lonely.shp").write_bytes(b"\0" * 100)
    with pytest.raises(DataFileError, match=r"\.shx file of this Shapefile is missing"):
        parkmap.import_park(inputs() / "lonely.shp")


# -- DXF ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "encoding", "how"),
    [
        ("AC1015", "gbk", "gbk (DXF header)"),  # AutoCAD 2000, ANSI_936
        ("AC1027", "utf-8", "utf-8 (DXF header (AutoCAD 2007 or later))"),
        (None, "gbk", "gb18030 (detected)"),  # no HEADER section at all
    ],
)
def test_dxf_closed_polylines_become_polygons(inputs, header, encoding, how):
    path = write_dxf(inputs() / "总图.dxf", design_entities(), header=header, encoding=encoding)
    inputs()
    park, report = parkmap.import_park(path, s_srs="EPSG:4545")
    by_layer = {s.layer: s for s in report.sources}
    assert set(by_layer) == {"厂房", "道路中心线"}
    assert by_layer["厂房"].encoding == how
    assert by_layer["厂房"].target == "buildings" and by_layer["道路中心线"].target == "roads"
    buildings = park["buildings"]
    assert buildings.geom_type.tolist() == ["Polygon", "Polygon"]
    assert buildings.area.tolist() == pytest.approx([72 * 24, 72 * 24])
    assert set(buildings["dxf_layer"]) == {"厂房"}
    [open_line] = feature_problems(report, "open polyline")
    assert open_line.feature == "handle 102" and open_line.layer == "厂房"
    assert park["roads"].geom_type.tolist() == ["LineString"]


def test_dxf_with_mapping_defaults_gives_a_valid_park(inputs):
    folder = inputs()
    dxf = write_dxf(folder / "总图.dxf", design_entities(), header="AC1015", encoding="gbk")
    parcels = write_shapefile(
        survey_parcels(PREFIX), folder / "地类图斑.shp", encoding="gbk", cpg=False, prj=False
    )
    mapping = folder / "mapping.toml"
    mapping.write_text(
        """
[park]
name_zh = "测试园区"
crs = "EPSG:4545"

[[layers]]
source = "地类图斑.shp"
target = "parcels"
s_srs = "EPSG:4524"
[layers.columns]
status = "ZT"
[layers.values.status]
"储备" = "reserved"

[[layers]]
source = "总图.dxf"
source_layer = "厂房"
target = "buildings"
[layers.defaults]
name_zh = "厂房"
kind = "standard_factory"
storeys = 4
storey_height_m = "6米"
status = "planned"

[[layers]]
source = "*.dxf"
source_layer = "道路*"
target = "roads"
[layers.defaults]
name_zh = "支路"
road_class = "branch"
red_line_m = 16
status = "规划"
""",
        encoding="utf-8",
    )
    inputs()
    park, report = parkmap.import_park([parcels, dxf], mapping=mapping, s_srs="EPSG:4545")
    assert park.name == "测试园区" and park.crs.to_epsg() == 4545
    assert park["parcels"]["status"].tolist() == ["built", "built", "available", "reserved"]
    assert park["parcels"]["landuse_code"].tolist()[:3] == ["1001", "1207", "0101"]
    assert park["parcels"]["landuse_code"].isna().tolist() == [False, False, False, True]
    assert park["buildings"]["storey_height_m"].tolist() == [6.0, 6.0]
    assert park["roads"]["status"].tolist() == ["planned"]
    assert report.unknown_codes == {"地类图斑.shp": {"0999": 1}}
    errors = [p.format() for p in park.errors]
    assert errors == [f"{parcels}, {dxf}: layer 'parcels', feature 104, column 'landuse_code': "
                      "missing value"]  # fmt: skip


def test_mapping_errors_name_the_entry(tmp_path):
    bad = tmp_path / "m.toml"
    bad.write_text('[[layers]]\nsource = "a.shp"\ntarget = "parcels"\nsorce_layer = "x"\n')
    with pytest.raises(RulesError, match=r"\[\[layers\]\] #1: unknown key 'sorce_layer'"):
        load_mapping(bad)
    bad.write_text('[[layers]]\nsource = "a.shp"\nlanduse_scheme = "1984"\ntarget = "x"\n')
    with pytest.raises(RulesError, match="landuse_scheme '1984'"):
        load_mapping(bad)
    bad.write_text("not = [toml")
    with pytest.raises(RulesError, match="not a valid UTF-8 TOML"):
        load_mapping(bad)


def test_shipped_mapping_example_loads():
    from parkmap._data import data_path

    mapping = load_mapping(data_path("mapping_example.toml"))
    assert [r.target for r in mapping.rules] == ["parcels", "buildings", "roads", None]


# -- codes and fields -----------------------------------------------------------------------
def test_survey_codes_are_never_read_as_2023_codes():
    result = translate_landuse(
        gpd.pd.Series(["0601", "1001", "1101", "0810", "XX"]), scheme="survey"
    )
    assert result.codes.tolist() == ["1001", "1201", "1701", "14", None]
    assert result.unknown == {"XX": 1}
    assert any("ambiguous" in note for note in result.notes.values())


def test_planning_database_fields_and_older_schemes(inputs):
    gdf = gpd.GeoDataFrame(
        {
            "GHFLDM1": ["13", "10", "10", "07"],
            "GHFLDM2": ["1312", "1001", "M2", "0701"],
            "GHFLMC2": ["水工设施用地", "工业用地", None, "城镇住宅用地"],
            "ZT": ["规划", "已出让", "可用", "可用"],
        },
        geometry=[box(X0 + 100 * i, Y0, X0 + 100 * i + 50, Y0 + 50) for i in range(4)],
        crs=4545,
    )
    gdf.to_file(inputs() / "规划地块.gpkg", layer="YDYH", engine="pyogrio")
    inputs()
    park, report = parkmap.import_park(inputs() / "规划地块.gpkg")
    parcels = park["parcels"]
    assert parcels["landuse_code"].tolist() == ["1311", "1001", "100102", "0701"]
    assert parcels["landuse_scheme"].tolist() == ["trial_2020", "2023", "gb50137", "2023"]
    assert parcels["status"].tolist() == ["planned", "supplied", "available", "available"]
    assert report.sources[0].columns["GHFLDM2"] == "landuse_code"
    assert feature_problems(report, "2020-trial class; read as 2023 code 1311")


def test_non_numeric_widths_and_duplicate_ids(inputs):
    roads = gpd.GeoDataFrame(
        {
            "id": ["r1", "r2", "r2"],
            "name_zh": ["永兴路", "科创路", "强生路"],
            "DLDJ": ["主干路", "次干路", "支路"],
            "HXKD": ["30米", "24 m", "待定"],
            "ZT": ["已建", "在建", "规划"],
        },
        geometry=[LineString([(X0, Y0 + i * 100), (X0 + 900, Y0 + i * 100)]) for i in range(3)],
        crs=4545,
    )
    roads.to_file(inputs() / "道路.geojson", engine="pyogrio")
    inputs()
    park, report = parkmap.import_park(inputs() / "道路.geojson")
    got = park["roads"]
    assert got["red_line_m"].tolist()[:2] == [30.0, 24.0] and np.isnan(got["red_line_m"][2])
    assert got["road_class"].tolist() == ["trunk", "secondary", "branch"]
    assert got["status"].tolist() == ["built", "under_construction", "planned"]
    [width] = feature_problems(report, "not a number")
    assert (width.feature, width.column, width.severity) == ("r2", "red_line_m", "error")
    assert "'待定'" in width.message
    assert {p.feature for p in feature_problems(report, "duplicate id")} == {"r2"}


def test_geopackage_every_layer_geoparquet_and_kml(inputs):
    folder = inputs()
    survey_parcels().to_file(folder / "bureau.gpkg", layer="DLTB", engine="pyogrio")
    gpd.GeoDataFrame(
        {"kind": ["permanent_basic_farmland"]}, geometry=[box(X0, Y0, X0 + 50, Y0 + 50)], crs=4545
    ).to_file(folder / "bureau.gpkg", layer="YJJBNT", engine="pyogrio")
    survey_parcels().iloc[:1].to_parquet(folder / "extra.parquet")
    kml = gpd.GeoDataFrame({"Name": ["阀门项目"]}, geometry=[Point(107.3, 30.3)], crs=4326)
    kml.to_file(folder / "项目.kml", driver="KML", engine="pyogrio")
    inputs()
    park, report = parkmap.import_park(folder)
    targets = {(Path(s.file).name, s.layer): s.target for s in report.sources}
    assert targets == {
        ("bureau.gpkg", "DLTB"): "parcels",
        ("bureau.gpkg", "YJJBNT"): "constraints",
        ("extra.parquet", None): "parcels",
        ("项目.kml", None): "projects",
    }
    assert len(park["parcels"]) == 5
    assert park["constraints"]["hard"].tolist() == [True]
    assert park["projects"]["name_zh"].tolist() == ["阀门项目"]


def test_read_park_imports_other_formats_and_reads_parks(inputs, tmp_path, small_park):
    path = write_shapefile(survey_parcels(), inputs() / "parcels.shp")
    inputs()
    assert len(parkmap.read_park(path)["parcels"]) == 4
    saved = small_park.save(tmp_path / "small.gpkg")
    assert parkmap.read_park(saved).metadata.get("name_en") == "Small park"


def test_import_metadata_is_saved_with_the_park(inputs, tmp_path):
    path = write_shapefile(survey_parcels(), inputs() / "parcels.shp")
    inputs()
    park, _ = parkmap.import_park(path)
    out = park.save(tmp_path / "out.gpkg")
    again = parkmap.read_park(out)
    # outside the working directory: the bare file name, never the local folder
    assert again.metadata["import"]["sources"][0]["file"] == "parcels.shp"
    assert str(path.parent) not in json.dumps(again.metadata, ensure_ascii=False)


# -- command line ---------------------------------------------------------------------------
def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_import_writes_the_park_and_lists_problems(inputs, tmp_path):
    path = write_shapefile(survey_parcels(PREFIX), inputs() / "dltb.shp", prj=False)
    inputs()
    out = tmp_path / "park.gpkg"
    result = run("import", str(path), "-o", str(out))
    assert result.exit_code == 1 and not out.exists()
    [line] = result.output.strip().splitlines()
    assert line.startswith("parkmap: error: ") and "EPSG:4524" in line
    result = run("import", str(path), "-o", str(out), "--s-srs", "EPSG:4524", "--t-srs", "4545")
    assert out.exists() and result.exit_code == 1  # written, but one code is unknown
    assert "feature 104, column 'landuse_code': missing value" in result.output
    assert "unknown 三调 (GB/T 21010) land-use code '0999'" in result.output
    assert pyogrio.list_layers(out)[:, 0].tolist()[0] == "parcels"
    before = out.read_bytes()
    again = run("import", str(path), "-o", str(out), "--s-srs", "EPSG:4524")
    assert again.exit_code == 1 and "exists; pass --overwrite" in again.output
    assert out.read_bytes() == before


def test_cli_import_clean_park_exits_0_and_json(inputs, tmp_path, small_park):
    park_file = small_park.save(inputs() / "small.gpkg")
    inputs()
    out = tmp_path / "copy.gpkg"
    result = run("import", str(park_file), "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[: result.output.rindex("}") + 1])
    assert data["crs"] == "EPSG:4545" and data["validation"] == []
    assert len(parkmap.read_park(out)["parcels"]) == 3


def test_cli_refuses_shapefile_output_and_overwriting_an_input(inputs, tmp_path, small_park):
    path = write_shapefile(survey_parcels(), inputs() / "p.shp")
    own = small_park.save(inputs() / "own.gpkg")
    inputs()
    result = run("import", str(path), "-o", str(tmp_path / "out.shp"))
    assert result.exit_code == 1 and "writes a GeoPackage" in result.output
    assert not (tmp_path / "out.shp").exists()
    result = run("import", str(own), "-o", str(own), "--overwrite")
    assert result.exit_code == 1 and "is also an input" in result.output


def test_cli_errors_are_one_line_and_debug_shows_the_traceback(inputs, tmp_path):
    path = write_shapefile(survey_parcels(), inputs() / "cut.shp")
    path.write_bytes(path.read_bytes()[:-60])
    inputs()
    result = run("import", str(path), "-o", str(tmp_path / "x.gpkg"))
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert "cut.shp, feature #4" in line and "Traceback" not in result.output
    debug = run("--debug", "import", str(path), "-o", str(tmp_path / "x.gpkg"))
    assert isinstance(debug.exception, DataFileError)


def test_cli_import_help_ends_with_examples():
    result = run("import", "--help")
    assert result.exit_code == 0
    last = result.output.strip().splitlines()[-1]
    assert last.strip().startswith("parkmap ") and "parkmap import" in last
    for option in ("--mapping", "--s-srs", "--from-gcj02", "--encoding", "--overwrite"):
        assert option in result.output


def test_cli_help_example_works(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("export", "-o", "dianjiang.gpkg").exit_code == 0
    result = run("import", "dianjiang.gpkg", "-o", "copy.gpkg")
    assert result.exit_code == 0, result.output
    assert parkmap.read_park("copy.gpkg").crs.to_epsg() == 4545
