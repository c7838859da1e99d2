"""Interactive web maps of a park: Leaflet maps built with Folium, saved as one HTML file.

Modules:

- ``assemble``: :func:`webmap` and :func:`save_map`.
- ``layers``: one overlay builder per park layer, the overlays in drawing order.
- ``overlays``: an overlay with its styles, tooltips, popups and legend items.
- ``styles``: :func:`map_styles` (``data/map_styles.csv``), hatch patterns, swatches.
- ``panels``: the side panel (area summary, available land, headline figures), legend.
- ``basemaps``: named tile sources, the Tianditu key, custom tile URLs, the GCJ-02 offset.
- ``page``: what goes into the page: drawn geometry, script-safe JSON, Folium elements,
  Leaflet and parkmap's own scripts and styles.
- ``labels``: the interface text (zh, en) and the display text of data values.
"""

from parkmap.maps.assemble import CHROMIUM_ARGS, DEFAULT_SIMPLIFY_M, save_map, webmap
from parkmap.maps.basemaps import BASEMAPS, TIANDITU_KEY_ENV
from parkmap.maps.page import DataLayer
from parkmap.maps.styles import map_styles

__all__ = [
    "BASEMAPS",
    "CHROMIUM_ARGS",
    "DEFAULT_SIMPLIFY_M",
    "TIANDITU_KEY_ENV",
    "DataLayer",
    "map_styles",
    "save_map",
    "webmap",
]
