"""What a web map writes into its HTML page: drawn geometry, script data, scripts and styles."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from parkmap._data import data_path
from parkmap.crs import WGS84, wgs84_to_gcj02

__all__ = [
    "COORD_DECIMALS",
    "LEAFLET_CDN",
    "Chrome",
    "CompactLayer",
    "DataLayer",
    "PhoneLayout",
    "Stats",
    "display_geometry",
    "display_lonlat",
    "inline",
    "js_json",
    "js_parse",
    "leaflet_assets",
    "leaflet_version",
    "own_assets",
]

#: Decimal places of degrees kept in the page (1e-6° is about 0.1 m).
COORD_DECIMALS = 6
#: Leaflet's files on a CDN, for online maps (``version`` and ``file`` to fill in).
LEAFLET_CDN = "https://cdn.jsdelivr.net/npm/leaflet@{version}/dist/{file}"


# -- geometry -----------------------------------------------------------------------------
@dataclass
class Stats:
    """Counts of what a map draws, summed over its layers.

    Attributes
    ----------
    vertices_full : int
        Vertices of the full geometry.
    vertices_drawn : int
        Vertices written to the page (after simplification).
    features : int
        Features written to the page.
    """

    vertices_full: int = 0
    vertices_drawn: int = 0
    features: int = 0


def display_lonlat(
    geoms: gpd.GeoSeries, simplify_m: float, gcj02: bool, stats: Stats
) -> np.ndarray:
    """Geometries for the page: simplified in metres, WGS84 (or GCJ-02), rounded.

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        Geometries in a metric CRS.
    simplify_m : float
        Simplification tolerance in metres (0: none); topology is preserved.
    gcj02 : bool
        Shift the coordinates from WGS84 to GCJ-02 (for GCJ-02 tiles).
    stats : Stats
        Updated with the vertices and features drawn.

    Returns
    -------
    numpy.ndarray of shapely geometries
        In degrees, rounded to :data:`COORD_DECIMALS`.
    """
    array = geoms.array
    stats.vertices_full += int(shapely.get_num_coordinates(array).sum())
    if simplify_m > 0:
        array = shapely.simplify(array, simplify_m, preserve_topology=True)
    lonlat = gpd.GeoSeries(array, crs=geoms.crs).to_crs(WGS84).array

    def to_page(coords: np.ndarray) -> np.ndarray:
        if gcj02:
            coords = np.column_stack(wgs84_to_gcj02(coords[:, 0], coords[:, 1]))
        return np.round(coords, COORD_DECIMALS)

    lonlat = shapely.transform(np.asarray(lonlat, dtype=object), to_page)
    stats.vertices_drawn += int(shapely.get_num_coordinates(lonlat).sum())
    stats.features += len(lonlat)
    return lonlat


def display_geometry(
    geoms: gpd.GeoSeries, simplify_m: float, gcj02: bool, stats: Stats
) -> list[dict]:
    """GeoJSON geometries for the page (:func:`display_lonlat` as GeoJSON).

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        Geometries in a metric CRS.
    simplify_m : float
        Simplification tolerance in metres (0: none); topology is preserved.
    gcj02 : bool
        Shift the coordinates from WGS84 to GCJ-02 (for GCJ-02 tiles).
    stats : Stats
        Updated with the vertices and features drawn.

    Returns
    -------
    list of dict
        One GeoJSON geometry per input, coordinates rounded to :data:`COORD_DECIMALS`.
    """
    lonlat = display_lonlat(geoms, simplify_m, gcj02, stats)
    return [json.loads(g) for g in shapely.to_geojson(lonlat)]


def js_json(value) -> str:
    """JSON for a ``<script>`` element: compact, UTF-8, unable to close the element.

    Parameters
    ----------
    value : object
        JSON-serialisable data (no NaN).

    Returns
    -------
    str
        JSON text in which ``</`` and ``<!--`` are escaped.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\u0021--")


def js_parse(text: str) -> str:
    r"""A ``JSON.parse('...')`` expression of :func:`js_json` text (large data).

    V8 parses a JSON string several times faster than the same data written as a
    JavaScript literal, which it must compile as code: for a county's layers (megabytes
    of arrays) that compile was a large part of the first render.

    Parameters
    ----------
    text : str
        Output of :func:`js_json`.

    Returns
    -------
    str
        The text in a single-quoted string literal, still unable to close the element.

    Examples
    --------
    >>> print(js_parse(js_json({"name": "O'Brien </script>"})))
    JSON.parse('{"name":"O\'Brien <\\/script>"}')
    """
    text = text.replace("\\", "\\\\").replace("'", "\\'")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"JSON.parse('{text}')"


