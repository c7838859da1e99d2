"""Folium web maps of a park: styled layers, legend, figures, basemaps, offline HTML.

:func:`webmap` draws every layer of a park (and, when given, the available land and a
layout) on a Leaflet map built with Folium: one toggle per layer, a legend that follows
the toggles, a panel with the park's headline figures and area summary, a metric scale
bar, a fullscreen button and a distance / area measure tool (m, 亩, 公顷).
:func:`save_map` writes it as one HTML file.

Safety: every value that comes from the data is HTML-escaped in Python before it reaches
the page, and data embedded in scripts cannot close the ``<script>`` element, so a
feature named ``<img src=x onerror=alert(1)>`` shows as text.

Styles are data (``data/map_styles.csv``; land-use colours from
``data/landuse_2023.csv``). The map's own controls are parkmap's code
(``data/webmap.js``, ``data/webmap.css``) on plain Leaflet, so the same code runs online
and offline. With ``offline=True`` Leaflet (from the ``xstatic-leaflet`` package) is
inlined with its images as ``data:`` URIs: the file needs no network at all (tiles aside).

Geometry is drawn simplified at a tolerance in metres (default
:data:`DEFAULT_SIMPLIFY_M`) and rounded to 1e-6 degrees (about 0.1 m); every area shown
comes from the full geometry in the park's metric CRS.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from parkmap._data import data_path, read_table
from parkmap.crs import WGS84, wgs84_to_gcj02
from parkmap.errors import BasemapError
from parkmap.io import atomic_output
from parkmap.landuse import lookup_code
from parkmap.park import Park
from parkmap.report import area_report
from parkmap.schema import feature_ids
from parkmap.units import M2_PER_HA, M2_PER_MU
from parkmap.vocab import display_names as _names
from parkmap.vocab import label as _label

__all__ = [
    "BASEMAPS",
    "CHROMIUM_ARGS",
    "DEFAULT_SIMPLIFY_M",
    "TIANDITU_KEY_ENV",
    "map_styles",
    "save_map",
    "webmap",
]

log = logging.getLogger("parkmap")

#: Named basemaps; anything else with ``{z}``, ``{x}`` and ``{y}`` is a tile URL template.
BASEMAPS = ("osm", "tianditu", "amap", "none")
#: Environment variable read for the Tianditu key when none is passed.
TIANDITU_KEY_ENV = "TIANDITU_KEY"
#: Default display simplification, metres: under a pixel at zoom 17 (1.2 m/px at 30°N).
DEFAULT_SIMPLIFY_M = 1.0
#: Decimal places of degrees kept in the page (1e-6° is about 0.1 m).
COORD_DECIMALS = 6

#: Command-line flags to open saved maps in Debian's headless Chromium (as root, with no
#: network): used by the browser tests and ``docs/make_screenshot.py``.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

_OSM = (
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
_TIANDITU = "https://t{s}.tianditu.gov.cn/DataServer?T=%s_w&x={x}&y={y}&l={z}&tk=%s"
_TIANDITU_ATTR = '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a> (CGCS2000)'
_AMAP = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
    "&x={x}&y={y}&z={z}"
)
_AMAP_ATTR = "&copy; 高德地图 AutoNavi (GCJ-02)"
_LEAFLET_CDN = "https://cdn.jsdelivr.net/npm/leaflet@{version}/dist/{file}"

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_DASH = re.compile(r"^[0-9. ,]*$")
_HATCHES = ("diagonal", "antidiagonal", "horizontal", "vertical", "cross", "dots")

# UI text: (zh, en).
_TEXT = {
    "clusters": ("组团", "Clusters"),
    "boundary": ("城镇开发边界", "Development boundary"),
    "subparks": ("园中园", "Sub-parks"),
    "roads": ("道路(红线宽度)", "Roads (red-line width)"),
    "buildings": ("建筑", "Buildings"),
    "constraints": ("管控", "Constraint"),
    "parcels": ("地块", "Parcels"),
    "projects": ("项目", "Projects"),
    "available": ("可用地", "Available land"),
    "layout_plots": ("规划地块", "Layout plots"),
    "layout_buildings": ("规划建筑", "Layout buildings"),
    "parcel_status": ("地块状态(边框)", "Parcel status (outline)"),
    "road_status": ("道路状态(边框)", "Road status (outline)"),
    "name_en": ("英文名称", "English name"),
    "area": ("面积", "Area"),
    "status": ("状态", "Status"),
    "landuse": ("用地用海分类", "Land-use class"),
    "investment": ("投资", "Investment"),
    "land": ("用地", "Land"),
    "subpark": ("园中园", "Sub-park"),
    "cluster": ("组团", "Cluster"),
    "zone": ("分区", "Zone"),
    "industry": ("产业", "Industry"),
    "road_class": ("道路等级", "Road class"),
    "red_line": ("红线宽度", "Red-line width"),
    "length": ("长度", "Length"),
    "kind": ("类型", "Kind"),
    "storeys": ("层数 × 层高", "Storeys × storey height"),
    "floor_area": ("建筑面积", "Floor area"),
    "hard": ("刚性", "Hard"),
    "buffer": ("缓冲距离", "Buffer"),
    "project": ("项目", "Project"),
    "in_platform": ("计入平台", "In the platform"),
    "id": ("编号", "ID"),
    "source": ("来源", "Source"),
    "confidence": ("可信度", "Confidence"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "mu": ("亩", "mu"),
    "ha": ("公顷", "ha"),
    "yi": ("亿元", "100M CNY"),
    "outside_subparks": ("园中园外", "outside sub-parks"),
    "summary": ("面积汇总", "Area summary"),
    "availability": ("可用地(按园中园)", "Available land by sub-park"),
    "headline": ("主要指标", "Headline figures"),
    "total": ("合计", "total"),
    "illustrative": (
        "示意模型:依据公开资料推断,非测绘数据。",
        "Illustrative model inferred from public descriptions, not surveyed data.",
    ),
    "areas_note": (
        "面积按 {crs} 中的完整几何计算;1 亩 = 10000/15 平方米。",
        "Areas from the full geometry in {crs}; 1 mu = 10000/15 m².",
    ),
    "simplified": (
        "显示几何按 {tol} 米容差简化(面积不受影响)。",
        "Shapes drawn simplified at {tol} m (areas unaffected).",
    ),
    "gcj02": (
        "高德底图使用 GCJ-02 坐标:图上要素已由 WGS84 转换为 GCJ-02(此处偏移约 {m:.0f} 米),"
        "以与底图对齐;在本图上读取的坐标为 GCJ-02。",
        "AMap tiles use GCJ-02: the features were shifted from WGS84 to GCJ-02 (about "
        "{m:.0f} m here) to sit on the tiles; coordinates read off this map are GCJ-02.",
    ),
    "fullscreen": ("全屏", "Fullscreen"),
    "measure": ("测量距离和面积", "Measure distance and area"),
    "hint": ("单击地图添加点,双击结束", "Click to add points, double-click to finish"),
    "finish": ("双击或再次点击按钮结束", "Double-click or press the button to finish"),
    "clear": ("清除", "Clear"),
    "m_length": ("长度", "Length"),
    "m_area": ("面积", "Area"),
    "basemap_osm": ("OpenStreetMap", "OpenStreetMap"),
    "basemap_tdt_vec": ("天地图 矢量", "Tianditu vector"),
    "basemap_tdt_img": ("天地图 影像", "Tianditu imagery"),
    "basemap_tdt_label": ("天地图 注记", "Tianditu labels"),
    "basemap_amap": ("高德地图 (GCJ-02)", "AMap (GCJ-02)"),
    "basemap_custom": ("自定义底图", "Custom tiles"),
}


def _t(key: str, lang: str) -> str:
    zh, en = _TEXT[key]
    return zh if lang == "zh" else en


_esc = html.escape


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value) -> str:
    """Display text of a data value ("" when missing)."""
    if _blank(value):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _area_text(area_m2: float, lang: str) -> str:
    return (
        f"{area_m2 / M2_PER_MU:,.1f} {_t('mu', lang)} · {area_m2 / M2_PER_HA:,.2f} {_t('ha', lang)}"
    )


def _coded(column: str, value, lang: str, *, both: bool = True) -> str:
    """A coded value (status, kind …): "已建 built" with ``both``, else in ``lang`` only."""
    if _blank(value):
        return ""
    zh, en = _label(column, value)
    if not both:
        return zh if lang == "zh" else en
    return zh if zh == en else f"{zh} {en}"


def _landuse_text(code) -> str:
    found = lookup_code(code)
    if found is None:
        return _text(code)
    return f"{found.code} {found.name_zh} ({found.name_en})"


# -- styles ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Style:
    """One drawing style, read from ``map_styles.csv``."""

    color: str = ""
    fill_color: str = ""
    fill_opacity: float | None = None
    weight: float | None = None
    dash_array: str = ""
    hatch: str = ""
    radius: float | None = None

    def over(self, base: _Style) -> _Style:
        """Lay the fields set in this style over ``base``."""
        merged = {
            name: getattr(self, name) if getattr(self, name) not in ("", None) else value
            for name, value in base.__dict__.items()
        }
        return _Style(**merged)

    def leaflet(self, pattern_id: str | None = None) -> dict:
        """Leaflet path options."""
        options: dict = {"color": self.color or "#333333", "opacity": 1.0}
        options["weight"] = self.weight if self.weight is not None else 1.0
        fill = self.fill_color or self.color or "#333333"
        options["fillColor"] = f"url(#{pattern_id})" if pattern_id and self.hatch else fill
        options["fillOpacity"] = self.fill_opacity if self.fill_opacity is not None else 0.5
        if self.dash_array:
            options["dashArray"] = self.dash_array
        if self.radius is not None:
            options["radius"] = self.radius
        return options


def map_styles() -> pd.DataFrame:
    """The layer styles of web maps (``data/map_styles.csv``), one row per layer and key.

    Columns: ``layer``, ``key`` (a coded value, or ``*`` for the whole layer),
    ``color``, ``fill_color``, ``fill_opacity``, ``weight`` (pixels), ``dash_array``,
    ``hatch`` (one of ``diagonal``, ``antidiagonal``, ``horizontal``, ``vertical``,
    ``cross``, ``dots``), ``radius`` (pixels, points), ``note``, ``source``,
    ``confidence``. Land-use class colours come from ``data/landuse_2023.csv`` instead.

    Returns
    -------
    pandas.DataFrame
        All columns as text, empty cells as empty strings.
    """
    return read_table("map_styles.csv")


@cache
def _style_table() -> dict[tuple[str, str], _Style]:
    table = map_styles()
    styles: dict[tuple[str, str], _Style] = {}
    for row in table.itertuples(index=False):
        where = f"map_styles.csv, layer {row.layer!r}, key {row.key!r}"
        for colour in (row.color, row.fill_color):
            if colour and not _HEX.match(colour):
                raise ValueError(f"{where}: colour {colour!r} is not #RRGGBB")
        if not _DASH.match(row.dash_array) or row.hatch not in ("", *_HATCHES):
            raise ValueError(f"{where}: bad dash_array or hatch")
        styles[(row.layer, row.key)] = _Style(
            color=row.color,
            fill_color=row.fill_color,
            fill_opacity=float(row.fill_opacity) if row.fill_opacity else None,
            weight=float(row.weight) if row.weight else None,
            dash_array=row.dash_array,
            hatch=row.hatch,
            radius=float(row.radius) if row.radius else None,
        )
    return styles


def _style(layer: str, key: str = "*") -> _Style:
    table = _style_table()
    return table.get((layer, str(key))) or table.get((layer, "*")) or _Style()


def _pattern_id(key: str) -> str:
    return "parkmap-hatch-" + re.sub(r"[^A-Za-z0-9_-]", "_", key)


def _patterns_svg(keys: Iterable[str]) -> str:
    """Hidden SVG with one hatch pattern per constraint kind (referenced by fill=url(#…))."""
    defs = []
    for key in keys:
        style = _style("constraints", key)
        if not style.hatch:
            continue
        colour = style.color or "#333333"
        angle = {"diagonal": 45, "antidiagonal": -45, "horizontal": 90, "cross": 45}.get(
            style.hatch, 0
        )
        if style.hatch == "dots":
            marks = f'<circle cx="4" cy="4" r="1.6" fill="{colour}"/>'
        else:
            marks = f'<line x1="0" y1="0" x2="0" y2="8" stroke="{colour}" stroke-width="2.2"/>'
            if style.hatch == "cross":
                marks += f'<line x1="0" y1="0" x2="8" y2="0" stroke="{colour}" stroke-width="2.2"/>'
        defs.append(
            f'<pattern id="{_pattern_id(key)}" patternUnits="userSpaceOnUse" width="8" '
            f'height="8" patternTransform="rotate({angle})">'
            f'<rect width="8" height="8" fill="{colour}" fill-opacity="0.18"/>{marks}</pattern>'
        )
    return (
        '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
        + "".join(defs)
        + "</defs></svg>"
    )


def _swatch(options: dict, point: bool = False) -> str:
    """A small inline SVG showing a Leaflet style, for the legend."""
    dash = f' stroke-dasharray="{options["dashArray"]}"' if options.get("dashArray") else ""
    paint = (
        f'fill="{options["fillColor"]}" fill-opacity="{options["fillOpacity"]}" '
        f'stroke="{options["color"]}" stroke-width="{min(options["weight"], 3)}"{dash}'
    )
    shape = (
        f'<circle cx="10" cy="8" r="5.5" {paint}/>'
        if point
        else f'<rect x="1.5" y="1.5" width="19" height="13" {paint}/>'
    )
    return f'<svg width="22" height="16" viewBox="0 0 22 16" aria-hidden="true">{shape}</svg>'


# -- geometry -----------------------------------------------------------------------------
@dataclass
class _Stats:
    vertices_full: int = 0
    vertices_drawn: int = 0
    features: int = 0


def _display_geometry(
    geoms: gpd.GeoSeries, simplify_m: float, gcj02: bool, stats: _Stats
) -> list[dict]:
    """GeoJSON geometries for the page: simplified in metres, WGS84 (or GCJ-02), rounded."""
    array = geoms.array
    stats.vertices_full += int(shapely.get_num_coordinates(array).sum())
    if simplify_m > 0:
        array = shapely.simplify(array, simplify_m, preserve_topology=True)
    lonlat = gpd.GeoSeries(array, crs=geoms.crs).to_crs(WGS84).array

    def to_page(coords: np.ndarray) -> np.ndarray:
        if gcj02:
            coords = np.column_stack(wgs84_to_gcj02(coords[:, 0], coords[:, 1]))
        return np.round(coords, COORD_DECIMALS)

    lonlat = shapely.transform(lonlat, to_page)
    stats.vertices_drawn += int(shapely.get_num_coordinates(lonlat).sum())
    stats.features += len(lonlat)
    return [json.loads(g) for g in shapely.to_geojson(lonlat)]


def _js_json(value) -> str:
    """JSON for a ``<script>`` element: compact, UTF-8, unable to close the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\u0021--")


# -- popups ---------------------------------------------------------------------------------
def _popup(title: str, subtitle: str, rows: list[tuple[str, str]]) -> str:
    """Popup HTML; every argument is plain text and is escaped here."""
    body = "".join(
        f"<tr><th>{_esc(label)}</th><td>{_esc(value)}</td></tr>" for label, value in rows if value
    )
    sub = f'<div class="parkmap-sub">{_esc(subtitle)}</div>' if subtitle != title else ""
    return f'<div class="parkmap-title">{_esc(title or "-")}</div>{sub}<table>{body}</table>'


def _tooltip(title: str, *lines: str) -> str:
    """Tooltip HTML; every argument is plain text and is escaped here."""
    return f"<b>{_esc(title or '-')}</b>" + "".join(f"<br>{_esc(x)}" for x in lines if x)


# -- overlays -------------------------------------------------------------------------------
@dataclass
class _Overlay:
    """One toggleable layer, ready to draw."""

    key: str
    name: str
    geoms: gpd.GeoSeries
    styles: list[dict]
    style_index: list[int]
    tooltips: list[str]
    popups: list[str]
    legend: list[tuple[str, dict]]
    radius: list[float] | None = None
    point: bool = False
    show: bool = True


@dataclass
class _Context:
    """What the per-layer builders need besides the layer."""

    park: Park
    lang: str
    cluster_names: dict = field(default_factory=dict)
    subpark_names: dict = field(default_factory=dict)

    def t(self, key: str) -> str:
        return _t(key, self.lang)

    def tail(self, row: dict, fid: str) -> list[tuple[str, str]]:
        """The rows every popup ends with: id, source, confidence."""
        return [
            (self.t("id"), fid),
            (self.t("source"), _text(row.get("source"))),
            (self.t("confidence"), _text(row.get("confidence"))),
        ]


def _id_names(gdf: gpd.GeoDataFrame | None) -> dict[str, tuple[str, str]]:
    if gdf is None or not len(gdf):
        return {}
    zh, en = _names(gdf)
    return dict(zip(feature_ids(gdf), zip(zh, en, strict=True), strict=True))


def _bilingual(names: dict, key) -> str:
    if _blank(key):
        return ""
    zh, en = names.get(str(key), (str(key), str(key)))
    return zh if zh == en else f"{zh} ({en})"


def _records(gdf: gpd.GeoDataFrame) -> list[dict]:
    return pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).to_dict("records")


def _by_value(
    ctx: _Context,
    layer: str,
    gdf: gpd.GeoDataFrame,
    column: str,
    describe: Callable[[dict, str, float], tuple[str, str, list[tuple[str, str]], str]],
    *,
    style_layer: str | None = None,
    geoms: gpd.GeoSeries | None = None,
    outline: tuple[str, str] | None = None,
) -> _Overlay:
    """An overlay styled by the value of ``column`` (optionally outlined by another)."""
    style_layer = style_layer or layer
    geoms = gdf.geometry if geoms is None else geoms
    areas = geoms.area.to_numpy()
    ids = feature_ids(gdf).to_numpy()
    styles: list[dict] = []
    index_of: dict[tuple, int] = {}
    style_index, tooltips, popups = [], [], []
    legend: dict[str, dict] = {}
    outline_legend: dict[str, dict] = {}
    for i, row in enumerate(_records(gdf)):
        value = "*" if column == "*" else _text(row.get(column))
        style = _style(style_layer, value)
        if outline is not None:
            style = _style(outline[0], _text(row.get(outline[1]))).over(style)
        options = style.leaflet(_pattern_id(value))
        key = json.dumps(options, sort_keys=True)
        if key not in index_of:
            index_of[key] = len(styles)
            styles.append(options)
        style_index.append(index_of[key])
        title, subtitle, rows, short = describe(row, ids[i], float(areas[i]))
        tooltips.append(_tooltip(title, subtitle if subtitle != title else "", short))
        popups.append(_popup(title, subtitle, rows + ctx.tail(row, ids[i])))
        label = _coded(column, value, ctx.lang, both=False) if column != "*" else ""
        legend.setdefault(
            label or ctx.t(layer), _style(style_layer, value).leaflet(_pattern_id(value))
        )
        if outline is not None:
            status = _text(row.get(outline[1]))
            outline_legend.setdefault(
                f"{ctx.t(outline[0])}: {_coded(outline[1], status, ctx.lang, both=False)}",
                {**_style(outline[0], status).leaflet(), "fillColor": "#FFFFFF"},
            )
    return _Overlay(
        key=layer,
        name=ctx.t(layer),
        geoms=geoms,
        styles=styles,
        style_index=style_index,
        tooltips=tooltips,
        popups=popups,
        legend=list(legend.items()) + list(outline_legend.items()),
    )


def _named(ctx: _Context, row: dict) -> tuple[str, str]:
    zh = _text(row.get("name_zh"))
    en = _text(row.get("name_en")) or zh
    return zh or en, en or zh


def _clusters(ctx: _Context, gdf: gpd.GeoDataFrame) -> list[_Overlay]:
    def describe(row, fid, area):
        zh, en = _named(ctx, row)
        flag = row.get("in_platform")
        rows = [(ctx.t("name_en"), en), (ctx.t("area"), _area_text(area, ctx.lang))]
        if not _blank(flag):
            rows.append((ctx.t("in_platform"), ctx.t("yes") if bool(flag) else ctx.t("no")))
        return zh, en, rows, _area_text(area, ctx.lang)

    return [_by_value(ctx, "clusters", gdf, "*", describe)]


def _boundary(ctx: _Context, gdf: gpd.GeoDataFrame) -> list[_Overlay]:
    def describe(row, fid, area):
        zh, en = _named(ctx, row)
        rows = [
            (ctx.t("zone"), _coded("zone", row.get("zone"), ctx.lang)),
            (ctx.t("cluster"), _bilingual(ctx.cluster_names, row.get("cluster"))),
            (ctx.t("area"), _area_text(area, ctx.lang)),
        ]
        return zh, en, rows, _coded("zone", row.get("zone"), ctx.lang)

    return [_by_value(ctx, "boundary", gdf, "zone", describe)]


def _subparks(ctx: _Context, gdf: gpd.GeoDataFrame) -> list[_Overlay]:
    def describe(row, fid, area):
        zh, en = _named(ctx, row)
        industry = _text(row.get("industry"))
        if _text(row.get("industry_code")):
            industry += f" ({_text(row.get('industry_code'))})"
        rows = [
            (ctx.t("name_en"), en),
            (ctx.t("industry"), industry),
            (ctx.t("landuse"), _landuse_text(row.get("landuse_code"))),
            (ctx.t("cluster"), _bilingual(ctx.cluster_names, row.get("cluster"))),
            (ctx.t("area"), _area_text(area, ctx.lang)),
        ]
        return zh, en, rows, _area_text(area, ctx.lang)

    return [_by_value(ctx, "subparks", gdf, "*", describe)]


def _roads(ctx: _Context, gdf: gpd.GeoDataFrame) -> list[_Overlay]:
    width = pd.to_numeric(gdf["red_line_m"], errors="coerce").fillna(0.0).to_numpy()
    right_of_way = gpd.GeoSeries(
        shapely.buffer(gdf.geometry.array, width / 2, cap_style="flat", join_style="mitre"),
        index=gdf.index,
        crs=gdf.crs,
    )
    lengths = gdf.geometry.length.to_numpy()
    position = {idx: i for i, idx in enumerate(gdf.index)}
    ids = feature_ids(gdf)
    id_position = {fid: position[idx] for idx, fid in ids.items()}

    def describe(row, fid, area):
        zh, en = _named(ctx, row)
        i = id_position[fid]
        rows = [
            (ctx.t("name_en"), en),
            (ctx.t("road_class"), _coded("road_class", row.get("road_class"), ctx.lang)),
            (ctx.t("red_line"), f"{_text(row.get('red_line_m'))} m"),
            (ctx.t("length"), f"{lengths[i]:,.0f} m"),
            (ctx.t("area"), _area_text(area, ctx.lang)),
            (ctx.t("status"), _coded("status", row.get("status"), ctx.lang)),
        ]
        short = f"{_coded('road_class', row.get('road_class'), ctx.lang)}, " + (
            f"{_text(row.get('red_line_m'))} m"
        )
        return zh or fid, en, rows, short

    return [
        _by_value(
            ctx,
            "roads",
            gdf,
            "road_class",
            describe,
            geoms=right_of_way,
            outline=("road_status", "status"),
        )
    ]


def _buildings(ctx: _Context, gdf: gpd.GeoDataFrame) -> list[_Overlay]:
    def describe(row, fid, area):
        zh, _ = _named(ctx, row)
        storeys = pd.to_numeric(row.get("storeys"), errors="coerce")
        height = pd.to_numeric(row.get("storey_height_m"), errors="coerce")
        rows = [
            (ctx.t("kind"), _coded("kind", row.get("kind"), ctx.lang)),
            (ctx.t("storeys"), f"{_text(storeys)} × {_text(height)} m"),
            (ctx.t("area"), f"{area:,.0f} m² ({_area_text(area, ctx.lang)})"),
            (
                ctx.t("floor_area"),
                "" if pd.isna(storeys) else f"{area * storeys:,.0f} m²",
            ),
            (ctx.t("status"), _coded("status", row.get("status"), ctx.lang)),
            (ctx.t("cluster"), _bilingual(ctx.cluster_names, row.get("cluster"))),
        ]
        return zh or fid, "", rows, _coded("status", row.get("status"), ctx.lang)

    return [_by_value(ctx, "buildings", gdf, "status", describe)]


def _constraints(ctx: _Context, gdf: gpd.GeoDataFrame) -> list[_Overlay]:
    def describe(row, fid, area):
        kind = _coded("kind", row.get("kind"), ctx.lang)
        hard = row.get("hard")
        rows = [
            (ctx.t("kind"), kind),
            (ctx.t("hard"), "" if _blank(hard) else ctx.t("yes" if bool(hard) else "no")),
            (ctx.t("buffer"), f"{_text(row.get('buffer_m'))} m"),
            (ctx.t("area"), _area_text(area, ctx.lang)),
        ]
        return _text(row.get("name_zh")) or kind, kind, rows, _area_text(area, ctx.lang)

    overlays = []
    kinds = gdf["kind"].astype(str)
    for kind in dict.fromkeys(kinds):
        overlay = _by_value(ctx, "constraints", gdf[kinds == kind], "kind", describe)
        overlay.key = f"constraints:{kind}"
        overlay.name = f"{ctx.t('constraints')} · {_coded('kind', kind, ctx.lang, both=False)}"
        overlays.append(overlay)
    return overlays


def _parcels(ctx: _Context, gdf: gpd.GeoDataFrame) -> list[_Overlay]:
    def describe(row, fid, area):
        status = _coded("status", row.get("status"), ctx.lang)
        rows = [
            (ctx.t("landuse"), _landuse_text(row.get("landuse_code"))),
            (ctx.t("status"), status),
            (ctx.t("project"), _text(row.get("project"))),
            (ctx.t("area"), _area_text(area, ctx.lang)),
        ]
        return fid, _landuse_text(row.get("landuse_code")), rows, status

    overlays = []
    codes = gdf["landuse_code"].astype(str)
    for code in sorted(set(codes)):
        part = gdf[codes == code]
        found = lookup_code(code)
        fill = _Style(fill_color=found.hex if found else "#CCCCCC")
        overlay = _by_value(
            ctx, "parcels", part, "*", describe, outline=("parcel_status", "status")
        )
        # land-use colour under the status outline, from landuse_2023.csv
        overlay.styles = [{**s, "fillColor": fill.fill_color} for s in overlay.styles]
        label = f"{code} {found.name_zh if ctx.lang == 'zh' else found.name_en}" if found else code
        swatch = {**_style("parcel_status", "built").leaflet(), "fillColor": fill.fill_color}
        overlay.legend = [(label, swatch), *overlay.legend[1:]]
        overlay.key = f"parcels:{code}"
        overlay.name = f"{ctx.t('parcels')} · {label}"
        overlays.append(overlay)
    return overlays


def _projects(ctx: _Context, gdf: gpd.GeoDataFrame) -> list[_Overlay]:
    geoms = gdf.geometry.copy()
    polygons = geoms.geom_type.isin(["Polygon", "MultiPolygon"])
    geoms[polygons] = geoms[polygons].representative_point()

    def describe(row, fid, area):
        zh, en = _named(ctx, row)
        investment = pd.to_numeric(row.get("investment_yi"), errors="coerce")
        land_mu = pd.to_numeric(row.get("land_mu"), errors="coerce")
        rows = [
            (ctx.t("name_en"), en),
            (ctx.t("status"), _coded("status", row.get("status"), ctx.lang)),
            (
                ctx.t("investment"),
                "" if pd.isna(investment) else f"{investment:,.2f} {ctx.t('yi')}",
            ),
            (ctx.t("land"), "" if pd.isna(land_mu) else f"{land_mu:,.1f} {ctx.t('mu')}"),
            (ctx.t("subpark"), _bilingual(ctx.subpark_names, row.get("subpark"))),
        ]
        short = _coded("status", row.get("status"), ctx.lang)
        if not pd.isna(investment):
            short += f", {investment:,.2f} {ctx.t('yi')}"
        return zh, en, rows, short

    overlay = _by_value(ctx, "projects", gdf, "status", describe, geoms=geoms)
    investment = pd.to_numeric(gdf.get("investment_yi"), errors="coerce").to_numpy(dtype=float)
    base = np.array([_style("projects", s).radius or 7 for s in gdf["status"].astype(str)])
    overlay.radius = np.round(
        np.minimum(base + 2.0 * np.sqrt(np.nan_to_num(investment, nan=0.0)), 20.0), 1
    ).tolist()
    overlay.point = True
    return [overlay]


def _available(ctx: _Context, land: gpd.GeoDataFrame) -> list[_Overlay]:
    def describe(row, fid, area):
        area_m2 = pd.to_numeric(row.get("area_m2"), errors="coerce")
        area_m2 = area if pd.isna(area_m2) else float(area_m2)
        subpark = _bilingual(ctx.subpark_names, row.get("subpark")) or ctx.t("outside_subparks")
        rows = [
            (ctx.t("subpark"), subpark),
            (ctx.t("cluster"), _bilingual(ctx.cluster_names, row.get("cluster"))),
            (ctx.t("area"), _area_text(area_m2, ctx.lang)),
        ]
        return ctx.t("available"), subpark, rows, _area_text(area_m2, ctx.lang)

    return [_by_value(ctx, "available", land, "*", describe)]


def _layout_layer(ctx: _Context, key: str, gdf: gpd.GeoDataFrame) -> list[_Overlay]:
    def describe(row, fid, area):
        zh, _ = _named(ctx, row)
        rows = [
            (ctx.t("kind"), _coded("kind", row.get("kind"), ctx.lang)),
            (ctx.t("status"), _coded("status", row.get("status"), ctx.lang)),
            (ctx.t("area"), f"{area:,.0f} m² ({_area_text(area, ctx.lang)})"),
        ]
        for column in ("far", "coverage", "storeys"):
            if column in row:
                rows.append((column, _text(row.get(column))))
        return zh or fid, "", rows, _area_text(area, ctx.lang)

    return [_by_value(ctx, key, gdf, "*", describe)]


def _in_crs(gdf, crs) -> gpd.GeoDataFrame | None:
    if not isinstance(gdf, gpd.GeoDataFrame) or not len(gdf):
        return None
    if gdf.crs is not None and gdf.crs != crs:
        return gdf.to_crs(crs)
    return gdf


def _overlays(ctx: _Context, availability, layout) -> list[_Overlay]:
    park = ctx.park
    builders = [
        ("clusters", _clusters),
        ("boundary", _boundary),
        ("subparks", _subparks),
        ("constraints", _constraints),
        ("parcels", _parcels),
    ]
    late = [("roads", _roads), ("buildings", _buildings)]
    overlays: list[_Overlay] = []
    for layer, build in builders:
        if layer in park and len(park[layer]):
            overlays.extend(build(ctx, park[layer]))
    land = _in_crs(getattr(availability, "land", availability), park.crs)
    if land is not None:
        overlays.extend(_available(ctx, land))
    plots = _in_crs(getattr(layout, "plots", None), park.crs)
    if plots is not None:
        overlays.extend(_layout_layer(ctx, "layout_plots", plots))
    for layer, build in late:
        if layer in park and len(park[layer]):
            overlays.extend(build(ctx, park[layer]))
    planned = _in_crs(getattr(layout, "buildings", None), park.crs)
    if planned is not None:
        overlays.extend(_layout_layer(ctx, "layout_buildings", planned))
    if "projects" in park and len(park["projects"]):
        overlays.extend(_projects(ctx, park["projects"]))
    return overlays


# -- panels ---------------------------------------------------------------------------------
def _table_html(rows: list[tuple[str, float | None]], lang: str, total: float | None = None) -> str:
    """An area table in 亩 and 公顷; a row whose area is None is a group heading."""
    cells = [f"<tr><th></th><th>{_t('mu', lang)}</th><th>{_t('ha', lang)}</th></tr>"]
    if total is not None:
        rows = [*rows, (_t("total", lang), total)]
    for i, (name, area) in enumerate(rows):
        if area is None:
            cells.append(f'<tr class="head"><td colspan="3">{_esc(name)}</td></tr>')
            continue
        css = ' class="total"' if total is not None and i == len(rows) - 1 else ""
        cells.append(
            f'<tr{css}><td>{_esc(name)}</td><td class="num">{area / M2_PER_MU:,.0f}</td>'
            f'<td class="num">{area / M2_PER_HA:,.1f}</td></tr>'
        )
    return f"<table>{''.join(cells)}</table>"


def _summary_rows(park: Park, lang: str) -> list[tuple[str, float | None]]:
    """Area-summary rows from the area report: clusters, boundary zones, sub-parks, parcels."""
    # the panel shows area tables only: no need to run the availability waterfall here
    tables = {t.key: t for t in area_report(park, with_availability=False).tables}
    name = "name_zh" if lang == "zh" else "name_en"
    rows: list[tuple[str, float | None]] = []
    wanted = (
        ("clusters", "clusters", "totals"),
        ("boundary", "boundary", "totals"),
        ("subparks", "subparks", "rows"),
        ("parcels_by_status", "parcels", "rows"),
    )
    for key, heading, part in wanted:
        if key not in tables:
            continue
        rows.append((_t(heading, lang), None))
        for record in getattr(tables[key], part).to_dict("records"):
            label = str(record[name])
            if str(record["key"]).startswith("zone:"):
                label = _coded("zone", str(record["key"])[5:], lang, both=False)
            if not _blank(record.get("area_m2")):
                rows.append((label, float(record["area_m2"])))
    return rows


def _availability_rows(ctx: _Context, land: gpd.GeoDataFrame) -> tuple[list, float]:
    area = (
        pd.to_numeric(land["area_m2"], errors="coerce")
        if "area_m2" in land.columns
        else land.geometry.area
    )
    area = area.fillna(land.geometry.area)
    groups = (
        land["subpark"].astype(object).where(land["subpark"].notna(), None)
        if "subpark" in land.columns
        else pd.Series(None, index=land.index, dtype=object)
    )
    rows = []
    for key, value in area.groupby(groups.fillna("\0"), sort=True).sum().items():
        name = ctx.t("outside_subparks") if key == "\0" else _bilingual(ctx.subpark_names, key)
        rows.append((name, float(value)))
    return rows, float(area.sum())


def _panel_html(ctx: _Context, land: gpd.GeoDataFrame | None) -> str:
    park, lang = ctx.park, ctx.lang
    meta = park.metadata
    zh = str(meta.get("name_zh") or park.name)
    en = str(meta.get("name_en") or "")
    parts = [f"<h3>{_esc(zh)}</h3>"]
    if en and en != zh:
        parts.append(f'<div class="parkmap-sub">{_esc(en)}</div>')
    if meta.get("illustrative"):
        parts.append(f'<div class="parkmap-warn">{_esc(ctx.t("illustrative"))}</div>')
    summary = _summary_rows(park, lang)
    if summary:
        parts.append(
            f"<details open><summary>{_esc(ctx.t('summary'))}</summary>"
            f"{_table_html(summary, lang)}</details>"
        )
    if land is not None:
        rows, total = _availability_rows(ctx, land)
        parts.append(
            f"<details open><summary>{_esc(ctx.t('availability'))}</summary>"
            f"{_table_html(rows, lang, total)}</details>"
        )
    headline = [h for h in meta.get("headline", []) if isinstance(h, dict)]
    if headline:
        label = "label_zh" if lang == "zh" else "label_en"
        body = "".join(
            f"<tr><td>{_esc(_text(h.get(label) or h.get('key')))}</td>"
            f'<td class="num">{_esc(_text(h.get("value")))} {_esc(_text(h.get("unit")))}</td>'
            f"<td>{_esc(_text(h.get('year')))}</td></tr>"
            for h in headline
        )
        parts.append(
            f"<details><summary>{_esc(ctx.t('headline'))}</summary><table>{body}</table></details>"
        )
    crs = f"{park.crs.to_string()}"
    parts.append(f'<div class="parkmap-sub">{_esc(ctx.t("areas_note").format(crs=crs))}</div>')
    return "".join(parts)


def _legend_html(overlays: list[_Overlay], lang: str) -> str:
    """Legend sections; each shows while any of the overlays it describes is on the map.

    A layer with a single style is one line (its swatch and name); items repeated by
    several layers (parcel status outlines) form one shared section.
    """
    sections: dict[str, dict] = {}
    for overlay in overlays:
        own, shared = [], []
        for label, style in overlay.legend:
            (shared if ": " in label else own).append((label, style))
        if len(own) == 1:
            own = [(overlay.name, own[0][1])]
            title = ""
        else:
            title = overlay.name
        sections[overlay.key] = {"title": title, "items": own, "keys": [overlay.key]}
        for label, style in shared:
            head, item = label.split(": ", 1)
            section = sections.setdefault(
                f"shared:{head}", {"title": head, "items": [], "keys": []}
            )
            if overlay.key not in section["keys"]:
                section["keys"].append(overlay.key)
            if item not in [x for x, _ in section["items"]]:
                section["items"].append((item, style))
    point = {o.key for o in overlays if o.point}
    html_sections = []
    for key, section in sections.items():
        items = "".join(
            f'<div class="parkmap-legend-item">{_swatch(style, key in point)}'
            f"<span>{_esc(label)}</span></div>"
            for label, style in section["items"]
        )
        title = (
            f'<div class="parkmap-legend-title">{_esc(section["title"])}</div>'
            if section["title"]
            else ""
        )
        keys = _esc(" ".join(section["keys"]))
        single = " single" if len(section["items"]) == 1 else ""
        html_sections.append(
            f'<div class="parkmap-legend-section" data-legend="{keys}">'
            f'{title}<div class="parkmap-legend-items{single}">{items}</div></div>'
        )
    heading = "图例" if lang == "zh" else "Legend"
    return f"<details open><summary>{heading}</summary>{''.join(html_sections)}</details>"


# -- Folium elements ---------------------------------------------------------------------------
class _Chrome(MacroElement):
    """parkmap's scripts and controls: patterns, scale, fullscreen, measure, panels."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = parkmap.setup({{ this._parent.get_name() }}, {{ this.options }});
{% endmacro %}
"""
    )

    def __init__(self, options: dict) -> None:
        super().__init__()
        self._name = "ParkmapChrome"
        self.options = _js_json(options)


class _DataLayer(MacroElement):
    """A GeoJSON layer drawn by ``parkmap.layer`` inside its FeatureGroup."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = parkmap.layer({{ this.chrome }}, {{ this._parent.get_name() }},
  {{ this.section }}, {{ this.data }}, {{ this.styles }});
{% endmacro %}
"""
    )

    def __init__(self, chrome: _Chrome, section: str, data: dict, styles: list[dict]) -> None:
        super().__init__()
        self._name = "ParkmapLayer"
        self.chrome = chrome.get_name()
        self.section = _js_json(section)
        self.data = _js_json(data)
        self.styles = _js_json(styles)


def _inline(tag: str, text: str) -> Element:
    if tag == "script":
        text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)
    else:
        text = re.sub(r"</(style)", r"<\\/\1", text, flags=re.IGNORECASE)
    return Element(f"<{tag}>\n{text}\n</{tag}>")


@cache
def _leaflet_assets() -> tuple[str, str, str]:
    """Leaflet's version, JS and CSS (images inlined as data: URIs) from xstatic-leaflet."""
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise ImportError(
            "offline maps need the xstatic-leaflet package: pip install xstatic-leaflet"
        ) from err
    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match) -> str:
        image = base / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    css = re.sub(r"url\(\s*['\"]?(images/[\w.-]+\.png)['\"]?\s*\)", data_uri, css)
    return str(xleaflet.VERSION), js, css


