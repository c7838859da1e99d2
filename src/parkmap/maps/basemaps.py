"""Web-map basemaps: named tile sources, the Tianditu key, custom tile URLs, the GCJ-02 offset."""

from __future__ import annotations

import os
import re

import folium
import numpy as np

from parkmap.crs import wgs84_to_gcj02
from parkmap.errors import BasemapError
from parkmap.maps.labels import esc, t

__all__ = [
    "BASEMAPS",
    "TIANDITU_KEY_ENV",
    "add_basemaps",
    "check_basemap",
    "gcj02_offset_m",
    "resolve_tianditu_key",
]

#: Named basemaps; anything else with ``{z}``, ``{x}`` and ``{y}`` is a tile URL template.
BASEMAPS = ("osm", "tianditu", "amap", "none")
#: Environment variable read for the Tianditu key when none is passed.
TIANDITU_KEY_ENV = "TIANDITU_KEY"

_OSM = (
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
_TIANDITU = "https://t{s}.tianditu.gov.cn/DataServer?T=%s_w&x={x}&y={y}&l={z}&tk=%s"
_TIANDITU_ATTR = '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a> (CGCS2000)'
_AMAP = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
    "&x={x}&y={y}&z={z}"
)
_AMAP_ATTR = "&copy; 高德地图 AutoNavi (GCJ-02)"


def resolve_tianditu_key(key: str | None) -> str:
    """The Tianditu key: ``key``, else the ``TIANDITU_KEY`` environment variable.

    Parameters
    ----------
    key : str or None
        A key passed by the caller.

    Returns
    -------
    str
        The key, stripped.

    Raises
    ------
    parkmap.errors.BasemapError
        If there is no key, or it is not letters and digits.
    """
    key = key or os.environ.get(TIANDITU_KEY_ENV, "")
    key = key.strip()
    if not key:
        raise BasemapError(
            "the Tianditu basemap needs a key: pass --tianditu-key KEY (tianditu_key=...) or "
            f"set the {TIANDITU_KEY_ENV} environment variable; get a free browser key at "
            "console.tianditu.gov.cn, or use --basemap osm, amap or none"
        )
    if not re.fullmatch(r"[A-Za-z0-9]+", key):
        raise BasemapError("the Tianditu key should be letters and digits only")
    return key


def _custom_url(url: str) -> str:
    if not all(p in url for p in ("{z}", "{x}")) or not ("{y}" in url or "{-y}" in url):
        raise BasemapError(
            f"basemap {url!r}: use one of {', '.join(BASEMAPS)} or a tile URL template "
            "with {z}, {x} and {y}, e.g. http://tiles.intranet/{z}/{x}/{y}.png"
        )
    scheme = url.split(":", 1)[0].lower() if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url) else ""
    if scheme not in ("", "http", "https", "file"):
        raise BasemapError(f"basemap {url!r}: only http, https, file or relative tile URLs")
    return url


def add_basemaps(m: folium.Map, basemap: str, lang: str, tianditu_key: str | None) -> None:
    """Add the tile layers of a basemap to a map (none for ``"none"``).

    Parameters
    ----------
    m : folium.Map
        The map.
    basemap : str
        A name of :data:`BASEMAPS` or a tile URL template, as from :func:`check_basemap`.
    lang : {"zh", "en"}
        Language of the layer names (and of Tianditu's label layer).
    tianditu_key : str or None
        The Tianditu key (see :func:`resolve_tianditu_key`).
    """

    def tiles(url: str, attr: str, name: str, *, overlay: bool = False, **kwargs) -> None:
        folium.TileLayer(
            tiles=url, attr=attr, name=esc(name), overlay=overlay, control=True, **kwargs
        ).add_to(m)

    if basemap == "none":
        return
    if basemap == "osm":
        tiles(*_OSM, t("basemap_osm", lang), max_zoom=19)
    elif basemap == "tianditu":
        key = resolve_tianditu_key(tianditu_key)
        for layer, name in (("vec", "basemap_tdt_vec"), ("img", "basemap_tdt_img")):
            tiles(
                _TIANDITU % (layer, key),
                _TIANDITU_ATTR,
                t(name, lang),
                subdomains="01234567",
                max_zoom=18,
            )
        label_layer = "cva" if lang == "zh" else "eva"
        tiles(
            _TIANDITU % (label_layer, key),
            _TIANDITU_ATTR,
            t("basemap_tdt_label", lang),
            overlay=True,
            subdomains="01234567",
            max_zoom=18,
        )
    elif basemap == "amap":
        tiles(_AMAP, _AMAP_ATTR, t("basemap_amap", lang), subdomains="1234", max_zoom=18)
    else:
        tiles(
            _custom_url(basemap),
            "parkmap: " + esc(t("basemap_custom", lang)),
            t("basemap_custom", lang),
            max_zoom=20,
        )


def check_basemap(basemap: str) -> str:
    """A basemap name (case-insensitive) or a checked tile URL template.

    Parameters
    ----------
    basemap : str
        A name of :data:`BASEMAPS` or a tile URL template.

    Returns
    -------
    str
        The name in lower case, or the URL unchanged.

    Raises
    ------
    parkmap.errors.BasemapError
        For an unknown name, or a URL without ``{z}``, ``{x}``, ``{y}`` or with
        another scheme than http, https or file.
    """
    if basemap in BASEMAPS:
        return basemap
    if basemap.lower() in BASEMAPS:
        return basemap.lower()
    return _custom_url(basemap)


def gcj02_offset_m(lon: float, lat: float) -> float:
    """How far GCJ-02 shifts a WGS84 point, in metres (for the map's note).

    Parameters
    ----------
    lon, lat : float
        A WGS84 point (degrees).

    Returns
    -------
    float
    """
    glon, glat = wgs84_to_gcj02(lon, lat)
    dx = (float(glon) - lon) * 111_320.0 * np.cos(np.radians(lat))
    dy = (float(glat) - lat) * 110_574.0
    return float(np.hypot(dx, dy))
