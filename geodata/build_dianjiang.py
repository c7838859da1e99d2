"""Build the illustrative Dianjiang park model that parkmap embeds.

The Dianjiang County (Chongqing) transformation demonstration industrial park has no
published plan map. This script draws a *plausible* model of it from public
descriptions (town points from GeoNames, area totals and names from a 2023 county
article and press reports) and writes one GeoJSON file per layer plus
``metadata.json`` into ``src/parkmap/datasets/dianjiang/``.

Everything is constructed in EPSG:4545 (CGCS2000 / 3-degree Gauss-Kruger CM 108E,
metres) and converted to WGS84 at the end. Most shapes are laid out in a local "belt
frame": ``s`` metres along the line from the county town to Chengxi (bearing about
212 degrees) and ``u`` metres to its left (south-east). The frame is a rigid motion,
so areas and distances in it equal those in EPSG:4545.

The output is deterministic (no randomness). After writing, the files are read back
and checked; any broken rule raises ``ValueError``. Run with::

    /work/venv/bin/python geodata/build_dianjiang.py

See ``geodata/README.md`` for provenance: the model is illustrative, not surveyed data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import LineString, MultiLineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "src" / "parkmap" / "datasets" / "dianjiang"
METRIC_CRS = "EPSG:4545"
WGS84 = "EPSG:4326"
DECIMALS = 7
M2_PER_MU = 10_000 / 15

BELT_AREA_M2 = 30.0e6
BOUNDARY_AREA_M2 = 18.0e6
GAOAN_AREA_M2 = 1.2e6
GAOAN_BOUNDARY_M2 = 0.7e6
AREA_TOLERANCE = 0.003
CLUSTER_INSET_M = 25.0
SUBPARK_INSET_M = 12.0
SLIVER_M2 = 10_000.0
EDGE_CLEARANCE_M = 0.1  # parcels keep off the sub-park edge, so WGS84 rounding cannot push them out

# GeoNames points (lon, lat); see shared facts/geography.md.
TOWN = (107.34545, 30.33355)  # 垫江县城 / 桂溪, GeoNames 1809467
TAIPING = (107.29287, 30.26204)  # 太平镇, GeoNames 1793614
CHENGXI = (107.25890, 30.20921)  # 澄溪镇, GeoNames 1815193
GAOAN = (107.46197, 30.29019)  # 高安镇, GeoNames 1810625
STATION = (107.372, 30.300)  # 垫江站, position a guess from press reports

SEED = "seed article 2023-03-23"
PRESS = "press reports"
ILLUSTRATIVE = "inferred (illustrative)"

# Belt outline: (s, u_west, u_east) in metres, before scaling to 30 km2.
BELT_STATIONS = (
    (250, -450, 2000),
    (1200, -700, 1900),
    (2600, -850, 1500),
    (4200, -950, 1150),
    (5800, -1000, 950),
    (7400, -1050, 900),
    (9000, -1150, 850),
    (9800, -1100, 800),
    (11200, -1000, 800),
    (12800, -900, 800),
    (14400, -800, 850),
    (15500, -700, 900),
    (16350, -600, 750),
)
# Strips along the belt edges kept outside the development boundary: (s, west, east)
# widths in metres, scaled together until the boundary holds 18 km2.
MARGIN_STATIONS = (
    (250, 150, 300),
    (2600, 250, 300),
    (5800, 300, 250),
    (9000, 300, 300),
    (11200, 300, 250),
    (12800, 400, 180),
    (16350, 420, 150),
)
# How far the ecological red line reaches into the belt from its west edge (s, m).
RED_LINE_STATIONS = ((250, -150), (2600, -40), (5800, 50), (9000, 90), (12800, 170), (16350, 260))

Coords = list[tuple[float, float]]


@dataclass(frozen=True)
class Frame:
    """A rigid local frame: ``s`` along a bearing from an origin, ``u`` to its left.

    Parameters
    ----------
    x0, y0 : float
        Origin in EPSG:4545 metres.
    bearing_deg : float
        Direction of the ``s`` axis, degrees clockwise from grid north.
    """

    x0: float
    y0: float
    bearing_deg: float

    @property
    def _axes(self) -> tuple[float, float, float, float]:
        b = math.radians(self.bearing_deg)
        ax, ay = math.sin(b), math.cos(b)
        return ax, ay, -ay, ax

    def to_map(self, geom: BaseGeometry) -> BaseGeometry:
        """Move a geometry drawn in frame coordinates to EPSG:4545."""
        ax, ay, nx, ny = self._axes
        return affinity.affine_transform(geom, [ax, nx, ay, ny, self.x0, self.y0])

    def to_frame(self, geom: BaseGeometry) -> BaseGeometry:
        """Move an EPSG:4545 geometry into frame coordinates."""
        ax, ay, nx, ny = self._axes
        xoff = -(ax * self.x0 + ay * self.y0)
        yoff = -(nx * self.x0 + ny * self.y0)
        return affinity.affine_transform(geom, [ax, ay, nx, ny, xoff, yoff])

    def point(self, s: float, u: float) -> Point:
        """A point at frame position (s, u)."""
        return self.to_map(Point(s, u))

    def line(self, coords: Coords) -> LineString:
        """A line through frame positions."""
        return self.to_map(LineString(coords))

    def polygon(self, coords: Coords) -> Polygon:
        """A polygon with frame-position vertices."""
        return self.to_map(Polygon(coords))

    def rect(self, s0: float, s1: float, u0: float, u1: float) -> Polygon:
        """A rectangle aligned with the frame axes."""
        return self.to_map(shapely.box(s0, u0, s1, u1))


@dataclass(frozen=True)
class SubparkSpec:
    """Layout of one sub-park: identity, frame box and internal roads."""

    id: str
    name_zh: str
    name_en: str
    industry: str
    industry_code: str
    landuse_code: str
    cluster: str
    box: tuple[float, float, float, float]  # s0, s1, u0, u1 in the belt frame
    cross_roads: tuple[float, ...]  # s of branch roads across the sub-park
    road_status: str
    built_every: int  # every n-th parcel gets an existing factory; 0 = none
    source: str
    confidence: str


SUBPARKS = (
    SubparkSpec(
        "sp-auto", "汽摩零部件产业园", "Auto & motorcycle parts park",
        "auto and motorcycle parts", "37", "100102", "cl-guiyang",
        (1350, 2650, -420, 1050), (1800, 2250), "built", 5,
        f"{SEED} (name); cluster and footprint inferred", "guess",
    ),
    SubparkSpec(
        "sp-valve-guiyang", "西部智能阀门产业基地", "Western smart valve base (Guiyang part)",
        "smart valves", "35", "100102", "cl-guiyang",
        (2950, 4150, -470, 760), (3350, 3750), "built", 5,
        f"{PRESS} (valves in Guiyang and Chengxi); footprint inferred", "medium",
    ),
    SubparkSpec(
        "sp-modern", "现代制造业产业园", "Modern manufacturing park",
        "modern manufacturing (general and special machinery)", "36", "100101", "cl-taiping",
        (5850, 7450, -500, 620), (6200, 6650, 7050), "under_construction", 0,
        f"{SEED} (under construction); cluster and footprint inferred", "guess",
    ),
    SubparkSpec(
        "sp-food", "食品医药产业园", "Food and pharmaceutical park",
        "food, pharmaceuticals and farm-product processing", "13", "100101", "cl-taiping",
        (10100, 11500, -680, 560), (10550, 11000), "planned", 6,
        f"{PRESS} (lead industry); the sub-park itself is inferred", "guess",
    ),
    SubparkSpec(
        "sp-materials", "澄溪新材料产业园", "Chengxi new materials park",
        "advanced materials (natural-gas chemicals, glass, recycled aluminium)", "26",
        "100103", "cl-chengxi",
        (12350, 13250, -420, 520), (12800,), "built", 4,
        f"{PRESS} (Chengxi glass and chemical firms); footprint inferred", "guess",
    ),
    SubparkSpec(
        "sp-valve-chengxi", "西部智能阀门产业基地", "Western smart valve base (Chengxi part)",
        "smart valves", "35", "100102", "cl-chengxi",
        (13800, 14400, -380, 560), (14100,), "planned", 0,
        f"{PRESS} (valves in Guiyang and Chengxi); footprint inferred", "medium",
    ),
    SubparkSpec(
        "sp-prefab", "装配式建筑及新型建材产业园",
        "Prefab construction & new building materials park",
        "prefabricated construction and new building materials", "31", "100102", "cl-chengxi",
        (14500, 16250, -360, 700), (14950, 15400, 15850), "built", 5,
        f"{PRESS} (国瑞 and 中材渝建 in Chengxi); footprint inferred", "medium",
    ),
)


@dataclass
class Model:
    """All layers under construction, as GeoDataFrames in EPSG:4545."""

    belt: Frame
    gaoan: Frame
    layers: dict[str, gpd.GeoDataFrame]


# --------------------------------------------------------------------------- helpers


@cache
def _to_metric_transformer() -> Transformer:
    return Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)


def to_metric(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 lon/lat to EPSG:4545 easting/northing."""
    return _to_metric_transformer().transform(lon, lat)


def frame_for(start: tuple[float, float], end: tuple[float, float]) -> Frame:
    """A frame at ``start`` whose ``s`` axis points at ``end`` (both lon/lat)."""
    x0, y0 = to_metric(*start)
    x1, y1 = to_metric(*end)
    return Frame(x0, y0, math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360)


def band(stations: list[tuple[float, float, float]]) -> Polygon:
    """Frame polygon between two edges given as (s, u_low, u_high) rows."""
    low = [(s, lo) for s, lo, _ in stations]
    high = [(s, hi) for s, _, hi in reversed(stations)]
    return Polygon(low + high)


