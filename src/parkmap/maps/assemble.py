"""Web-map assembly: :func:`webmap` draws a park on a Leaflet map, :func:`save_map` writes it.

:func:`webmap` draws every layer of a park (and, when given, the available land and a
layout) on a Leaflet map built with Folium: one toggle per layer, a legend that follows
the toggles, a panel with the park's headline figures and area summary, a metric scale
bar, a fullscreen button and a distance / area measure tool (m, 亩, 公顷).
:func:`save_map` writes it as one HTML file.

Safety: every value that comes from the data is HTML-escaped in Python before it reaches
the page, and data embedded in scripts cannot close the ``<script>`` element, so a
feature named ``<img src=x onerror=alert(1)>`` shows as text.

Styles are data (``data/map_styles.csv``; land-use colours from
``data/landuse_2023.csv``). The map's own controls are parkmap's code
(``data/webmap.js``, ``data/webmap.css``) on plain Leaflet, so the same code runs online
and offline. With ``offline=True`` Leaflet (from the ``xstatic-leaflet`` package) is
inlined with its images as ``data:`` URIs: the file needs no network at all (tiles aside).

Geometry is drawn simplified at a tolerance in metres (default
:data:`DEFAULT_SIMPLIFY_M`) and rounded to 1e-6 degrees (about 0.1 m); every area shown
comes from the full geometry in the park's metric CRS.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import folium
import geopandas as gpd
import shapely

from parkmap.crs import CHINA_BBOX, WGS84, wgs84_to_gcj02
from parkmap.errors import MapTooLargeError
from parkmap.io import atomic_output
from parkmap.maps.allocation import allocation_overlay, allocation_panel
from parkmap.maps.basemaps import (
    add_basemaps,
    check_basemap,
    gcj02_offset_m,
    resolve_tianditu_key,
)
from parkmap.maps.compact import compact_data
from parkmap.maps.labels import esc
from parkmap.maps.layers import build_overlays, in_crs
from parkmap.maps.overlays import Context, id_names
from parkmap.maps.page import (
    LEAFLET_CDN,
    Chrome,
    CompactLayer,
    DataLayer,
    PhoneLayout,
    Stats,
    display_geometry,
    display_lonlat,
    inline,
    leaflet_assets,
    leaflet_version,
    own_assets,
)
from parkmap.maps.panels import legend_html, panel_html
from parkmap.maps.styles import patterns_svg
from parkmap.park import Park
from parkmap.units import M2_PER_MU
from parkmap.vocab import note_text

__all__ = [
    "CHROMIUM_ARGS",
    "DEFAULT_SIMPLIFY_M",
    "MAX_MAP_FEATURES",
    "PHONE_MAX_TOUCH_WIDTH_PX",
    "PHONE_MAX_WIDTH_PX",
    "save_map",
    "webmap",
]

log = logging.getLogger("parkmap")

#: Default display simplification, metres: under a pixel at zoom 17 (1.2 m/px at 30°N).
DEFAULT_SIMPLIFY_M = 1.0

#: Most features one map draws: at 10^5 the page is ~7 MB and draws in ~2 s in headless
#: Chromium on a 2-core machine (``benchmarks/bench_map.py``); at five times that a phone
#: runs out of memory, so larger parks are refused with a hint to draw part of them.
MAX_MAP_FEATURES = 500_000
#: Screens at most this wide (CSS px) get the phone layout (controls collapsed) ...
PHONE_MAX_WIDTH_PX = 640
#: ... and touch screens at most this wide (a tablet held upright).
PHONE_MAX_TOUCH_WIDTH_PX = 900

#: Command-line flags to open saved maps in Debian's headless Chromium (as root, with no
#: network): used by the browser tests and ``docs/make_screenshot.py``.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def webmap(
    park: Park,
    availability=None,
    layout=None,
    *,
    basemap: str = "osm",
    offline: bool = False,
    lang: str = "zh",
    tianditu_key: str | None = None,
    simplify_m: float | None = None,
    allocation=None,
) -> folium.Map:
    """Draw a park as an interactive Leaflet map (Folium).

    Parameters
    ----------
    park : Park
        A park without validation errors.
    availability : object, optional
        The result of :func:`parkmap.availability` (or anything with a ``land``
        GeoDataFrame, or that GeoDataFrame itself): its pieces are drawn as the
        "available land" layer and summed by sub-park in the panel (columns ``subpark``
        and ``cluster`` are used when present; areas come from the geometry).
    layout : object, optional
        A layout with ``plots`` and / or ``buildings`` GeoDataFrames, drawn when given.
    basemap : str, default "osm"
        ``"osm"`` (OpenStreetMap), ``"tianditu"`` (needs a key), ``"amap"`` (GCJ-02 tiles:
        the features are shifted from WGS84 to GCJ-02 and the map says so), ``"none"``
        (plain background) or a tile URL template with ``{z}``, ``{x}``, ``{y}`` (an
        intranet tile server, or a relative folder of tiles beside the HTML file).
    offline : bool, default False
        Inline Leaflet and all scripts and styles: the HTML file then needs no network
        at all (tiles aside).
    lang : {"zh", "en"}, default "zh"
        Language of the interface; feature names are shown in both.
    tianditu_key : str, optional
        Tianditu browser key (default: the ``TIANDITU_KEY`` environment variable).
        The key is written into the page, as the browser needs it for the tiles.
    simplify_m : float, optional
        Display simplification tolerance in metres (default
        :data:`DEFAULT_SIMPLIFY_M`; 0 draws the full geometry). Areas never use the
        simplified shapes.
    allocation : object, optional
        The result of :func:`parkmap.allocate`: each project's plots drawn in its own
        colour (free plots outlined), the headline, the land balance by sub-park and the
        projects not placed in the panel.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`; in a notebook it displays itself.

    Raises
    ------
    parkmap.errors.BasemapError
        For an unknown basemap, a bad tile URL or Tianditu without a key.
    parkmap.errors.ValidationError
        If the park has validation errors.
    parkmap.errors.MapTooLargeError
        If the map would draw more than :data:`MAX_MAP_FEATURES` features.

    Notes
    -----
    A layer of at least ``parkmap.maps.overlays.COMPACT_MIN_FEATURES`` features (a
    county's parcels) is written compact: quantised coordinates and attribute columns,
    drawn on a canvas, its tooltips and popups built in the browser; the map's note
    says how many features are drawn so. On a phone-sized screen the layer control,
    the panel, the legend and the notes start collapsed.

    Examples
    --------
    >>> import parkmap
    >>> m = parkmap.webmap(parkmap.datasets.load("dianjiang"), basemap="none")
    >>> type(m).__name__
    'Map'
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    basemap = check_basemap(str(basemap))
    if basemap == "tianditu":
        resolve_tianditu_key(tianditu_key)  # fail before any work
    park.require_valid()
    tolerance = DEFAULT_SIMPLIFY_M if simplify_m is None else float(simplify_m)
    if not tolerance >= 0:
        raise ValueError(f"simplify_m must be 0 or more metres, got {simplify_m!r}")
    gcj02 = basemap == "amap"

    ctx = Context(
        park,
        lang,
        cluster_names=id_names(park.get("clusters")),
        subpark_names=id_names(park.get("subparks")),
    )
    overlays = build_overlays(ctx, availability, layout)
    drawn = allocation_overlay(ctx, allocation, park.crs) if allocation is not None else None
    if drawn is not None:  # above the areas, below roads and buildings
        at = next((i for i, o in enumerate(overlays) if o.key == "roads"), len(overlays))
        overlays.insert(at, drawn)
    land = in_crs(getattr(availability, "land", availability), park.crs)

    # The view opens on the layout when there is one (what the map is about), else the park.
    plots = getattr(allocation, "plots", None) if drawn is not None else None
    plots = getattr(layout, "plots", None) if plots is None else plots
    focus = [plots] if plots is not None and len(plots) and plots.crs is not None else []
    located = focus or [g for g in park.layers.values() if g.crs is not None and len(g)]
    west, south, east, north = (
        gpd.GeoSeries(
            [shapely.box(*g.to_crs(WGS84).total_bounds) for g in located], crs=WGS84
        ).total_bounds
        if located
        else CHINA_BBOX
    )
    centre_lon, centre_lat = (west + east) / 2, (south + north) / 2
    if gcj02:
        (west, east), (south, north) = wgs84_to_gcj02([west, east], [south, north])

    m = folium.Map(
        location=[float(south + north) / 2, float(west + east) / 2],
        zoom_start=13,
        tiles=None,
        control_scale=False,
        prefer_canvas=False,
    )
    # The view is set before any layer is added and without animation: the layers are then
    # drawn once, at their final zoom (a fitBounds after them drew a county's layers twice
    # and waited for the zoom animation, about 0.9 s of the first render).
    view = folium.FitBounds([[float(south), float(west)], [float(north), float(east)]])
    view.options["animate"] = False
    view.add_to(m)
    root = m.get_root()
    root.title = esc(ctx.park.name)
    own_js, own_css = own_assets()
    if offline:
        leaflet_js, leaflet_css = leaflet_assets()
        m.default_js, m.default_css = [], []
        root.header.add_child(inline("style", leaflet_css), name="leaflet_css_inline")
        root.header.add_child(inline("script", leaflet_js), name="leaflet_inline")
    else:
        version = leaflet_version()
        m.default_js = [("leaflet", LEAFLET_CDN.format(version=version, file="leaflet.js"))]
        m.default_css = [("leaflet_css", LEAFLET_CDN.format(version=version, file="leaflet.css"))]
    root.header.add_child(inline("style", own_css), name="parkmap_css")
    root.header.add_child(inline("script", own_js), name="parkmap_js")

    add_basemaps(m, basemap, lang, tianditu_key)

    drawn = sum(len(o.geoms) for o in overlays)
    if drawn > MAX_MAP_FEATURES:
        raise MapTooLargeError(
            f"{drawn:,} features to draw: more than a browser can open ({MAX_MAP_FEATURES:,} "
            "at most); draw part of the park (e.g. select its sub-parks or an area with "
            "ogr2ogr -spat / -where) or work the whole of it with `parkmap availability`"
        )
    compact = [o for o in overlays if o.columns is not None]
    notes = []
    if compact:
        count = sum(len(o.geoms) for o in compact)
        notes.append(ctx.t("compact").format(n=f"{count:,}", layers=len(compact)))
    if park.metadata.get("illustrative"):
        notes.append(ctx.t("illustrative"))
    if gcj02:
        notes.append(ctx.t("gcj02").format(m=gcj02_offset_m(centre_lon, centre_lat)))
    if tolerance > 0:
        notes.append(ctx.t("simplified").format(tol=f"{tolerance:g}"))
    # the assumptions the figures rest on: measuring CRS, inferred values, skipped steps
    for source in (park, availability, layout):
        for note in getattr(source, "notes", None) or []:
            if isinstance(note, tuple):  # (en, zh)
                note = note[1] if lang == "zh" else note[0]
            note = note_text(note, lang)
            if note not in notes:
                notes.append(note)
    constraint_kinds = [o.key.split(":", 1)[1] for o in overlays if o.key.startswith("constr")]
    chrome = Chrome(
        {
            "patterns": patterns_svg(constraint_kinds),
            "panel": panel_html(
                ctx, land, allocation_panel(ctx, allocation) if allocation is not None else ""
            ),
            "legend": legend_html(overlays, lang),
            "note": "<br>".join(esc(n) for n in notes),
            "m2_per_mu": M2_PER_MU,
            "labels": {
                "fullscreen": ctx.t("fullscreen"),
                "measure": ctx.t("measure"),
                "hint": ctx.t("hint"),
                "finish": ctx.t("finish"),
                "clear": ctx.t("clear"),
                "length": ctx.t("m_length"),
                "area": ctx.t("m_area"),
                "mu": ctx.t("mu"),
                "ha": ctx.t("ha"),
            },
        }
    )
    chrome.add_to(m)

    stats = Stats()
    for overlay in overlays:
        group = folium.FeatureGroup(name=esc(overlay.name), show=overlay.show)
        if overlay.columns is not None:
            lonlat = display_lonlat(overlay.geoms, tolerance, gcj02, stats)
            CompactLayer(chrome, overlay.key, compact_data(overlay, lonlat), overlay.styles).add_to(
                group
            )
            group.add_to(m)
            continue
        geometries = display_geometry(overlay.geoms, tolerance, gcj02, stats)
        features = []
        for i, geometry in enumerate(geometries):
            properties = {
                "s": overlay.style_index[i],
                "t": overlay.tooltips[i],
                "p": overlay.popups[i],
            }
            if overlay.radius is not None:
                properties["r"] = overlay.radius[i]
            features.append({"type": "Feature", "geometry": geometry, "properties": properties})
        DataLayer(
            chrome, overlay.key, {"type": "FeatureCollection", "features": features}, overlay.styles
        ).add_to(group)
        group.add_to(m)

    control = folium.LayerControl(collapsed=False, position="topright").add_to(m)  # added last
    PhoneLayout(
        control,
        {
            "maxWidth": PHONE_MAX_WIDTH_PX,
            "maxTouchWidth": PHONE_MAX_TOUCH_WIDTH_PX,
            "labels": {key: ctx.t(f"sheet_{key}") for key in ("panel", "legend", "notes")},
        },
    ).add_to(m)
    log.info(
        "web map: %d layers, %d features, %d vertices drawn of %d (simplified at %g m)%s",
        len(overlays),
        stats.features,
        stats.vertices_drawn,
        stats.vertices_full,
        tolerance,
        ", shifted to GCJ-02" if gcj02 else "",
    )
    m.parkmap_info = {
        "layers": [o.name for o in overlays],
        "features": stats.features,
        "vertices_full": stats.vertices_full,
        "vertices_drawn": stats.vertices_drawn,
        "simplify_m": tolerance,
        "basemap": basemap,
        "offline": offline,
        "gcj02": gcj02,
    }
    return m


def save_map(m: folium.Map, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write a map as one HTML file (UTF-8), atomically.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`webmap`.
    path : path-like
        Output ``.html`` file.
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The written file; its size is logged.

    Raises
    ------
    parkmap.errors.OutputExistsError
        If the file exists and ``overwrite`` is false.
    """
    target = Path(path)
    page = m.get_root().render()
    with atomic_output(target, overwrite=overwrite) as tmp:
        tmp.write_text(page, encoding="utf-8")
    log.info("wrote %s (%.2f MB)", target, target.stat().st_size / 1e6)
    return target