def _own_assets() -> tuple[str, str]:
    js = data_path("webmap.js").read_text(encoding="utf-8")
    css = data_path("webmap.css").read_text(encoding="utf-8")
    return js, css


# -- basemaps --------------------------------------------------------------------------------
def _tianditu_key(key: str | None) -> str:
    key = key or os.environ.get(TIANDITU_KEY_ENV, "")
    key = key.strip()
    if not key:
        raise BasemapError(
            "the Tianditu basemap needs a key: pass --tianditu-key KEY (tianditu_key=...) or "
            f"set the {TIANDITU_KEY_ENV} environment variable; get a free browser key at "
            "console.tianditu.gov.cn, or use --basemap osm, amap or none"
        )
    if not re.fullmatch(r"[A-Za-z0-9]+", key):
        raise BasemapError("the Tianditu key should be letters and digits only")
    return key


def _custom_url(url: str) -> str:
    if not all(p in url for p in ("{z}", "{x}")) or not ("{y}" in url or "{-y}" in url):
        raise BasemapError(
            f"basemap {url!r}: use one of {', '.join(BASEMAPS)} or a tile URL template "
            "with {z}, {x} and {y}, e.g. http://tiles.intranet/{z}/{x}/{y}.png"
        )
    scheme = url.split(":", 1)[0].lower() if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url) else ""
    if scheme not in ("", "http", "https", "file"):
        raise BasemapError(f"basemap {url!r}: only http, https, file or relative tile URLs")
    return url


