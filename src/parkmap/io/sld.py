"""SLD 1.1 (Symbology Encoding) of a layer's symbology: the same rules as its QGIS QML.

Written beside the QML in a GeoPackage's ``layer_styles`` table
(:mod:`parkmap.io.styles`) for GIS software that reads SLD rather than QML. Widths are
the web map's pixels; a road's width is its ``red_line_m`` in metres (``uom`` metre).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from parkmap.symbology import LayerSymbology, Rule, Symbol

__all__ = ["LABEL_FONT", "style_sld"]

#: Font family named in labels (installed with fonts-noto-cjk; other software substitutes).
LABEL_FONT = "Noto Sans CJK SC"

_SE = "http://www.opengis.net/se"
_OGC = "http://www.opengis.net/ogc"
_SLD = "http://www.opengis.net/sld"
_METRE = "http://www.opengeospatial.org/se/units/metre"


def _se(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    el = ET.SubElement(parent, f"{{{_SE}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _svg(parent: ET.Element, name: str, value: str) -> None:
    _se(parent, "SvgParameter", value, name=name)


def _stroke(parent: ET.Element, s: Symbol, colour: str, width_column: str | None = None):
    stroke = _se(parent, "Stroke")
    _svg(stroke, "stroke", colour)
    if width_column:
        width = _se(stroke, "SvgParameter", name="stroke-width")
        ET.SubElement(width, f"{{{_OGC}}}PropertyName").text = width_column
    else:
        _svg(stroke, "stroke-width", f"{s.width_px:g}")
    if s.dash_px:
        _svg(stroke, "stroke-dasharray", " ".join(f"{v:g}" for v in s.dash_px))


def _sld_symbolizer(rule_el: ET.Element, rule: Rule, geometry: str, width_column) -> None:
    s = rule.symbol
    if geometry == "point":
        sym = _se(rule_el, "PointSymbolizer")
        mark = _se(_se(sym, "Graphic"), "Mark")
        _se(mark, "WellKnownName", "circle")
        fill = _se(mark, "Fill")
        _svg(fill, "fill", s.fill or s.stroke)
        _stroke(mark, s, s.stroke or s.fill)
        _se(sym.find(f"{{{_SE}}}Graphic"), "Size", f"{2 * (s.radius_px or 6):g}")
        return
    if geometry == "line":
        by_width = width_column is not None and not rule.outline_only
        attrs = {"uom": _METRE} if by_width else {}
        sym = _se(rule_el, "LineSymbolizer", **attrs)
        colour = s.stroke if rule.outline_only else (s.fill or s.stroke)
        _stroke(sym, s, colour, width_column if by_width else None)
        return
    sym = _se(rule_el, "PolygonSymbolizer")
    if s.fill and not rule.outline_only:
        fill = _se(sym, "Fill")
        if s.hatch:
            mark = _se(_se(_se(fill, "GraphicFill"), "Graphic"), "Mark")
            _se(mark, "WellKnownName", "horline")
            _stroke(mark, s, s.stroke or s.fill)
        else:
            _svg(fill, "fill", s.fill)
            _svg(fill, "fill-opacity", f"{s.fill_opacity:g}")
    if s.stroke:
        _stroke(sym, s, s.stroke)


def style_sld(layer: str, symbology: LayerSymbology, geometry: str, *, lang: str = "zh") -> str:
    """The SLD 1.1 (Symbology Encoding) of a layer, with the same rules as the QML.

    Parameters
    ----------
    layer : str
        The layer name (written as the ``NamedLayer`` name).
    symbology : LayerSymbology
        The rules.
    geometry : {"polygon", "line", "point"}
        The layer's geometry kind.
    lang : {"zh", "en"}, default "zh"
        Language of the rule titles.

    Returns
    -------
    str
        The SLD document.
    """
    ET.register_namespace("", _SLD)
    ET.register_namespace("se", _SE)
    ET.register_namespace("ogc", _OGC)
    root = ET.Element(f"{{{_SLD}}}StyledLayerDescriptor", version="1.1.0")
    named = ET.SubElement(root, f"{{{_SLD}}}NamedLayer")
    _se(named, "Name", layer)
    user = ET.SubElement(named, f"{{{_SLD}}}UserStyle")
    _se(user, "Name", layer)
    fts = _se(user, "FeatureTypeStyle")
    for rule in symbology.rules:
        rule_el = _se(fts, "Rule")
        _se(rule_el, "Name", rule.value or rule.label_en)
        _se(_se(rule_el, "Description"), "Title", rule.label(lang))
        if rule.column is not None and rule.value is not None:
            equal = ET.SubElement(
                ET.SubElement(rule_el, f"{{{_OGC}}}Filter"), f"{{{_OGC}}}PropertyIsEqualTo"
            )
            ET.SubElement(equal, f"{{{_OGC}}}PropertyName").text = rule.column
            ET.SubElement(equal, f"{{{_OGC}}}Literal").text = rule.value
        elif rule.column is not None:
            _se(rule_el, "ElseFilter")
        _sld_symbolizer(rule_el, rule, geometry, symbology.width_column)
    if symbology.label_column:
        rule_el = _se(fts, "Rule")
        _se(rule_el, "Name", f"labels: {symbology.label_column}")
        text = _se(rule_el, "TextSymbolizer")
        label = _se(text, "Label")
        ET.SubElement(label, f"{{{_OGC}}}PropertyName").text = symbology.label_column
        font = _se(text, "Font")
        _svg(font, "font-family", LABEL_FONT)
        _svg(font, "font-size", "12")
        halo = _se(text, "Halo")
        _se(halo, "Radius", "1.5")
        _svg(_se(halo, "Fill"), "fill", "#FFFFFF")
        _svg(_se(text, "Fill"), "fill", "#282828")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
