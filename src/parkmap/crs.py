"""Coordinate reference systems: the CRS a park's areas are measured in.

Areas are never measured in degrees, nor in a CRS that distorts them: the measuring CRS
has metre axes and an *areal scale* at the data within ``area_scale_tolerance`` of 1
(``data/crs_checks.csv``). Web Mercator (EPSG:3857) enlarges areas by sec² of the
latitude (+35 % at 30° N) and is refused, as is a Gauss-Kruger zone far from its central
meridian. The scale is measured: a small lon/lat cell is projected at points of a grid
over the data and its planar area divided by its geodesic area (WGS84 ellipsoid; PROJ's
``get_factors`` rates Web Mercator against its sphere, 0.3 % short). Otherwise parkmap
derives a CRS and says so (:class:`CRSChoice`): the CGCS2000 3-degree Gauss-Kruger zone
(EPSG:4534-4554) in China, UTM elsewhere. GCJ-02 (AMap, Tencent) <-> WGS84 conversions
are re-exported from ``parkmap._gcj02``. Why this module is long: the metric test, the
derived zone, the area-scale test and the choice between them are one decision that
every reader and writer of a park goes through; split, their tolerances would drift.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from pyproj import CRS, Geod
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from parkmap._data import read_table
from parkmap._gcj02 import (
    GCJ02_INVERSE_TOLERANCE_DEG,
    gcj02_to_wgs84,
    in_china_gcj02,
    wgs84_to_gcj02,
)
from parkmap._transform import to_lonlat_bounds, transformer
from parkmap.errors import CRSError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CHINA_BBOX",
    "GCJ02_INVERSE_TOLERANCE_DEG",
    "WGS84",
    "CRSChoice",
    "ScaleCheck",
    "area_scale",
    "cgcs2000_gk3_epsg",
    "choose_measuring_crs",
    "choose_metric_crs",
    "crs_label",
    "derived_crs",
    "gcj02_to_wgs84",
    "in_china",
    "in_china_gcj02",
    "is_metric",
    "lonlat_bounds",
    "measuring_crs",
    "metric_crs_for",
    "scale_settings",
    "to_crs",
    "wgs84_to_gcj02",
]

#: Geographic WGS84, the CRS of web output and of the reviewable GeoJSON sources.
WGS84 = CRS.from_epsg(4326)

#: The extent of China in WGS84 degrees (west, south, east, north): the area of use of
#: CGCS2000 (EPSG:4490) in the EPSG database. parkmap's one China box: it decides where
#: the national Gauss-Kruger zones apply, which degree coordinates are read as Chinese,
#: and where a map without features opens.
CHINA_BBOX: tuple[float, float, float, float] = tuple(CRS.from_epsg(4490).area_of_use.bounds)


def in_china(
    west: float, south: float, east: float | None = None, north: float | None = None
) -> bool:
    """Whether a point (``west, south``) or a box lies inside :data:`CHINA_BBOX`.

    Examples
    --------
    >>> in_china(107.33, 30.33)
    True
    >>> in_china(14.4, 50.1)
    False
    """
    east = west if east is None else east
    north = south if north is None else north
    w, s, e, n = CHINA_BBOX
    return w <= west and east <= e and s <= south and north <= n


_GEOD = Geod(ellps="WGS84")
# Side of the longitude/latitude cell whose projected area is compared, degrees (about 10 m).
_CELL_DEG = 1e-4


def to_crs(value) -> CRS:
    """Turn a user value (EPSG code, ``"EPSG:4545"``, WKT, pyproj CRS) into a CRS.

    Raises
    ------
    parkmap.errors.CRSError
        If the value is not a CRS pyproj understands.
    """
    try:
        return CRS.from_user_input(value)
    except Exception as err:  # pyproj raises its own CRSError subclasses
        raise CRSError(f"not a coordinate reference system: {value!r} ({err})") from None


def is_metric(crs) -> bool:
    """Whether ``crs`` is projected with metre axes (suitable for areas)."""
    if crs is None:
        return False
    crs = to_crs(crs)
    if not crs.is_projected:
        return False
    units = {axis.unit_name.lower() for axis in crs.axis_info}
    return units <= {"metre", "meter", "m"}


def cgcs2000_gk3_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger CRS (no zone prefix) for a longitude.

    The 3-degree zones have central meridians 75°E, 78°E … 135°E, coded EPSG:4534 …
    EPSG:4554 (EPSG:4545 is central meridian 108°E, Chongqing).

    Examples
    --------
    A longitude on a zone edge belongs to the zone east of it: the central meridian
    is ``3·floor(L/3 + 1/2)``, not Python's ``round``, which rounds halves to the even
    multiple (106.5°E and 109.5°E would both go to 108°E). The zone width is
    ``gk3_zone_width_deg`` in ``data/crs_checks.csv``.

    >>> cgcs2000_gk3_epsg(107.3), cgcs2000_gk3_epsg(106.5), cgcs2000_gk3_epsg(109.5)
    (4545, 4545, 4546)
    """
    width = scale_settings().zone_width_deg
    central = width * math.floor(lon / width + 0.5)
    central = min(max(central, 75), 135)
    return 4534 + round((central - 75) / width)