def pieces(geom: BaseGeometry, min_area: float = 0.0) -> list[Polygon]:
    """The polygons of a geometry of at least ``min_area`` m2."""
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    return [p for p in polys if p.area >= min_area]


def largest(geom: BaseGeometry) -> Polygon:
    """The largest polygon of a geometry."""
    return max(pieces(geom), key=lambda p: p.area)


def edge_matched(geoms: list[BaseGeometry]) -> list[BaseGeometry]:
    """Polygons that abut made to share identical vertices along common edges.

    Without this, a vertex on one side of a shared edge and not on the other would be
    rounded off the edge in WGS84 and open tiny overlaps.
    """
    return list(shapely.coverage_clean(np.array(geoms, dtype=object), snapping_distance=0.01))


def frame_layer(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """A layer in EPSG:4545 from rows holding a ``geometry`` key."""
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS)


def bisect(
    func: Callable[[float], float], low: float, high: float, iterations: int = 40,
) -> float:
    """Root of a monotonic function on [low, high] by bisection."""
    f_low = func(low)
    for _ in range(iterations):
        mid = (low + high) / 2
        f_mid = func(mid)
        if (f_mid > 0) == (f_low > 0):
            low, f_low = mid, f_mid
        else:
            high = mid
    return (low + high) / 2


# --------------------------------------------------------------------------- clusters


def belt_edges() -> np.ndarray:
    """Belt edge stations (s, u_west, u_east) scaled about their midline to 30 km2."""
    st = np.array(BELT_STATIONS, dtype=float)
    area = band(st.tolist()).area
    mid = (st[:, 1] + st[:, 2]) / 2
    k = BELT_AREA_M2 / area  # the area of a band is linear in its width
    st[:, 1] = mid - k * (mid - st[:, 1])
    st[:, 2] = mid + k * (st[:, 2] - mid)
    return st


def cluster_cuts(frame: Frame) -> list[LineString]:
    """Seams between the Guiyang / Taiping and Taiping / Chengxi clusters."""
    return [
        frame.line([(5250, -3000), (5330, -1000), (5480, 200), (5420, 3000)]),
        frame.line([(12120, -3000), (11960, 0), (12050, 3000)]),
    ]


def build_clusters(model: Model) -> None:
    """The three belt clusters (30 km2 together) and the Gao'an satellite."""
    belt = model.belt.to_map(band(belt_edges().tolist()))
    parts = edge_matched(sorted(
        pieces(split(belt, MultiLineString(cluster_cuts(model.belt)))),
        key=lambda p: model.belt.to_frame(p.centroid).x,
    ))
    towns = {"cl-guiyang": 1809467, "cl-taiping": 1793614, "cl-chengxi": 1815193}
    names = {
        "cl-guiyang": ("桂阳组团", "Guiyang (county town) cluster"),
        "cl-taiping": ("太平组团", "Taiping cluster"),
        "cl-chengxi": ("澄溪组团", "Chengxi cluster"),
    }
    rows = [
        {
            "id": cid, "name_zh": names[cid][0], "name_en": names[cid][1],
            "in_platform": True, "source": f"GeoNames {towns[cid]} + inferred footprint",
            "confidence": "medium", "geometry": geom,
        }
        for cid, geom in zip(names, parts, strict=True)
    ]
    gaoan_shape = Polygon([
        (150, -260), (700, -470), (1350, -420), (1750, -120),
        (1650, 300), (1000, 470), (350, 380), (100, 80),
    ])
    factor = math.sqrt(GAOAN_AREA_M2 / gaoan_shape.area)
    gaoan = model.gaoan.to_map(affinity.scale(gaoan_shape, factor, factor, origin=(0, 0)))
    rows.append({
        "id": "cl-gaoan", "name_zh": "高安组团", "name_en": "Gao'an cluster",
        "in_platform": False, "source": f"GeoNames 1810625 + {SEED} (name); inferred footprint",
        "confidence": "medium", "geometry": gaoan,
    })
    model.layers["clusters"] = frame_layer(rows)


# --------------------------------------------------------------------------- roads


def spine_line(frame: Frame) -> LineString:
    """Centreline of the belt trunk road, from the county town to past Chengxi."""
    return frame.line([
        (-400, 640), (1200, 520), (2600, 330), (4200, 120), (5800, 20), (7400, -60),
        (9000, -130), (11200, -60), (12800, 60), (14400, 160), (16600, 200),
    ])


def expressway_line(frame: Frame) -> LineString:
    """G42/G50 crossing the Taiping cluster from north-north-west to south-south-east."""
    direction = np.array([0.45, 1.0]) / math.hypot(0.45, 1.0)
    centre = np.array([9400.0, -150.0])
    return frame.line([tuple(centre - 5000 * direction), tuple(centre + 5000 * direction)])


def stream_lines(frame: Frame) -> dict[str, LineString]:
    """Two streams that come off the Mingyue Shan foothills and cross the belt."""
    return {
        "taiping": frame.line([
            (7330, -1000), (7520, -760), (7700, -420), (7640, 300), (7860, 1000), (7800, 2000),
        ]),
        "chengxi": frame.line([
            (13300, -1900), (13450, -900), (13560, -300), (13500, 400), (13660, 1500),
        ]),
    }


def north_south(centre: Point, length_m: float) -> LineString:
    """A grid north-south line of ``length_m`` centred on a point."""
    half = length_m / 2
    return LineString([(centre.x, centre.y + half), (centre.x, centre.y - half)])


def east_road_line(frame: Frame) -> LineString:
    """A road along the east side of the Guiyang cluster, where 文毕大道 starts."""
    return frame.line([(150, 1480), (1750, 1380), (3000, 1120), (4400, 860)])


def wenbi_line(frame: Frame) -> LineString:
    """文毕大道: 2,761 m from the Guiyang east road to the railway station.

    The straight line is shorter than the published length, so the road bends at a
    point on the perpendicular bisector chosen to make the length exact.
    """
    start = np.array(frame.point(1750, 1380).coords[0])
    end = np.array(to_metric(*STATION))
    chord = end - start
    half = float(np.linalg.norm(chord)) / 2
    offset = math.sqrt((2761.0 / 2) ** 2 - half**2)
    normal = np.array([chord[1], -chord[0]]) / (2 * half)
    bend = start + chord / 2 + offset * normal
    return LineString([tuple(start), tuple(bend), tuple(end)])


def road(
    rid: str, name_zh: str, name_en: str, road_class: str, red_line_m: float,
    status: str, geom: LineString, source: str, confidence: str = "guess",
) -> dict[str, Any]:
    """One road row."""
    return {
        "id": rid, "name_zh": name_zh, "name_en": name_en, "road_class": road_class,
        "red_line_m": float(red_line_m), "status": status, "source": source,
        "confidence": confidence, "geometry": geom,
    }


def named_roads(model: Model) -> list[dict[str, Any]]:
    """Roads named in public reports, plus the spine, the expressway and link roads."""
    f, g = model.belt, model.gaoan
    placed = "position inferred"
    return [
        road("rd-spine", "产业带主干道（示意）", "Belt spine road (illustrative)", "trunk", 40,
             "built", spine_line(f), f"inferred: links the {SEED} clusters; {placed}"),
        road("rd-g42-g50", "G42/G50 高速公路（示意线位）",
             "G42/G50 expressway (illustrative alignment)", "highway", 60, "built",
             expressway_line(f), f"{PRESS} (expressways cross Taiping); alignment inferred",
             "medium"),
        road("rd-dongfang", "东方大道（汽摩产业园段）", "Dongfang Avenue (auto park section)",
             "trunk", 40, "built", north_south(f.point(2000, 330), 1018.0),
             f"{PRESS} (N-S, 1,018 m, 40 m); {placed}"),
        road("rd-wenbi", "文毕大道", "Wenbi Avenue", "trunk", 50, "built", wenbi_line(f),
             f"{PRESS} (2,761 m, 50 m, serves the station); {placed}"),
        road("rd-panlong", "盘龙路", "Panlong Road", "secondary", 24, "built",
             north_south(f.point(3550, 150), 867.0), f"{PRESS} (N-S, 867 m, 24 m); {placed}"),
        road("rd-guiyang-east", "桂阳组团东侧道路（示意）",
             "Guiyang cluster east road (illustrative)", "secondary", 30, "built",
             east_road_line(f), ILLUSTRATIVE),
        road("rd-yongxing", "永兴路", "Yongxing Road", "secondary", 24, "built",
             f.line([(600, 240), (2600, -90), (4400, -290)]), f"{SEED} (built); {placed}"),
        road("rd-kechuang", "科创路", "Kechuang Road", "secondary", 24, "built",
             f.line([(6200, -950), (6200, 900)]), f"{SEED} (built); {placed}"),
        road("rd-qiangsheng", "强生路", "Qiangsheng Road", "secondary", 24, "built",
             f.line([(12250, -180), (14400, -140), (16300, -120)]), f"{SEED} (built); {placed}"),
        road("rd-a3-ext", "A3线延伸段", "A3 line extension", "secondary", 30, "under_construction",
             f.line([(5500, 400), (6400, 370), (7700, 330)]),
             f"{SEED} (under construction); {placed}"),
        road("rd-gaoan", "高安组团进场道路（示意）", "Gao'an cluster access road (illustrative)",
             "secondary", 24, "built", g.line([(-300, 40), (900, 40), (1900, 0)]), ILLUSTRATIVE),
    ]


