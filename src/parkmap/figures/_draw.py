"""Drawing a park's layers on a map sheet with their symbology, and the sheet's furniture.

:class:`_Canvas` holds the map axes, the fonts and the legend being built;
``_draw_layer`` draws a layer rule by rule (:mod:`parkmap.symbology`) and adds the rules
that drew something in view to the legend; the north arrow, the scale bar
(matplotlib-scalebar) and the legend-and-notes panel complete the sheet.
"""

from __future__ import annotations

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

from parkmap._geometry import right_of_way
from parkmap.figures._page import Sheet, wrap
from parkmap.park import Park
from parkmap.symbology import Rule, Symbol, layer_symbology
from parkmap.units import M2_PER_HA, M2_PER_MU
from parkmap.vocab import text

#: Points per CSS pixel: the web map's pixel widths drawn on paper.
PT_PER_PX = 0.75


def _t(key: str, lang: str, **values) -> str:
    """A figure text of ``labels.csv`` (group ``figure``) in ``lang``, filled with ``values``."""
    return text("figure", key, lang).format(**values)


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
    return gpd.GeoSeries(right_of_way(roads), index=roads.index, crs=roads.crs)


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