def metric_crs_for(lon: float, lat: float) -> CRS:
    """Choose a projected metric CRS for data centred at ``(lon, lat)``.

    Parameters
    ----------
    lon, lat : float
        Centre of the data in WGS84 degrees.

    Returns
    -------
    pyproj.CRS
        CGCS2000 3-degree Gauss-Kruger in China, else the WGS84 UTM zone.
    """
    if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lat) > 90 or abs(lon) > 180:
        raise CRSError(f"cannot choose a metric CRS for lon={lon}, lat={lat}: not degrees")
    if in_china(lon, lat):
        return CRS.from_epsg(cgcs2000_gk3_epsg(lon))
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon, lat, lon, lat),
    )
    if not infos:
        raise CRSError(f"no UTM zone found for lon={lon}, lat={lat}")
    return CRS.from_epsg(int(infos[0].code))


def choose_metric_crs(layers: Mapping[str, gpd.GeoDataFrame], requested=None) -> CRS:
    """A park's metric CRS (see :func:`measuring_crs`, which also says why)."""
    return measuring_crs(layers, requested).crs


def crs_label(crs) -> str:
    """Short label for reports, e.g. ``"EPSG:4545 (CGCS2000 / 3-degree Gauss-Kruger CM 108E)"``."""
    crs = to_crs(crs)
    authority = crs.to_authority()
    code = f"{authority[0]}:{authority[1]}" if authority else "custom CRS"
    return f"{code} ({crs.name})"


@dataclass(frozen=True)
class ScaleSettings:
    """The thresholds of the area-scale test, from ``data/crs_checks.csv``."""

    tolerance: float
    samples: int
    zone_width_deg: float


@cache
def scale_settings() -> ScaleSettings:
    """Read the area-scale thresholds from ``data/crs_checks.csv`` (once per process).

    Returns
    -------
    ScaleSettings
    """
    table = read_table("crs_checks.csv").set_index("key")["value"]
    return ScaleSettings(
        tolerance=float(table["area_scale_tolerance"]),
        samples=int(table["scale_samples"]),
        zone_width_deg=float(table["gk3_zone_width_deg"]),
    )


def derived_crs(bounds: Sequence[float]) -> CRS:
    """The CRS parkmap derives for data within ``bounds`` (WGS84 degrees).

    CGCS2000 3-degree Gauss-Kruger of the centre's zone in China, the WGS84 UTM zone
    of the centre elsewhere.

    Parameters
    ----------
    bounds : sequence of float
        ``(min_lon, min_lat, max_lon, max_lat)``.

    Returns
    -------
    pyproj.CRS
    """
    x0, y0, x1, y1 = (float(v) for v in bounds)
    lon, lat = (x0 + x1) / 2, (y0 + y1) / 2
    if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lat) > 90 or abs(lon) > 180:
        raise CRSError(f"cannot choose a metric CRS for lon={lon}, lat={lat}: not degrees")
    if in_china(lon, lat):
        return CRS.from_epsg(cgcs2000_gk3_epsg(lon))
    return metric_crs_for(lon, lat)


@dataclass(frozen=True)
class ScaleCheck:
    """Areal scale of a CRS over the data's extent.

    Attributes
    ----------
    crs : pyproj.CRS
        The CRS checked.
    min_scale, max_scale : float
        Smallest and largest ratio of projected to geodesic area at the sample points
        (``inf`` where the projection is undefined).
    tolerance : float
        The accepted ``|scale - 1|``.
    """

    crs: CRS
    min_scale: float
    max_scale: float
    tolerance: float

    @property
    def worst(self) -> float:
        """The sampled scale farthest from 1."""
        return self.max_scale if self.max_scale - 1 >= 1 - self.min_scale else self.min_scale

    @property
    def worst_error(self) -> float:
        """``|worst - 1|``: the largest relative area error at the data."""
        return abs(self.worst - 1.0)

    @property
    def ok(self) -> bool:
        """Whether areas measured in the CRS are within the tolerance everywhere sampled."""
        return bool(np.isfinite(self.worst)) and self.worst_error <= self.tolerance

    def describe(self) -> str:
        """``"scales areas by 1.3460 at the data (+34.6 %)"``."""
        if not np.isfinite(self.worst):
            return "is undefined over part of the data"
        if abs(self.max_scale - self.min_scale) < 5e-5:
            return f"scales areas by {self.worst:.4f} at the data ({self.worst - 1:+.2%})"
        return (
            f"scales areas by {self.min_scale:.4f} to {self.max_scale:.4f} at the data "
            f"(up to {self.worst - 1:+.2%})"
        )