def _add_basemaps(m: folium.Map, basemap: str, lang: str, tianditu_key: str | None) -> None:
    def tiles(url: str, attr: str, name: str, *, overlay: bool = False, **kwargs) -> None:
        folium.TileLayer(
            tiles=url, attr=attr, name=_esc(name), overlay=overlay, control=True, **kwargs
        ).add_to(m)

    if basemap == "none":
        return
    if basemap == "osm":
        tiles(*_OSM, _t("basemap_osm", lang), max_zoom=19)
    elif basemap == "tianditu":
        key = _tianditu_key(tianditu_key)
        for layer, name in (("vec", "basemap_tdt_vec"), ("img", "basemap_tdt_img")):
            tiles(
                _TIANDITU % (layer, key),
                _TIANDITU_ATTR,
                _t(name, lang),
                subdomains="01234567",
                max_zoom=18,
            )
        label_layer = "cva" if lang == "zh" else "eva"
        tiles(
            _TIANDITU % (label_layer, key),
            _TIANDITU_ATTR,
            _t("basemap_tdt_label", lang),
            overlay=True,
            subdomains="01234567",
            max_zoom=18,
        )
    elif basemap == "amap":
        tiles(_AMAP, _AMAP_ATTR, _t("basemap_amap", lang), subdomains="1234", max_zoom=18)
    else:
        tiles(
            _custom_url(basemap),
            "parkmap: " + _esc(_t("basemap_custom", lang)),
            _t("basemap_custom", lang),
            max_zoom=20,
        )


