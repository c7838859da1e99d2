"""QGIS styles in GeoPackages: QML and SLD per layer in the ``layer_styles`` table.

:func:`parkmap.io.write_geopackage` calls :func:`add_layer_styles` on every file it
writes, so every GeoPackage parkmap writes (``export``, ``availability -o``, ``layout
-o``, ``import``) opens styled.

QGIS looks for a table ``layer_styles`` in a GeoPackage and applies the row of a layer
with ``useAsDefault`` true when the layer is opened (GDAL lists it as an attribute
table). Its columns are QGIS's: ``f_table_catalog``, ``f_table_schema``,
``f_table_name``, ``f_geometry_column``, ``styleName``, ``styleQML``, ``styleSLD``,
``useAsDefault``, ``description``, ``owner``, ``ui``, ``update_time``.

The styles are built from :mod:`parkmap.symbology`, i.e. from the same data files as
the web map (``map_styles.csv``, ``landuse_2023.csv``, ``layer_symbology.csv``): a
rule-based renderer with one rule per coded value (the legend reads like the web map's),
outline rules for statuses drawn over the fills, road lines as wide as their red line
in metres, labels from ``name_zh`` where the layer has one. Pixel widths of the web map
are written in millimetres at 96 dpi. The SLD (Symbology Encoding 1.1) carries the same
rules for other GIS software.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyogrio

from parkmap.errors import DataFileError
from parkmap.io.sld import LABEL_FONT, style_sld
from parkmap.symbology import MM_PER_PX, LayerSymbology, Rule, Symbol, layer_symbology

__all__ = [
    "STYLE_TABLE",
    "LayerStyle",
    "add_layer_styles",
    "layer_style",
    "read_layer_styles",
    "style_qml",
]

#: The table QGIS reads default styles from.
STYLE_TABLE = "layer_styles"
#: QGIS version written in the QML header (3.28 LTR reads and upgrades it).
QGIS_VERSION = "3.28.0-Firenze"

_QT_BRUSH = {
    "diagonal": "b_diagonal",
    "antidiagonal": "f_diagonal",
    "horizontal": "horizontal",
    "vertical": "vertical",
    "cross": "diagonal_x",
    "dots": "dense6",
}


@dataclass(frozen=True)
class LayerStyle:
    """A layer's style as QGIS stores it: QML and SLD text and the row's fields."""

    layer: str
    geometry_column: str
    geometry: str  # "polygon", "line" or "point"
    qml: str
    sld: str
    description: str


def _rgba(colour: str, opacity: float = 1.0) -> str:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(255 * max(0.0, min(1.0, opacity)))}"


def _mm(px: float) -> str:
    return f"{px * MM_PER_PX:.3g}"


def _filter(rule: Rule) -> str:
    """The QGIS expression of a rule (empty: every feature)."""
    if rule.column is None:
        return ""
    if rule.value is None:
        return "ELSE"
    value = rule.value.replace("'", "''")
    return f"\"{rule.column}\" = '{value}'"


def _options(parent: ET.Element, values: dict[str, str]) -> None:
    box = ET.SubElement(parent, "Option", type="Map")
    for name, value in values.items():
        ET.SubElement(box, "Option", name=name, type="QString", value=str(value))


def _data_defined(parent: ET.Element, properties: dict[str, str]) -> None:
    box = ET.SubElement(ET.SubElement(parent, "data_defined_properties"), "Option", type="Map")
    ET.SubElement(box, "Option", name="name", type="QString", value="")
    props = ET.SubElement(box, "Option", name="properties", type="Map")
    for key, expression in properties.items():
        prop = ET.SubElement(props, "Option", name=key, type="Map")
        ET.SubElement(prop, "Option", name="active", type="bool", value="true")
        ET.SubElement(prop, "Option", name="expression", type="QString", value=expression)
        ET.SubElement(prop, "Option", name="type", type="int", value="3")
    ET.SubElement(box, "Option", name="type", type="QString", value="collection")


def _dash(symbol: Symbol) -> dict[str, str]:
    if not symbol.dash_px:
        return {"use_custom_dash": "0"}
    return {
        "use_custom_dash": "1",
        "customdash": ";".join(f"{v:g}" for v in symbol.dash_px),
        "customdash_unit": "Pixel",
    }


def _symbol_layers(sym: ET.Element, rule: Rule, geometry: str, width_column: str | None):
    s = rule.symbol
    if geometry == "point":
        layer = ET.SubElement(sym, "layer", {"class": "SimpleMarker", "enabled": "1", "pass": "0"})
        _options(
            layer,
            {
                "name": "circle",
                "color": _rgba(s.fill or s.stroke, s.fill_opacity),
                "outline_color": _rgba(s.stroke or s.fill),
                "outline_width": _mm(s.width_px),
                "outline_width_unit": "MM",
                "outline_style": "solid",
                "size": _mm(2 * (s.radius_px or 6)),
                "size_unit": "MM",
                "scale_method": "diameter",
            },
        )
        return
    if geometry == "line":
        by_width = width_column is not None and not rule.outline_only
        layer = ET.SubElement(sym, "layer", {"class": "SimpleLine", "enabled": "1", "pass": "0"})
        colour = s.stroke if rule.outline_only else (s.fill or s.stroke)
        _options(
            layer,
            {
                "line_color": _rgba(colour, 1.0 if rule.outline_only else s.fill_opacity),
                "line_width": "1" if by_width else _mm(s.width_px),
                "line_width_unit": "MapUnit" if by_width else "MM",
                "line_style": "solid",
                "capstyle": "flat",
                "joinstyle": "miter",
                **_dash(s),
            },
        )
        if by_width:
            _data_defined(layer, {"outlineWidth": f'"{width_column}"'})
        return
    fills = []
    if s.fill and not rule.outline_only:
        fills.append(("solid", _rgba(s.fill, s.fill_opacity * (0.4 if s.hatch else 1.0))))
        if s.hatch:
            fills.append((_QT_BRUSH[s.hatch], _rgba(s.stroke or s.fill, 1.0)))
    if not fills:
        fills.append(("no", "0,0,0,0"))
    for i, (style, colour) in enumerate(fills):
        layer = ET.SubElement(sym, "layer", {"class": "SimpleFill", "enabled": "1", "pass": "0"})
        outline = s.stroke and i == len(fills) - 1
        _options(
            layer,
            {
                "style": style,
                "color": colour,
                "outline_style": ("dash" if s.dash_px else "solid") if outline else "no",
                "outline_color": _rgba(s.stroke) if outline else "0,0,0,0",
                "outline_width": _mm(s.width_px),
                "outline_width_unit": "MM",
                "joinstyle": "miter",
                **(_dash(s) if outline else {}),
            },
        )


def _key(layer: str, part) -> str:
    """A rule key, the same on every run (files stay byte-identical)."""
    return f"{{{uuid.uuid5(uuid.NAMESPACE_URL, f'parkmap/{layer}/{part}')}}}"


def _symbol_type(geometry: str) -> str:
    return {"polygon": "fill", "line": "line", "point": "marker"}[geometry]


def _labeling(root: ET.Element, column: str, geometry: str) -> None:
    labeling = ET.SubElement(root, "labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    style = ET.SubElement(
        settings,
        "text-style",
        fieldName=column,
        isExpression="0",
        fontFamily=LABEL_FONT,
        fontSize="9",
        fontSizeUnit="Point",
        textColor="40,40,40,255",
        textOpacity="1",
    )
    ET.SubElement(
        style,
        "text-buffer",
        bufferDraw="1",
        bufferSize="0.8",
        bufferSizeUnits="MM",
        bufferColor="255,255,255,255",
        bufferOpacity="0.8",
    )
    placement = {"polygon": "1", "line": "2", "point": "6"}[geometry]  # over, line, around
    ET.SubElement(settings, "placement", placement=placement, dist="1", distUnits="MM")
    ET.SubElement(settings, "rendering", obstacle="1", scaleVisibility="0", drawLabels="1")


def style_qml(symbology: LayerSymbology, geometry: str, *, lang: str = "zh") -> str:
    """The QGIS QML of a layer: a rule-based renderer and, where set, labels.

    Parameters
    ----------
    symbology : LayerSymbology
        The rules (from :func:`parkmap.symbology.layer_symbology`).
    geometry : {"polygon", "line", "point"}
        The layer's geometry kind.
    lang : {"zh", "en"}, default "zh"
        Language of the rule labels shown in the QGIS legend.

    Returns
    -------
    str
        The QML document.
    """
    root = ET.Element(
        "qgis",
        version=QGIS_VERSION,
        styleCategories="Symbology|Labeling",
        labelsEnabled="1" if symbology.label_column else "0",
    )
    renderer = ET.SubElement(
        root, "renderer-v2", type="RuleRenderer", symbollevels="0", forceraster="0"
    )
    rules = ET.SubElement(renderer, "rules", key=_key(symbology.key, "root"))
    symbols = ET.SubElement(renderer, "symbols")
    for i, rule in enumerate(symbology.rules):
        attrs = {"key": _key(symbology.key, i), "symbol": str(i), "label": rule.label(lang)}
        if _filter(rule):
            attrs["filter"] = _filter(rule)
        ET.SubElement(rules, "rule", attrs)
        sym = ET.SubElement(
            symbols,
            "symbol",
            name=str(i),
            type=_symbol_type(geometry),
            alpha="1",
            clip_to_extent="1",
            force_rhr="0",
        )
        _symbol_layers(sym, rule, geometry, symbology.width_column)
    if symbology.label_column:
        _labeling(root, symbology.label_column, geometry)
    ET.SubElement(root, "layerGeometryType").text = {"point": "0", "line": "1", "polygon": "2"}[
        geometry
    ]
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"


def _geometry_kind(geometry_type: str) -> str | None:
    text = geometry_type.upper()
    for token, kind in (("POLYGON", "polygon"), ("LINE", "line"), ("POINT", "point")):
        if token in text:
            return kind
    return None


def layer_style(
    layer: str,
    frame: pd.DataFrame,
    geometry_type: str,
    *,
    key: str | None = None,
    geometry_column: str = "geometry",
    lang: str = "zh",
) -> LayerStyle | None:
    """The QGIS style of one layer of attributes ``frame``, or None if it has no symbology.

    Parameters
    ----------
    layer : str
        The layer name.
    frame : pandas.DataFrame
        Its attributes (used for the columns and the values present).
    geometry_type : str
        Its geometry type (``Polygon``, ``MultiLineString``, ``Point`` ...).
    key : str, optional
        The ``layer_symbology.csv`` row to use (default: ``layer``).
    geometry_column : str, default "geometry"
        Written to ``f_geometry_column``.
    lang : {"zh", "en"}, default "zh"
        Language of the legend labels.
    """
    kind = _geometry_kind(geometry_type or "")
    columns = [c for c in frame.columns if c != geometry_column]
    values = {c: frame[c].dropna().astype(str).unique() for c in columns}
    symbology = layer_symbology(key or layer, columns, values)
    if symbology is None or kind is None:
        return None
    description = (
        f"parkmap: {symbology.title(lang)}; {symbology.note or 'as the web map'} "
        f"(data/layer_symbology.csv, map_styles.csv; {symbology.source}, "
        f"confidence {symbology.confidence})"
    )
    return LayerStyle(
        layer=layer,
        geometry_column=geometry_column,
        geometry=kind,
        qml=style_qml(symbology, kind, lang=lang),
        sld=style_sld(layer, symbology, kind, lang=lang),
        description=description,
    )


def _geometry_columns(path: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT table_name, column_name, geometry_type_name FROM gpkg_geometry_columns"
        ).fetchall()
    return {str(t): (str(c), str(g)) for t, c, g in rows}


def add_layer_styles(
    path: str | os.PathLike,
    *,
    keys: dict[str, str] | None = None,
    lang: str = "zh",
) -> list[str]:
    """Write QGIS default styles for the styled layers of a GeoPackage into ``layer_styles``.

    Parameters
    ----------
    path : path-like
        An existing GeoPackage (written by parkmap; opened read-write).
    keys : dict of str to str, optional
        ``layer_symbology.csv`` row per layer where it is not the layer name (a layout's
        ``buildings`` are ``layout_buildings``).
    lang : {"zh", "en"}, default "zh"
        Language of the legend labels.

    Returns
    -------
    list of str
        The layers styled, in file order; layers without a symbology row are left
        unstyled (QGIS's default).

    Raises
    ------
    parkmap.errors.DataFileError
        If the file is not a GeoPackage.
    """
    path = Path(path)
    try:
        geometry = _geometry_columns(path)
    except sqlite3.Error as err:
        raise DataFileError(f"{path}: not a GeoPackage ({err})") from None
    keys = keys or {}
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    rows = []
    for table, (column, geometry_type) in geometry.items():
        frame = pyogrio.read_dataframe(path, layer=table, read_geometry=False)
        style = layer_style(
            table, frame, geometry_type, key=keys.get(table), geometry_column=column, lang=lang
        )
        if style is None:
            continue
        rows.append(
            {
                "f_table_catalog": "",
                "f_table_schema": "",
                "f_table_name": table,
                "f_geometry_column": column,
                "styleName": table,
                "styleQML": style.qml,
                "styleSLD": style.sld,
                "useAsDefault": True,
                "description": style.description,
                "owner": "parkmap",
                "ui": "",
                "update_time": now,
            }
        )
    if rows:
        exists = STYLE_TABLE in set(pyogrio.list_layers(path)[:, 0])
        if exists:  # styling again replaces parkmap's own rows of these layers
            names = [r["f_table_name"] for r in rows]
            with sqlite3.connect(path) as con:
                con.execute(
                    f"DELETE FROM {STYLE_TABLE} WHERE owner = 'parkmap' AND f_table_name IN "
                    f"({', '.join('?' * len(names))})",
                    names,
                )
            con.close()
        pyogrio.write_dataframe(
            pd.DataFrame(rows), path, layer=STYLE_TABLE, driver="GPKG", append=exists
        )
    return [r["f_table_name"] for r in rows]


def read_layer_styles(path: str | os.PathLike) -> pd.DataFrame:
    """The ``layer_styles`` table of a GeoPackage (empty frame when it has none)."""
    path = Path(path)
    if STYLE_TABLE not in set(pyogrio.list_layers(path)[:, 0]):
        return pd.DataFrame(columns=["f_table_name", "styleQML", "styleSLD", "useAsDefault"])
    return pyogrio.read_dataframe(path, layer=STYLE_TABLE)
