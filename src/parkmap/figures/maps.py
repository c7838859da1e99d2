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

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure

from parkmap._data import package_version
from parkmap.errors import DataFileError, ParkmapError
from parkmap.figures._draw import (
    _area,
    _Canvas,
    _draw_layer,
    _draw_polygons,
    _label_features,
    _north_arrow,
    _panel,
    _patch,
    _roads,
    _scale_bar,
    _source_text,
    _t,
)
from parkmap.figures._fonts import font_family
from parkmap.figures._page import Sheet, north_angle_deg
from parkmap.park import Park
from parkmap.symbology import Symbol, figure_colour, symbol
from parkmap.units import M2_PER_MU
from parkmap.vocab import note_text, text

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
#: Colours of projects on an allocation sheet (``map_styles.csv`` layer ``allocation``).
ALLOCATION_COLOURS = 12
#: Most legend entries of an allocation sheet (projects beyond are drawn, not listed).
MAX_LEGEND = 24
#: Figure kinds (their titles are the ``figure_kind`` labels of ``labels.csv``).
KINDS = ("landuse", "availability", "layout", "constraints", "allocation")


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
    canvas.notes.append(_t("rules", canvas.lang, src=note_text(result.rules.source, canvas.lang)))
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
    plots = getattr(result, "plots", None)
    _draw_layer(canvas, "subparks", park.get("subparks"))
    if plots is not None and len(plots):
        projects = [p for p in dict.fromkeys(plots["project"]) if isinstance(p, str) and p]
        index = {p: str(k % ALLOCATION_COLOURS) for k, p in enumerate(projects)}
        names = dict(
            zip(plots["project"], plots.get("project_name", plots["project"]), strict=True)
        )
        x0, x1, y0, y1 = canvas.extent
        seen = plots.intersects(shapely.box(x0, y0, x1, y1)).to_numpy()
        keys = np.array([index.get(p, "free") for p in plots["project"]], dtype=object)
        area = plots.geometry.area.to_numpy()
        for key in ["free", *dict.fromkeys(keys[seen])]:
            hit = (keys == key) & seen
            if key == "free" and not hit.any():
                continue
            sym = symbol("allocation", key)
            _draw_polygons(canvas, plots.geometry[hit], sym)
            if key == "free":
                label = _t("allocation_free", canvas.lang)
                canvas.add_legend(
                    _patch(sym), f"{label} {_area(area[keys == key].sum(), canvas.lang)}"
                )
        for project in projects:
            mask = plots["project"].to_numpy() == project
            if not (mask & seen).any() or len(canvas.labels) >= MAX_LEGEND:
                continue
            name = names.get(project) or project
            text_ = f"{name} {area[mask].sum() / M2_PER_MU:,.0f} {_t('mu', canvas.lang)}"
            canvas.add_legend(_patch(symbol("allocation", index[project])), text_)
    _roads(canvas, park.get("roads"))
    _draw_layer(canvas, "clusters", park.get("clusters"))
    _label_features(canvas, park.get("subparks"))
    summary = getattr(result, "summary", {}) or {}
    headline = summary.get("headline_zh" if canvas.lang == "zh" else "headline_en")
    if headline:
        canvas.notes.append(str(headline))
    notes = [str(n) for n in getattr(result, "notes", [])]
    canvas.notes.extend(notes[:4])
    if len(notes) > 4:
        canvas.notes.append(_t("more_notes", canvas.lang, n=len(notes) - 4))


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
    allocate = _allocate_function()
    if allocate is None:
        raise ParkmapError(
            "--kind allocation needs parkmap.allocate (the allocation engine of issue 12), "
            "which this version of parkmap does not have"
        )
    supply = parkmap.layout(park, subpark=subpark) if subpark is not None else None
    return allocate(park, supply)


def _allocate_function():
    """``parkmap.allocate``, or None in a version without the allocation engine."""
    import parkmap

    try:
        return parkmap.allocate
    except AttributeError:
        return None


def _bounds(park: Park, subpark: str | None) -> np.ndarray:
    if subpark is not None:
        return _subpark_row(park, subpark).total_bounds
    for name in ("clusters", "boundary", "subparks", "parcels"):
        layer = park.get(name)
        if layer is not None and len(layer):
            return layer.total_bounds
    return np.array(pd.concat([g.geometry for g in park.layers.values()]).total_bounds)


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
    heading = title or f"{name} {text('figure_kind', kind, lang)}"
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
    notes.append(_t("generator", lang, v=package_version()))
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