def area_scale(crs, bounds: Sequence[float], *, samples: int | None = None) -> ScaleCheck:
    """Measure the areal scale of ``crs`` over an extent, against geodesic areas.

    Parameters
    ----------
    crs : CRS-like
        A projected CRS.
    bounds : sequence of float
        ``(min_lon, min_lat, max_lon, max_lat)`` of the data in WGS84 degrees.
    samples : int, optional
        Points per axis of the sample grid (default from ``data/crs_checks.csv``).

    Returns
    -------
    ScaleCheck

    Examples
    --------
    >>> check = area_scale("EPSG:3857", (107.0, 30.0, 107.6, 30.6))
    >>> round(check.worst, 2), check.ok
    (1.35, False)
    """
    settings = scale_settings()
    crs = CRS.from_user_input(crs)
    n = samples or settings.samples
    x0, y0, x1, y1 = (float(v) for v in bounds)
    half = _CELL_DEG / 2
    lon, lat = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    lon = lon.ravel()
    lat = np.clip(lat.ravel(), -90 + _CELL_DEG, 90 - _CELL_DEG)
    # corners of each cell, counter-clockwise
    clon = np.stack([lon - half, lon + half, lon + half, lon - half], axis=1)
    clat = np.stack([lat - half, lat - half, lat + half, lat + half], axis=1)
    to_crs = transformer(WGS84, crs)
    with np.errstate(invalid="ignore"):
        x, y = to_crs.transform(clon, clat, errcheck=False)
        planar = 0.5 * np.abs(
            np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1)
        )
    geodesic = np.array(
        [abs(_GEOD.polygon_area_perimeter(a, b)[0]) for a, b in zip(clon, clat, strict=True)]
    )
    scale = np.where(np.isfinite(planar) & (geodesic > 0), planar / geodesic, np.inf)
    return ScaleCheck(crs, float(np.min(scale)), float(np.max(scale)), settings.tolerance)


def lonlat_bounds(frames: Iterable) -> tuple[float, float, float, float]:
    """Joint extent in WGS84 degrees of GeoDataFrames with a CRS (densified edges).

    Only each frame's ``total_bounds`` is transformed, never the geometries.

    Parameters
    ----------
    frames : iterable of geopandas.GeoDataFrame
        Frames without a CRS or without features are skipped.

    Returns
    -------
    tuple of float
        ``(min_lon, min_lat, max_lon, max_lat)``.

    Raises
    ------
    parkmap.errors.CRSError
        If no frame has both a CRS and features.
    """
    boxes = []
    for gdf in frames:
        if gdf.crs is None or not len(gdf):
            continue
        bounds = gdf.total_bounds  # NaN where every geometry is empty or missing
        if not np.all(np.isfinite(bounds)):
            continue
        crs = CRS.from_user_input(gdf.crs)
        if crs.is_geographic:
            boxes.append(bounds)
        else:
            boxes.append(to_lonlat_bounds(crs, bounds))
    if not boxes:
        raise CRSError("no layer has a coordinate reference system; name one (crs=...)")
    arr = np.asarray(boxes, dtype=float)
    return (
        float(arr[:, 0].min()),
        float(arr[:, 1].min()),
        float(arr[:, 2].max()),
        float(arr[:, 3].max()),
    )


@dataclass(frozen=True)
class CRSChoice:
    """The CRS areas are measured in, and why.

    Attributes
    ----------
    crs : pyproj.CRS
        The measuring CRS.
    check : ScaleCheck
        Its areal scale over the data.
    derived : bool
        True when parkmap derived it (no suitable CRS was given or shared).
    warning : str or None
        One line to log as a warning and to show in outputs: the data came in a CRS
        that distorts areas, and which CRS is used instead.
    notes : tuple of str
        Every statement about the measuring CRS that outputs must carry (the warning,
        and a note when the data span several zones).
    """

    crs: CRS
    check: ScaleCheck
    derived: bool
    warning: str | None = None
    notes: tuple[str, ...] = ()


#: How the note on data spanning several zones starts (a park keeps the first one made).
SPAN_NOTE_START = "the data span "


def _span_note(crs: CRS, check: ScaleCheck, bounds: Sequence[float]) -> str:
    width = scale_settings().zone_width_deg
    zones = math.floor(bounds[2] / width + 0.5) - math.floor(bounds[0] / width + 0.5) + 1
    return (
        f"{SPAN_NOTE_START}{bounds[0]:.2f}°E to {bounds[2]:.2f}°E, across {zones} zones of "
        f"{width:g}°; "
        f"{crs_label(crs)} {check.describe()}: areas far from its central meridian are "
        f"off by up to {check.worst_error:.2%}"
    )