def branch_roads(model: Model) -> list[dict[str, Any]]:
    """Branch roads across each sub-park and along the Gao'an factories."""
    rows = []
    for spec in SUBPARKS:
        _, _, u0, u1 = spec.box
        for i, s in enumerate(spec.cross_roads, start=1):
            rows.append(road(
                f"rd-{spec.id[3:]}-{i}", f"{spec.name_zh}支路{i}（示意）",
                f"{spec.name_en} branch road {i} (illustrative)", "branch", 16,
                spec.road_status, model.belt.line([(s, u0 - 60), (s, u1 + 60)]), ILLUSTRATIVE,
            ))
    rows.append(road(
        "rd-gaoan-branch", "高安组团标准厂房支路（示意）",
        "Gao'an factory branch road (illustrative)", "branch", 16, "under_construction",
        model.gaoan.line([(900, 40), (900, -330)]), ILLUSTRATIVE,
    ))
    return rows


def build_roads(model: Model) -> None:
    """All roads: named, spine, expressway, branch."""
    model.layers["roads"] = frame_layer(named_roads(model) + branch_roads(model))


def right_of_way(roads: gpd.GeoDataFrame) -> BaseGeometry:
    """Union of road centrelines buffered by half their red-line width."""
    return shapely.union_all(roads.geometry.buffer(roads["red_line_m"] / 2, cap_style="flat"))


# --------------------------------------------------------------------------- boundary


def margin_band(edges: np.ndarray, scale: float, side: str) -> Polygon:
    """Frame band along the west or east belt edge, ``scale`` times the margin stations."""
    ms = np.array(MARGIN_STATIONS, dtype=float)
    s = edges[:, 0]
    width = np.interp(s, ms[:, 0], ms[:, 1 if side == "west" else 2]) * scale
    if side == "west":
        rows = [(si, lo - 1000, lo + w) for si, lo, w in zip(s, edges[:, 1], width, strict=True)]
    else:
        rows = [(si, hi - w, hi + 1000) for si, hi, w in zip(s, edges[:, 2], width, strict=True)]
    rows = [(s[0] - 1000, *rows[0][1:]), *rows, (s[-1] + 1000, *rows[-1][1:])]
    return band(rows)


def special_use_areas(model: Model) -> BaseGeometry:
    """Green belts along the expressway and the streams, and a green wedge (特别用途区)."""
    greens = [expressway_line(model.belt).buffer(200), model.belt.rect(2700, 2900, -3000, 3000)]
    greens += [line.buffer(110) for line in stream_lines(model.belt).values()]
    return shapely.union_all(greens)


def flexible_areas(model: Model, edges: np.ndarray, scale: float) -> BaseGeometry:
    """Where the boundary is a flexible growth zone (弹性发展区)."""
    f = model.belt
    east = f.to_map(margin_band(edges, scale, "east")).buffer(300)
    strips = shapely.union_all([f.rect(s0, s1, -3000, 3000) for s0, s1 in (
        (1300, 4300), (7900, 9100), (12000, 13700))])
    blocks = shapely.union_all([f.rect(s0, s1, -3000, 3000) for s0, s1 in (
        (4300, 5600), (11500, 12000))])
    return shapely.union_all([east.intersection(strips), blocks])


def zone_parts(
    model: Model, scale: float, clusters: gpd.GeoDataFrame,
) -> list[tuple[str, str, Polygon]]:
    """Boundary parts (cluster id, zone, polygon) for one margin scale."""
    f = model.belt
    edges = belt_edges()
    outside = shapely.union_all([
        f.to_map(margin_band(edges, scale, "west")),
        f.to_map(margin_band(edges, scale, "east")),
        expressway_line(f).buffer(80),
        *[cut.buffer(60) for cut in cluster_cuts(f)],
    ])
    special = special_use_areas(model)
    flexible = flexible_areas(model, edges, scale)
    parts = []
    for row in clusters[clusters["in_platform"]].itertuples():
        usable = row.geometry.buffer(-CLUSTER_INSET_M, join_style="mitre").difference(outside)
        zones = {
            "特别用途区": usable.intersection(special),
            "弹性发展区": usable.difference(special).intersection(flexible),
            "集中建设区": usable.difference(special).difference(flexible),
        }
        for zone, geom in zones.items():
            parts += [(row.id, zone, p) for p in pieces(geom, SLIVER_M2)]
    return parts


def gaoan_parts(model: Model, cluster: Polygon) -> list[tuple[str, str, Polygon]]:
    """Gao'an boundary: 0.7 km2, concentrated, with a flexible part at the far end."""
    g = model.gaoan
    centre = cluster.centroid
    inner = cluster.buffer(-CLUSTER_INSET_M, join_style="mitre")

    def shrunk(k: float) -> BaseGeometry:
        return affinity.scale(cluster, k, k, origin=centre).intersection(inner)

    k = bisect(lambda k: shrunk(k).area - GAOAN_BOUNDARY_M2, 0.5, 1.0)
    whole = shrunk(k)
    far_end = g.rect(1250, 3000, -2000, 2000)
    return [
        ("cl-gaoan", "集中建设区", largest(whole.difference(far_end))),
        ("cl-gaoan", "弹性发展区", largest(whole.intersection(far_end))),
    ]


def build_boundary(model: Model) -> None:
    """Development-boundary parts: 18 km2 in the belt, about 0.7 km2 at Gao'an."""
    clusters = model.layers["clusters"]

    def excess(scale: float) -> float:
        return sum(p.area for _, _, p in zone_parts(model, scale, clusters)) - BOUNDARY_AREA_M2

    scale = bisect(excess, 0.3, 3.0)
    gaoan = clusters.loc[clusters["id"] == "cl-gaoan", "geometry"].iloc[0]
    parts = zone_parts(model, scale, clusters) + gaoan_parts(model, gaoan)
    counter: dict[str, int] = {}
    rows = []
    zone_ids = {"集中建设区": "core", "弹性发展区": "flex", "特别用途区": "special"}
    zone_en = {
        "集中建设区": "concentrated construction zone",
        "弹性发展区": "flexible growth zone",
        "特别用途区": "special-use zone",
    }
    cluster_names = clusters.set_index("id")[["name_zh", "name_en"]]
    for cluster_id, zone, geom in sorted(parts, key=lambda p: (p[0], p[1], p[2].centroid.x)):
        key = f"{cluster_id[3:]}-{zone_ids[zone]}"
        counter[key] = counter.get(key, 0) + 1
        rows.append({
            "id": f"bd-{key}-{counter[key]}",
            "name_zh": f"{cluster_names.loc[cluster_id, 'name_zh']}{zone}{counter[key]}",
            "name_en": f"{cluster_names.loc[cluster_id, 'name_en']}, "
            f"{zone_en[zone]} {counter[key]}",
            "zone": zone, "cluster": cluster_id,
            "source": f"{SEED} (18 km2 total); parts and zones inferred", "confidence": "guess",
            "geometry": geom,
        })
    layer = frame_layer(rows)
    layer["geometry"] = edge_matched(list(layer.geometry))
    model.layers["boundary"] = layer


# --------------------------------------------------------------------------- sub-parks


def subpark_geometry(model: Model, spec: SubparkSpec) -> Polygon:
    """A sub-park: its frame box clipped to the boundary part it sits in, inset."""
    s0, s1, u0, u1 = spec.box
    box = model.belt.rect(s0, s1, u0, u1)
    boundary = model.layers["boundary"]
    host = boundary[boundary.intersects(box.centroid)].geometry.iloc[0]
    return largest(box.intersection(host.buffer(-SUBPARK_INSET_M, join_style="mitre")))


def build_subparks(model: Model) -> None:
    """Industrial sub-parks (园中园)."""
    rows = [
        {
            "id": spec.id, "name_zh": spec.name_zh, "name_en": spec.name_en,
            "industry": spec.industry, "industry_code": spec.industry_code,
            "landuse_code": spec.landuse_code, "cluster": spec.cluster,
            "source": spec.source, "confidence": spec.confidence,
            "geometry": subpark_geometry(model, spec),
        }
        for spec in SUBPARKS
    ]
    model.layers["subparks"] = frame_layer(rows)


# --------------------------------------------------------------------------- parcels


PLOT_LENGTH_M = 250.0
PLOT_DEPTH_M = 220.0


def grid_cells(frame: Frame, spec: SubparkSpec) -> list[Polygon]:
    """Frame-aligned plot grid over a sub-park box, with lines on its cross roads."""
    s0, s1, u0, u1 = spec.box
    stops = [s0, *spec.cross_roads, s1]
    s_edges = np.unique(np.concatenate([
        np.linspace(a, b, math.ceil((b - a) / PLOT_LENGTH_M) + 1)
        for a, b in pairwise(stops)
    ]))
    u_edges = np.linspace(u0, u1, math.ceil((u1 - u0) / PLOT_DEPTH_M) + 1)
    return [
        frame.rect(a, b, c, d)
        for a, b in pairwise(s_edges)
        for c, d in pairwise(u_edges)
    ]


def is_compact(poly: Polygon) -> bool:
    """True unless a parcel is a sliver: its oriented envelope is >= 40 m wide and well filled."""
    rect = shapely.oriented_envelope(poly)
    a, b, c = list(rect.exterior.coords)[:3]
    return min(math.dist(a, b), math.dist(b, c)) >= 40 and poly.area / rect.area > 0.6


def subpark_parcels(model: Model, spec: SubparkSpec, row_union: BaseGeometry) -> list[Polygon]:
    """Plots of one sub-park between the roads, ordered along the belt."""
    subpark = model.layers["subparks"].set_index("id").geometry[spec.id]
    land = subpark.buffer(-EDGE_CLEARANCE_M, join_style="mitre").difference(row_union)
    plots = [
        p for cell in grid_cells(model.belt, spec)
        for p in pieces(cell.intersection(land), 3000)
    ]
    return sorted(plots, key=lambda p: tuple(np.round(model.belt.to_frame(p.centroid).coords[0])))


