"""Coordinate reference systems: choosing a projected metric CRS for area work.

Areas are never measured in degrees. A park keeps all its layers in one projected CRS
whose unit is the metre. When the data come without a suitable one, parkmap derives
one from where the data lie: the CGCS2000 3-degree Gauss-Kruger zone (without the
zone prefix, EPSG:4534 to EPSG:4554) inside China, UTM on WGS84 elsewhere.

Web maps are drawn in WGS84, except on tiles published in GCJ-02 (the obfuscated
"Mars" coordinates of AMap and Tencent maps): :func:`wgs84_to_gcj02` and
:func:`gcj02_to_wgs84` convert between the two, vectorised over numpy arrays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pyproj import CRS
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from parkmap.errors import CRSError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CHINA_BBOX",
    "WGS84",
    "cgcs2000_gk3_epsg",
    "choose_metric_crs",
    "crs_label",
    "gcj02_to_wgs84",
    "in_china",
    "in_china_gcj02",
    "is_metric",
    "metric_crs_for",
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
    >>> cgcs2000_gk3_epsg(107.3)
    4545
    """
    central = 3 * round(lon / 3)
    central = min(max(central, 75), 135)
    return 4534 + (central - 75) // 3


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
    """A park's metric CRS: the one asked for, a metric CRS all layers share, or derived.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        The layers; those without a CRS are ignored.
    requested : CRS-like, optional
        The CRS asked for; it must be projected with metre axes.

    Returns
    -------
    pyproj.CRS
        ``requested``; else the CRS of the layers when they all share one metric CRS;
        else :func:`metric_crs_for` the centre of the layers' extent.

    Raises
    ------
    parkmap.errors.CRSError
        If ``requested`` is not metric, or no layer has a CRS.
    """
    if requested is not None:
        crs = to_crs(requested)
        if not is_metric(crs):
            raise CRSError(f"{crs_label(crs)} is not a projected metric CRS; areas need one")
        return crs
    crss = {gdf.crs for gdf in layers.values() if gdf.crs is not None}
    metric = [c for c in crss if is_metric(c)]
    if len(crss) == 1 and metric:
        return metric[0]
    located = [gdf for gdf in layers.values() if gdf.crs is not None and len(gdf)]
    if not located:
        raise CRSError("no layer has a coordinate reference system; name one (crs=...)")
    bounds = pd.DataFrame(
        [gdf.to_crs(WGS84).total_bounds for gdf in located], columns=["x0", "y0", "x1", "y1"]
    )
    lon = (bounds["x0"].min() + bounds["x1"].max()) / 2
    lat = (bounds["y0"].min() + bounds["y1"].max()) / 2
    return metric_crs_for(lon, lat)


def crs_label(crs) -> str:
    """Short label for reports, e.g. ``"EPSG:4545 (CGCS2000 / 3-degree Gauss-Kruger CM 108E)"``."""
    crs = to_crs(crs)
    authority = crs.to_authority()
    code = f"{authority[0]}:{authority[1]}" if authority else "custom CRS"
    return f"{code} ({crs.name})"


# -- GCJ-02 ------------------------------------------------------------------------------
# The published GCJ-02 algorithm (as in every open implementation, e.g. eviltransform,
# coordtransform): a Krasovsky-ellipsoid offset of a polynomial-plus-sine field centred
# on (105 E, 35 N). Points outside the rough rectangle of China are left unchanged, as
# the Chinese map services do.
_GCJ_A = 6378245.0  # Krasovsky 1940 semi-major axis, m
_GCJ_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_GCJ_LON = (72.004, 137.8347)
_GCJ_LAT = (0.8293, 55.8271)
#: Largest change of the inverse between two iterations at which it stops, degrees.
GCJ02_INVERSE_TOLERANCE_DEG = 1e-9


def in_china_gcj02(lon, lat) -> np.ndarray:
    """Whether points lie in the rectangle where GCJ-02 applies (else it is the identity).

    Parameters
    ----------
    lon, lat : float or array-like
        WGS84 or GCJ-02 longitude and latitude in degrees.

    Returns
    -------
    numpy.ndarray of bool
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon >= _GCJ_LON[0]) & (lon <= _GCJ_LON[1]) & (lat >= _GCJ_LAT[0]) & (lat <= _GCJ_LAT[1])


def _gcj02_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 offset (dlon, dlat) in degrees at WGS84 points (zero outside China)."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * pi
    magic = 1.0 - _GCJ_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrtmagic * np.cos(radlat) * pi)
    inside = in_china_gcj02(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS84 longitude/latitude to GCJ-02 (AMap, Tencent maps).

    GCJ-02 is WGS84 with a deliberate, smoothly varying offset of a few hundred metres
    (about 520 m near Dianjiang). The formula is the published one; points outside
    China are returned unchanged.

    Parameters
    ----------
    lon, lat : float or array-like
        WGS84 degrees; any matching shapes.

    Returns
    -------
    lon, lat : numpy.ndarray
        GCJ-02 degrees, same shape as the input.

    See Also
    --------
    gcj02_to_wgs84 : the inverse.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(107.34545, 30.33355)
    >>> round(float(lon), 5), round(float(lat), 5)
    (107.35004, 30.33105)
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _gcj02_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(
    lon, lat, *, tolerance_deg: float = GCJ02_INVERSE_TOLERANCE_DEG, max_iter: int = 30
) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 longitude/latitude back to WGS84.

    GCJ-02 has no closed-form inverse. This solves ``wgs84_to_gcj02(w) = g`` by fixed-point
    iteration, ``w <- w - (wgs84_to_gcj02(w) - g)``, which converges fast because the
    offset changes slowly; it stops when no coordinate moves by more than
    ``tolerance_deg`` (1e-9 degrees, about 0.1 mm, by default).

    Parameters
    ----------
    lon, lat : float or array-like
        GCJ-02 degrees (for example read off AMap, or digitised on its tiles).
    tolerance_deg : float, default 1e-9
        Stop when the largest correction is below this, in degrees.
    max_iter : int, default 30
        Give up after this many iterations (never reached in practice).

    Returns
    -------
    lon, lat : numpy.ndarray
        WGS84 degrees, same shape as the input.

    Raises
    ------
    ArithmeticError
        If the iteration has not converged after ``max_iter`` steps.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(107.34545, 30.33355))
    >>> round(float(lon), 9), round(float(lat), 9)
    (107.34545, 30.33355)
    """
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        tlon, tlat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = tlon - glon, tlat - glat
        wlon, wlat = wlon - elon, wlat - elat
        worst = max(np.max(np.abs(elon), initial=0.0), np.max(np.abs(elat), initial=0.0))
        if not worst > tolerance_deg:  # also stops on NaN input
            return wlon, wlat
    raise ArithmeticError(f"GCJ-02 inverse did not converge in {max_iter} iterations")
