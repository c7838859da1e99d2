import os
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from pyproj import Geod
from shapely.geometry import box

import parkmap
from conftest import X0, Y0
from parkmap.errors import CRSError, DataFileError, OutputExistsError


def test_layers_in_other_crs_are_projected(layers):
    wgs = {name: gdf.to_crs(4326) for name, gdf in layers.items()}
    park = parkmap.Park(wgs)
    assert park.crs.to_epsg() == 4545, "derived from the data: CGCS2000 GK zone 108E"
    assert all(g.crs.to_epsg() == 4545 for g in park.layers.values())
    # the input frames are untouched
    assert all(g.crs.to_epsg() == 4326 for g in wgs.values())
    # areas in the park CRS agree with geodesic areas on the ellipsoid
    geod = Geod(ellps="GRS80")
    cluster = wgs["clusters"].geometry.iloc[0]
    geodesic = abs(geod.geometry_area_perimeter(cluster)[0])
    assert park["clusters"].geometry.iloc[0].area == pytest.approx(geodesic, rel=2e-3)


def test_named_crs_must_be_metric(layers):
    with pytest.raises(CRSError, match="not a projected metric CRS"):
        parkmap.Park(layers, crs=4326)
    park = parkmap.Park(layers, crs=4524)  # same zone, with zone prefix
    assert park["clusters"].total_bounds[0] > 36_000_000


def test_geopackage_round_trip(tmp_path, small_park):
    path = small_park.save(tmp_path / "park.gpkg")
    listed = dict(pyogrio.list_layers(path))
    assert set(small_park.layers) <= set(listed)
    assert listed["park_metadata"] is None
    back = parkmap.read_park(path)
    assert back.is_valid
    assert back.metadata["name_en"] == "Small park"
    assert back.crs == small_park.crs
    for name, gdf in small_park.layers.items():
        other = back[name]
        assert list(other.columns) == list(gdf.columns), name
        np.testing.assert_allclose(other.geometry.area, gdf.geometry.area)
    assert back["constraints"]["hard"].tolist() == [True, True, False]


def test_geopackage_opens_in_gdal(tmp_path, small_park):
    path = small_park.save(tmp_path / "park.gpkg")
    info = pyogrio.read_info(path, layer="subparks")
    assert info["crs"] == "EPSG:4545"
    assert "industry_code" in list(info["fields"])
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        assert not os.environ.get("CI"), "CI installs gdal-bin: ogrinfo must be there"
        pytest.skip("GDAL's ogrinfo is not installed (apt-get install gdal-bin)")
    result = subprocess.run(
        [ogrinfo, "-so", str(path), "subparks"], capture_output=True, text=True, check=True
    )
    out = result.stdout
    assert "Warning" not in result.stderr, result.stderr
    assert "Feature Count: 1" in out
    assert "industry_code: String" in out


def test_save_is_atomic_and_refuses_to_overwrite(tmp_path, small_park):
    path = tmp_path / "park.gpkg"
    small_park.save(path)
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match="--overwrite"):
        small_park.save(path)
    assert path.read_bytes() == before
    small_park.save(path, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["park.gpkg"]


def test_geojson_folder(tmp_path, layers):
    for name, gdf in layers.items():
        gdf.to_crs(4326).to_file(tmp_path / f"{name}.geojson", driver="GeoJSON")
    (tmp_path / "metadata.json").write_text(
        '{"name_zh": "文件夹园区", "crs": "EPSG:4545"}', encoding="utf-8"
    )
    park = parkmap.read_park(tmp_path)
    assert park.name == "文件夹园区"
    assert park.is_valid
    assert park["clusters"].geometry.iloc[0].area == pytest.approx(2e6, rel=1e-6)


def test_read_errors_name_the_file(tmp_path):
    with pytest.raises(DataFileError, match="no such file"):
        parkmap.read_park(tmp_path / "missing.gpkg")
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"not a geopackage")
    with pytest.raises(DataFileError, match=r"bad\.gpkg"):
        parkmap.read_park(bad)
    shp = tmp_path / "x.shp"  # other formats are imported (see test_io_import.py)
    shp.write_bytes(b"")
    with pytest.raises(DataFileError, match=r"x\.shp: the \.shx file of this Shapefile is missing"):
        parkmap.read_park(shp)


def test_missing_layer_in_geopackage(tmp_path, small_park):
    path = small_park.save(tmp_path / "park.gpkg")
    with pytest.raises(DataFileError, match=r"no layer .trees."):
        parkmap.read_park(path, layers=["trees"])
    park = parkmap.read_park(path, layers=["clusters"])
    assert list(park.layers) == ["clusters"]


def test_park_access_and_copy(small_park):
    assert "roads" in small_park and "nope" not in small_park
    with pytest.raises(KeyError, match="no layer 'nope'"):
        small_park["nope"]
    clone = small_park.copy()
    clone["clusters"].loc[0, "name_zh"] = "改"
    assert small_park["clusters"].loc[0, "name_zh"] == "一组团"
    summary = small_park.layer_summary()
    assert summary.set_index("layer").loc["roads", "features"] == 2
    assert "EPSG:4545" in repr(small_park)


def test_layer_without_crs_and_no_other_layer():
    gdf = gpd.GeoDataFrame({"name_zh": ["x"]}, geometry=[box(X0, Y0, X0 + 1, Y0 + 1)])
    with pytest.raises(CRSError, match="no layer has a coordinate reference system"):
        parkmap.Park({"clusters": gdf})
    park = parkmap.Park({"clusters": gdf}, crs=4545)
    assert not park.is_valid
