"""The tests' own helpers, in one place: hand-made parks whose areas are known exactly,
a hostile park for escaping tests, and the synthetic county of the benchmarks."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

import parkmap

CRS = "EPSG:4545"
# A point near Dianjiang in EPSG:4545 metres (easting, northing).
X0, Y0 = 433_000.0, 3_355_000.0


def small_layers() -> dict[str, gpd.GeoDataFrame]:
    """A 2 km x 1 km cluster, a second 0.5 km² cluster outside the platform, a boundary
    part, a sub-park, two crossing roads, a building, parcels, constraints, a project."""

    def frame(rows: list[dict], geoms) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(rows, geometry=list(geoms), crs=CRS)

    return {
        "clusters": frame(
            [
                {"id": "c1", "name_zh": "一组团", "name_en": "Cluster one", "in_platform": True},
                {"id": "c2", "name_zh": "二组团", "name_en": "Cluster two", "in_platform": False},
            ],
            [box(X0, Y0, X0 + 2000, Y0 + 1000), box(X0 + 5000, Y0, X0 + 5500, Y0 + 1000)],
        ),
        "boundary": frame(
            [
                {"id": "b1", "name_zh": "边界一", "zone": "集中建设区", "cluster": "c1"},
                {"id": "b2", "name_zh": "边界二", "zone": "弹性发展区", "cluster": "c1"},
            ],
            [
                box(X0 + 100, Y0 + 100, X0 + 1100, Y0 + 900),
                box(X0 + 1200, Y0 + 100, X0 + 1900, Y0 + 900),
            ],
        ),
        "subparks": frame(
            [
                {
                    "id": "s1",
                    "name_zh": "阀门园",
                    "name_en": "Valve park",
                    "industry": "valves",
                    "industry_code": "35",
                    "landuse_code": "100102",
                    "cluster": "c1",
                }
            ],
            [box(X0 + 200, Y0 + 200, X0 + 800, Y0 + 700)],
        ),
        "roads": frame(
            [
                {
                    "id": "r1",
                    "name_zh": "东西路",
                    "road_class": "trunk",
                    "red_line_m": 30.0,
                    "status": "built",
                },
                {
                    "id": "r2",
                    "name_zh": "南北路",
                    "road_class": "branch",
                    "red_line_m": 16.0,
                    "status": "planned",
                },
            ],
            [
                LineString([(X0, Y0 + 500), (X0 + 2000, Y0 + 500)]),
                LineString([(X0 + 1000, Y0), (X0 + 1000, Y0 + 1000)]),
            ],
        ),
        "buildings": frame(
            [
                {
                    "id": "f1",
                    "name_zh": "厂房",
                    "kind": "standard_factory",
                    "storeys": 4,
                    "storey_height_m": 6.0,
                    "status": "built",
                }
            ],
            [box(X0 + 300, Y0 + 250, X0 + 372, Y0 + 274)],
        ),
        "parcels": frame(
            [
                {"id": "p1", "landuse_code": "100102", "status": "built", "project": "甲"},
                {"id": "p2", "landuse_code": "100102", "status": "available", "project": None},
                {"id": "p3", "landuse_code": "1402", "status": "reserved", "project": None},
            ],
            [
                box(X0 + 200, Y0 + 200, X0 + 500, Y0 + 450),
                box(X0 + 500, Y0 + 200, X0 + 800, Y0 + 450),
                box(X0 + 200, Y0 + 550, X0 + 800, Y0 + 700),
            ],
        ),
        "constraints": frame(
            [
                {
                    "id": "k1",
                    "name_zh": "基本农田",
                    "kind": "permanent_basic_farmland",
                    "hard": True,
                    "buffer_m": 0.0,
                },
                {
                    "id": "k2",
                    "name_zh": "基本农田",
                    "kind": "permanent_basic_farmland",
                    "hard": True,
                    "buffer_m": 0.0,
                },
                {"id": "k3", "name_zh": "林地", "kind": "forest", "hard": False, "buffer_m": 0.0},
            ],
            [
                box(X0 + 1200, Y0 + 100, X0 + 1500, Y0 + 300),
                box(X0 + 1400, Y0 + 100, X0 + 1600, Y0 + 300),  # overlaps k1 by 100 x 200
                box(X0 + 1600, Y0 + 600, X0 + 1800, Y0 + 800),
            ],
        ),
        "projects": frame(
            [
                {
                    "id": "j1",
                    "name_zh": "阀门项目",
                    "status": "signed",
                    "investment_yi": 2.5,
                    "land_mu": 120.0,
                    "subpark": "s1",
                },
                {
                    "id": "j2",
                    "name_zh": "在谈项目",
                    "status": "negotiating",
                    "investment_yi": None,
                    "land_mu": None,
                    "subpark": None,
                },
            ],
            [Point(X0 + 600, Y0 + 300), Point(X0 + 1500, Y0 + 700)],
        ),
    }


@pytest.fixture
def layers() -> dict[str, gpd.GeoDataFrame]:
    return small_layers()


@pytest.fixture
def small_park(layers) -> parkmap.Park:
    return parkmap.Park(layers, metadata={"name_zh": "小园区", "name_en": "Small park"})


@pytest.fixture(scope="session")
def dianjiang() -> parkmap.Park:
    return parkmap.datasets.load("dianjiang")


XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "</script><script>window.__pwned=1</script>"


def hostile_park() -> parkmap.Park:
    layers = small_layers()
    layers["subparks"].loc[0, "name_zh"] = XSS_IMG
    layers["subparks"].loc[0, "name_en"] = XSS_SCRIPT
    layers["constraints"].loc[0, "name_zh"] = "<b onmouseover=alert(2)>农田</b>"
    layers["projects"].loc[0, "name_zh"] = "A & B 'quoted' \"double\""
    return parkmap.Park(layers, metadata={"name_zh": XSS_IMG, "name_en": XSS_SCRIPT})


def synthetic():
    """The benchmarks' synthetic-county module (``benchmarks/synthetic.py``), loaded by path."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "synthetic.py"
    spec = importlib.util.spec_from_file_location("parkmap_bench_synthetic", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
