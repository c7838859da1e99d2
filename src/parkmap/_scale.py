"""Area scale of a CRS at the data, and the choice of the CRS areas are measured in.

A projected CRS with metre axes is not enough to measure areas: Web Mercator
(EPSG:3857), what web tools and tile downloaders export, enlarges areas by the square
of the secant of the latitude (+35 % at Dianjiang, 30° N; x2.4 at Prague, 50° N), and a
Gauss-Kruger zone used far from its central meridian grows them too. parkmap therefore
measures only in a CRS whose *areal scale* at the data is within a small tolerance of 1
(``area_scale_tolerance`` in ``data/crs_checks.csv``).

The areal scale is measured, not looked up: at each point of a grid over the data's
extent, a small longitude/latitude cell is projected and its planar area divided by its
geodesic area on the WGS84 ellipsoid (:class:`pyproj.Geod`). This is the ratio areas
will actually be off by, whatever the projection's own model of the Earth (PROJ's
``get_factors`` reports Web Mercator's scale against its sphere, 0.3 % short of the
ratio to true ellipsoidal areas).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Geod, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from parkmap._data import read_table
from parkmap.errors import CRSError

__all__ = [
    "CRSChoice",
    "ScaleCheck",
    "area_scale",
    "choose_measuring_crs",
    "gk3_epsg",
    "lonlat_bounds",
    "scale_settings",
]

_WGS84 = CRS.from_epsg(4326)
_GEOD = Geod(ellps="WGS84")
# Rough box of mainland China, Hainan and Taiwan (lon, lat): where the CGCS2000 zones apply.
_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (17.0, 54.0)
# CGCS2000 3-degree Gauss-Kruger CRSs without zone prefix: EPSG:4534 (CM 75E) .. 4554 (CM 135E).
_GK3_FIRST_EPSG, _GK3_FIRST_CM, _GK3_LAST_CM = 4534, 75, 135
# Side of the longitude/latitude cell whose projected area is compared, degrees (about 10 m).
_CELL_DEG = 1e-4


@dataclass(frozen=True)
class ScaleSettings:
    """The thresholds of the area-scale test, from ``data/crs_checks.csv``."""

    tolerance: float
    samples: int
    zone_width_deg: float


def scale_settings() -> ScaleSettings:
    """Read the area-scale thresholds from ``data/crs_checks.csv``.

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


def gk3_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger zone (no prefix) containing ``lon``.

    Zone edges lie half-way between central meridians; a longitude exactly on an edge
    belongs to the zone to its east (``floor(L/3 + 1/2)``, not Python's ``round``,
    which rounds halves to the even multiple: 106.5 and 109.5 would both go to 108).

    Parameters
    ----------
    lon : float
        Longitude in degrees east.

    Returns
    -------
    int
        EPSG:4534 (central meridian 75°E) to EPSG:4554 (135°E), clamped at both ends.

    Examples
    --------
    >>> gk3_epsg(107.3), gk3_epsg(106.5), gk3_epsg(109.5)
    (4545, 4545, 4546)
    """
    width = scale_settings().zone_width_deg
    central = width * math.floor(lon / width + 0.5)
    central = min(max(central, _GK3_FIRST_CM), _GK3_LAST_CM)
    return _GK3_FIRST_EPSG + round((central - _GK3_FIRST_CM) / width)


def _in_china(lon: float, lat: float) -> bool:
    return _CHINA_LON[0] <= lon <= _CHINA_LON[1] and _CHINA_LAT[0] <= lat <= _CHINA_LAT[1]


def _utm(lon: float, lat: float) -> CRS:
    infos = query_utm_crs_info(
        datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat)
    )
    if not infos:
        raise CRSError(f"no UTM zone found for lon={lon:.4f}, lat={lat:.4f}")
    return CRS.from_epsg(int(infos[0].code))


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
    if _in_china(lon, lat):
        return CRS.from_epsg(gk3_epsg(lon))
    return _utm(lon, lat)


def label(crs: CRS) -> str:
    """``"EPSG:3857 (WGS 84 / Pseudo-Mercator)"``: code and name for messages."""
    authority = crs.to_authority()
    code = f"{authority[0]}:{authority[1]}" if authority else "custom CRS"
    return f"{code} ({crs.name})"


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
    to_crs = Transformer.from_crs(_WGS84, crs, always_xy=True)
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
        if gdf.crs is None or not len(gdf) or gdf.geometry.is_empty.all():
            continue
        bounds = gdf.total_bounds
        if not np.all(np.isfinite(bounds)):
            continue
        crs = CRS.from_user_input(gdf.crs)
        if crs.is_geographic:
            boxes.append(bounds)
        else:
            transformer = Transformer.from_crs(crs, _WGS84, always_xy=True)
            boxes.append(transformer.transform_bounds(*bounds, densify_pts=21))
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


def _is_metric(crs: CRS) -> bool:
    if not crs.is_projected:
        return False
    return {axis.unit_name.lower() for axis in crs.axis_info} <= {"metre", "meter", "m"}


def _span_note(crs: CRS, check: ScaleCheck, bounds: Sequence[float]) -> str:
    width = scale_settings().zone_width_deg
    zones = math.floor(bounds[2] / width + 0.5) - math.floor(bounds[0] / width + 0.5) + 1
    return (
        f"the data span {bounds[0]:.2f}°E to {bounds[2]:.2f}°E, across {zones} zones of "
        f"{width:g}°; "
        f"{label(crs)} {check.describe()}: areas far from its central meridian are "
        f"off by up to {check.worst_error:.2%}"
    )


def choose_measuring_crs(crss: Iterable, bounds: Sequence[float], requested=None) -> CRSChoice:
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
        if not _is_metric(crs):
            raise CRSError(f"{label(crs)} is not a projected metric CRS; areas need one")
        check = area_scale(crs, bounds)
        if not check.ok:
            better = derived_crs(bounds)
            raise CRSError(
                f"{label(crs)} {check.describe()}, beyond the "
                f"{check.tolerance:.2%} parkmap accepts for areas; use "
                f"EPSG:{better.to_epsg()} or leave the CRS out to derive it"
            )
        return CRSChoice(crs, check, derived=False)
    given = {CRS.from_user_input(c) for c in crss if c is not None}
    checks = {crs: area_scale(crs, bounds) for crs in given if _is_metric(crs)}
    if len(given) == 1 and checks:
        ((crs, check),) = checks.items()
        if check.ok:
            return CRSChoice(crs, check, derived=False)
    crs = derived_crs(bounds)
    check = area_scale(crs, bounds)
    rejected = [f"{label(c)}, which {k.describe()}" for c, k in checks.items() if not k.ok]
    warning = None
    if rejected:
        warning = (
            f"the layers are in {'; '.join(rejected)}; areas are measured in {label(crs)} instead"
        )
    notes = [warning] if warning else []
    if not check.ok:
        notes.append(_span_note(crs, check, bounds))
    return CRSChoice(crs, check, derived=True, warning=warning, notes=tuple(notes))
