"""Coordinate transformations made once per process, and geometries moved with them.

PROJ searches its database for the operation each time a transformer is made: about
0.1 s between WGS84 and CGCS2000 (its ballpark offset), against a microsecond to reuse
one. Every transformer parkmap makes between two CRSs comes from :func:`transformer`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

__all__ = ["prepare_lonlat", "project_geometries", "to_lonlat_bounds", "transformer"]

_WGS84 = CRS.from_epsg(4326)


@lru_cache(maxsize=64)
def _cached_transformer(source: CRS, target: CRS) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def transformer(source, target) -> Transformer:
    """The ``always_xy`` transformer from ``source`` to ``target``, made once per process.

    The operation is the one ``Transformer.from_crs(source, target, always_xy=True)``
    chooses (as geopandas' ``to_crs``), so the coordinates are the same.

    Parameters
    ----------
    source, target : CRS-like

    Returns
    -------
    pyproj.Transformer
    """
    return _cached_transformer(CRS.from_user_input(source), CRS.from_user_input(target))


def prepare_lonlat(crs) -> None:
    """Make the WGS84 -> ``crs`` transformer now, on this thread, if ``crs`` is projected.

    PROJ's search for a WGS84 -> CGCS2000 operation takes about 0.09 s; a park's CRS
    checks (:mod:`parkmap.crs`: the area-scale test, the extent in degrees) need this
    transformer first. A reader calls this while its threads read the layers, so that
    the search runs on an otherwise idle thread. pyproj keeps one PROJ object per
    thread, so the thread that calls this must be the one that goes on to use it.
    Anything PROJ cannot do is left for that later use to report.

    Parameters
    ----------
    crs : CRS-like or None
    """
    if crs is None:
        return
    try:
        if CRS.from_user_input(crs).is_projected:
            transformer(_WGS84, crs)
    except (CRSError, ProjError):
        return


def project_geometries(geoms: np.ndarray, source, target) -> np.ndarray:
    """Geometries transformed from ``source`` to ``target`` (as ``GeoSeries.to_crs``).

    The same coordinates as geopandas' ``to_crs`` (the same operation, applied to 2D
    and 3D geometries apart), with the transformer made once per process
    (:func:`transformer`).

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries (or None)
    source, target : CRS-like

    Returns
    -------
    numpy.ndarray
        New geometries; ``geoms`` is left as it is.
    """
    geoms = np.asarray(geoms, dtype=object)
    to_target = transformer(source, target)
    result = np.empty_like(geoms)
    has_z = shapely.has_z(geoms)
    for part, include_z in ((~has_z, False), (has_z, True)):
        if not part.any():
            continue
        coords = shapely.get_coordinates(geoms[part], include_z=include_z)
        moved = to_target.transform(*coords.T)
        result[part] = shapely.set_coordinates(geoms[part].copy(), np.array(moved).T)
    return result


def to_lonlat_bounds(crs, bounds) -> tuple[float, float, float, float]:
    """``(xmin, ymin, xmax, ymax)`` in ``crs`` as WGS84 degrees (edges densified).

    With the inverse of the WGS84 -> ``crs`` operation, the one the area-scale test of
    :mod:`parkmap.crs` makes anyway: one PROJ operation search instead of two.
    """
    try:
        return transformer(_WGS84, crs).transform_bounds(
            *bounds, densify_pts=21, direction="INVERSE"
        )
    except ProjError:  # an operation without an inverse
        return transformer(crs, _WGS84).transform_bounds(*bounds, densify_pts=21)
