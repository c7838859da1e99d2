"""The area-scale rule: measure only in a CRS that keeps areas at the data.

Every expected area is computed independently, as a geodesic area on the WGS84
ellipsoid with ``pyproj.Geod``, and the measured scale is checked against PROJ's own
``get_factors`` where PROJ models the projection on the ellipsoid.
"""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Proj

import parkmap
from parkmap.crs import (
    area_scale,
    choose_measuring_crs,
    derived_crs,
    lonlat_bounds,
    scale_settings,
)
from parkmap.crs import (
    cgcs2000_gk3_epsg as gk3_epsg,
)
from parkmap.errors import CRSError
from parkmap.vocab import note_text

GEOD = Geod(ellps="WGS84")


def geodesic_areas(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Geodesic area of every polygon, m² (the independent reference)."""
    lonlat = gdf.to_crs(4326)
    return np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in lonlat.geometry])


@pytest.fixture(scope="module")
def clusters() -> gpd.GeoDataFrame:
    """The four Dianjiang clusters (about 31 km² between 107.2°E and 107.5°E)."""
    return parkmap.datasets.load("dianjiang")["clusters"]


@pytest.mark.parametrize(
    ("lon", "epsg"),
    [
        (107.3, 4545),
        (106.5, 4545),  # on the edge: belongs to the zone east of it (CM 108)
        (106.4999, 4544),
        (109.5, 4546),  # banker's rounding would give 4545 (CM 108) here
        (109.4999, 4545),
        (112.5, 4547),
        (75.0, 4534),
        (140.0, 4554),  # clamped to the last zone
    ],
)
def test_gk3_zone_edges(lon, epsg):
    assert gk3_epsg(lon) == epsg
    central = next(
        p.value
        for p in CRS.from_epsg(epsg).coordinate_operation.params
        if "longitude" in p.name.lower()
    )
    if 73.5 <= lon <= 136.5:
        assert central - 1.5 <= lon < central + 1.5


@pytest.mark.parametrize("epsg", [4545, 4548, 32648, 32649])
def test_measured_scale_matches_proj_factors(epsg):
    # Transverse Mercator on the ellipsoid: PROJ's analytic areal scale is the truth
    bounds = (106.0, 29.0, 110.0, 31.0)
    check = area_scale(epsg, bounds, samples=5)
    lon, lat = np.meshgrid(np.linspace(106, 110, 5), np.linspace(29, 31, 5))
    factors = Proj(CRS.from_epsg(epsg)).get_factors(lon.ravel(), lat.ravel()).areal_scale
    assert check.min_scale == pytest.approx(factors.min(), rel=1e-5)
    assert check.max_scale == pytest.approx(factors.max(), rel=1e-5)


@pytest.mark.parametrize(("epsg", "low", "high"), [(3857, 1.33, 1.36), (3395, 1.32, 1.36)])
def test_mercator_layers_are_measured_in_the_derived_zone(clusters, epsg, low, high):
    truth = geodesic_areas(clusters)
    layer = clusters.to_crs(epsg)
    mercator = layer.area.to_numpy() / truth
    # the layer really is distorted, by the factor the check reports
    assert np.all((mercator > low) & (mercator < high))
    bounds = lonlat_bounds([layer])
    check = area_scale(epsg, bounds)
    assert not check.ok
    assert check.min_scale - 1e-3 <= mercator.min() <= mercator.max() <= check.max_scale + 1e-3
    choice = choose_measuring_crs([layer.crs], bounds)
    assert choice.derived and choice.crs.to_epsg() == 4545
    assert choice.warning and f"EPSG:{epsg}" in choice.warning and "EPSG:4545" in choice.warning
    assert choice.warning in choice.notes
    measured = layer.to_crs(choice.crs).area.to_numpy()
    np.testing.assert_allclose(measured, truth, rtol=scale_settings().tolerance)
    # the county-scale error the issue reports: about a third too large
    assert layer.area.sum() / truth.sum() == pytest.approx(1.345, abs=0.01)


def test_gk_zone_three_zones_away_is_replaced(clusters):
    truth = geodesic_areas(clusters)
    layer = clusters.to_crs(4548)  # CM 117E, about 9.7° east of Dianjiang
    bounds = lonlat_bounds([layer])
    choice = choose_measuring_crs([layer.crs], bounds)
    assert choice.crs.to_epsg() == 4545
    wrong = layer.area.to_numpy() / truth
    assert np.all(wrong > 1.02)  # 2 % too large if measured as given
    assert choice.check.ok
    np.testing.assert_allclose(layer.to_crs(choice.crs).area, truth, rtol=2e-4)


@pytest.mark.parametrize("requested", [3857, "EPSG:3395", 4548])
def test_requested_crs_that_distorts_is_refused(clusters, requested):
    bounds = lonlat_bounds([clusters])
    with pytest.raises(CRSError, match=r"scales areas by .*use EPSG:4545") as info:
        choose_measuring_crs([clusters.crs], bounds, requested=requested)
    assert "\n" not in str(info.value)


def test_requested_geographic_or_good_crs(clusters):
    bounds = lonlat_bounds([clusters])
    with pytest.raises(CRSError, match="not a projected metric CRS"):
        choose_measuring_crs([], bounds, requested=4326)
    choice = choose_measuring_crs([], bounds, requested="EPSG:32648")
    assert choice.crs.to_epsg() == 32648 and not choice.derived and not choice.notes


def test_shared_good_crs_is_kept(clusters):
    choice = choose_measuring_crs([clusters.crs, clusters.crs], lonlat_bounds([clusters]))
    assert choice.crs.to_epsg() == 4545 and not choice.derived and choice.warning is None


def test_prague_in_web_mercator():
    # a 1 km square at 50.08°N, 14.42°E (Prague), stored in EPSG:3857
    square = gpd.GeoDataFrame(
        geometry=[shapely.box(14.40, 50.07, 14.414, 50.079)], crs=4326
    ).to_crs(3857)
    truth = geodesic_areas(square)[0]
    assert square.area.iloc[0] / truth == pytest.approx(2.43, abs=0.02)
    choice = choose_measuring_crs([square.crs], lonlat_bounds([square]))
    assert choice.crs.to_epsg() == 32633
    assert "2.4" in choice.warning
    assert square.to_crs(choice.crs).area.iloc[0] == pytest.approx(truth, rel=1e-3)


def test_utm_zone_is_accepted_across_its_width_at_the_equator():
    check = area_scale(32631, (0.0, -0.5, 6.0, 0.5))
    assert check.ok
    assert check.max_scale == pytest.approx(1.0019, abs=2e-4)  # zone edge, 3° from the CM


def test_data_spanning_several_zones_get_a_worst_error_note():
    frame = gpd.GeoDataFrame(geometry=[shapely.box(100.0, 25.0, 115.0, 32.0)], crs=4326)
    choice = choose_measuring_crs([frame.crs], lonlat_bounds([frame]))
    assert choice.derived and choice.warning is None
    (note,) = choice.notes
    assert "6 zones" in note and f"{choice.check.worst_error:.2%}" in note
    # the note's figure is the real error at the far edge
    corner = gpd.GeoDataFrame(geometry=[shapely.box(99.99, 25.0, 100.0, 25.01)], crs=4326)
    ratio = corner.to_crs(choice.crs).area.iloc[0] / geodesic_areas(corner)[0]
    assert ratio - 1 == pytest.approx(choice.check.worst_error, rel=0.02)


def test_derived_crs_outside_china_and_bad_input():
    assert derived_crs((2.2, 48.8, 2.5, 48.9)).to_epsg() == 32631
    assert derived_crs((-70.7, -33.5, -70.5, -33.4)).to_epsg() == 32719
    with pytest.raises(CRSError):
        derived_crs((433000.0, 3355000.0, 434000.0, 3356000.0))


def test_lonlat_bounds_skips_frames_without_crs(clusters):
    bare = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)])
    x0, y0, x1, y1 = lonlat_bounds([clusters, bare])
    assert 107.0 < x0 < x1 < 107.8 and 30.0 < y0 < y1 < 30.8
    with pytest.raises(CRSError, match="no layer has a coordinate reference system"):
        lonlat_bounds([bare])


def test_data_spanning_several_zones_import_save_and_load(tmp_path):
    """The zone parkmap derives for wide data is accepted again when it is named.

    The importer hands its derived CRS to the park, and a saved park names it in its
    metadata: neither may be refused as a "requested" CRS failing the area-scale test
    (a China-wide WGS84 layer could not be imported, the advice naming the CRS it used).
    """
    wide = gpd.GeoDataFrame(
        {"id": ["c1"], "name_zh": ["宽"]},
        geometry=[shapely.box(100.0, 25.0, 115.0, 32.0)],
        crs=4326,
    )
    source = tmp_path / "clusters.geojson"
    wide.to_file(source, driver="GeoJSON")
    park, _report = parkmap.import_park(source)
    derived = choose_measuring_crs([wide.crs], lonlat_bounds([wide])).crs
    assert park.crs.equals(derived)
    assert any("6 zones" in note for note in park.notes)
    again = parkmap.Park(park.layers, crs=park.crs)  # named explicitly: accepted, noted
    assert any("6 zones" in note for note in again.notes)
    saved = tmp_path / "wide.gpkg"
    park.save(saved)
    loaded = parkmap.read_park(saved)
    assert loaded.crs.equals(derived)
    assert [n for n in loaded.notes if "zones" in n] == [n for n in park.notes if "zones" in n]
    (span,) = [n for n in park.notes if "zones" in n]
    assert note_text(span, "zh").startswith("数据自 100.00°E 至 115.00°E，跨 6 个 3° 分带")
    # the figure is the derived zone's, off from the geodesic area by less than the note says
    area = loaded["clusters"].area.iloc[0]
    truth = geodesic_areas(wide)[0]
    assert (
        abs(area / truth - 1)
        <= choose_measuring_crs([4326], lonlat_bounds([wide])).check.worst_error
    )
    # another zone that fails the test is still refused
    with pytest.raises(CRSError, match="beyond the"):
        parkmap.Park(park.layers, crs="EPSG:4543")


def test_extent_skips_layers_without_geometry(clusters):
    layer = clusters.to_crs(4545)
    empty = gpd.GeoDataFrame(geometry=[shapely.Polygon(), None], crs=4545)
    assert lonlat_bounds([empty, layer, empty]) == pytest.approx(lonlat_bounds([layer]))
    with pytest.raises(CRSError, match="no layer has a coordinate reference system"):
        lonlat_bounds([empty, gpd.GeoDataFrame(geometry=[], crs=4545)])