def build_parcels(model: Model) -> None:
    """Parcels tessellating the sub-parks between roads.

    Status and project are settled later; a helper ``subpark`` column is dropped by
    :func:`finish_parcels`.
    """
    row_union = right_of_way(model.layers["roads"])
    rows = []
    for spec in SUBPARKS:
        for i, poly in enumerate(subpark_parcels(model, spec, row_union), start=1):
            compact = is_compact(poly)
            rows.append({
                "id": f"pc-{spec.id[3:]}-{i:03d}",
                "landuse_code": spec.landuse_code if compact else "1402",
                "status": "available" if compact else "reserved", "project": None,
                "subpark": spec.id, "source": f"{ILLUSTRATIVE} plot grid",
                "confidence": "guess", "geometry": poly,
            })
    layer = frame_layer(rows)
    layer["geometry"] = edge_matched(list(layer.geometry))
    model.layers["parcels"] = layer


# --------------------------------------------------------------------------- buildings


def building(
    bid: str, name_zh: str, kind: str, storeys: int, storey_height_m: float,
    status: str, cluster: str, geom: Polygon, source: str,
) -> dict[str, Any]:
    """One building row."""
    return {
        "id": bid, "name_zh": name_zh, "kind": kind, "storeys": int(storeys),
        "storey_height_m": float(storey_height_m), "status": status, "cluster": cluster,
        "source": source, "confidence": "guess", "geometry": geom,
    }


# What goes on a built plot, placed in turn: (kind, storeys, storey height m, length
# along the belt m, depth across it m). Lengths are upper bounds, cut to the plot. Portal
# sheds are one storey of 9-10 m; multi-storey standard factories are 24 x 72 m.
PLOT_TEMPLATES = (
    (("factory", 1, 9.5, 200.0, 72.0), ("office", 5, 3.9, 40.0, 16.0)),
    tuple([("standard_factory", 4, 5.4, 72.0, 24.0)] * 4),
    (("factory", 1, 10.0, 160.0, 60.0), ("warehouse", 1, 9.0, 120.0, 36.0)),
    (
        ("factory", 2, 7.5, 120.0, 42.0),
        ("factory", 1, 9.0, 120.0, 42.0),
        ("office", 4, 3.9, 30.0, 15.0),
    ),
)
SETBACK_M = 10.0
FIRE_GAP_M = 13.0


def fit_rect(room: BaseGeometry, length: float, depth: float) -> Polygon | None:
    """A frame rectangle of up to length x depth in ``room``, lowest ``s`` first."""
    s0, u0, s1, u1 = room.bounds
    for shrink in (1.0, 0.85, 0.7):
        ls, ds = min(length, s1 - s0) * shrink, depth * shrink
        for start in np.arange(s0, s1 - ls + 1e-9, 6.0):
            for um in (u0 + ds / 2, u1 - ds / 2, (u0 + u1) / 2):
                rect = shapely.box(start, um - ds / 2, start + ls, um + ds / 2)
                if room.contains(rect):
                    return rect
    return None


def plot_buildings(
    model: Model, parcel: Polygon, template_index: int,
) -> list[tuple[tuple[str, int, float], Polygon]]:
    """Buildings of one template on a parcel, frame-aligned, with setbacks and fire gaps."""
    room = model.belt.to_frame(parcel).buffer(-SETBACK_M, join_style="mitre")
    found = []
    template = PLOT_TEMPLATES[template_index % len(PLOT_TEMPLATES)]
    for kind, storeys, height, length, depth in template:
        rect = fit_rect(room, length, depth) if not room.is_empty else None
        if rect is None:
            continue
        found.append(((kind, storeys, height), model.belt.to_map(rect)))
        room = room.difference(rect.buffer(FIRE_GAP_M, join_style="mitre"))
    return found


BUILDING_NAMES = {
    "factory": "厂房", "standard_factory": "标准厂房", "warehouse": "仓库", "office": "办公楼",
}


def subpark_buildings(model: Model) -> list[dict[str, Any]]:
    """Existing factories on every n-th plot of the built-up sub-parks."""
    parcels = model.layers["parcels"]
    rows: list[dict[str, Any]] = []
    plots_built = 0
    for spec in SUBPARKS:
        if spec.built_every == 0:
            continue
        plots = parcels[(parcels["subpark"] == spec.id) & (parcels["status"] == "available")]
        for idx, parcel in plots.geometry.iloc[1::spec.built_every].items():
            placed = plot_buildings(model, parcel, plots_built)
            for (kind, storeys, height), geom in placed:
                rows.append(building(
                    f"bl-{spec.id[3:]}-{len(rows) + 1:03d}",
                    f"{spec.name_zh}{BUILDING_NAMES[kind]}（示意）",
                    kind, storeys, height, "built", spec.cluster, geom, ILLUSTRATIVE,
                ))
            if placed:
                parcels.loc[idx, "status"] = "built"
                plots_built += 1
    return rows