def choose_measuring_crs(
    crss: Iterable, bounds: Sequence[float], requested=None, *, derived_before: bool = False
) -> CRSChoice:
    """Choose the CRS to measure areas in, refusing or replacing one that distorts them.

    Parameters
    ----------
    crss : iterable of CRS-like
        The CRSs of the layers (``None`` entries are ignored).
    bounds : sequence of float
        The data's extent in WGS84 degrees (see :func:`lonlat_bounds`).
    requested : CRS-like, optional
        A CRS the user named (``--t-srs``, ``crs=``). It must be metric and pass the
        area-scale test, or :class:`~parkmap.errors.CRSError` is raised.
    derived_before : bool
        ``requested`` is the CRS parkmap derived for these data earlier (the importer's
        choice handed to the park, a saved park's): for data spanning several zones it
        fails the test, and is kept with the note that says how far off it is.

    Returns
    -------
    CRSChoice
        The requested CRS; else the metric CRS shared by every layer if it passes the
        test; else a derived one (CGCS2000 3° Gauss-Kruger in China, UTM elsewhere),
        with a warning when the layers' own metric CRS was rejected.

    Raises
    ------
    parkmap.errors.CRSError
        If ``requested`` is not a projected metric CRS or distorts areas at the data.
    """
    if requested is not None:
        try:
            crs = CRS.from_user_input(requested)
        except Exception as err:  # pyproj raises its own CRSError subclasses
            raise CRSError(f"not a coordinate reference system: {requested!r} ({err})") from None
        if not is_metric(crs):
            raise CRSError(f"{crs_label(crs)} is not a projected metric CRS; areas need one")
        check = area_scale(crs, bounds)
        if not check.ok:
            better = derived_crs(bounds)
            if derived_before or better.equals(crs):
                # the zone parkmap itself derived for data spanning several zones (a park
                # saved or imported earlier): no better single CRS exists; say how far off
                note = _span_note(crs, check, bounds)
                return CRSChoice(crs, check, derived=derived_before, notes=(note,))
            raise CRSError(
                f"{crs_label(crs)} {check.describe()}, beyond the "
                f"{check.tolerance:.2%} parkmap accepts for areas; use "
                f"EPSG:{better.to_epsg()} or leave the CRS out to derive it"
            )
        return CRSChoice(crs, check, derived=False)
    given = {CRS.from_user_input(c) for c in crss if c is not None}
    checks = {crs: area_scale(crs, bounds) for crs in given if is_metric(crs)}
    if len(given) == 1 and checks:
        ((crs, check),) = checks.items()
        if check.ok:
            return CRSChoice(crs, check, derived=False)
    crs = derived_crs(bounds)
    check = area_scale(crs, bounds)
    rejected = [f"{crs_label(c)}, which {k.describe()}" for c, k in checks.items() if not k.ok]
    warning = None
    if rejected:
        warning = (
            f"the layers are in {'; '.join(rejected)}; "
            f"areas are measured in {crs_label(crs)} instead"
        )
    notes = [warning] if warning else []
    if not check.ok:
        notes.append(_span_note(crs, check, bounds))
    return CRSChoice(crs, check, derived=True, warning=warning, notes=tuple(notes))


def measuring_crs(
    layers: Mapping[str, gpd.GeoDataFrame], requested=None, *, derived_before: bool = False
) -> CRSChoice:
    """The CRS a park's areas are measured in, from its layers (see :func:`choose_measuring_crs`).

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        The layers; those without a CRS are ignored.
    requested : CRS-like, optional
        The CRS asked for (``crs=``, ``--t-srs``).
    derived_before : bool
        ``requested`` was derived by parkmap for these data before (see
        :func:`choose_measuring_crs`).

    Returns
    -------
    CRSChoice

    Raises
    ------
    parkmap.errors.CRSError
        If no layer has a CRS, or ``requested`` is not metric or distorts areas.
    """
    frames = list(layers.values())
    try:
        bounds = lonlat_bounds(frames)
    except CRSError:
        # no feature to measure at (empty layers): the area of use of the one CRS named
        named = {CRS.from_user_input(g.crs) for g in frames if g.crs is not None}
        if requested is not None:
            named = {to_crs(requested)}
        area = next(iter(named)).area_of_use if len(named) == 1 else None
        if area is None:
            raise
        bounds = area.bounds
    return choose_measuring_crs(
        [g.crs for g in frames], bounds, requested, derived_before=derived_before
    )
