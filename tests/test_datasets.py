"""The embedded Dianjiang park: present offline, clean, and true to the published figures."""

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

import parkmap
import parkmap.schema
from parkmap.datasets import available, get_path

LAYER_NAMES = list(parkmap.schema.LAYERS)  # the embedded park has every park layer


def test_names_and_helpful_error():
    assert available() == ["dianjiang"]
    with pytest.raises(ValueError, match="available: dianjiang"):
        get_path("chongqing")


def test_loads_clean_in_epsg_4545(dianjiang):
    assert dianjiang.crs.to_epsg() == 4545
    assert list(dianjiang.layers) == LAYER_NAMES
    assert dianjiang.errors == []
    assert dianjiang.metadata["illustrative"] is True


def test_every_feature_has_source_and_confidence(dianjiang):
    for name, gdf in dianjiang.layers.items():
        assert gdf["source"].notna().all() and (gdf["source"].str.len() > 0).all(), name
        assert set(gdf["confidence"]) <= {"medium", "guess"}, name
        assert gdf["id"].is_unique, name


def geodesic_area_m2(path):
    """Area of each feature of a WGS84 GeoJSON file on the GRS80 ellipsoid (independent of
    any projection)."""
    geod = Geod(ellps="GRS80")
    gdf = gpd.read_file(path)
    return gdf, np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in gdf.geometry])


def test_platform_is_30_km2_and_boundary_18_km2():
    folder = get_path("dianjiang")
    clusters, cluster_area = geodesic_area_m2(folder / "clusters.geojson")
    platform = cluster_area[clusters["in_platform"].to_numpy(dtype=bool)].sum()
    assert platform == pytest.approx(30e6, rel=0.01)
    boundary, boundary_area = geodesic_area_m2(folder / "boundary.geojson")
    belt_ids = set(clusters.loc[clusters["in_platform"].astype(bool), "id"])
    in_belt = boundary["cluster"].isin(belt_ids).to_numpy()
    assert boundary_area[in_belt].sum() == pytest.approx(18e6, rel=0.01)


def test_report_areas_match_geodesic_areas(dianjiang):
    """The engine's areas in EPSG:4545 agree with ellipsoidal areas of the WGS84 source."""
    clusters, geodesic = geodesic_area_m2(get_path("dianjiang") / "clusters.geojson")
    report = parkmap.area_report(dianjiang)
    table = report.table("clusters").frame().set_index("key")
    for key, area in zip(clusters["id"], geodesic, strict=True):
        # Gauss-Kruger scale error within 1.5 degrees of the central meridian is < 1e-3
        assert table.loc[key, "area_m2"] == pytest.approx(area, rel=1e-3)
    assert table.loc["platform_total", "area_km2"] == pytest.approx(30.0, rel=0.01)


def test_geometry_is_clean(dianjiang):
    for name, gdf in dianjiang.layers.items():
        assert shapely.is_valid(gdf.geometry.array).all(), name
    clusters, boundary, subparks = (dianjiang[n] for n in ("clusters", "boundary", "subparks"))
    # boundary inside clusters, sub-parks inside the boundary
    assert boundary.geometry.difference(clusters.union_all()).area.max() < 1.0
    assert subparks.geometry.difference(boundary.union_all()).area.max() < 1.0
    # no overlapping sub-parks, boundary parts or clusters
    for gdf in (subparks, boundary, clusters):
        left, right = gdf.sindex.query(gdf.geometry, predicate="intersects")
        pairs = left < right
        overlap = shapely.intersection(
            gdf.geometry.array[left[pairs]], gdf.geometry.array[right[pairs]]
        )
        assert shapely.area(overlap).sum() < 1.0


def test_named_places_and_projects(dianjiang):
    subparks = " ".join(dianjiang["subparks"]["name_zh"])
    for name in ("汽摩", "装配式建筑", "智能阀门", "现代制造业"):
        assert name in subparks
    roads = set(dianjiang["roads"]["name_zh"])
    assert {"永兴路", "科创路", "强生路"} <= roads
    built = dianjiang["roads"].set_index("name_zh")["status"]
    assert {built["永兴路"], built["科创路"], built["强生路"]} == {"built"}
    assert any("A3" in n for n in roads)
    buildings = dianjiang["buildings"]
    assert (buildings["status"] == "renovation").any()
    assert (buildings["kind"] == "standard_factory").any()
    kinds = set(dianjiang["constraints"]["kind"])
    assert {"ecological_red_line", "permanent_basic_farmland", "water", "steep_slope"} <= kinds
    headline = {h["key"]: h for h in dianjiang.metadata["headline"]}
    assert headline["industrial_output_yi"]["value"] == pytest.approx(186.1)


def test_geojson_sources_are_wgs84():
    for path in sorted(get_path("dianjiang").glob("*.geojson")):
        data = json.loads(path.read_text(encoding="utf-8"))
        crs = data.get("crs", {}).get("properties", {}).get("name", "urn:ogc:def:crs:OGC:1.3:CRS84")
        assert "CRS84" in crs or "4326" in crs, path.name


def test_load_returns_independent_copies():
    first = parkmap.datasets.load("dianjiang")
    first["clusters"].loc[first["clusters"].index[0], "name_zh"] = "changed"
    assert parkmap.datasets.load("dianjiang")["clusters"]["name_zh"].iloc[0] != "changed"
