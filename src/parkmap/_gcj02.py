"""GCJ-02, the obfuscated "Mars" coordinates of AMap and Tencent maps.

Re-exported by :mod:`parkmap.crs`; see there.
"""

from __future__ import annotations

import numpy as np

__all__ = ["GCJ02_INVERSE_TOLERANCE_DEG", "gcj02_to_wgs84", "in_china_gcj02", "wgs84_to_gcj02"]

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
