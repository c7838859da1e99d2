"""Layer symbology as rules: the web map's colours for static figures and QGIS styles.

The colours and line styles are data: ``data/map_styles.csv`` (the web map's styles,
one row per layer and coded value), the land-use class colours of
``data/landuse_2023.csv`` and ``data/layer_symbology.csv``, which says for each layer
that parkmap writes which style and which column classify it (``boundary`` by
``zone``, ``parcels`` by ``landuse_code`` filled and by ``status`` outlined, ...).

:func:`layer_symbology` turns them into a list of :class:`Rule` (a label, a column and
value to match, a :class:`Symbol`) that a renderer draws in order: matplotlib for
figures, QGIS QML / SLD for GeoPackages. Widths and marker radii are in screen pixels
as on the web map (1 px = 0.2646 mm at 96 dpi, :data:`MM_PER_PX`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pandas as pd

from parkmap._data import read_table
from parkmap.errors import DataFileError
from parkmap.landuse import lookup_code
from parkmap.vocab import label, labels

__all__ = [
    "HATCHES",
    "MM_PER_PX",
    "LayerSymbology",
    "Rule",
    "Symbol",
    "coded_label",
    "figure_colour",
    "layer_symbology",
    "map_styles",
    "symbol",
    "symbology_keys",
]

#: Millimetres per CSS pixel (96 px per inch), to print the web map's pixel widths.
MM_PER_PX = 25.4 / 96
#: Hatch names used in ``map_styles.csv``.
HATCHES = ("diagonal", "antidiagonal", "horizontal", "vertical", "cross", "dots")

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_DASH = re.compile(r"^[0-9. ]*$")


@dataclass(frozen=True)
class Symbol:
    """How one class of features is drawn.

    Attributes
    ----------
    stroke : str
        Outline (or line) colour ``#RRGGBB``; empty for no outline.
    fill : str
        Fill colour ``#RRGGBB``; empty for no fill.
    fill_opacity : float
        0 (transparent) to 1.
    width_px : float
        Outline or line width in pixels.
    dash_px : tuple of float
        Dash pattern in pixels (on, off, ...); empty for a solid line.
    hatch : str
        One of :data:`HATCHES`, or empty.
    radius_px : float or None
        Marker radius of points, in pixels.
    """

    stroke: str = ""
    fill: str = ""
    fill_opacity: float = 0.5
    width_px: float = 1.0
    dash_px: tuple[float, ...] = ()
    hatch: str = ""
    radius_px: float | None = None


@dataclass(frozen=True)
class Rule:
    """One legend entry: the features where ``column == value`` drawn with ``symbol``.

    ``column`` None matches every feature; ``value`` None with a column is the "else"
    rule (features whose value has no rule of its own). ``outline_only`` rules are drawn
    on top of the fill rules (a parcel's status outline over its land-use fill).
    """

    label_zh: str
    label_en: str
    column: str | None
    value: str | None
    symbol: Symbol
    outline_only: bool = False

    def label(self, lang: str = "zh") -> str:
        """The legend label in ``lang``."""
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class LayerSymbology:
    """The rules of one layer and what else a renderer needs to draw it like the web map.

    Attributes
    ----------
    key : str
        Row of ``layer_symbology.csv`` (usually the layer name).
    title_zh, title_en : str
        Layer title.
    rules : tuple of Rule
        Fill rules first, then outline-only rules.
    label_column : str or None
        Column whose text labels the features, when the layer has it.
    width_column : str or None
        Column giving a line's width in metres (roads: ``red_line_m``).
    note, source, confidence : str
        From ``layer_symbology.csv``.
    """

    key: str
    title_zh: str
    title_en: str
    rules: tuple[Rule, ...]
    label_column: str | None
    width_column: str | None
    note: str
    source: str
    confidence: str

    def title(self, lang: str = "zh") -> str:
        """The layer title in ``lang``."""
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def columns(self) -> list[str]:
        """Every attribute the rules, labels and widths refer to."""
        named = [r.column for r in self.rules] + [self.label_column, self.width_column]
        return list(dict.fromkeys(c for c in named if c))


def _float(text: str, default: float | None) -> float | None:
    return float(text) if str(text).strip() else default


@cache
def map_styles() -> pd.DataFrame:
    """The layer styles of maps (``data/map_styles.csv``), checked, one row per layer and key.

    The one reader of the file: the web map (:mod:`parkmap.maps.styles`), the figures
    and the QGIS styles all draw from it. Columns: ``layer``, ``key`` (a coded value, or
    ``*`` for the whole layer), ``color``, ``fill_color``, ``fill_opacity``, ``weight``
    (pixels), ``dash_array`` (pixels, space-separated), ``hatch`` (one of
    :data:`HATCHES`), ``radius`` (pixels, points), ``note``, ``source``, ``confidence``.
    Land-use class colours come from ``data/landuse_2023.csv`` instead.

    Returns
    -------
    pandas.DataFrame
        All columns as text, empty cells as empty strings.

    Raises
    ------
    parkmap.errors.DataFileError
        A colour that is not ``#RRGGBB``, a bad dash pattern or an unknown hatch, named
        by layer and key.
    """
    table = read_table("map_styles.csv")
    for row in table.itertuples(index=False):
        where = f"map_styles.csv, layer {row.layer!r}, key {row.key!r}"
        for colour in (row.color, row.fill_color):
            if colour and not _HEX.match(colour):
                raise DataFileError(f"{where}: colour {colour!r} is not #RRGGBB")
        if not _DASH.match(row.dash_array) or row.hatch not in ("", *HATCHES):
            raise DataFileError(f"{where}: bad dash_array {row.dash_array!r} or hatch")
    return table


@cache
def _styles() -> dict[tuple[str, str], Symbol]:
    out: dict[tuple[str, str], Symbol] = {}
    for row in map_styles().itertuples(index=False):
        out[(row.layer, row.key)] = Symbol(
            stroke=row.color,
            fill=row.fill_color or row.color,
            fill_opacity=_float(row.fill_opacity, 0.5),
            width_px=_float(row.weight, 1.0),
            dash_px=tuple(float(v) for v in row.dash_array.split()),
            hatch=row.hatch,
            radius_px=_float(row.radius, None),
        )
    return out


def symbol(style_layer: str, key: str = "*") -> Symbol:
    """The web map's symbol of ``style_layer`` for the coded value ``key``.

    Parameters
    ----------
    style_layer : str
        A ``layer`` of ``map_styles.csv`` (``roads``, ``parcel_status`` ...).
    key : str, default "*"
        A coded value; falls back to the layer's ``*`` row, then to a grey default.

    Returns
    -------
    Symbol

    Examples
    --------
    >>> symbol("available").fill
    '#00C853'
    """
    table = _styles()
    return table.get((style_layer, str(key))) or table.get((style_layer, "*")) or Symbol("#333333")


def coded_label(column: str, value) -> tuple[str, str]:
    """Chinese and English labels of a coded value (``status``, ``kind`` …) or land-use code.

    Examples
    --------
    >>> coded_label("status", "built")
    ('已建', 'built')
    >>> coded_label("landuse_code", "1001")
    ('1001 工业用地', '1001 industrial land')
    """
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    if column == "landuse_code":
        found = lookup_code(text)
        if found is not None:
            return f"{found.code} {found.name_zh}", f"{found.code} {found.name_en}"
    return label(column, text)


@cache
def _table() -> dict[str, pd.Series]:
    table = read_table("layer_symbology.csv")
    return {row.key: row for _, row in table.iterrows()}


def symbology_keys() -> list[str]:
    """The layer keys of ``layer_symbology.csv``."""
    return list(_table())


@cache
def _figure_colours() -> dict[str, tuple[str, str, str]]:
    table = read_table("figure_styles.csv")
    for row in table.itertuples(index=False):
        if not _HEX.match(row.color):
            raise DataFileError(f"figure_styles.csv, key {row.key!r}: colour is not #RRGGBB")
    return {r.key: (r.color, r.name_zh, r.name_en) for r in table.itertuples(index=False)}


def figure_colour(key: str) -> tuple[str, str, str]:
    """Colour and (zh, en) names of a waterfall category in figures (``figure_styles.csv``).

    Raises
    ------
    KeyError
        If the file has no row ``key``.

    Examples
    --------
    >>> figure_colour("available")[0]
    '#00C853'
    """
    table = _figure_colours()
    if key not in table:
        raise KeyError(f"figure_styles.csv has no row {key!r} (has: {', '.join(table)})")
    return table[key]


def _values(values: Iterable | None) -> list[str]:
    if values is None:
        return []
    seen = [str(v) for v in values if v is not None and not (not isinstance(v, str) and pd.isna(v))]
    return sorted(dict.fromkeys(seen))


def _coded_rules(style_layer: str, column: str, present: list[str], *, outline: bool) -> list[Rule]:
    keys = [k for (layer, k) in _styles() if layer == style_layer and k != "*"]
    rules = []
    for key in keys:
        sym = symbol(style_layer, key)
        if outline and not sym.stroke:
            continue  # a status drawn like the default (built roads: solid) needs no rule
        zh, en = coded_label(column, key)
        if outline:
            sym = Symbol(stroke=sym.stroke, width_px=sym.width_px, dash_px=sym.dash_px)
            prefix_zh, prefix_en = labels("symbology")[column]
            zh, en = f"{prefix_zh}:{zh}", f"{prefix_en}: {en}"
        rules.append(Rule(zh, en, column, key, sym, outline_only=outline))
    if not outline and any(v not in keys for v in present):
        zh, en = labels("symbology")["other"]
        rules.append(Rule(zh, en, column, None, symbol(style_layer), False))
    return rules


def _landuse_rules(column: str, present: list[str], opacity: float) -> list[Rule]:
    rules = []
    for code in present:
        found = lookup_code(code)
        if found is None:
            continue
        zh, en = coded_label("landuse_code", code)
        rules.append(Rule(zh, en, column, code, Symbol("", found.hex, opacity, 0.0)))
    if len(rules) < len(present):
        rules.append(
            Rule("未知用地代码", "unknown code", column, None, Symbol("", "#CCCCCC", opacity))
        )
    return rules


def _allocation_rules(column: str, present: Iterable) -> list[Rule]:
    """One rule per project in order of appearance, coloured like the web map, then free plots."""
    palette = [k for (layer, k) in _styles() if layer == "allocation" and k != "free"]
    projects = list(dict.fromkeys(str(v) for v in present if isinstance(v, str) and v))
    rules = [
        Rule(p, p, column, p, symbol("allocation", palette[k % len(palette)]))
        for k, p in enumerate(projects)
    ]
    zh, en = labels("symbology")["free"]
    rules.append(Rule(zh, en, column, None, symbol("allocation", "free")))
    return rules


def layer_symbology(
    key: str, columns: Iterable[str], values: dict[str, Iterable] | None = None
) -> LayerSymbology | None:
    """The drawing rules of a layer, like the web map draws it.

    Parameters
    ----------
    key : str
        A key of ``layer_symbology.csv`` (a layer name such as ``parcels`` or
        ``available_land``).
    columns : iterable of str
        The layer's attribute columns: a classifying column it lacks gives a single
        rule for the whole layer; a label or width column it lacks is left out.
    values : dict of str to iterable, optional
        The values present per column. Land-use codes get one rule per code present;
        coded columns get one rule per value styled in ``map_styles.csv`` and an "other"
        rule when some present value has none.

    Returns
    -------
    LayerSymbology or None
        None when ``key`` has no row (the layer is written unstyled).

    Examples
    --------
    >>> s = layer_symbology("boundary", ["id", "zone"], {"zone": ["集中建设区"]})
    >>> [r.value for r in s.rules]
    ['集中建设区', '弹性发展区', '特别用途区']
    """
    row = _table().get(key)
    if row is None:
        return None
    columns = list(columns)
    values = values or {}
    column, outline_col = row["column"], row["outline_column"]
    if column and column in columns:
        present = _values(values.get(column))
        if row["style_layer"] == "allocation":
            rules = _allocation_rules(column, values.get(column, []))
        elif row["style_layer"] == "landuse":
            rules = _landuse_rules(column, present, _float(row["fill_opacity"], 0.6))
        else:
            rules = _coded_rules(row["style_layer"], column, present, outline=False)
    else:
        rules = [Rule(row["title_zh"], row["title_en"], None, None, symbol(row["style_layer"]))]
    if row["outline_layer"] and outline_col in columns:
        rules += _coded_rules(row["outline_layer"], outline_col, [], outline=True)
    return LayerSymbology(
        key=key,
        title_zh=row["title_zh"],
        title_en=row["title_en"],
        rules=tuple(rules),
        label_column=row["label_column"] if row["label_column"] in columns else None,
        width_column=row["width_column"] if row["width_column"] in columns else None,
        note=row["note"],
        source=row["source"],
        confidence=row["confidence"],
    )
