"""Map figures of a park for reports: one sheet per kind, at a nominal scale.

Each sheet carries what a planning map needs: a title, the map at a nominal scale 1:N
(snapped to a standard scale so that it holds when printed at 100 % on the chosen
paper), a north arrow pointing to true north (rotated by the meridian convergence of the
CRS), a graphic scale bar (matplotlib-scalebar), a legend in the web map's colours
(:mod:`parkmap.symbology`: ``map_styles.csv`` and the 2023 用地用海 colours of
``landuse_2023.csv``), and notes: scale and paper, CRS, data source, the "illustrative
model" warning of the embedded park and every assumption behind the drawing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch
from matplotlib.patheffects import withStroke

from parkmap import __version__
from parkmap.errors import DataFileError, ParkmapError
from parkmap.figures._fonts import font_family
from parkmap.figures._page import Sheet, north_angle_deg, wrap
from parkmap.park import Park
from parkmap.symbology import Rule, Symbol, figure_colour, layer_symbology
from parkmap.units import M2_PER_HA, M2_PER_MU

__all__ = ["KINDS", "figure"]

log = logging.getLogger("parkmap")

#: Figure kinds, with their titles (zh, en).
KINDS = {
    "landuse": ("用地分类图", "Land use"),
    "availability": ("用地可用性分析图", "Land availability"),
    "layout": ("地块与厂房布局示意图", "Plot and building layout"),
    "constraints": ("管控要素图", "Constraints"),
    "allocation": ("项目用地分配图", "Project land allocation"),
}
#: Points per CSS pixel: the web map's pixel widths drawn on paper.
PT_PER_PX = 0.75

_TEXT = {
    "scale": (
        "比例尺 1:{n:,}({paper} {orient},按 100% 打印)",
        "Scale 1:{n:,} ({paper} {orient}, at 100 %)",
    ),
    "landscape": ("横向", "landscape"),
    "portrait": ("纵向", "portrait"),
    "crs": ("坐标系:{crs}", "CRS: {crs}"),
    "source": ("数据来源:{src}", "Data: {src}"),
    "north": ("北", "N"),
    "north_note": (
        "指北针指真北(子午线收敛角 {a:+.2f}°)。",
        "The arrow points to true north (meridian convergence {a:+.2f}°).",
    ),
    "legend": ("图例", "Legend"),
    "illustrative": (
        "示意模型:依据公开资料推断,非测绘数据,不得用于审批。",
        "Illustrative model inferred from public descriptions, not surveyed data.",
    ),
    "no_cjk": (
        "",
        "No CJK font was found: drawn in English; Chinese names may not show.",
    ),
    "generator": ("parkmap {v} 生成", "Made with parkmap {v}"),
    "subpark": ("园中园:{name}", "Sub-park: {name}"),
    "colours": (
        "图例颜色:用地用海分类(2023)配色,与网页地图相同。",
        "Colours: the 2023 land/sea-use classification, as on the web map.",
    ),
    "roads_drawn": (
        "道路按红线宽度绘制。",
        "Roads drawn at their red-line width.",
    ),
    "ha": ("公顷", "ha"),
    "mu": ("亩", "mu"),
    "conditional": (
        "有条件可用地是可用地的一部分(需先办理审批),图中未单独绘出。",
        "Conditional land is part of the available land (it needs approval first); "
        "it is not drawn apart.",
    ),
    "rules": ("规则:{src}", "Rules: {src}"),
    "park_totals": ("图例中的面积为全园合计。", "Areas in the legend are park totals."),
    "layout_rules": (
        "控制指标:{name};建筑模板:{templates}",
        "Indicators: {name}; templates: {templates}",
    ),
    "plots": ("地块 {n} 个,达标率 {rate}", "{n} plots, {rate} compliant"),
}


def _t(key: str, lang: str, **values) -> str:
    zh, en = _TEXT[key]
    return (zh if lang == "zh" else en).format(**values)


@dataclass
class _Canvas:
    """What the drawing functions share: the axes, fonts, language, legend and notes."""

    ax: object
    families: list[str]
    lang: str
    extent: tuple[float, float, float, float]
    handles: list = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def font(self, size: float, weight: str = "normal") -> FontProperties:
        return FontProperties(family=self.families, size=size, weight=weight)

    def add_legend(self, handle, label: str) -> None:
        if label not in self.labels:
            self.handles.append(handle)
            self.labels.append(label)


def _mask(frame: pd.DataFrame, rule: Rule, rules: tuple[Rule, ...]) -> np.ndarray:
    if rule.column is None:
        return np.ones(len(frame), dtype=bool)
    values = frame[rule.column].astype(str).to_numpy()
    if rule.value is not None:
        return values == rule.value
    named = [r.value for r in rules if r.column == rule.column and r.value is not None]
    return ~np.isin(values, named)


def _patch(sym: Symbol, *, outline_only: bool = False) -> Patch:
    face = "none" if outline_only or not sym.fill else to_rgba(sym.fill, sym.fill_opacity)
    return Patch(
        facecolor=face,
        edgecolor=sym.stroke or "none",
        linewidth=max(sym.width_px * PT_PER_PX, 0.3),
        linestyle=(0, [v * PT_PER_PX for v in sym.dash_px]) if sym.dash_px else "solid",
        hatch=_HATCH.get(sym.hatch),
    )


_HATCH = {
    "diagonal": "////",
    "antidiagonal": "\\\\\\\\",
    "horizontal": "----",
    "vertical": "||||",
    "cross": "xxxx",
    "dots": "....",
}


def _draw_polygons(canvas: _Canvas, geoms: gpd.GeoSeries, sym: Symbol, *, outline_only=False):
    if not len(geoms):
        return
    patch = _patch(sym, outline_only=outline_only)
    kwargs = {
        "facecolor": patch.get_facecolor() if not outline_only and sym.fill else "none",
        "edgecolor": sym.stroke or "none",
        "linewidth": patch.get_linewidth(),
        "linestyle": patch.get_linestyle(),
    }
    if sym.hatch and not outline_only:
        kwargs["hatch"] = _HATCH[sym.hatch]
    geoms.plot(ax=canvas.ax, **kwargs)


def _draw_layer(
    canvas: _Canvas,
    key: str,
    gdf: gpd.GeoDataFrame | None,
    *,
    geoms: gpd.GeoSeries | None = None,
    legend: bool = True,
) -> None:
    """Draw a layer with its symbology rules; add the rules that drew something to the legend."""
    if gdf is None or not len(gdf):
        return
    shapes = gdf.geometry if geoms is None else geoms
    x0, x1, y0, y1 = canvas.extent
    seen = shapes.intersects(shapely.box(x0, y0, x1, y1)).to_numpy()
    if not seen.any():
        return
    gdf, shapes = gdf[seen], shapes[seen]  # the legend lists only what the sheet shows
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    values = {c: gdf[c].dropna().astype(str).unique() for c in columns}
    symbology = layer_symbology(key, columns, values)
    if symbology is None:
        raise KeyError(f"layer_symbology.csv has no row {key!r}")
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    points = shapes.geom_type.isin(["Point", "MultiPoint"]).all()
    for rule in symbology.rules:
        hit = _mask(frame, rule, symbology.rules)
        if not hit.any():
            continue
        part = shapes[hit]
        sym = rule.symbol
        if points:
            canvas.ax.scatter(
                part.x,
                part.y,
                s=(2 * (sym.radius_px or 6) * PT_PER_PX) ** 2,
                facecolor=to_rgba(sym.fill or sym.stroke, sym.fill_opacity),
                edgecolor=sym.stroke or "none",
                linewidth=sym.width_px * PT_PER_PX,
                zorder=6,
            )
            handle = Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markersize=2 * (sym.radius_px or 6) * PT_PER_PX,
                markerfacecolor=to_rgba(sym.fill or sym.stroke, sym.fill_opacity),
                markeredgecolor=sym.stroke or "none",
            )
        else:
            _draw_polygons(canvas, part, sym, outline_only=rule.outline_only)
            handle = _patch(sym, outline_only=rule.outline_only)
        if legend:
            label = rule.label(canvas.lang)
            if rule.column is None or label in ("其他", "other"):
                label = f"{symbology.title(canvas.lang)}" + (
                    "" if rule.column is None else f":{label}"
                )
            canvas.add_legend(handle, label)


def _label_features(canvas: _Canvas, gdf: gpd.GeoDataFrame | None, size: float = 7.5) -> None:
    if gdf is None or not len(gdf):
        return
    column = "name_zh" if canvas.lang == "zh" else "name_en"
    if column not in gdf.columns:
        column = "name_zh" if "name_zh" in gdf.columns else None
    if column is None:
        return
    x0, x1, y0, y1 = canvas.extent
    for name, point in zip(gdf[column], gdf.geometry.representative_point(), strict=True):
        if pd.isna(name) or not (x0 < point.x < x1 and y0 < point.y < y1):
            continue
        canvas.ax.text(
            point.x,
            point.y,
            str(name),
            fontproperties=canvas.font(size),
            ha="center",
            va="center",
            color="#1A1A1A",
            zorder=10,
            path_effects=[withStroke(linewidth=2.2, foreground="white")],
            clip_on=True,
        )


def _right_of_way(roads: gpd.GeoDataFrame) -> gpd.GeoSeries:
    width = pd.to_numeric(roads["red_line_m"], errors="coerce").fillna(0.0).to_numpy()
    return gpd.GeoSeries(
        shapely.buffer(roads.geometry.array, width / 2, cap_style="flat"),
        index=roads.index,
        crs=roads.crs,
    )


def _roads(canvas: _Canvas, roads: gpd.GeoDataFrame | None, key: str = "roads") -> None:
    if roads is None or not len(roads) or "red_line_m" not in roads.columns:
        return
    _draw_layer(canvas, key, roads, geoms=_right_of_way(roads))
    if _t("roads_drawn", canvas.lang) not in canvas.notes:
        canvas.notes.append(_t("roads_drawn", canvas.lang))


def _area(value_m2: float, lang: str, sep: str = " / ") -> str:
    """An area as "x 公顷 / y 亩" (one decimal of ha, whole mu)."""
    ha, mu = value_m2 / M2_PER_HA, value_m2 / M2_PER_MU
    return f"{ha:,.1f} {_t('ha', lang)}{sep}{mu:,.0f} {_t('mu', lang)}"


# -- kinds ----------------------------------------------------------------------------------
def _draw_landuse(canvas: _Canvas, park: Park, result) -> None:
    _draw_layer(canvas, "parcels", park.get("parcels"))
    _roads(canvas, park.get("roads"))
    _draw_layer(canvas, "buildings", park.get("buildings"))
    _draw_layer(canvas, "subparks", park.get("subparks"))
    _draw_layer(canvas, "clusters", park.get("clusters"))
    _label_features(canvas, park.get("subparks"))
    canvas.notes.append(_t("colours", canvas.lang))


def _draw_constraints(canvas: _Canvas, park: Park, result) -> None:
    _draw_layer(canvas, "boundary", park.get("boundary"))
    _draw_layer(canvas, "constraints", park.get("constraints"))
    _roads(canvas, park.get("roads"))
    _draw_layer(canvas, "clusters", park.get("clusters"))
    _label_features(canvas, park.get("clusters"), size=8.5)


def _draw_availability(canvas: _Canvas, park: Park, result) -> None:
    waterfall = result.waterfall
    total = result.total
    if waterfall is not None and len(waterfall):
        for category in result.categories:
            part = waterfall[waterfall["category"] == category]
            colour, zh, en = figure_colour(category)
            sym = Symbol(stroke="", fill=colour, fill_opacity=0.85, width_px=0.0)
            _draw_polygons(canvas, part.geometry, sym)
            label = (
                f"{zh if canvas.lang == 'zh' else en} {_area(total[f'{category}_m2'], canvas.lang)}"
            )
            canvas.add_legend(_patch(sym), label)
    else:
        _draw_layer(canvas, "available_land", result.land)
    _roads(canvas, park.get("roads"))
    _draw_layer(canvas, "subparks", park.get("subparks"))
    _draw_layer(canvas, "clusters", park.get("clusters"))
    _label_features(canvas, park.get("subparks"))
    canvas.notes.append(_t("rules", canvas.lang, src=result.rules.source))
    canvas.notes.append(_t("park_totals", canvas.lang))
    canvas.notes.append(_t("conditional", canvas.lang))


def _draw_layout(canvas: _Canvas, park: Park, result) -> None:
    _draw_layer(canvas, "subparks", park.get("subparks"))
    _draw_layer(canvas, "plots", result.plots)
    _roads(canvas, park.get("roads"))
    _roads(canvas, result.roads, key="layout_roads")
    _draw_layer(canvas, "buildings", park.get("buildings"))
    _draw_layer(canvas, "layout_buildings", result.buildings)
    _label_features(canvas, park.get("subparks"))
    names = ", ".join(t.name_zh if canvas.lang == "zh" else t.name_en for t in result.templates)
    canvas.notes.append(_t("layout_rules", canvas.lang, name=result.rules.ruleset, templates=names))
    rate = result.summary.get("compliance_rate")
    rate_text = "-" if rate is None else f"{100 * rate:.0f}%"
    canvas.notes.append(_t("plots", canvas.lang, n=len(result.plots), rate=rate_text))


def _draw_allocation(canvas: _Canvas, park: Park, result) -> None:
    draw = getattr(result, "draw_figure", None)
    if draw is None:
        raise ParkmapError(
            "an allocation figure needs an allocation result that can draw itself "
            "(parkmap.allocate, issue 12); this version has none"
        )
    draw(canvas)  # pragma: no cover - the allocation engine provides it


_DRAW: dict[str, Callable] = {
    "landuse": _draw_landuse,
    "availability": _draw_availability,
    "layout": _draw_layout,
    "constraints": _draw_constraints,
    "allocation": _draw_allocation,
}


def _subpark_row(park: Park, name: str) -> gpd.GeoDataFrame:
    subparks = park.get("subparks")
    if subparks is None or not len(subparks):
        raise DataFileError(f"{park.source or park.name}: the park has no 'subparks' layer")
    hit = np.zeros(len(subparks), dtype=bool)
    for column in ("id", "name_zh", "name_en"):
        if column in subparks.columns:
            hit |= subparks[column].astype(str).to_numpy() == str(name)
    if not hit.any():
        known = ", ".join(subparks.get("name_zh", subparks.get("id")).astype(str))
        raise DataFileError(f"park has no sub-park {name!r}; known: {known}")
    return subparks[hit]


def _result(park: Park, kind: str, subpark: str | None, result):
    if result is not None or kind in ("landuse", "constraints"):
        return result
    import parkmap  # the engines, through the public API

    if kind == "availability":
        return parkmap.availability(park)
    if kind == "layout":
        return parkmap.layout(park, subpark=subpark)
    allocate = getattr(parkmap, "allocate", None)
    if allocate is None:
        raise ParkmapError(
            "--kind allocation needs parkmap.allocate (the allocation engine of issue 12), "
            "which this version of parkmap does not have"
        )
    return allocate(park)  # pragma: no cover - not in this version


def _bounds(park: Park, subpark: str | None) -> np.ndarray:
    if subpark is not None:
        return _subpark_row(park, subpark).total_bounds
    for name in ("clusters", "boundary", "subparks", "parcels"):
        layer = park.get(name)
        if layer is not None and len(layer):
            return layer.total_bounds
    return np.array(pd.concat([g.geometry for g in park.layers.values()]).total_bounds)


def _north_arrow(canvas: _Canvas, angle_deg: float) -> None:
    ax = canvas.ax
    cx, cy, length = 0.94, 0.86, 0.07
    rad = np.radians(angle_deg)
    dx, dy = length * np.sin(rad), length * np.cos(rad)
    aspect = ax.bbox.height / ax.bbox.width
    arrow = FancyArrow(
        cx - dx * aspect / 2,
        cy - dy / 2,
        dx * aspect,
        dy,
        width=0.012,
        head_width=0.035,
        head_length=0.03,
        length_includes_head=True,
        transform=ax.transAxes,
        color="#111111",
        zorder=20,
    )
    ax.add_patch(arrow)
    ax.text(
        cx + dx * aspect / 2 + 0.012 * np.sin(rad),
        cy + dy / 2 + 0.02,
        _t("north", canvas.lang),
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontproperties=canvas.font(11, "bold"),
        zorder=20,
        path_effects=[withStroke(linewidth=2.5, foreground="white")],
    )


def _scale_bar(canvas: _Canvas):
    try:
        from matplotlib_scalebar.scalebar import ScaleBar
    except ImportError as err:  # pragma: no cover - a core dependency
        raise ImportError(
            "figures need matplotlib-scalebar: pip install matplotlib-scalebar"
        ) from err
    bar = ScaleBar(
        1.0,
        "m",
        location="lower left",
        length_fraction=0.25,
        box_alpha=0.85,
        scale_loc="top",
        font_properties={"family": canvas.families, "size": 7.5},
    )
    canvas.ax.add_artist(bar)
    return bar


def _source_text(park: Park) -> str:
    meta = park.metadata
    titles = [str(s.get("title", s.get("id", ""))) for s in meta.get("sources", []) if s]
    where = park.source or "parkmap"
    path = Path(where)
    if path.parent.name == "datasets" and path.parent.parent.name == "parkmap":
        where = f"parkmap.datasets.load({path.name!r})"
    if titles:
        return f"{where}; " + "; ".join(titles[:3]) + ("…" if len(titles) > 3 else "")
    return where


def _panel(fig: Figure, sheet: Sheet, canvas: _Canvas, notes: list[str]) -> None:
    panel = fig.add_axes(sheet.fraction(sheet.panel_box))
    panel.set_axis_off()
    panel.set_gid("panel")
    legend = panel.legend(
        canvas.handles,
        canvas.labels,
        loc="upper left",
        prop=canvas.font(7),
        title=_t("legend", canvas.lang),
        title_fontproperties=canvas.font(9, "bold"),
        frameon=False,
        borderaxespad=0.0,
        handlelength=2.2,
        handleheight=1.2,
        alignment="left",
    )
    legend.set_gid("legend")
    columns = int(sheet.panel_mm / 1.35)  # ~1.35 mm per column at 6.5 pt
    lines = [line for note in notes for line in wrap(note, columns)]
    panel.text(
        0.0,
        0.0,
        "\n".join(lines),
        transform=panel.transAxes,
        ha="left",
        va="bottom",
        fontproperties=canvas.font(6.5),
        color="#333333",
        linespacing=1.35,
        gid="notes",
    )


def figure(
    park: Park | None = None,
    kind: str = "landuse",
    *,
    subpark: str | None = None,
    paper: str = "A4",
    orientation: str = "landscape",
    lang: str = "zh",
    title: str | None = None,
    result=None,
) -> Figure:
    """A map figure of a park for a report (a matplotlib Figure, one printed sheet).

    Parameters
    ----------
    park : Park, optional
        The park (default: the embedded Dianjiang park).
    kind : {"landuse", "availability", "layout", "constraints", "allocation"}
        What the map shows: parcels by 2023 land-use class with roads and buildings;
        the availability waterfall by category; the planned plots and buildings; the
        development-boundary zones and constraints; the allocation of projects to land.
    subpark : str, optional
        Centre and scale the map on this sub-park (id, Chinese or English name); the
        layout is computed for it only.
    paper : {"A4", "A3"}, default "A4"
        Paper size; the nominal scale holds when the sheet is printed at 100 %.
    orientation : {"landscape", "portrait"}, default "landscape"
    lang : {"zh", "en"}, default "zh"
        Language of the title, legend and notes.
    title : str, optional
        Title (default: park name and kind).
    result : Availability, Layout or allocation, optional
        A computed result to draw (default: computed with the default rules).

    Returns
    -------
    matplotlib.figure.Figure
        The sheet; ``fig.parkmap`` holds the scale denominator, extent and notes.

    Raises
    ------
    ValueError
        For an unknown kind, paper or orientation.
    parkmap.errors.DataFileError
        If ``subpark`` names no sub-park.
    parkmap.errors.ParkmapError
        For ``allocation`` when this version has no allocation engine.

    Examples
    --------
    >>> import parkmap
    >>> from parkmap.figures import figure
    >>> fig = figure(parkmap.datasets.load("dianjiang"), "constraints", lang="en")
    >>> fig.parkmap["scale"]
    100000
    """
    if kind not in KINDS:
        raise ValueError(f"unknown figure kind {kind!r}; use one of {', '.join(KINDS)}")
    sheet = Sheet.of(paper, orientation)
    if park is None:
        from parkmap import datasets

        park = datasets.load("dianjiang")
    families, lang = font_family(lang)
    result = _result(park, kind, subpark, result)
    bounds = _bounds(park, subpark)
    denominator = sheet.scale_for(bounds)
    extent = sheet.extent(bounds, denominator)

    fig = Figure(figsize=sheet.figsize)
    ax = fig.add_axes(sheet.fraction(sheet.map_box))
    ax.set_gid("map")
    canvas = _Canvas(ax, families, lang, extent)
    _DRAW[kind](canvas, park, result)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)

    angle = north_angle_deg(park.crs, (extent[0] + extent[1]) / 2, (extent[2] + extent[3]) / 2)
    _north_arrow(canvas, angle)
    _scale_bar(canvas)

    name = park.metadata.get("name_zh" if lang == "zh" else "name_en") or park.name
    heading = title or f"{name} {KINDS[kind][0 if lang == 'zh' else 1]}"
    if subpark is not None:
        sub = _subpark_row(park, subpark).iloc[0]
        label = sub.get("name_zh" if lang == "zh" else "name_en") or subpark
        heading += f" · {label}"
    fig.text(
        0.5,
        1 - (sheet.margin_mm + 7) / sheet.height_mm,
        heading,
        ha="center",
        va="center",
        fontproperties=canvas.font(15, "bold"),
        gid="title",
    )
    orient = _t(orientation, lang)
    notes = [_t("scale", lang, n=denominator, paper=sheet.paper, orient=orient)]
    notes.append(_t("crs", lang, crs=f"{park.crs.to_string()} ({park.crs.name})"))
    notes.append(_t("source", lang, src=_source_text(park)))
    notes.extend(canvas.notes)
    notes.append(_t("north_note", lang, a=angle))
    if park.metadata.get("illustrative"):
        notes.append(_t("illustrative", lang))
    if lang == "en" and families[0] == "DejaVu Sans":
        notes.append(_t("no_cjk", lang))
    notes.append(_t("generator", lang, v=__version__))
    _panel(fig, sheet, canvas, notes)
    fig.parkmap = {
        "kind": kind,
        "scale": denominator,
        "extent": extent,
        "paper": sheet.paper,
        "orientation": orientation,
        "lang": lang,
        "legend": list(canvas.labels),
        "notes": notes,
        "north_angle_deg": angle,
        "title": heading,
    }
    return fig
