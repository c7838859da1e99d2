"""Coordinate reference systems: choosing a projected metric CRS for area work.

Areas are never measured in degrees. A park keeps all its layers in one projected CRS
whose unit is the metre. When the data come without a suitable one, parkmap derives
one from where the data lie: the CGCS2000 3-degree Gauss-Kruger zone (without the
zone prefix, EPSG:4534 to EPSG:4554) inside China, UTM on WGS84 elsewhere.
"""

from __future__ import annotations

import math

from pyproj import CRS
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from parkmap.errors import CRSError

__all__ = [
    "WGS84",
    "cgcs2000_gk3_epsg",
    "crs_label",
    "is_metric",
    "metric_crs_for",
    "to_crs",
]

#: Geographic WGS84, the CRS of web output and of the reviewable GeoJSON sources.
WGS84 = CRS.from_epsg(4326)

# Rough bounding box of mainland China (and Hainan, Taiwan) in lon/lat, to decide
# whether the Chinese national Gauss-Kruger zones apply.
_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (17.0, 54.0)


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
    if _CHINA_LON[0] <= lon <= _CHINA_LON[1] and _CHINA_LAT[0] <= lat <= _CHINA_LAT[1]:
        return CRS.from_epsg(cgcs2000_gk3_epsg(lon))
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon, lat, lon, lat),
    )
    if not infos:
        raise CRSError(f"no UTM zone found for lon={lon}, lat={lat}")
    return CRS.from_epsg(int(infos[0].code))


def crs_label(crs) -> str:
    """Short label for reports, e.g. ``"EPSG:4545 (CGCS2000 / 3-degree Gauss-Kruger CM 108E)"``."""
    crs = to_crs(crs)
    authority = crs.to_authority()
    code = f"{authority[0]}:{authority[1]}" if authority else "custom CRS"
    return f"{code} ({crs.name})"
