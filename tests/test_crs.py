import pytest
from pyproj import CRS

from parkmap.crs import cgcs2000_gk3_epsg, crs_label, is_metric, metric_crs_for, to_crs
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
