"""Web-map overlays: a toggleable layer with its styles, tooltips, popups and legend items."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from parkmap.maps.labels import blank, coded, esc, t, text
from parkmap.maps.styles import layer_style, pattern_id
from parkmap.park import Park
from parkmap.schema import feature_ids
from parkmap.vocab import display_names as _names

__all__ = [
    "COMPACT_MIN_FEATURES",
    "Context",
    "Overlay",
    "bilingual",
    "by_value",
    "column_of",
    "id_names",
    "named",
    "per_value",
]

#: Layers of at least this many features are drawn compact: on a canvas, their popups
#: built in the browser from attribute columns (``data/webmap_compact.js``). Below it,
#: one SVG path and one escaped HTML popup per feature, as before.
COMPACT_MIN_FEATURES = 2_000


def _popup(title: str, subtitle: str, rows: list[tuple[str, str]]) -> str:
    """Popup HTML; every argument is plain text and is escaped here."""
    body = "".join(
        f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in rows if value
    )
    sub = f'<div class="parkmap-sub">{esc(subtitle)}</div>' if subtitle != title else ""
    return f'<div class="parkmap-title">{esc(title or "-")}</div>{sub}<table>{body}</table>'


def _tooltip(title: str, *lines: str) -> str:
    """Tooltip HTML; every argument is plain text and is escaped here."""
    return f"<b>{esc(title or '-')}</b>" + "".join(f"<br>{esc(x)}" for x in lines if x)


@dataclass
class Overlay:
    """One toggleable layer, ready to draw.

    Attributes
    ----------
    key : str
        The layer's key (``"roads"``, ``"constraints:forest"``, ``"parcels:100102"`` …).
    name : str
        Its name in the layer control (plain text).
    geoms : geopandas.GeoSeries
        The shapes to draw, in the park's metric CRS.
    styles : list of dict
        The distinct Leaflet path options of the layer.
    style_index : list of int
        Per feature, its index in ``styles``.
    tooltips, popups : list of str
        Per feature, HTML with every data value escaped (empty for a compact layer).
    legend : list of (str, dict)
        Legend items: label and Leaflet options; a label ``"head: item"`` belongs to
        a section shared by several layers.
    radius : list of float, optional
        Per feature, the circle radius in pixels (point layers).
    point : bool
        Drawn as circles.
    show : bool
        Shown when the map opens.
    columns : dict, optional
        A compact layer's tooltip and popup text as plain-text columns instead of
        ``tooltips`` and ``popups``: ``title``, ``subtitle``, ``short`` (one value per
        feature) and ``rows`` (``{label: values}``, in popup order); the browser builds
        the HTML (``data/webmap_compact.js``).
    """

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
    columns: dict | None = None


@dataclass
class Context:
    """What the per-layer builders need besides the layer.

    Attributes
    ----------
    park : Park
        The park drawn.
    lang : {"zh", "en"}
        The interface language.
    cluster_names, subpark_names : dict
        Names ``(zh, en)`` by feature id, from :func:`id_names`.
    """

    park: Park
    lang: str
    cluster_names: dict = field(default_factory=dict)
    subpark_names: dict = field(default_factory=dict)

    def t(self, key: str) -> str:
        """Interface text ``key`` in the map's language."""
        return t(key, self.lang)

    def tail(self, row: dict, fid: str) -> list[tuple[str, str]]:
        """The rows every popup ends with: id, source, confidence."""
        return [
            (self.t("id"), fid),
            (self.t("source"), text(row.get("source"))),
            (self.t("confidence"), text(row.get("confidence"))),
        ]


def id_names(gdf: gpd.GeoDataFrame | None) -> dict[str, tuple[str, str]]:
    """The names of a layer's features by id.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or None
        A layer (clusters, sub-parks …).

    Returns
    -------
    dict
        ``{feature id: (name_zh, name_en)}``; empty for a missing or empty layer.
    """
    if gdf is None or not len(gdf):
        return {}
    zh, en = _names(gdf)
    return dict(zip(feature_ids(gdf), zip(zh, en, strict=True), strict=True))


