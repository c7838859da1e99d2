"""Web-map styles: one style per layer and coded value, hatches, swatches.

The styles table is read and checked once, by :func:`parkmap.symbology.map_styles`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from parkmap.symbology import map_styles

__all__ = ["Style", "layer_style", "map_styles", "pattern_id", "patterns_svg", "swatch"]


@dataclass(frozen=True)
class Style:
    """One drawing style, read from ``map_styles.csv``.

    Attributes
    ----------
    color, fill_color : str
        Stroke and fill colours, ``#RRGGBB`` ("" for the default).
    fill_opacity, weight, radius : float or None
        Fill opacity, stroke width and point radius (pixels); None for the default.
    dash_array : str
        SVG stroke dash pattern ("" for a solid line).
    hatch : str
        Hatch pattern name ("" for a plain fill).
    """

    color: str = ""
    fill_color: str = ""
    fill_opacity: float | None = None
    weight: float | None = None
    dash_array: str = ""
    hatch: str = ""
    radius: float | None = None

    def over(self, base: Style) -> Style:
        """Lay the fields set in this style over ``base``."""
        merged = {
            name: getattr(self, name) if getattr(self, name) not in ("", None) else value
            for name, value in base.__dict__.items()
        }
        return Style(**merged)

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


@cache
def _style_table() -> dict[tuple[str, str], Style]:
    styles: dict[tuple[str, str], Style] = {}
    for row in map_styles().itertuples(index=False):
        styles[(row.layer, row.key)] = Style(
            color=row.color,
            fill_color=row.fill_color,
            fill_opacity=float(row.fill_opacity) if row.fill_opacity else None,
            weight=float(row.weight) if row.weight else None,
            dash_array=row.dash_array,
            hatch=row.hatch,
            radius=float(row.radius) if row.radius else None,
        )
    return styles


def layer_style(layer: str, key: str = "*") -> Style:
    """The style of ``key`` in ``layer``, else the layer's ``*`` style, else the default.

    Parameters
    ----------
    layer : str
        A layer of ``map_styles.csv`` (``"roads"``, ``"parcel_status"`` …).
    key : str, default "*"
        A coded value of that layer.

    Returns
    -------
    Style
    """
    table = _style_table()
    return table.get((layer, str(key))) or table.get((layer, "*")) or Style()


def pattern_id(key: str) -> str:
    """The id of the SVG hatch pattern of a constraint kind (safe in HTML and CSS).

    Parameters
    ----------
    key : str
        A constraint kind (or any coded value).

    Returns
    -------
    str
        ``"parkmap-hatch-"`` and ``key`` with other characters than letters, digits,
        ``_`` and ``-`` replaced by ``_``.
    """
    return "parkmap-hatch-" + re.sub(r"[^A-Za-z0-9_-]", "_", key)


def patterns_svg(keys: Iterable[str]) -> str:
    """Hidden SVG with one hatch pattern per constraint kind (referenced by fill=url(#…)).

    Parameters
    ----------
    keys : iterable of str
        Constraint kinds; kinds without a hatch in ``map_styles.csv`` are skipped.

    Returns
    -------
    str
        An ``<svg>`` element holding the patterns.
    """
    defs = []
    for key in keys:
        style = layer_style("constraints", key)
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
            f'<pattern id="{pattern_id(key)}" patternUnits="userSpaceOnUse" width="8" '
            f'height="8" patternTransform="rotate({angle})">'
            f'<rect width="8" height="8" fill="{colour}" fill-opacity="0.18"/>{marks}</pattern>'
        )
    return (
        '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
        + "".join(defs)
        + "</defs></svg>"
    )


def swatch(options: dict, point: bool = False) -> str:
    """A small inline SVG showing a Leaflet style, for the legend.

    Parameters
    ----------
    options : dict
        Leaflet path options, as from :meth:`Style.leaflet`.
    point : bool, default False
        Draw a circle (point layers) instead of a rectangle.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
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