def modern_park_buildings(model: Model) -> list[dict[str, Any]]:
    """Factories rising in the modern manufacturing park (under construction)."""
    parcels = model.layers["parcels"]
    plots = parcels[(parcels["subpark"] == "sp-modern") & (parcels["status"] == "available")]
    rows = []
    for n, (idx, parcel) in enumerate(plots.geometry.iloc[2:20:3].items()):
        if n % 2 == 0:
            for (kind, storeys, height), geom in plot_buildings(model, parcel, n // 2):
                rows.append(building(
                    f"bl-modern-{len(rows) + 1:03d}", "现代制造业产业园在建厂房（示意）", kind,
                    storeys, height, "under_construction", "cl-taiping", geom,
                    f"{SEED} (park under construction); buildings inferred",
                ))
        parcels.loc[idx, ["status", "project"]] = ["supplied", "pj-modern"]
    return rows


def gaoan_buildings(model: Model) -> list[dict[str, Any]]:
    """高安组团标准化厂房: six 24 x 72 m four-storey blocks beside the branch road."""
    rows = []
    for i, (s0, u0) in enumerate(((930, -115), (970, -115), (1010, -115),
                                  (930, -205), (970, -205), (1010, -205)), start=1):
        geom = model.gaoan.rect(s0, s0 + 24, u0, u0 + 72)
        rows.append(building(
            f"bl-gaoan-{i:02d}", "高安组团标准化厂房", "standard_factory", 4, 6.0,
            "under_construction", "cl-gaoan", geom,
            f"{SEED} (standard factories under way); size and position inferred",
        ))
    return rows


def renovation_buildings(model: Model) -> list[dict[str, Any]]:
    """县城组团老旧厂房改造: old sheds at the county-town end of the belt."""
    specs = (
        ((560, 640, 720, 760), 1, 9.0),
        ((660, 720, 800, 836), 2, 4.5),
        ((760, 850, 720, 766), 1, 8.0),
        ((880, 940, 810, 840), 2, 4.2),
    )
    return [
        building(
            f"bl-renov-{i:02d}", "县城组团老旧厂房改造", "factory", storeys, height,
            "renovation", "cl-guiyang", model.belt.rect(*box),
            f"{SEED} (renovation under way); buildings inferred",
        )
        for i, (box, storeys, height) in enumerate(specs, start=1)
    ]


def build_buildings(model: Model) -> None:
    """Existing, rising and renovated buildings; marks their parcels."""
    rows = subpark_buildings(model) + modern_park_buildings(model)
    rows += gaoan_buildings(model) + renovation_buildings(model)
    model.layers["buildings"] = frame_layer(rows)


# --------------------------------------------------------------------------- projects


@dataclass(frozen=True)
class ProjectSpec:
    """A pipeline project and the parcels it is tied to."""

    id: str
    name_zh: str
    name_en: str
    status: str
    investment_yi: float | None
    land_mu: float | None
    subpark: str | None
    parcel_status: str | None  # status given to the parcels it holds; None = none
    parcel_area_m2: float  # free land to tie to it (committed / supplied projects)
    source: str
    confidence: str
    industry_code: str | None = None  # GB/T 4754-2017 division
    marker_subpark: str | None = None  # where the point of a project without a site goes


# The seed article's 2022 pipeline: 38 signed projects for 190.3 亿元 (23 of them at or
# above 1 亿元) and 11 in negotiation for 138.3 亿元. Only the totals and a few names are
# published; every other figure below is illustrative and says so in its `source`.
CYJJW = "cyjjw.net 2022-02-23 (13 key projects started; two above 1 billion yuan)"
PIPELINE = f"{SEED} (2022 pipeline totals)"
SIGNED_TOTAL_YI, SIGNED_COUNT, SIGNED_OVER_1YI = 190.3, 38, 23
NEGOTIATING_TOTAL_YI, NEGOTIATING_COUNT = 138.3, 11

PROJECTS = (
    ProjectSpec(
        "pj-guorui", "国瑞智能装配式建筑产业园", "Guorui intelligent prefab construction park",
        "under_construction", None, 1200.0, "sp-prefab", "committed", 1200 * M2_PER_MU,
        f"{PRESS} (Chengxi, 1,200 亩, signed 2019); building by 2022 and position inferred",
        "medium", "30",
    ),
    ProjectSpec(
        "pj-zhongcai", "中材渝建硅酸钙板生产线（两期）",
        "Zhongcai Yujian calcium-silicate board plant (2 phases, 20 million m2/yr)",
        "producing", None, None, "sp-prefab", "built", 0.0,
        f"{PRESS} (Chengxi, 2 phases, 20 million m2/yr); status and position inferred", "medium",
        "30",
    ),
    ProjectSpec(
        "pj-ruiguxing", "瑞谷星汽车零部件及智能农机产业园",
        "Ruiguxing auto parts & smart farm machinery park",
        "producing", None, None, "sp-auto", "built", 0.0,
        f"{SEED} (landed 2022, completed); sub-park and position inferred", "guess", "36",
    ),
    ProjectSpec(
        "pj-zhongkun", "中昆年产6万吨再生高强度铝合金项目",
        "Zhongkun 60,000 t/yr recycled high-strength aluminium alloy plant",
        "producing", None, None, "sp-materials", "built", 0.0,
        f"{SEED} (completed 2022); firm name from the seed list; position inferred", "guess",
        "32",
    ),
    ProjectSpec(
        "pj-valve-25", "25家阀门企业集中签约项目", "25 valve firms signed together (May 2023)",
        "negotiating", 21.0, None, "sp-valve-chengxi", "committed", 0.18e6,
        f"{PRESS} (25 firms, 2.1 billion yuan, signed May 2023, so in negotiation at the "
        "seed article's date and counted among its 11: inferred); grouped, position inferred",
        "guess", "34",
    ),
    ProjectSpec(
        "pj-modern", "现代制造业产业园", "Modern manufacturing park",
        "under_construction", None, None, "sp-modern", None, 0.0,
        f"{SEED} (under construction); position inferred", "guess",
    ),
    ProjectSpec(
        "pj-gaoan-factories", "高安组团标准化厂房", "Gao'an cluster standard factory buildings",
        "under_construction", None, None, None, None, 0.0,
        f"{SEED} (under construction); position inferred", "guess",
    ),
    ProjectSpec(
        "pj-town-renovation", "县城组团老旧厂房改造", "County-town cluster old factory renovation",
        "under_construction", None, None, None, None, 0.0,
        f"{SEED} (under construction); position inferred", "guess",
    ),
    ProjectSpec(
        "pj-jingxin", "晶芯频控电子超小型号频控元器件项目",
        "Jingxin quartz MEMS frequency-control components (10 lines)",
        "under_construction", 10.0, None, "sp-modern", None, 0.0,
        f"{CYJJW}: started 2022-02-23, over 1 billion yuan (10.0 亿元 is that lower bound); "
        "sub-park inferred; no site yet", "medium", "39",
    ),
    ProjectSpec(
        "pj-prefab-2", "智能装配式建筑产业园二期",
        "Smart prefab construction park, phase 2 (interior fit-out, windows, insulation)",
        "under_construction", 10.0, None, "sp-prefab", None, 0.0,
        f"{CYJJW} (as 绿色装配式建筑产业园二期): started 2022-02-23, over 1 billion yuan "
        "(10.0 亿元 is that lower bound); no site yet", "medium", "30",
    ),
)

# Illustrative signed and negotiating projects: (sub-park or None, marker sub-park,
# GB/T 4754-2017 division, name_zh, name_en, land_mu or None). Investments are assigned
# from SIGNED_YI / NEGOTIATING_YI in order. None as sub-park: any sub-park whose
# industry takes the division (the crosswalk in src/parkmap/data).
NAMED_SIGNED = (
    ("pj-xinhuahui", "鑫华汇绿色智能纺织产研一体化项目",
     "Xinhuahui green smart textile R&D and production project", "sp-modern", "sp-modern",
     "17", None),
    ("pj-zhongkun-line", "中昆新材料产业基地智能化生产线",
     "Zhongkun new-materials base smart production line", "sp-materials", "sp-materials",
     "32", None),
)
ILLUSTRATIVE_SIGNED = (
    ("sp-auto", "sp-auto", "36", "汽车零部件", "auto parts", None),
    ("sp-auto", "sp-auto", "36", "新能源汽车电机壳体", "EV motor housings", 60.0),
    ("sp-auto", "sp-auto", "37", "摩托车零部件", "motorcycle parts", None),
    (None, "sp-auto", "36", "汽车座椅骨架", "car seat frames", None),
    ("sp-auto", "sp-auto", "36", "汽车线束", "vehicle wiring harnesses", 40.0),
    ("sp-auto", "sp-auto", "37", "摩托车发动机配件", "motorcycle engine parts", None),
    (None, "sp-auto", "36", "汽车铝合金压铸件", "aluminium die-cast auto parts", None),
    ("sp-auto", "sp-auto", "36", "汽车内饰件", "car interior trim", 0.0),
    (None, "sp-valve-guiyang", "34", "智能阀门", "smart valves", None),
    (None, "sp-valve-guiyang", "34", "工业控制阀", "industrial control valves", 45.0),
    (None, "sp-valve-guiyang", "34", "阀门铸件", "valve castings", None),
    (None, "sp-valve-guiyang", "34", "燃气阀门", "gas valves", None),
    (None, "sp-valve-chengxi", "34", "水务阀门", "water-supply valves", 30.0),
    (None, "sp-valve-chengxi", "34", "阀门执行器", "valve actuators", None),
    (None, "sp-valve-chengxi", "34", "不锈钢球阀", "stainless ball valves", 0.0),
    ("sp-valve-guiyang", "sp-valve-guiyang", "34", "阀门检测中心", "valve testing centre",
     None),
    ("sp-modern", "sp-modern", "35", "专用设备制造", "special-purpose machinery", None),
    (None, "sp-modern", "38", "电气机械", "electrical machinery", None),
    (None, "sp-modern", "34", "通用设备零部件", "general machinery parts", 50.0),
    ("sp-modern", "sp-modern", "40", "仪器仪表", "instruments", None),
    (None, "sp-modern", "38", "储能设备", "energy-storage equipment", None),
    (None, "sp-modern", "35", "智能农机", "smart farm machinery", None),
    ("sp-food", "sp-food", "13", "农产品精深加工", "farm-product processing", None),
    ("sp-food", "sp-food", "14", "食品制造", "food manufacturing", None),
    ("sp-food", "sp-food", "27", "中药饮片", "traditional Chinese medicine pieces", None),
    (None, "sp-food", "13", "牡丹籽油加工", "peony-seed oil processing", 35.0),
    (None, "sp-food", "15", "饮料生产", "beverages", None),
    ("sp-food", "sp-food", "27", "医药制剂", "pharmaceutical preparations", 0.0),
    ("sp-materials", "sp-materials", "26", "天然气化工新材料", "natural-gas chemical materials",
     None),
    ("sp-materials", "sp-materials", "30", "特种玻璃", "special glass", None),
    (None, "sp-materials", "32", "再生铝深加工", "recycled-aluminium products", None),
    ("sp-materials", "sp-materials", "26", "精细化工", "fine chemicals", 80.0),
    ("sp-materials", "sp-materials", "30", "玻璃包装", "glass packaging", None),
    ("sp-prefab", "sp-prefab", "30", "混凝土预制构件", "precast concrete components", None),
    ("sp-prefab", "sp-prefab", "33", "钢结构", "steel structures", None),
    (None, "sp-prefab", "30", "新型墙材", "new wall materials", 70.0),
)
ILLUSTRATIVE_NEGOTIATING = (
    ("sp-auto", "sp-auto", "36", "新能源汽车零部件", "new-energy vehicle parts", None),
    (None, "sp-auto", "36", "汽车电子", "automotive electronics", None),
    ("sp-valve-guiyang", "sp-valve-guiyang", "34", "阀门产业园二期", "valve park phase 2", None),
    ("sp-modern", "sp-modern", "39", "电子元器件", "electronic components", None),
    (None, "sp-modern", "35", "智能装备", "smart equipment", None),
    ("sp-food", "sp-food", "13", "冷链食品加工", "cold-chain food processing", None),
    ("sp-food", "sp-food", "27", "生物医药", "biopharmaceuticals", 120.0),
    ("sp-materials", "sp-materials", "26", "化工新材料", "chemical new materials", None),
    ("sp-prefab", "sp-prefab", "30", "装配式建筑部品", "prefab building components", None),
    ("sp-prefab", "sp-prefab", "33", "建筑钢构", "structural steel for buildings", 150.0),
)
# Illustrative investments, 亿元: the named signed projects first, then the illustrative
# ones in order. Chosen so that the totals and the count at or above 1 亿元 are exact.
SIGNED_YI = (
    15.0, 5.0,
    30.0, 8.5, 3.0, 6.0, 0.5, 2.5, 10.0, 0.3,
    20.0, 0.6, 4.0, 0.9, 0.4, 2.0, 0.2, 3.0,
    12.0, 0.8, 5.5, 3.5, 0.7, 8.0,
    6.5, 0.3, 5.0, 0.5, 0.8, 0.4,
    7.5, 4.5, 0.6, 8.0, 0.5,
    7.0, 6.0, 0.3,
)
NEGOTIATING_YI = (30.0, 15.0, 12.0, 9.0, 20.0, 6.0, 8.0, 10.0, 4.3, 3.0)


def pipeline_specs() -> tuple[ProjectSpec, ...]:
    """The named and illustrative 2022 signed and negotiating projects, investments set."""
    signed = [
        (pid, name_zh, name_en, subpark, marker, code, land_mu, f"{SEED} (project named); "
         "investment, land, industry and sub-park illustrative; no site yet", "guess")
        for pid, name_zh, name_en, subpark, marker, code, land_mu in NAMED_SIGNED
    ]
    why = f"{ILLUSTRATIVE}: one of the {{}} of the {PIPELINE}; name, investment, land and " \
        "industry made up, no site yet"
    signed += [
        (f"pj-s{i:02d}", f"{zh}项目（示意）", f"{en} project (illustrative)", subpark, marker,
         code, land_mu, why.format("38 signed"), "guess")
        for i, (subpark, marker, code, zh, en, land_mu) in enumerate(ILLUSTRATIVE_SIGNED, 1)
    ]
    negotiating = [
        (f"pj-n{i:02d}", f"{zh}项目（示意，在谈）", f"{en} project (illustrative, in negotiation)",
         subpark, marker, code, land_mu, why.format("11 in negotiation"), "guess")
        for i, (subpark, marker, code, zh, en, land_mu) in enumerate(ILLUSTRATIVE_NEGOTIATING, 1)
    ]
    specs = [
        ProjectSpec(pid, zh, en, status, yi, land_mu, subpark, None, 0.0, source, confidence,
                    code, marker)
        for status, rows, money in (("signed", signed, SIGNED_YI),
                                    ("negotiating", negotiating, NEGOTIATING_YI))
        for (pid, zh, en, subpark, marker, code, land_mu, source, confidence), yi
        in zip(rows, money, strict=True)
    ]
    return tuple(specs)


PROJECT_BUILDINGS = {"pj-gaoan-factories": "bl-gaoan", "pj-town-renovation": "bl-renov"}
BUILT_PARCELS_PER_PROJECT = 3
MARKER_INSET_M = 60.0


def claim_parcels(parcels: gpd.GeoDataFrame, spec: ProjectSpec) -> None:
    """Tie parcels of the project's sub-park to it: built ones, or free land by area."""
    mine = (parcels["subpark"] == spec.subpark) & parcels["project"].isna()
    if spec.parcel_status == "built":
        chosen = parcels.index[mine & (parcels["status"] == "built")][:BUILT_PARCELS_PER_PROJECT]
    else:
        free = parcels[mine & (parcels["status"] == "available")].iloc[::-1]
        chosen = free.index[(free.area.cumsum() - free.area) < spec.parcel_area_m2]
    parcels.loc[chosen, ["status", "project"]] = [spec.parcel_status, spec.id]


def project_point(model: Model, spec: ProjectSpec) -> Point:
    """Where a project's point goes: on its parcels, its buildings or its sub-park."""
    parcels = model.layers["parcels"]
    if spec.parcel_status is not None:
        claim_parcels(parcels, spec)
    held = parcels[parcels["project"] == spec.id]
    if len(held):
        return shapely.union_all(held.geometry).point_on_surface()
    if spec.id in PROJECT_BUILDINGS:
        buildings = model.layers["buildings"]
        mine = buildings["id"].str.startswith(PROJECT_BUILDINGS[spec.id])
        return shapely.union_all(buildings[mine].geometry).centroid
    return model.layers["subparks"].set_index("id").geometry[spec.subpark].point_on_surface()


def marker_points(model: Model, specs: tuple[ProjectSpec, ...]) -> dict[str, Point]:
    """Points of projects without a site: spaced along the longest road in their sub-park.

    A road centreline lies in the road's right-of-way, never on available land, so the
    marker does not pass for a site (nor count in a plot's investment intensity).
    """
    subparks = model.layers["subparks"].set_index("id").geometry
    roads = model.layers["roads"].geometry
    queues: dict[str, list[str]] = {}
    for spec in specs:
        queues.setdefault(spec.marker_subpark, []).append(spec.id)
    points = {}
    for subpark, ids in queues.items():
        inner = subparks[subpark].buffer(-MARKER_INSET_M)
        pieces = [
            part for road in roads for part in getattr(
                road.intersection(inner), "geoms", [road.intersection(inner)])
            if isinstance(part, LineString) and not part.is_empty
        ]
        line = max(pieces, key=lambda part: part.length)
        for k, pid in enumerate(ids, start=1):
            points[pid] = line.interpolate(k / (len(ids) + 1), normalized=True)
    return points


def build_projects(model: Model) -> None:
    """Pipeline projects as points; ties parcels to them."""
    pipeline = pipeline_specs()
    markers = marker_points(model, pipeline)
    rows = [
        {
            "id": spec.id, "name_zh": spec.name_zh, "name_en": spec.name_en,
            "status": spec.status, "investment_yi": spec.investment_yi,
            "land_mu": spec.land_mu, "subpark": spec.subpark,
            "industry_code": spec.industry_code, "source": spec.source,
            "confidence": spec.confidence,
            "geometry": markers.get(spec.id) or project_point(model, spec),
        }
        for spec in (*PROJECTS, *pipeline)
    ]
    model.layers["projects"] = frame_layer(rows)


def finish_parcels(model: Model) -> None:
    """Utility and logistics plots, a reserve, and the sub-park helper column dropped."""
    parcels = model.layers["parcels"]
    free = parcels[parcels["status"] == "available"]
    by_park = free.groupby("subpark")
    picks = {
        "sp-materials": ("1302", "reserved"),
        "sp-modern": ("1303", "reserved"),
        "sp-food": ("1207", "reserved"),
        "sp-auto": ("1101", "available"),
        "sp-prefab": ("1101", "available"),
    }
    for park, (code, status) in picks.items():
        idx = by_park.get_group(park).area.idxmin()
        parcels.loc[idx, ["landuse_code", "status"]] = [code, status]
    model.layers["parcels"] = parcels.drop(columns="subpark")


# --------------------------------------------------------------------------- constraints


def constraint(
    cid: str, name_zh: str, kind: str, buffer_m: float, geom: BaseGeometry, source: str,
) -> dict[str, Any]:
    """One constraint row; ``hard`` follows from the kind."""
    return {
        "id": cid, "name_zh": name_zh, "kind": kind,
        "hard": kind not in ("cropland", "forest"), "buffer_m": float(buffer_m),
        "source": source, "confidence": "guess", "geometry": geom,
    }


def red_line(model: Model) -> BaseGeometry:
    """Ecological red line on the Mingyue Shan foothills west of the belt."""
    edges = belt_edges()
    rl = np.array(RED_LINE_STATIONS, dtype=float)
    reach = np.interp(edges[:, 0], rl[:, 0], rl[:, 1])
    rows = [
        (s, lo - 1200, lo + r) for s, lo, r in zip(edges[:, 0], edges[:, 1], reach, strict=True)
    ]
    rows = [(-800, *rows[0][1:]), *rows, (17400, *rows[-1][1:])]
    boundary = shapely.union_all(model.layers["boundary"].geometry)
    return model.belt.to_map(band(rows)).difference(boundary.buffer(5))


# Frame outlines (s, u) of constraint patches.
FARMLAND_PATCHES = (
    ((1500, 1500), (2200, 1420), (2300, 1950), (1600, 2050)),
    ((4450, 600), (5000, 520), (5100, 1100), (4500, 1150)),
    ((8000, 250), (8700, 200), (8800, 900), (8100, 950)),
    ((11550, 350), (11900, 300), (11950, 900), (11600, 950)),
    ((15000, 720), (15800, 700), (15850, 1100), (15050, 1120)),
)
SLOPE_PATCHES = (
    ((3000, -900), (3500, -950), (3550, -650), (3050, -600)),
    ((9900, -1050), (10400, -1000), (10350, -780), (9950, -800)),
    ((14600, -640), (15200, -620), (15150, -420), (14650, -440)),
)
# A steep bank that clips the west edge of the new-materials park, on purpose.
SLOPE_IN_SUBPARK = ((12500, -480), (12700, -500), (12690, -320), (12510, -330))
RESERVOIR = ((7050, -1250), (7330, -1320), (7420, -1050), (7300, -880), (7080, -940))
SOFT_PATCHES = (
    ("cropland", "一般耕地（示意）", ((10150, 100), (10550, 80), (10560, 500), (10160, 520))),
    ("cropland", "一般耕地（示意）", ((8200, -600), (8800, -650), (8850, -250), (8250, -200))),
    ("cropland", "一般耕地（示意）", ((4400, -300), (5000, -350), (5050, 100), (4450, 150))),
    ("forest", "林地（示意）", ((5900, -500), (6150, -520), (6170, -250), (5920, -230))),
    ("forest", "林地（示意）", ((12050, -350), (12300, -380), (12320, 200), (12080, 220))),
    ("forest", "林地（示意）", ((4500, 280), (4950, 250), (5000, 650), (4550, 680))),
)


def union_of(model: Model, layer: str) -> BaseGeometry:
    """Union of a layer's geometries."""
    return shapely.union_all(model.layers[layer].geometry)


def hard_constraints(model: Model) -> list[dict[str, Any]]:
    """Red line, farmland, water, slopes and corridors, kept out of the sub-parks."""
    f = model.belt
    parks = union_of(model, "subparks").buffer(5)
    clusters = union_of(model, "clusters")
    buildings = union_of(model, "buildings").buffer(15)
    rows = [constraint(
        "cs-redline-mingyue", "明月山生态保护红线（示意）", "ecological_red_line", 0,
        red_line(model), f"{PRESS} (Mingyue Shan ridge west of the belt); line inferred",
    )]
    rows += [
        constraint(f"cs-pbf-{i}", "永久基本农田（示意）", "permanent_basic_farmland", 0,
                   f.polygon(list(c)).intersection(clusters).difference(parks), ILLUSTRATIVE)
        for i, c in enumerate(FARMLAND_PATCHES, start=1)
    ]
    rows += [
        constraint(f"cs-stream-{key}", "溪河（示意）", "water", 30, line.buffer(8, quad_segs=4),
                   ILLUSTRATIVE)
        for key, line in stream_lines(f).items()
    ]
    rows.append(constraint("cs-reservoir", "山塘水库（示意）", "water", 30,
                           f.polygon(list(RESERVOIR)), ILLUSTRATIVE))
    rows += [
        constraint(f"cs-slope-{i}", "陡坡（>25°，示意）", "steep_slope", 0,
                   f.polygon(list(c)).difference(parks), ILLUSTRATIVE)
        for i, c in enumerate(SLOPE_PATCHES, start=1)
    ]
    rows.append(constraint(
        f"cs-slope-{len(SLOPE_PATCHES) + 1}", "陡坡（>25°，示意）", "steep_slope", 0,
        f.polygon(list(SLOPE_IN_SUBPARK)).difference(buildings),
        f"{ILLUSTRATIVE}; clips a sub-park edge on purpose",
    ))
    hv_cut, gas_cut = cluster_cuts(f)
    rows.append(constraint("cs-hv-220kv", "220kV高压线走廊（示意）", "corridor", 0,
                           hv_cut.buffer(20), ILLUSTRATIVE))
    rows.append(constraint("cs-gas-pipeline", "天然气管道走廊（示意）", "corridor", 0,
                           gas_cut.buffer(10), ILLUSTRATIVE))
    return rows


def soft_constraints(model: Model) -> list[dict[str, Any]]:
    """Ordinary cropland and forest inside the boundary, off buildings and taken plots."""
    parcels = model.layers["parcels"]
    keep_off = shapely.union_all([
        union_of(model, "buildings").buffer(15),
        *parcels[parcels["status"] != "available"].geometry,
    ])
    boundary = union_of(model, "boundary")
    rows = []
    for kind, name, coords in SOFT_PATCHES:
        n = sum(r["kind"] == kind for r in rows) + 1
        geom = model.belt.polygon(list(coords)).intersection(boundary).difference(keep_off)
        rows.append(constraint(f"cs-{kind}-{n}", name, kind, 0, geom, ILLUSTRATIVE))
    return rows


def build_constraints(model: Model) -> None:
    """Hard constraints (clear of sub-parks and buildings) and soft ones."""
    model.layers["constraints"] = frame_layer(hard_constraints(model) + soft_constraints(model))


# --------------------------------------------------------------------------- output


def geojson_feature(props: dict[str, Any], geom: BaseGeometry) -> dict[str, Any]:
    """A GeoJSON feature with plain-Python property values (NaN becomes null)."""
    clean = {}
    for key, value in props.items():
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and math.isnan(value):
            value = None
        clean[key] = value
    geometry = json.loads(shapely.to_geojson(geom))
    return {"type": "Feature", "properties": clean, "geometry": geometry}


def to_wgs84(layer: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Layer geometry in WGS84, rounded, polygons oriented per RFC 7946."""
    geoms = layer.geometry.to_crs(WGS84)
    rounded = shapely.transform(geoms.values, lambda xy: np.round(xy, DECIMALS))
    return gpd.GeoSeries(shapely.orient_polygons(rounded), crs=WGS84)


def write_layer(name: str, layer: gpd.GeoDataFrame) -> Path:
    """Write one layer as a WGS84 GeoJSON file, one feature per line for readable diffs."""
    props = pd.DataFrame(layer.drop(columns="geometry")).astype(object)
    features = [
        geojson_feature(dict(rec), geom)
        for rec, geom in zip(props.to_dict("records"), to_wgs84(layer), strict=True)
    ]
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    head = json.dumps({"type": "FeatureCollection", "name": name}, ensure_ascii=False)[:-1]
    text = head + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"
    path = OUT_DIR / f"{name}.geojson"
    path.write_text(text, encoding="utf-8")
    return path


# Headline figures of the seed article, all for 2022:
# (key, label_zh, label_en, value, unit, change_pct).
HEADLINE = (
    ("industrial_output_yi", "规上工业产值", "industrial output above designated size",
     186.1, "亿元", 17.8),
    ("tax_yi", "税收", "tax revenue", 9.0, "亿元", None),
    ("fixed_investment_yi", "固定资产投资", "fixed-asset investment", 28.8, "亿元", 68.4),
    ("industrial_concentration_pct", "工业集中度", "industrial concentration", 85.0, "%", None),
    ("signed_projects", "签约项目", "projects signed", 38, "个", None),
    ("signed_investment_yi", "签约金额", "investment signed", 190.3, "亿元", None),
    ("signed_projects_over_1yi", "签约亿元以上项目", "signed projects over 100 million yuan",
     23, "个", None),
    ("negotiating_projects", "在谈项目", "projects in negotiation", 11, "个", None),
    ("negotiating_investment_yi", "在谈金额", "investment in negotiation", 138.3, "亿元", None),
    ("tracked_projects", "跟踪推进项目", "projects tracked", 54, "个", None),
    ("completed_projects", "竣工项目", "projects completed", 20, "个", None),
    ("ppp_investment_yi", "与央企合作PPP项目", "PPP with a central state-owned enterprise",
     140.0, "亿元", None),
    ("approval_working_days", "项目审批时限", "project approval time", 1, "个工作日", None),
    ("construction_start_months", "签约至开工", "from signing to construction start",
     3, "个月", None),
    ("platform_area_km2", "产业平台面积", "industrial platform area", 30.0, "km²", None),
    ("boundary_area_km2", "纳入城镇开发边界面积", "area inside the development boundary",
     18.0, "km²", None),
)
# Later valve-base figures from press reports: (key, label_zh, label_en, value, unit, year).
VALVE_FIGURES = (
    ("valve_signed_investment_yi", "阀门企业集中签约金额", "valve firms signed together (25 firms)",
     21.0, "亿元", 2023),
    ("valve_firms", "阀门企业数量", "valve firms in the base", 68, "家", 2025),
)
SOURCES = (
    ("geonames", "GeoNames gazetteer",
     "Town points 1809467, 1793614, 1815193, 1810625 (CC BY 4.0; credit: GeoNames)."),
    ("seed-article", "County development and reform commission article, 2023-03-23",
     "30 km2 platform, 18 km2 in the boundary, sub-parks, roads, 2022 figures."),
    ("press", "Press reports on the Dianjiang park",
     "Road lengths and widths, valve base, prefab and Chengxi projects, station."),
    ("epsg-4545", "EPSG:4545 CGCS2000 / 3-degree Gauss-Kruger CM 108E",
     "Metric CRS of the model; the files are WGS84 GeoJSON."),
    ("mnr-2023-landuse", "国土空间调查、规划、用途管制用地用海分类指南 (2023)",
     "landuse_code values."),
    ("gbt-4754-2002", "GB/T 4754-2002 industrial classification",
     "industry_code values (two-digit divisions)."),
)


def metadata() -> dict[str, Any]:
    """Park metadata: names, CRS, sources and the article's headline figures."""
    headline = [
        {"key": key, "label_zh": zh, "label_en": en, "value": value, "unit": unit,
         "year": 2022, "change_pct": change, "source": SEED}
        for key, zh, en, value, unit, change in HEADLINE
    ]
    headline += [
        {"key": key, "label_zh": zh, "label_en": en, "value": value, "unit": unit,
         "year": year, "change_pct": None, "source": PRESS}
        for key, zh, en, value, unit, year in VALVE_FIGURES
    ]
    return {
        "name_zh": "垫江县转型升级示范园区",
        "name_en": "Dianjiang transformation demonstration industrial park",
        "crs": METRIC_CRS,
        "illustrative": True,
        "description": (
            "Illustrative model, not surveyed data. The 桂阳-太平-澄溪 belt south-west of the "
            "Dianjiang county town (30 km2 platform, 18 km2 inside the development boundary) "
            "and the Gao'an satellite cluster. Town positions are GeoNames points; every "
            "outline, road alignment, parcel and building is placed by inference to match "
            "published totals and names. Built by geodata/build_dianjiang.py; provenance in "
            "geodata/README.md."
        ),
        "sources": [{"id": i, "title": t, "note": n} for i, t, n in SOURCES],
        "headline": headline,
    }


def write_all(model: Model) -> None:
    """Write every layer and the metadata file."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, layer in model.layers.items():
        write_layer(name, layer)
    text = json.dumps(metadata(), ensure_ascii=False, indent=2) + "\n"
    (OUT_DIR / "metadata.json").write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- checks

VOCAB = {
    ("boundary", "zone"): {"集中建设区", "弹性发展区", "特别用途区"},
    ("roads", "road_class"): {"highway", "expressway", "trunk", "secondary", "branch"},
    ("roads", "status"): {"built", "under_construction", "planned"},
    ("buildings", "kind"): {"standard_factory", "factory", "office", "warehouse"},
    ("buildings", "status"): {"built", "under_construction", "planned", "renovation"},
    ("constraints", "kind"): {"ecological_red_line", "permanent_basic_farmland", "water",
                              "steep_slope", "corridor", "cropland", "forest"},
    ("parcels", "status"): {"built", "supplied", "committed", "available", "reserved"},
    ("projects", "status"): {"signed", "negotiating", "under_construction", "producing"},
}
COLUMNS = {
    "clusters": ["name_zh", "name_en", "in_platform"],
    "boundary": ["name_zh", "zone", "cluster"],
    "subparks": ["name_zh", "name_en", "industry", "industry_code", "landuse_code", "cluster"],
    "roads": ["name_zh", "name_en", "road_class", "red_line_m", "status"],
    "buildings": ["name_zh", "kind", "storeys", "storey_height_m", "status", "cluster"],
    "constraints": ["name_zh", "kind", "hard", "buffer_m"],
    "parcels": ["landuse_code", "status", "project"],
    "projects": ["name_zh", "name_en", "status", "investment_yi", "land_mu", "subpark",
                 "industry_code"],
}
AREAL = ("clusters", "boundary", "subparks", "buildings", "constraints", "parcels")
HARD_KINDS = {"ecological_red_line", "permanent_basic_farmland", "water", "steep_slope", "corridor"}


def require(ok: bool, message: str) -> None:
    """Raise ``ValueError`` with ``message`` unless ``ok``."""
    if not ok:
        raise ValueError(f"dianjiang model check failed: {message}")


def read_back() -> dict[str, gpd.GeoDataFrame]:
    """Read the written GeoJSON layers, projected to EPSG:4545."""
    return {
        name: gpd.read_file(OUT_DIR / f"{name}.geojson").to_crs(METRIC_CRS)
        for name in COLUMNS
    }


def check_schema(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Columns, ids, vocabularies, geometry validity."""
    for name, gdf in layers.items():
        for col in ["id", "source", "confidence", *COLUMNS[name]]:
            require(col in gdf.columns, f"{name}: column {col} missing")
        require(gdf["id"].is_unique, f"{name}: duplicate ids")
        require(set(gdf["confidence"]) <= {"medium", "guess"}, f"{name}: bad confidence")
        require(bool(gdf.is_valid.all()), f"{name}: invalid geometry {list(gdf.id[~gdf.is_valid])}")
        require(not bool(gdf.is_empty.any()), f"{name}: empty geometry")
    for (name, col), allowed in VOCAB.items():
        bad = set(layers[name][col]) - allowed
        require(not bad, f"{name}.{col}: unexpected values {bad}")
    constraints = layers["constraints"]
    require(bool((constraints["hard"] == constraints["kind"].isin(HARD_KINDS)).all()),
            "constraints: hard does not follow kind")
    require(layers["clusters"]["in_platform"].dtype == bool, "clusters: in_platform not bool")


def check_pairwise_disjoint(name: str, gdf: gpd.GeoDataFrame, max_m2: float = 1.0) -> None:
    """No two features of a layer overlap by ``max_m2`` or more."""
    tree = shapely.STRtree(gdf.geometry.values)
    left, right = tree.query(gdf.geometry.values, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i < j:
            area = gdf.geometry.iloc[i].intersection(gdf.geometry.iloc[j]).area
            pair = f"{gdf.id.iloc[i]} and {gdf.id.iloc[j]}"
            require(area < max_m2, f"{name}: {pair} overlap {area:.1f} m2")


def check_within(
    inner: gpd.GeoDataFrame, outer: gpd.GeoDataFrame, key: str | None, inset_m: float, what: str,
) -> list[str]:
    """Each inner feature lies in one outer feature (by ``key`` or by location), inset.

    Returns the id of each inner feature's host, in order.
    """
    host_ids = []
    for row in inner.itertuples():
        if key is not None:
            hosts = outer[outer["id"] == getattr(row, key)]
        else:
            hosts = outer[outer.contains(row.geometry.representative_point())]
        require(len(hosts) == 1, f"{what}: {row.id} has {len(hosts)} hosts")
        host = hosts.geometry.iloc[0]
        require(row.geometry.difference(host).area < 1.0, f"{what}: {row.id} sticks out")
        require(row.geometry.buffer(inset_m - 0.5).difference(host).area < 1.0,
                f"{what}: {row.id} is closer than {inset_m} m to the edge")
        host_ids.append(hosts["id"].iloc[0])
    return host_ids


def check_areas(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, float]:
    """The published totals: 30 km2 platform, 18 km2 inside the boundary (belt only)."""
    clusters = layers["clusters"]
    in_belt = clusters["in_platform"]
    belt = clusters[in_belt].area.sum()
    require(abs(belt / BELT_AREA_M2 - 1) <= AREA_TOLERANCE, f"belt clusters {belt / 1e6:.4f} km2")
    boundary = layers["boundary"]
    inside = boundary[boundary["cluster"].isin(set(clusters.loc[in_belt, "id"]))].area.sum()
    require(abs(inside / BOUNDARY_AREA_M2 - 1) <= AREA_TOLERANCE,
            f"belt boundary {inside / 1e6:.4f} km2")
    gaoan = clusters[~in_belt].geometry.iloc[0]
    require(gaoan.distance(shapely.union_all(clusters[in_belt].geometry)) > 1000,
            "Gao'an cluster touches the belt")
    return {"clusters (belt)": belt, "boundary (belt)": inside}


TOWN_POINTS = {"cl-guiyang": TOWN, "cl-taiping": TAIPING, "cl-chengxi": CHENGXI, "cl-gaoan": GAOAN}


def check_towns(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Each cluster lies within 1 km of the GeoNames point of its town."""
    clusters = layers["clusters"].set_index("id")
    for cid, (lon, lat) in TOWN_POINTS.items():
        gap = clusters.geometry[cid].distance(Point(*to_metric(lon, lat)))
        require(gap < 1000, f"clusters: {cid} is {gap:.0f} m from its town point")


def check_references(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Ids named in one layer exist in the other."""
    ids = {name: set(gdf["id"]) for name, gdf in layers.items()}
    refs = (
        ("boundary", "cluster", "clusters"), ("subparks", "cluster", "clusters"),
        ("buildings", "cluster", "clusters"), ("projects", "subpark", "subparks"),
        ("parcels", "project", "projects"),
    )
    for name, col, target in refs:
        named = set(layers[name][col].dropna())
        require(named <= ids[target], f"{name}.{col}: unknown ids {named - ids[target]}")


def check_subparks(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Each sub-park sits in one boundary part of its own cluster and has roads."""
    subparks, boundary, roads = layers["subparks"], layers["boundary"], layers["roads"]
    hosts = check_within(subparks, boundary, None, SUBPARK_INSET_M - 2, "subparks")
    host_cluster = boundary.set_index("id")["cluster"]
    for row, host in zip(subparks.itertuples(), hosts, strict=True):
        require(host_cluster[host] == row.cluster, f"subparks: {row.id} is not in {row.cluster}")
        served = int(roads.intersects(row.geometry).sum())
        require(served >= 2, f"subparks: {row.id} is crossed by {served} roads")


def check_buildings(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Buildings keep off road rights-of-way and hard constraints (with their buffers)."""
    buildings, roads, constraints = layers["buildings"], layers["roads"], layers["constraints"]
    hits = buildings.id[buildings.intersects(right_of_way(roads))]
    require(hits.empty, f"buildings in road right-of-way: {list(hits)}")
    hard = constraints[constraints["hard"]]
    hard_zone = shapely.union_all(hard.geometry.buffer(hard["buffer_m"]))
    hit_area = buildings.intersection(hard_zone).area
    require(bool((hit_area < 1.0).all()),
            f"buildings on hard constraints: {list(buildings.id[hit_area >= 1])}")
    require(buildings["storeys"].dtype.kind == "i", "buildings: storeys not integer")
    check_within(buildings, layers["clusters"], "cluster", 0.0, "buildings")


def check_constraints(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Hard constraints keep out of sub-parks, bar one deliberate steep-slope patch."""
    constraints, subparks = layers["constraints"], layers["subparks"]
    parks = shapely.union_all(subparks.geometry)
    hard = constraints[constraints["hard"]]
    overlap = hard.intersection(parks).area
    offenders = list(hard.id[overlap >= 1.0])
    require(len(offenders) == 1 and offenders[0].startswith("cs-slope"),
            f"hard constraints overlapping sub-parks: {offenders}")
    require(float(overlap.max()) < 20_000, "the deliberate steep-slope overlap is too big")


def check_pipeline(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """The 2022 pipeline totals of the seed article hold exactly."""
    projects = layers["projects"]
    for status, count, total in (("signed", SIGNED_COUNT, SIGNED_TOTAL_YI),
                                 ("negotiating", NEGOTIATING_COUNT, NEGOTIATING_TOTAL_YI)):
        money = projects.loc[projects["status"] == status, "investment_yi"]
        require(len(money) == count, f"projects: {len(money)} {status}, expected {count}")
        require(bool(money.notna().all()), f"projects: a {status} project has no investment")
        require(round(float(money.sum()), 6) == total, f"projects: {status} sum {money.sum()}")
    signed = projects.loc[projects["status"] == "signed", "investment_yi"]
    require(int((signed >= 1.0).sum()) == SIGNED_OVER_1YI, "projects: signed >= 1 亿元 count")


def check_outputs() -> pd.DataFrame:
    """Read the files back, check every rule, return a summary table."""
    layers = read_back()
    check_schema(layers)
    check_references(layers)
    check_pipeline(layers)
    check_towns(layers)
    belt_areas = check_areas(layers)
    for name in ("clusters", "boundary", "subparks", "parcels", "buildings"):
        check_pairwise_disjoint(name, layers[name])
    check_within(layers["boundary"], layers["clusters"], "cluster", CLUSTER_INSET_M - 5, "boundary")
    check_subparks(layers)
    check_within(layers["parcels"], layers["subparks"], None, 0.0, "parcels")
    check_buildings(layers)
    check_constraints(layers)
    size = sum(p.stat().st_size for p in OUT_DIR.iterdir())
    require(size < 1.5e6, f"output folder is {size / 1e6:.2f} MB")
    rows = [
        {"layer": name, "features": len(gdf),
         "area_km2": round(gdf.area.sum() / 1e6, 4) if name in AREAL else None}
        for name, gdf in layers.items()
    ]
    rows += [
        {"layer": key, "features": None, "area_km2": round(area / 1e6, 4)}
        for key, area in belt_areas.items()
    ]
    return pd.DataFrame(rows).astype({"features": "Int64"})


def build() -> Model:
    """Construct every layer in EPSG:4545."""
    model = Model(
        belt=frame_for(TOWN, CHENGXI),
        gaoan=Frame(*to_metric(*GAOAN), bearing_deg=235.0),
        layers={},
    )
    build_clusters(model)
    build_boundary(model)
    build_roads(model)
    build_subparks(model)
    build_parcels(model)
    build_buildings(model)
    build_projects(model)
    finish_parcels(model)
    build_constraints(model)
    return model


def main() -> None:
    """Build, write and check the model; print a summary."""
    write_all(build())
    summary = check_outputs()
    table = summary.assign(
        features=summary["features"].map(lambda n: "-" if pd.isna(n) else str(n)),
        area_km2=summary["area_km2"].map(lambda a: "-" if pd.isna(a) else f"{a:.4f}"),
    )
    print(table.to_string(index=False))
    size = sum(p.stat().st_size for p in OUT_DIR.iterdir())
    print(f"wrote {OUT_DIR.relative_to(ROOT)} ({size / 1e6:.2f} MB); all checks passed")


if __name__ == "__main__":
    main()