def bilingual(names: dict, key) -> str:
    """A feature referred to by id, as ``"zh (en)"`` (once when the names are the same).

    Parameters
    ----------
    names : dict
        Names by id, from :func:`id_names`.
    key : object
        The id; an unknown id is shown as itself.

    Returns
    -------
    str
        "" for a missing id.
    """
    if blank(key):
        return ""
    zh, en = names.get(str(key), (str(key), str(key)))
    return zh if zh == en else f"{zh} ({en})"


def _records(gdf: gpd.GeoDataFrame) -> list[dict]:
    return pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).to_dict("records")


def _texts(gdf: gpd.GeoDataFrame, column: str) -> np.ndarray:
    """Display text of a column, worked out once per distinct value ("" when absent)."""
    if column not in gdf.columns:
        return np.full(len(gdf), "", dtype=object)
    codes, uniques = pd.factorize(gdf[column], use_na_sentinel=True)
    shown = np.array([text(u) for u in uniques] + [""], dtype=object)
    return shown[codes]


def per_value(values, describe: Callable[[object], str]) -> np.ndarray:
    """``describe(value)`` for each value, called once per distinct value.

    Parameters
    ----------
    values : pandas.Series or sequence
        A column.
    describe : callable
        Display text of one value; missing values are passed as None.

    Returns
    -------
    numpy.ndarray of str
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    shown = np.array([describe(u) for u in uniques] + [describe(None)], dtype=object)
    return shown[codes]


def column_of(gdf: gpd.GeoDataFrame, column: str, describe: Callable[[object], str]) -> np.ndarray:
    """:func:`per_value` of a layer's column (``describe(None)`` for all when it has none).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer.
    column : str
        The column.
    describe : callable
        Display text of one value.

    Returns
    -------
    numpy.ndarray of str
    """
    if column not in gdf.columns:
        return np.full(len(gdf), describe(None), dtype=object)
    return per_value(gdf[column], describe)


def _tail_columns(ctx: Context, gdf: gpd.GeoDataFrame, ids: np.ndarray) -> list[tuple]:
    """:meth:`Context.tail` as columns: id, source, confidence."""
    return [
        (ctx.t("id"), ids),
        (ctx.t("source"), column_of(gdf, "source", text)),
        (ctx.t("confidence"), column_of(gdf, "confidence", text)),
    ]


def by_value(
    ctx: Context,
    layer: str,
    gdf: gpd.GeoDataFrame,
    column: str,
    describe: Callable[[dict, str, float], tuple[str, str, list[tuple[str, str]], str]],
    *,
    style_layer: str | None = None,
    geoms: gpd.GeoSeries | None = None,
    outline: tuple[str, str] | None = None,
    describe_columns: Callable | None = None,
) -> Overlay:
    """An overlay styled by the value of ``column`` (optionally outlined by another).

    A layer of at least :data:`COMPACT_MIN_FEATURES` features gets its tooltip and
    popup text as attribute columns (:attr:`Overlay.columns`, built into HTML in the
    browser) instead of one HTML string per feature.

    Parameters
    ----------
    ctx : Context
        The park and language.
    layer : str
        The overlay's key and text key (its name in the layer control).
    gdf : geopandas.GeoDataFrame
        The features.
    column : str
        The column whose value picks the style in ``map_styles.csv``, or ``"*"`` for one
        style for the whole layer.
    describe : callable
        ``describe(row, feature_id, area_m2)`` returns the feature's title, subtitle,
        popup rows ``(label, value)`` and a short tooltip line (all plain text).
    style_layer : str, optional
        The layer of ``map_styles.csv`` to use (default ``layer``).
    geoms : geopandas.GeoSeries, optional
        Shapes to draw and measure instead of ``gdf``'s geometry.
    outline : (str, str), optional
        A styles layer and a column whose value styles the outline (e.g. the status),
        over the fill; its items go to a legend section shared by layers.
    describe_columns : callable, optional
        For a compact layer: ``describe_columns(gdf, feature_ids, areas_m2)`` returns
        what ``describe`` returns for every feature at once, as columns (title,
        subtitle, rows ``[(label, values)]``, short), without a Python call per
        feature; without it ``describe`` is called row by row.

    Returns
    -------
    Overlay
    """
    style_layer = style_layer or layer
    geoms = gdf.geometry if geoms is None else geoms
    areas = geoms.area.to_numpy()
    ids = feature_ids(gdf).to_numpy()
    # styles and legend items: once per distinct (value, outline value), in row order
    values = np.full(len(gdf), "*", dtype=object) if column == "*" else _texts(gdf, column)
    statuses = _texts(gdf, outline[1]) if outline is not None else np.full(len(gdf), "")
    pairs, distinct = pd.factorize(pd.Series(list(zip(values, statuses, strict=True))))
    styles: list[dict] = []
    index_of: dict[str, int] = {}
    pair_style: list[int] = []
    legend: dict[str, dict] = {}
    outline_legend: dict[str, dict] = {}
    for value, status in distinct:
        style = layer_style(style_layer, value)
        if outline is not None:
            style = layer_style(outline[0], status).over(style)
        options = style.leaflet(pattern_id(value))
        key = json.dumps(options, sort_keys=True)
        if key not in index_of:
            index_of[key] = len(styles)
            styles.append(options)
        pair_style.append(index_of[key])
        label = coded(column, value, ctx.lang, both=False) if column != "*" else ""
        legend.setdefault(
            label or ctx.t(layer), layer_style(style_layer, value).leaflet(pattern_id(value))
        )
        if outline is not None:
            outline_legend.setdefault(
                f"{ctx.t(outline[0])}: {coded(outline[1], status, ctx.lang, both=False)}",
                {**layer_style(outline[0], status).leaflet(), "fillColor": "#FFFFFF"},
            )
    style_index = np.asarray(pair_style, dtype=int)[pairs].tolist() if len(gdf) else []
    compact = len(gdf) >= COMPACT_MIN_FEATURES
    tooltips: list[str] = []
    popups: list[str] = []
    columns: dict | None = (
        {"title": [], "subtitle": [], "short": [], "rows": {}} if compact else None
    )
    by_row = not (compact and describe_columns is not None)
    if not by_row:
        title, subtitle, rows, short = describe_columns(gdf, ids, areas)
        rows = [*rows, *_tail_columns(ctx, gdf, ids)]
        columns = {"title": title, "subtitle": subtitle, "short": short, "rows": dict(rows)}
    for i, row in enumerate(_records(gdf) if by_row else []):
        title, subtitle, rows, short = describe(row, ids[i], float(areas[i]))
        rows = rows + ctx.tail(row, ids[i])
        if columns is None:
            tooltips.append(_tooltip(title, subtitle if subtitle != title else "", short))
            popups.append(_popup(title, subtitle, rows))
            continue
        columns["title"].append(title)
        columns["subtitle"].append(subtitle)
        columns["short"].append(short)
        cells = columns["rows"]
        for label, cell in rows:
            column_values = cells.get(label)
            if column_values is None:
                column_values = cells[label] = [""] * i
            if len(column_values) == i:
                column_values.append(cell)
            elif cell:  # the same label twice in one popup: both values
                column_values[i] = f"{column_values[i]}; {cell}" if column_values[i] else cell
        for cell_values in cells.values():  # a row this feature does not have
            if len(cell_values) == i:
                cell_values.append("")
    return Overlay(
        key=layer,
        name=ctx.t(layer),
        geoms=geoms,
        styles=styles,
        style_index=style_index,
        tooltips=tooltips,
        popups=popups,
        legend=list(legend.items()) + list(outline_legend.items()),
        columns=columns,
    )


def named(ctx: Context, row: dict) -> tuple[str, str]:
    """A feature's names ``(zh, en)``, each standing in for the other when missing.

    Parameters
    ----------
    ctx : Context
        The map's context.
    row : dict
        The feature's attributes.

    Returns
    -------
    (str, str)
    """
    zh = text(row.get("name_zh"))
    en = text(row.get("name_en")) or zh
    return zh or en, en or zh
