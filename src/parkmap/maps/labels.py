"""The map's interface text in Chinese and English, and the display text of data values."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from parkmap.landuse import lookup_code
from parkmap.report import _label
from parkmap.units import M2_PER_HA, M2_PER_MU

__all__ = ["area_text", "blank", "coded", "esc", "landuse_text", "t", "text"]


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


def t(key: str, lang: str) -> str:
    """Interface text ``key`` in ``lang``.

    Parameters
    ----------
    key : str
        A key of the map's text table (``"area"``, ``"mu"``, ``"basemap_osm"`` …).
    lang : {"zh", "en"}
        The interface language.

    Returns
    -------
    str
        The Chinese text for ``"zh"``, else the English.
    """
    zh, en = _TEXT[key]
    return zh if lang == "zh" else en


#: HTML-escape plain text (:func:`html.escape`, quotes included).
esc = html.escape


def blank(value) -> bool:
    """Whether a data value is missing: None, NaN / NA, or blank text.

    Parameters
    ----------
    value : object
        A cell of a layer.

    Returns
    -------
    bool
    """
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text(value) -> str:
    """Display text of a data value ("" when missing).

    Parameters
    ----------
    value : object
        A cell of a layer.

    Returns
    -------
    str
        Floats with at most two decimals and thousands separators, others as ``str``.
    """
    if blank(value):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):,.2f}".rstrip("0").rstrip(".")
    return str(value)


def area_text(area_m2: float, lang: str) -> str:
    """An area in 亩 and 公顷, e.g. ``"450.0 亩 · 30.00 公顷"``.

    Parameters
    ----------
    area_m2 : float
        Area in square metres.
    lang : {"zh", "en"}
        Language of the unit names.

    Returns
    -------
    str
    """
    return (
        f"{area_m2 / M2_PER_MU:,.1f} {t('mu', lang)} · {area_m2 / M2_PER_HA:,.2f} {t('ha', lang)}"
    )


def coded(column: str, value, lang: str, *, both: bool = True) -> str:
    """A coded value (status, kind …): "已建 built" with ``both``, else in ``lang`` only.

    Parameters
    ----------
    column : str
        The column the value comes from (``"status"``, ``"kind"``, ``"zone"`` …).
    value : object
        The coded value.
    lang : {"zh", "en"}
        Language used when ``both`` is false.
    both : bool, default True
        Show the Chinese and English labels together (once when they are the same).

    Returns
    -------
    str
        "" for a missing value.
    """
    if blank(value):
        return ""
    zh, en = _label(column, value)
    if not both:
        return zh if lang == "zh" else en
    return zh if zh == en else f"{zh} {en}"


def landuse_text(code) -> str:
    """A land-use code with its Chinese and (in brackets) English class names.

    Parameters
    ----------
    code : object
        A code of the 2023 land-use classification (or an alias).

    Returns
    -------
    str
        The code and both names, or the value as text when the code is unknown.
    """
    found = lookup_code(code)
    if found is None:
        return text(code)
    return f"{found.code} {found.name_zh} ({found.name_en})"
