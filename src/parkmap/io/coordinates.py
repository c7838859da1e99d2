"""Source coordinates: swapped axes, GCJ-02 input, area-of-use checks, the "no CRS" message."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from parkmap.crs import WGS84, crs_label, gcj02_to_wgs84
from parkmap.errors import CRSError
from parkmap.io.detect import (
    AREA_OF_USE_MARGIN_DEG,
    crs_candidates,
    extent_problem,
    import_command,
)
from parkmap.io.readers import Source
from parkmap.io.report import Collector

__all__ = ["check_coordinates", "convert_gcj02", "no_crs_error"]


def _swap_xy(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out[gdf.geometry.name] = shapely.transform(gdf.geometry.array, lambda xy: xy[:, ::-1])
    return out


def convert_gcj02(gdf: gpd.GeoDataFrame, where: str) -> gpd.GeoDataFrame:
    """Convert GCJ-02 longitude/latitude to WGS84; refuse projected sources."""
    crs = CRS.from_user_input(gdf.crs)
    if not crs.is_geographic:
        raise CRSError(
            f"{where}: GCJ-02 conversion (parkmap import --from-gcj02, or from_gcj02 in the "
            "mapping) needs longitude/latitude degrees, but the source is in "
            f"{crs_label(crs)}; GCJ-02 data are never projected"
        )
    out = gdf.to_crs(WGS84) if crs != WGS84 else gdf.copy()

    def convert(xy: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    out[out.geometry.name] = shapely.transform(out.geometry.array, convert)
    return out.set_crs(WGS84, allow_override=True)


def _outside_area(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Mask of features whose centre lies outside the CRS's area of use (with margin)."""
    crs = CRS.from_user_input(gdf.crs)
    area = crs.area_of_use
    bounds = shapely.bounds(gdf.geometry.array)
    x, y = (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2
    if crs.is_geographic:
        lon, lat = x, y
        bad = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    else:
        with np.errstate(all="ignore"):
            lon, lat = Transformer.from_crs(crs, WGS84, always_xy=True).transform(x, y)
        bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if area is not None:
        m = AREA_OF_USE_MARGIN_DEG
        with np.errstate(invalid="ignore"):
            bad |= (lon < area.west - m) | (lon > area.east + m)
            bad |= (lat < area.south - m) | (lat > area.north + m)
    return bad


def check_coordinates(gdf, src: Source, swap_xy: bool, note: Collector, ids) -> gpd.GeoDataFrame:
    """Drop non-finite and absurd coordinates, swap latitude-first axes on request."""
    where = f"{src.path}, layer '{src.label}'"
    coords_ok = np.array(
        [np.isfinite(shapely.get_coordinates(g)).all() for g in gdf.geometry.array], dtype=bool
    )
    if not coords_ok.all():
        note.features(ids[gdf.index[~coords_ok]], "coordinates are not finite numbers; dropped")
        gdf = gdf.loc[coords_ok]
    if len(gdf) == 0:
        return gdf
    problem = extent_problem(gdf.total_bounds, gdf.crs)
    if problem and problem.startswith("axes swapped"):
        if not swap_xy:
            raise CRSError(
                f"{where}: {problem}; if so, import with: {import_command([src.path], '--swap-xy')}"
            )
        gdf = _swap_xy(gdf)
        note.add("x and y swapped (parkmap import --swap-xy): the coordinates were latitude first")
        problem = extent_problem(gdf.total_bounds, gdf.crs)
    if problem:
        outside = _outside_area(gdf)
        if outside.all():
            raise CRSError(f"{where}: {problem}")
        note.features(
            ids[gdf.index[outside]],
            f"absurd coordinates, far outside the area of use of {crs_label(gdf.crs)}; dropped",
        )
        gdf = gdf.loc[~outside]
    return gdf


def no_crs_error(pending: list[Source], near: tuple[float, float] | None) -> CRSError:
    """The error for sources without a CRS: their extent and the candidate CRSs."""
    src = pending[0]
    where = f"{src.path}" + (f", layer '{src.layer}'" if src.layer else "")
    finite = src.gdf.geometry[~(src.gdf.geometry.is_empty | src.gdf.geometry.isna())]
    bounds = finite.total_bounds if len(finite) else [np.nan] * 4
    more = f" (and {len(pending) - 1} more source(s) without one)" if len(pending) > 1 else ""
    rng = f"x {bounds[0]:.8g}…{bounds[2]:.8g}, y {bounds[1]:.8g}…{bounds[3]:.8g}"
    found = crs_candidates(bounds, near=near)
    paths = sorted({str(s.path) for s in pending})
    if not found:
        if bounds[1] > 90 and abs(bounds[0]) <= 90:
            hint = "x and y look swapped (latitude first); name the CRS and swap them: "
            hint += import_command(paths, "--s-srs EPSG:<code>", "--swap-xy")
        else:
            hint = "no known CRS fits these numbers; name it: "
            hint += import_command(paths, "--s-srs EPSG:<code>")
        return CRSError(f"{where}: no coordinate reference system{more}; {rng}: {hint}")
    first = found[0]
    others = ", ".join(f"EPSG:{c.epsg}" for c in found[1:6])
    also = f"; other candidates: {others}{' …' if len(found) > 6 else ''}" if others else ""
    return CRSError(
        f"{where}: no coordinate reference system (no .prj?){more}; {rng} fit {first}"
        f"{also}; if EPSG:{first.epsg} is right, import with it (and your other files): "
        f"{import_command(paths, f'--s-srs EPSG:{first.epsg}')}, then work on the park "
        "with: parkmap report --data park.gpkg"
    )
