"""A seeded synthetic county for benchmarking land availability at scale.

:func:`synthetic_county` builds the layers of a parcels-only park over a square of about
40 x 40 km in EPSG:4545 (CGCS2000 / 3-degree Gauss-Kruger CM 108E, the Dianjiang CRS):

- ``parcels``: ``n_parcels`` quadrilaterals tessellating the square (a grid whose inner
  vertices are jittered, so the parcels are irregular but never overlap), with statuses;
- ``constraints``: overlapping county-wide layers: ecological red-line ridges, rivers
  with a blue-line buffer, permanent basic farmland, steep slopes (hard), and ordinary
  cropland and forest (conditional), as irregular polygons of a few dozen vertices;
- ``buildings``: about ``n_parcels / 2`` rectangular footprints inside parcels;
- ``roads``: a grid of slightly winding trunk and secondary roads across the county and
  scattered branch roads, with red-line widths.

The same seed gives the same county. Everything is vectorised numpy and shapely, so the
million-parcel county is built in seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["CRS", "synthetic_county", "write_county"]

#: CRS of the synthetic county.
CRS = "EPSG:4545"
#: South-west corner of the county square (easting, northing in EPSG:4545 metres).
ORIGIN = (380_000.0, 3_320_000.0)


def _grid_shape(n: int) -> tuple[int, int]:
    nx = max(1, round(np.sqrt(n)))
    return nx, -(-n // nx)


def _parcels(rng: np.random.Generator, n: int, extent_m: float) -> gpd.GeoDataFrame:
    nx, ny = _grid_shape(n)
    dx, dy = extent_m / nx, extent_m / ny
    gx, gy = np.meshgrid(np.arange(nx + 1) * dx, np.arange(ny + 1) * dy, indexing="ij")
    # jitter inner vertices by up to a quarter cell: quads stay convex and keep a central
    # half-cell square inside them (where buildings go)
    jx = rng.uniform(-0.24, 0.24, gx.shape) * dx
    jy = rng.uniform(-0.24, 0.24, gy.shape) * dy
    jx[[0, -1], :] = 0.0
    jy[:, [0, -1]] = 0.0
    vx, vy = gx + jx + ORIGIN[0], gy + jy + ORIGIN[1]
    i, j = np.divmod(np.arange(n), ny)
    corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1), (i, j)]
    coords = np.stack([np.stack([vx[a, b], vy[a, b]], axis=-1) for a, b in corners], axis=1)
    status = rng.choice(
        ["available", "built", "supplied", "committed", "reserved"],
        size=n,
        p=[0.62, 0.18, 0.06, 0.08, 0.06],
    )
    return gpd.GeoDataFrame(
        {
            "id": np.char.add("p", np.arange(n).astype(str)),
            "landuse_code": rng.choice(["100101", "100102", "100103"], size=n),
            "status": status,
        },
        geometry=shapely.polygons(coords),
        crs=CRS,
    )


def _blobs(rng: np.random.Generator, count: int, r_min: float, r_max: float, extent_m: float):
    """Irregular star-shaped polygons (24 vertices) scattered over the county."""
    k = 24
    centre = rng.uniform(0, extent_m, (count, 2)) + ORIGIN
    radius = rng.uniform(r_min, r_max, (count, 1)) * rng.uniform(0.6, 1.0, (count, k))
    angle = np.linspace(0, 2 * np.pi, k, endpoint=False) + rng.uniform(0, 0.2, (count, k))
    ring = np.stack(
        [centre[:, :1] + radius * np.cos(angle), centre[:, 1:] + radius * np.sin(angle)], axis=-1
    )
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    return shapely.polygons(ring)


def _winding_lines(rng, count, extent_m, step_m, wiggle_m, vertical=None):
    """Lines across the county with a vertex every ``step_m`` jittered by ``wiggle_m``."""
    n = int(extent_m // step_m) + 1
    along = np.linspace(0, extent_m, n)
    lines = []
    for k in range(count):
        is_vertical = (k % 2 == 0) if vertical is None else vertical
        across = rng.uniform(0.02, 0.98) * extent_m + np.cumsum(rng.normal(0, wiggle_m, n))
        across = np.clip(across, 0, extent_m)
        xy = np.stack([across, along] if is_vertical else [along, across], axis=-1) + ORIGIN
        lines.append(shapely.linestrings(xy))
    return np.array(lines, dtype=object)


def _constraints(rng: np.random.Generator, extent_m: float) -> gpd.GeoDataFrame:
    ridges = shapely.buffer(_winding_lines(rng, 3, extent_m, 800.0, 150.0), 400.0)
    rivers = shapely.buffer(_winding_lines(rng, 6, extent_m, 400.0, 60.0), 25.0)
    parts = [
        ("ecological_red_line", True, 0.0, ridges),
        ("water", True, 30.0, rivers),
        ("permanent_basic_farmland", True, 0.0, _blobs(rng, 80, 300, 1500, extent_m)),
        ("steep_slope", True, 0.0, _blobs(rng, 40, 200, 900, extent_m)),
        ("cropland", False, 0.0, _blobs(rng, 80, 300, 1200, extent_m)),
        ("forest", False, 0.0, _blobs(rng, 40, 300, 1200, extent_m)),
    ]
    geoms = np.concatenate([p[3] for p in parts])
    kind = np.concatenate([[p[0]] * len(p[3]) for p in parts])
    return gpd.GeoDataFrame(
        {
            "id": [f"k{i}" for i in range(len(geoms))],
            "kind": kind,
            "hard": np.concatenate([[p[1]] * len(p[3]) for p in parts]).astype(bool),
            "buffer_m": np.concatenate([[p[2]] * len(p[3]) for p in parts]),
        },
        geometry=geoms,
        crs=CRS,
    )


def _roads(rng: np.random.Generator, extent_m: float) -> gpd.GeoDataFrame:
    spacing = 2_000.0
    count = int(extent_m // spacing)
    trunk = np.concatenate(
        [
            _winding_lines(rng, count, extent_m, 500.0, 15.0, vertical=True),
            _winding_lines(rng, count, extent_m, 500.0, 15.0, vertical=False),
        ]
    )
    secondary = np.concatenate(
        [
            _winding_lines(rng, count, extent_m, 500.0, 15.0, vertical=True),
            _winding_lines(rng, count, extent_m, 500.0, 15.0, vertical=False),
        ]
    )
    n_branch = 300
    start = rng.uniform(0, extent_m, (n_branch, 2)) + ORIGIN
    angle = rng.uniform(0, 2 * np.pi, n_branch)
    length = rng.uniform(500, 2_500, n_branch)
    end = start + np.stack([np.cos(angle), np.sin(angle)], axis=-1) * length[:, None]
    branch = shapely.linestrings(np.stack([start, end], axis=1))
    geoms = np.concatenate([trunk, secondary, branch])
    classes = ["trunk"] * len(trunk) + ["secondary"] * len(secondary) + ["branch"] * n_branch
    width = {"trunk": 40.0, "secondary": 24.0, "branch": 16.0}
    return gpd.GeoDataFrame(
        {
            "id": [f"r{i}" for i in range(len(geoms))],
            "name_zh": [f"路{i}" for i in range(len(geoms))],
            "road_class": classes,
            "red_line_m": [width[c] for c in classes],
            "status": rng.choice(["built", "under_construction", "planned"], len(geoms)),
        },
        geometry=geoms,
        crs=CRS,
    )


def _buildings(rng: np.random.Generator, parcels: gpd.GeoDataFrame, extent_m: float):
    n = len(parcels) // 2
    nx, ny = _grid_shape(len(parcels))
    dx, dy = extent_m / nx, extent_m / ny
    which = rng.choice(len(parcels), size=n, replace=False)
    i, j = np.divmod(which, ny)
    cx, cy = ORIGIN[0] + (i + 0.5) * dx, ORIGIN[1] + (j + 0.5) * dy
    hx, hy = rng.uniform(0.12, 0.24, n) * dx, rng.uniform(0.12, 0.24, n) * dy
    return gpd.GeoDataFrame(
        {
            "id": np.char.add("b", np.arange(n).astype(str)),
            "name_zh": "厂房",
            "kind": "standard_factory",
            "storeys": rng.integers(1, 5, n),
            "storey_height_m": 6.0,
            "status": rng.choice(
                ["built", "under_construction", "planned", "renovation"],
                size=n,
                p=[0.75, 0.1, 0.1, 0.05],
            ),
        },
        geometry=shapely.box(cx - hx, cy - hy, cx + hx, cy + hy),
        crs=CRS,
    )


def synthetic_county(
    n_parcels: int, *, seed: int = 0, extent_m: float = 40_000.0
) -> dict[str, gpd.GeoDataFrame]:
    """The layers of a synthetic parcels-only county park.

    Parameters
    ----------
    n_parcels : int
        Number of parcels tessellating the square.
    seed : int, default 0
        Seed of the random generator: the same seed gives the same county.
    extent_m : float, default 40000
        Side of the square, metres.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``parcels``, ``constraints``, ``buildings`` and ``roads`` in EPSG:4545, ready
        for :class:`parkmap.Park`.
    """
    rng = np.random.default_rng(seed)
    parcels = _parcels(rng, n_parcels, extent_m)
    return {
        "parcels": parcels,
        "constraints": _constraints(rng, extent_m),
        "buildings": _buildings(rng, parcels, extent_m),
        "roads": _roads(rng, extent_m),
    }


def write_county(
    n_parcels: int,
    folder: str | os.PathLike,
    *,
    seed: int = 0,
    parcels_per_file: int = 250_000,
) -> dict[str, Path]:
    """Write a synthetic county for the partitioned (Dask) engine.

    The parcels go to a folder of GeoParquet parts (``parcels.parquet/part.NNNNN.parquet``,
    ``parcels_per_file`` each, in generation order), the other layers to one GeoPackage
    (``layers.gpkg``), so that the parcels need never sit in one process's memory.

    Parameters
    ----------
    n_parcels : int
        Number of parcels.
    folder : path-like
        Output folder (created).
    seed : int, default 0
        Seed of :func:`synthetic_county`.
    parcels_per_file : int, default 250000
        Parcels per GeoParquet part.

    Returns
    -------
    dict of str to pathlib.Path
        ``parcels`` (the folder of parts) and ``layers`` (the GeoPackage).
    """
    folder = Path(folder)
    parts = folder / "parcels.parquet"
    parts.mkdir(parents=True, exist_ok=True)
    layers = synthetic_county(n_parcels, seed=seed)
    parcels = layers.pop("parcels")
    for k, start in enumerate(range(0, len(parcels), parcels_per_file)):
        chunk = parcels.iloc[start : start + parcels_per_file]
        chunk.to_parquet(parts / f"part.{k:05d}.parquet", index=False)
    del parcels
    gpkg = folder / "layers.gpkg"
    for name, gdf in layers.items():
        gdf.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio")
    return {"parcels": parts, "layers": gpkg}
