"""Builders of the files bureaus send, made at test time (nothing is downloaded).

Each builder writes a file the way the real deliveries look: a 三调 ``DLTB`` Shapefile
in GBK with the zone-prefixed CGCS2000 Gauss-Kruger CRS and no ``.cpg``; a File
Geodatabase with feature datasets (GDAL's OpenFileGDB writer); a DataV / AMap
boundary saved as a bare JSON array of Features in GCJ-02; a project list in Excel.
The geometry comes from the embedded Dianjiang park, so every file lies where a real
one from Dianjiang would.

The real public OpenStreetMap extract used beside them is
``tests/data/osm/karhula_kotka.osm.pbf`` (see ``tests/data/README.md``).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Geod

import parkmap
from parkmap.crs import wgs84_to_gcj02

OSM_PBF = Path(__file__).parent / "data" / "osm" / "karhula_kotka.osm.pbf"
GEOD = Geod(ellps="WGS84")

#: (DLBM, DLMC) cycled over the survey parcels: construction land and open land mixed.
SURVEY_CLASSES = [
    ("0101", "水田"),
    ("0103", "旱地"),
    ("0601", "工业用地"),
    ("0301", "乔木林地"),
    ("0702", "农村宅基地"),
    ("1004", "城镇村道路用地"),
    ("0201", "果园"),
    ("1201", "空闲地"),
    ("1104", "坑塘水面"),
    ("0404", "其他草地"),
    ("05H1", "商业服务业设施用地"),
    ("1006", "农村道路"),
]


def geodesic_area(geoms: gpd.GeoSeries) -> np.ndarray:
    """Geodesic areas (m², WGS84 ellipsoid) of polygons in any CRS."""
    lonlat = geoms.to_crs(4326)
    return np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in lonlat])


def dianjiang() -> parkmap.Park:
    return parkmap.datasets.load("dianjiang")


def survey_parcels(nx: int = 6, ny: int = 5) -> gpd.GeoDataFrame:
    """三调 DLTB parcels: a grid cut by the first Dianjiang cluster, in EPSG:4524.

    EPSG:4524 is CGCS2000 3-degree Gauss-Kruger zone 36 (CM 108°E) with the zone
    number in front of the easting, the CRS 三调 county databases use.
    """
    cluster = dianjiang()["clusters"].geometry.iloc[0]
    x0, y0, x1, y1 = cluster.bounds
    xs, ys = np.linspace(x0, x1, nx + 1), np.linspace(y0, y1, ny + 1)
    cells = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for j in range(ny) for i in range(nx)]
    pieces = shapely.intersection(np.array(cells, dtype=object), cluster)
    pieces = pieces[~shapely.is_empty(pieces) & (shapely.area(pieces) > 1.0)]
    n = len(pieces)
    codes = [SURVEY_CLASSES[i % len(SURVEY_CLASSES)] for i in range(n)]
    gdf = gpd.GeoDataFrame(
        {
            "BSM": [f"5002432023{i:06d}" for i in range(n)],
            "DLBM": [c for c, _ in codes],
            "DLMC": [m for _, m in codes],
            "QSDWMC": ["澄溪镇某村民委员会"] * n,
            "ZLDWMC": ["澄溪镇"] * n,
        },
        geometry=list(pieces),
        crs="EPSG:4545",
    ).to_crs("EPSG:4524")
    gdf["TBMJ"] = np.round(geodesic_area(gdf.geometry), 2)  # 三调: ellipsoidal area
    return gdf


def write_dltb_shapefile(folder: Path) -> Path:
    """Write ``DLTB.shp`` (GBK text, no ``.cpg``), as 三调 county packages come."""
    path = Path(folder) / "DLTB.shp"
    pyogrio.write_dataframe(survey_parcels(), path, encoding="GBK")
    for cpg in path.parent.glob("DLTB.[cC][pP][gG]"):
        cpg.unlink()
    return path


def write_filegdb(folder: Path, name: str = "规划数据库.gdb") -> Path:
    """A File Geodatabase: feature datasets ``GHSJ`` (plan) and ``XZ`` (status quo)."""
    park = dianjiang()
    path = Path(folder) / name
    plan = {
        "CZKFBJ": park["boundary"],
        "YJJBNT": park["constraints"][park["constraints"]["kind"] == "permanent_basic_farmland"],
        "子园区": park["subparks"][["name_zh", "geometry"]],
        "组团": park["clusters"][["name_zh", "geometry"]],
    }
    for layer, gdf in plan.items():
        pyogrio.write_dataframe(
            gdf.drop(columns=[c for c in ("source", "confidence") if c in gdf.columns]),
            path,
            layer=layer,
            driver="OpenFileGDB",
            layer_options={"FEATURE_DATASET": "GHSJ"},
        )
    pyogrio.write_dataframe(
        survey_parcels(),
        path,
        layer="DLTB",
        driver="OpenFileGDB",
        layer_options={"FEATURE_DATASET": "XZ"},
    )
    return path


def write_datav_array(folder: Path, name: str = "500243.json") -> Path:
    """A DataV GeoAtlas-style boundary: a bare JSON array of Features in GCJ-02."""
    clusters = dianjiang()["clusters"].to_crs(4326)
    outline = shapely.union_all(clusters.geometry.array).convex_hull

    def gcj(xy: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    shape = shapely.transform(outline, gcj)
    centre = shape.centroid
    features = [
        {
            "type": "Feature",
            "properties": {
                "adcode": 500243,
                "name": "垫江县",
                "center": [round(centre.x, 6), round(centre.y, 6)],
                "centroid": [round(centre.x, 6), round(centre.y, 6)],
                "childrenNum": 0,
                "level": "district",
                "parent": {"adcode": 500100},
                "subFeatureIndex": 0,
                "acroutes": [100000, 500000, 500100],
            },
            "geometry": json.loads(shapely.to_geojson(shapely.MultiPolygon([shape]))),
        }
    ]
    path = Path(folder) / name
    path.write_text(json.dumps(features, ensure_ascii=False), encoding="utf-8")
    return path


def project_rows() -> pd.DataFrame:
    """A 项目清单: Chinese headers; two rows with coordinates, two with a sub-park only."""
    park = dianjiang()
    subparks = park["subparks"]
    points = park["projects"].to_crs(4326).geometry
    return pd.DataFrame(
        {
            "项目名称": [
                "甲公司智能阀门项目",
                "乙公司汽摩零部件项目",
                "丙公司食品项目",
                "丁公司新材料项目",
            ],
            "项目状态": ["已签约", "在谈", "在建", "已投产"],
            "投资额（亿元）": [5.0, 3.2, 1.5, 8.0],
            "用地面积（亩）": [120, 80, 45, 200],
            "经度": [round(points.iloc[0].x, 6), round(points.iloc[1].x, 6), None, None],
            "纬度": [round(points.iloc[0].y, 6), round(points.iloc[1].y, 6), None, None],
            "所属园区": [None, None, subparks["name_zh"].iloc[3], subparks["name_zh"].iloc[4]],
        }
    )


def write_project_list(folder: Path, name: str = "项目清单.xlsx") -> Path:
    """Write :func:`project_rows` as ``.xlsx`` or ``.csv`` (by the name's suffix)."""
    path = Path(folder) / name
    rows = project_rows()
    if path.suffix.lower() == ".csv":
        rows.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        rows.to_excel(path, index=False, sheet_name="项目清单")
    return path
