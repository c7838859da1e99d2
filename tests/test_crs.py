import numpy as np
import pytest
from pyproj import CRS

from parkmap.crs import (
    cgcs2000_gk3_epsg,
    crs_label,
    gcj02_to_wgs84,
    in_china_gcj02,
    is_metric,
    metric_crs_for,
    to_crs,
    wgs84_to_gcj02,
)
from parkmap.errors import CRSError


@pytest.mark.parametrize(
    ("lon", "epsg"), [(107.3, 4545), (106.6, 4545), (109.4, 4545), (116.4, 4548), (75.1, 4534)]
)
def test_cgcs2000_zone(lon, epsg):
    assert cgcs2000_gk3_epsg(lon) == epsg
    crs = CRS.from_epsg(epsg)
    # the central meridian of the zone is within 1.5 degrees of the longitude
    central = next(
        p.value for p in crs.coordinate_operation.params if "longitude" in p.name.lower()
    )
    assert abs(central - lon) <= 1.5 + 1e-9


def test_metric_crs_choice():
    assert metric_crs_for(107.3, 30.3).to_epsg() == 4545
    assert metric_crs_for(2.35, 48.85).to_epsg() == 32631  # Paris: UTM 31N
    with pytest.raises(CRSError):
        metric_crs_for(433000.0, 3355000.0)


def test_is_metric():
    assert is_metric("EPSG:4545")
    assert not is_metric("EPSG:4326")
    assert not is_metric(None)
    assert not is_metric("EPSG:2263")  # US feet


def test_to_crs_and_label():
    assert "EPSG:4545" in crs_label(4545)
    with pytest.raises(CRSError, match="not a coordinate reference system"):
        to_crs("no such crs")


# Reference pairs (WGS84 -> GCJ-02) computed with prcoords 1.0.2 (PyPI), an independent
# implementation of the published algorithm (Krasovsky a = 6378245 m). eviltransform 0.1.1,
# which uses a = 6378137 m, agrees to 1.1e-7 degrees (about 1 cm).
GCJ_REFERENCE = [
    # lon, lat (WGS84), lon, lat (GCJ-02)
    (116.397499, 39.908722, 116.4037425752605, 39.91012550007891),  # Beijing
    (121.473701, 31.230416, 121.47822405739267, 31.22847374224698),  # Shanghai
    (114.057868, 22.543099, 114.06298196110272, 22.540381757783795),  # Shenzhen
    (107.34545, 30.33355, 107.35004183347317, 30.331047866701937),  # Dianjiang county town
    (107.25890, 30.20921, 107.26329747734907, 30.206571075919804),  # Chengxi
]


def test_wgs84_to_gcj02_matches_reference_values():
    ref = np.array(GCJ_REFERENCE)
    lon, lat = wgs84_to_gcj02(ref[:, 0], ref[:, 1])
    assert np.abs(lon - ref[:, 2]).max() < 1e-9 and np.abs(lat - ref[:, 3]).max() < 1e-9


def test_gcj02_to_wgs84_inverts_to_better_than_1e7_degrees():
    ref = np.array(GCJ_REFERENCE)
    lon, lat = gcj02_to_wgs84(ref[:, 2], ref[:, 3])
    assert np.abs(lon - ref[:, 0]).max() < 1e-7 and np.abs(lat - ref[:, 1]).max() < 1e-7
    grid_lon, grid_lat = np.meshgrid(np.linspace(75, 135, 40), np.linspace(18, 53, 30))
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(grid_lon, grid_lat))
    assert back_lon.shape == grid_lon.shape
    assert np.abs(back_lon - grid_lon).max() < 1e-7 and np.abs(back_lat - grid_lat).max() < 1e-7


def test_gcj02_offset_near_dianjiang_and_identity_abroad():
    lon, lat = wgs84_to_gcj02(107.34545, 30.33355)
    east = (lon - 107.34545) * 111_320 * np.cos(np.radians(30.33355))
    north = (lat - 30.33355) * 110_574
    # facts/geography.md: ~512 m; WGS84 lies ~421 m west and ~291 m north of GCJ-02
    assert 450 < np.hypot(east, north) < 580 and east > 380 and north < -250
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)  # Paris: unchanged
    assert not in_china_gcj02(2.35, 48.85) and in_china_gcj02(107.3, 30.3)


def test_prepare_lonlat_makes_the_transformer_the_crs_checks_use():
    from parkmap import _transform
    from parkmap.crs import area_scale

    _transform._cached_transformer.cache_clear()
    _transform.prepare_lonlat("EPSG:4545")  # CGCS2000 / 3-degree GK CM 108E
    info = _transform._cached_transformer.cache_info()
    assert (info.misses, info.hits) == (1, 0)
    area_scale("EPSG:4545", (107.2, 30.2, 107.5, 30.4))  # the park's first need
    info = _transform._cached_transformer.cache_info()
    assert (info.misses, info.hits) == (1, 1)


@pytest.mark.parametrize("crs", [None, "EPSG:4326", "not a CRS", "EPSG:999999"])
def test_prepare_lonlat_leaves_other_crs_alone(crs):
    from parkmap import _transform

    _transform._cached_transformer.cache_clear()
    _transform.prepare_lonlat(crs)  # never raises: the later use reports
    assert _transform._cached_transformer.cache_info().currsize == 0


def test_geopackage_reader_prepares_the_layers_crs(tmp_path):
    import geopandas as gpd
    import shapely

    from parkmap import _transform
    from parkmap.io.files import read_geopackage

    path = tmp_path / "two.gpkg"
    for name in ("parcels", "buildings"):
        gdf = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)], crs="EPSG:4545")
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    _transform._cached_transformer.cache_clear()
    layers, _ = read_geopackage(path)
    assert set(layers) == {"parcels", "buildings"}
    assert _transform._cached_transformer.cache_info().currsize == 1