# -- Folium elements ---------------------------------------------------------------------------
class _ScriptElement(MacroElement):
    """A MacroElement whose script goes into the page as it is.

    branca's ``MacroElement.render`` wraps the rendered script in ``Element(text)``,
    which compiles it as a Jinja template: for a layer's data (megabytes of JSON) that
    lexing took most of the time of writing a large map.
    """

    def render(self, **kwargs) -> None:
        """Add the script to the page (and render the children)."""
        script = self._template.module.__dict__["script"]
        self.get_root().script.add_child(_Raw(str(script(self, kwargs))), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class Chrome(_ScriptElement):
    """parkmap's scripts and controls: patterns, scale, fullscreen, measure, panels.

    Parameters
    ----------
    options : dict
        The options of ``parkmap.setup`` in ``data/webmap.js`` (panel and legend HTML,
        hatch patterns, notes, labels), embedded with :func:`js_json`.
    """

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
        self.options = js_json(options)


class DataLayer(_ScriptElement):
    """A GeoJSON layer drawn by ``parkmap.layer`` inside its FeatureGroup.

    Each layer of a map from :func:`parkmap.webmap` is one of these, a child of the
    layer's ``folium.FeatureGroup``: to read what a map embeds for a layer, look for the
    ``DataLayer`` whose ``section`` is the layer's key.

    Parameters
    ----------
    chrome : Chrome
        The map's controls, which the layer registers with (legend, toggles).
    section : str
        The layer's key (``"roads"``, ``"parcels:100102"`` …).
    data : dict
        A GeoJSON FeatureCollection; each feature's properties hold its style index
        ``s``, tooltip ``t``, popup ``p`` and, for points, radius ``r``.
    styles : list of dict
        Leaflet path options, indexed by the features' ``s``.

    Attributes
    ----------
    section, data, styles : str
        The arguments as script-safe JSON text (:func:`js_json`).
    parsed : str
        ``data`` as the page reads it (:func:`js_parse`).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = parkmap.layer({{ this.chrome }}, {{ this._parent.get_name() }},
  {{ this.section }}, {{ this.parsed }}, {{ this.styles }});
{% endmacro %}
"""
    )

    def __init__(self, chrome: Chrome, section: str, data: dict, styles: list[dict]) -> None:
        super().__init__()
        self._name = "ParkmapLayer"
        self.chrome = chrome.get_name()
        self.section = js_json(section)
        self.data = js_json(data)
        self.parsed = js_parse(self.data)
        self.styles = js_json(styles)


class CompactLayer(_ScriptElement):
    """A large layer drawn on a canvas by ``parkmapCompact.layer`` inside its FeatureGroup.

    Parameters
    ----------
    chrome : Chrome
        The map's controls, which the layer registers with (legend, toggles).
    section : str
        The layer's key.
    data : dict
        The compact layer (:func:`parkmap.maps.compact.encode_layer`).
    styles : list of dict
        Leaflet path options, indexed by the features' style index.

    Attributes
    ----------
    section, data, styles : str
        The arguments as script-safe JSON text (:func:`js_json`).
    parsed : str
        ``data`` as the page reads it (:func:`js_parse`).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = parkmapCompact.layer({{ this.chrome }},
  {{ this._parent.get_name() }}, {{ this.section }}, {{ this.parsed }}, {{ this.styles }});
{% endmacro %}
"""
    )

    def __init__(self, chrome: Chrome, section: str, data: dict, styles: list[dict]) -> None:
        super().__init__()
        self._name = "ParkmapCompactLayer"
        self.chrome = chrome.get_name()
        self.section = js_json(section)
        self.data = js_json(data)
        self.parsed = js_parse(self.data)
        self.styles = js_json(styles)


class PhoneLayout(_ScriptElement):
    """Collapse the controls on a phone (``parkmapPhone.apply`` in ``data/webmap_phone.js``).

    Added after the layer control, which it starts collapsed on a small screen.

    Parameters
    ----------
    control : folium.LayerControl
        The map's layer control.
    options : dict
        ``maxWidth`` and ``maxTouchWidth`` (CSS pixels) and the ``labels`` of the
        sheets (``panel``, ``legend``, ``notes``).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
parkmapPhone.apply({{ this._parent.get_name() }}, {{ this.control }}, {{ this.options }});
{% endmacro %}
"""
    )

    def __init__(self, control, options: dict) -> None:
        super().__init__()
        self._name = "ParkmapPhone"
        self.control = control.get_name()
        self.options = js_json(options)


class _Raw(Element):
    """An element that writes its text as it is (no template is compiled from it)."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def inline(tag: str, text: str) -> Element:
    """A ``<script>`` or ``<style>`` element holding ``text``, which cannot close it early.

    Parameters
    ----------
    tag : {"script", "style"}
        The element.
    text : str
        JavaScript or CSS.

    Returns
    -------
    branca.element.Element
    """
    if tag == "script":
        text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)
    else:
        text = re.sub(r"</(style)", r"<\\/\1", text, flags=re.IGNORECASE)
    # not Element(text): that compiles the whole of Leaflet as a Jinja template (~2 s)
    return _Raw(f"<{tag}>\n{text}\n</{tag}>")


def _xstatic_leaflet():
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise ImportError(
            "offline maps need the xstatic-leaflet package: pip install xstatic-leaflet"
        ) from err
    return xleaflet


def leaflet_version() -> str:
    """The version of Leaflet that xstatic-leaflet ships (online maps load it from a CDN).

    Returns
    -------
    str
    """
    return str(_xstatic_leaflet().VERSION)


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS (images inlined as data: URIs) from xstatic-leaflet.

    Read (once per process) only for offline maps.

    Returns
    -------
    tuple of str
        The JavaScript (without its source-map comment) and the CSS.
    """
    base = Path(_xstatic_leaflet().BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match) -> str:
        image = base / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    css = re.sub(r"url\(\s*['\"]?(images/[\w.-]+\.png)['\"]?\s*\)", data_uri, css)
    return js, css


def own_assets() -> tuple[str, str]:
    """Parkmap's own map code and styles, from ``data/``.

    ``webmap.js`` and ``webmap.css`` (controls, panels, legend), ``webmap_compact.js``
    (large layers on a canvas) and ``webmap_phone.js`` and ``.css`` (the phone layout).

    Returns
    -------
    tuple of str
        The JavaScript and the CSS.
    """
    js = "\n".join(
        data_path(name).read_text(encoding="utf-8")
        for name in ("webmap.js", "webmap_compact.js", "webmap_phone.js")
    )
    css = "\n".join(
        data_path(name).read_text(encoding="utf-8") for name in ("webmap.css", "webmap_phone.css")
    )
    return js, css