def _check_basemap(basemap: str) -> str:
    if basemap in BASEMAPS:
        return basemap
    if basemap.lower() in BASEMAPS:
        return basemap.lower()
    return _custom_url(basemap)


def _gcj02_offset_m(lon: float, lat: float) -> float:
    glon, glat = wgs84_to_gcj02(lon, lat)
    dx = (float(glon) - lon) * 111_320.0 * np.cos(np.radians(lat))
    dy = (float(glat) - lat) * 110_574.0
    return float(np.hypot(dx, dy))


# -- the map ---------------------------------------------------------------------------------
def webmap(
    park: Park,
    availability=None,
    layout=None,
    *,
    basemap: str = "osm",
    offline: bool = False,
    lang: str = "zh",
    tianditu_key: str | None = None,
    simplify_m: float | None = None,
) -> folium.Map:
    """Draw a park as an interactive Leaflet map (Folium).

    Parameters
    ----------
    park : Park
        A park without validation errors.
    availability : object, optional
        The result of :func:`parkmap.availability` (or anything with a ``land``
        GeoDataFrame, or that GeoDataFrame itself): its pieces are drawn as the
        "available land" layer and summed by sub-park in the panel (columns ``subpark``,
        ``cluster`` and ``area_m2`` are used when present).
    layout : object, optional
        A layout with ``plots`` and / or ``buildings`` GeoDataFrames, drawn when given.
    basemap : str, default "osm"
        ``"osm"`` (OpenStreetMap), ``"tianditu"`` (needs a key), ``"amap"`` (GCJ-02 tiles:
        the features are shifted from WGS84 to GCJ-02 and the map says so), ``"none"``
        (plain background) or a tile URL template with ``{z}``, ``{x}``, ``{y}`` (an
        intranet tile server, or a relative folder of tiles beside the HTML file).
    offline : bool, default False
        Inline Leaflet and all scripts and styles: the HTML file then needs no network
        at all (tiles aside).
    lang : {"zh", "en"}, default "zh"
        Language of the interface; feature names are shown in both.
    tianditu_key : str, optional
        Tianditu browser key (default: the ``TIANDITU_KEY`` environment variable).
        The key is written into the page, as the browser needs it for the tiles.
    simplify_m : float, optional
        Display simplification tolerance in metres (default
        :data:`DEFAULT_SIMPLIFY_M`; 0 draws the full geometry). Areas never use the
        simplified shapes.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`; in a notebook it displays itself.

    Raises
    ------
    parkmap.errors.BasemapError
        For an unknown basemap, a bad tile URL or Tianditu without a key.
    parkmap.errors.ValidationError
        If the park has validation errors.

    Examples
    --------
    >>> import parkmap
    >>> m = parkmap.webmap(parkmap.datasets.load("dianjiang"), basemap="none")
    >>> type(m).__name__
    'Map'
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    basemap = _check_basemap(str(basemap))
    if basemap == "tianditu":
        _tianditu_key(tianditu_key)  # fail before any work
    park.require_valid()
    tolerance = DEFAULT_SIMPLIFY_M if simplify_m is None else float(simplify_m)
    if not tolerance >= 0:
        raise ValueError(f"simplify_m must be 0 or more metres, got {simplify_m!r}")
    gcj02 = basemap == "amap"

    ctx = _Context(
        park,
        lang,
        cluster_names=_id_names(park.get("clusters")),
        subpark_names=_id_names(park.get("subparks")),
    )
    overlays = _overlays(ctx, availability, layout)
    land = _in_crs(getattr(availability, "land", availability), park.crs)

    # The view opens on the layout when there is one (what the map is about), else the park.
    plots = getattr(layout, "plots", None)
    focus = [plots] if plots is not None and len(plots) and plots.crs is not None else []
    located = focus or [g for g in park.layers.values() if g.crs is not None and len(g)]
    west, south, east, north = (
        gpd.GeoSeries(
            [shapely.box(*g.to_crs(WGS84).total_bounds) for g in located], crs=WGS84
        ).total_bounds
        if located
        else (73.0, 18.0, 135.0, 54.0)
    )
    centre_lon, centre_lat = (west + east) / 2, (south + north) / 2
    if gcj02:
        (west, east), (south, north) = wgs84_to_gcj02([west, east], [south, north])

    m = folium.Map(
        location=[float(south + north) / 2, float(west + east) / 2],
        zoom_start=13,
        tiles=None,
        control_scale=False,
        prefer_canvas=False,
    )
    root = m.get_root()
    root.title = _esc(ctx.park.name)
    version, leaflet_js, leaflet_css = _leaflet_assets()
    own_js, own_css = _own_assets()
    if offline:
        m.default_js, m.default_css = [], []
        root.header.add_child(_inline("style", leaflet_css), name="leaflet_css_inline")
        root.header.add_child(_inline("script", leaflet_js), name="leaflet_inline")
    else:
        m.default_js = [("leaflet", _LEAFLET_CDN.format(version=version, file="leaflet.js"))]
        m.default_css = [("leaflet_css", _LEAFLET_CDN.format(version=version, file="leaflet.css"))]
    root.header.add_child(_inline("style", own_css), name="parkmap_css")
    root.header.add_child(_inline("script", own_js), name="parkmap_js")

    _add_basemaps(m, basemap, lang, tianditu_key)

    notes = []
    if park.metadata.get("illustrative"):
        notes.append(ctx.t("illustrative"))
    if gcj02:
        notes.append(ctx.t("gcj02").format(m=_gcj02_offset_m(centre_lon, centre_lat)))
    if tolerance > 0:
        notes.append(ctx.t("simplified").format(tol=f"{tolerance:g}"))
    constraint_kinds = [o.key.split(":", 1)[1] for o in overlays if o.key.startswith("constr")]
    chrome = _Chrome(
        {
            "patterns": _patterns_svg(constraint_kinds),
            "panel": _panel_html(ctx, land),
            "legend": _legend_html(overlays, lang),
            "note": "<br>".join(_esc(n) for n in notes),
            "m2_per_mu": M2_PER_MU,
            "labels": {
                "fullscreen": ctx.t("fullscreen"),
                "measure": ctx.t("measure"),
                "hint": ctx.t("hint"),
                "finish": ctx.t("finish"),
                "clear": ctx.t("clear"),
                "length": ctx.t("m_length"),
                "area": ctx.t("m_area"),
                "mu": ctx.t("mu"),
                "ha": ctx.t("ha"),
            },
        }
    )
    chrome.add_to(m)

    stats = _Stats()
    for overlay in overlays:
        geometries = _display_geometry(overlay.geoms, tolerance, gcj02, stats)
        features = []
        for i, geometry in enumerate(geometries):
            properties = {
                "s": overlay.style_index[i],
                "t": overlay.tooltips[i],
                "p": overlay.popups[i],
            }
            if overlay.radius is not None:
                properties["r"] = overlay.radius[i]
            features.append({"type": "Feature", "geometry": geometry, "properties": properties})
        group = folium.FeatureGroup(name=_esc(overlay.name), show=overlay.show)
        _DataLayer(
            chrome, overlay.key, {"type": "FeatureCollection", "features": features}, overlay.styles
        ).add_to(group)
        group.add_to(m)

    folium.LayerControl(collapsed=False, position="topright").add_to(m)  # added last
    m.fit_bounds([[float(south), float(west)], [float(north), float(east)]])
    log.info(
        "web map: %d layers, %d features, %d vertices drawn of %d (simplified at %g m)%s",
        len(overlays),
        stats.features,
        stats.vertices_drawn,
        stats.vertices_full,
        tolerance,
        ", shifted to GCJ-02" if gcj02 else "",
    )
    m.parkmap_info = {
        "layers": [o.name for o in overlays],
        "features": stats.features,
        "vertices_full": stats.vertices_full,
        "vertices_drawn": stats.vertices_drawn,
        "simplify_m": tolerance,
        "basemap": basemap,
        "offline": offline,
        "gcj02": gcj02,
    }
    return m


def save_map(m: folium.Map, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write a map as one HTML file (UTF-8), atomically.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`webmap`.
    path : path-like
        Output ``.html`` file.
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The written file; its size is logged.

    Raises
    ------
    parkmap.errors.OutputExistsError
        If the file exists and ``overwrite`` is false.
    """
    target = Path(path)
    page = m.get_root().render()
    with atomic_output(target, overwrite=overwrite) as tmp:
        tmp.write_text(page, encoding="utf-8")
    log.info("wrote %s (%.2f MB)", target, target.stat().st_size / 1e6)
    return target
