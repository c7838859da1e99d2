"""The parcel-by-parcel availability waterfall, partitioned on Dask.

Where one machine is not enough, :func:`parkmap.availability` with ``engine="dask"``
runs here. The plan is the local engine's: the claim layers (buffered constraints, road
rights-of-way, buildings, cut into tiles) are built once, on the client, exactly as the
local engine builds them. The parcels are sorted along a Hilbert curve and cut into
partitions (in memory: :meth:`geopandas.GeoSeries.hilbert_distance`; from GeoParquet:
``dask_geopandas.read_parquet`` then ``spatial_shuffle(by="hilbert")``). Each partition
is shipped, as a scattered object, only the claim pieces whose boxes meet the partition's
extent (an STRtree query per layer), and runs the local engine's core
(:func:`parkmap._waterfall.run_waterfall`) and its per-parcel outputs on its own parcels.

Every parcel lies in exactly one partition and every claim piece that meets it is shipped
with it, and the waterfall subtracts a parcel's claimers in the order of their index in
the layer (which a subset keeps), so each parcel's areas are those of the local engine,
to the bit: parcels that straddle partition edges included. The tables of the partitions
are summed; the per-parcel frames and available pieces are gathered in the parcels'
order, or written by the workers to GeoParquet.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parkmap.errors import DataFileError, ValidationError
from parkmap.io.files import check_output
from parkmap.land.frames import feature_names, parcel_outputs, table_columns, table_row
from parkmap.land.plan import claim_steps, committing, parcel_status, park_layer, tile_m, with_whole
from parkmap.land.rules import CATEGORIES, AvailabilityRules
from parkmap.land.waterfall import ClaimLayer, Step, run_waterfall
from parkmap.park import Park
from parkmap.schema import Problem, feature_ids

__all__ = ["LAND_LAYER", "PARCELS_LAYER", "PARCELS_PER_PARTITION", "run_dask"]

log = logging.getLogger("parkmap")

#: Default largest partition, parcels.
PARCELS_PER_PARTITION = 50_000
#: Datasets (folders of GeoParquet parts) written under ``output``.
PARCELS_LAYER = "parcel_availability"
LAND_LAYER = "available_land"
#: Column holding each parcel's position in the park's layer while partitioned.
_ROW = "_parkmap_row"


def _modules():
    """dask_geopandas and distributed, or an ImportError with the install hint."""
    try:
        import dask_geopandas
        import distributed
    except ImportError as err:
        raise ImportError(
            f"engine='dask' needs dask-geopandas and distributed ({err}); "
            "install them with: pip install 'parkmap[dask]'"
        ) from err
    return dask_geopandas, distributed


@contextlib.contextmanager
def _client(scheduler, distributed) -> Iterator:
    """A client of ``scheduler`` (an address or a Client), or of a new local cluster.

    The local cluster has one single-threaded worker process per core, each with its
    share of the machine's memory (``memory_limit="auto"``). What is started here is
    closed here.
    """
    if isinstance(scheduler, distributed.Client):
        yield scheduler
        return
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    memory_limit="auto",
                    dashboard_address=":0",
                )
            )
            client = stack.enter_context(distributed.Client(cluster))
        else:
            client = stack.enter_context(distributed.Client(str(scheduler)))
        yield client


def _dashboard(client) -> str:
    """Where the scheduler's dashboard is, for the log."""
    if "dashboard" in client.scheduler_info().get("services", {}):
        return f"dashboard {client.dashboard_link}"
    return "no dashboard (the scheduler needs bokeh for one: pip install bokeh)"


@dataclass
class _Job:
    """What every partition's task shares (scattered once, to every worker)."""

    categories: list[str]
    keep: list[bool]
    rules: AvailabilityRules
    committing: set | None
    crs: object
    chunk_size: int
    validate: bool
    repair: bool
    source: str | None
    output: str | None


@dataclass
class _Pieces:
    """The claim pieces and sub-parks that meet one partition's extent."""

    layers: list[np.ndarray]
    conditional: np.ndarray
    subparks: gpd.GeoDataFrame | None


@dataclass
class _Part:
    """What a partition's task returns."""

    table: pd.DataFrame | None
    land: gpd.GeoDataFrame | None
    parcels: gpd.GeoDataFrame | None
    problems: list[Problem]
    n_parcels: int


def _claim_layer(pieces: np.ndarray) -> ClaimLayer | None:
    # the pieces are already polygonal and cut into tiles: index them as they are
    return ClaimLayer(pieces) if len(pieces) else None


def _bounds(parcels: gpd.GeoDataFrame) -> np.ndarray:
    return parcels.total_bounds if len(parcels) else np.full(4, np.nan)


def _work(parcels: gpd.GeoDataFrame, pieces: _Pieces, job: _Job, index: int) -> _Part:
    """One partition: the local engine's waterfall on its parcels and the pieces it meets."""
    problems: list[Problem] = []
    if not len(parcels):
        return _Part(None, None, None, problems, 0)
    if job.validate:  # parcels read from files: the park's validation and repair
        part = Park({"parcels": parcels}, crs=job.crs, source=job.source)
        if job.repair:
            part, repairs = part.repaired()
            problems += repairs
        problems += part.problems
        if part.errors:
            return _Part(None, None, None, problems, len(parcels))
        parcels = part["parcels"]
    units = np.asarray(parcels.geometry.array, dtype=object)
    steps = [
        Step(category, _claim_layer(layer), keep)
        for category, layer, keep in zip(job.categories, pieces.layers, job.keep, strict=True)
    ]
    status = parcel_status(parcels, job.committing, job.rules)
    result = run_waterfall(
        units,
        with_whole(steps, status, len(units)),
        conditional=_claim_layer(pieces.conditional),
        min_area_m2=job.rules.min_area_m2,
        min_width_m=job.rules.min_width_m,
        workers=1,  # one task per worker thread: the cluster is the parallelism
        chunk_size=job.chunk_size,
    )
    areas = {c: result.areas[c] for c in (*job.categories, "fragments", "available")}
    areas["conditional"] = result.conditional_m2
    table, land, frame = parcel_outputs(parcels, pieces.subparks, job.crs, result, areas)
    if _ROW in parcels.columns:  # in the park's order again, once gathered
        rows = parcels[_ROW].to_numpy()
        frame.index, land.index = rows, rows[result.piece_unit]
        if "id" not in parcels.columns:  # "#<row>" in the park's layer, as locally
            land["parcel"] = [f"#{row + 1}" for row in land.index]
    if job.output is None:
        return _Part(table, land, frame, problems, len(units))
    name = f"part.{index:05d}.parquet"
    frame.to_parquet(Path(job.output, PARCELS_LAYER, name), index=False)
    land.drop(columns="piece").to_parquet(Path(job.output, LAND_LAYER, name), index=False)
    return _Part(table, None, None, problems, len(units))


def _ship(layers: list[ClaimLayer | None], bounds: np.ndarray) -> Iterator[list[np.ndarray]]:
    """For each partition's bounds, the pieces of each layer whose boxes meet them.

    The pieces keep their order in the layer, so that the waterfall subtracts them in
    the same order as the local engine does.
    """
    boxes = shapely.box(*bounds.T)
    edges = np.arange(len(bounds) + 1)
    found = []
    for layer in layers:
        if layer is None:
            found.append(None)
            continue
        box, piece = layer.tree.query(boxes)  # sorted by box
        found.append((piece, np.searchsorted(box, edges)))
    for i in range(len(bounds)):
        yield [
            np.empty(0, dtype=object)
            if hits is None
            else layer.pieces[np.sort(hits[0][hits[1][i] : hits[1][i + 1]])]
            for layer, hits in zip(layers, found, strict=True)
        ]


def _subparks_meeting(subparks: gpd.GeoDataFrame | None, bounds: np.ndarray):
    if subparks is None:
        return None
    x0, y0, x1, y1 = bounds
    return subparks.cx[x0:x1, y0:y1]


def _combine_tables(tables: list[pd.DataFrame], subparks: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """The partitions' tables summed: a row per sub-park (all of them) and the total."""
    keys = [*CATEGORIES, "conditional"]
    stacked = pd.concat(tables, ignore_index=True)
    sums = stacked.groupby(["level", "key"], sort=False)[[f"{k}_m2" for k in keys]].sum()
    rows = []
    if subparks is not None:
        for key, zh, en in zip(*feature_names(subparks), strict=True):
            got = sums.loc[("subpark", key)] if ("subpark", key) in sums.index else None
            values = {k: 0.0 if got is None else got[f"{k}_m2"] for k in keys}
            rows.append(table_row("subpark", key, zh, en, values))
    total = sums.loc[("total", "total")]
    rows.append(table_row("total", "total", "合计", "total", {k: total[f"{k}_m2"] for k in keys}))
    return pd.DataFrame(rows, columns=table_columns())


def _gathered(parts: list[_Part], crs) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Per-parcel frame and available pieces of all partitions, in the park's order."""
    frame = pd.concat([p.parcels for p in parts])
    land = pd.concat([p.land for p in parts])
    if frame.index.is_unique:  # rows of an in-memory park: restore its order
        frame = frame.sort_index(kind="stable")
        land = land.sort_index(kind="stable")
    frame = gpd.GeoDataFrame(frame.reset_index(drop=True), crs=crs)
    land = gpd.GeoDataFrame(land.reset_index(drop=True), crs=crs)
    land["piece"] = np.arange(len(land))
    return frame, land


def _n_partitions(requested: int | None, n_parcels: int, n_threads: int) -> int:
    if requested is not None:
        if requested < 1:
            raise ValueError(f"partitions must be at least 1, not {requested}")
        return requested
    return max(2 * n_threads, math.ceil(n_parcels / PARCELS_PER_PARTITION), 1)


def _read_parcels(path, dask_geopandas, crs):
    """Lazy parcels from a GeoParquet file or folder of parts, in ``crs``."""
    if isinstance(path, dask_geopandas.GeoDataFrame):
        ddf = path
    else:
        if not Path(path).exists():
            raise DataFileError(f"{path}: no such GeoParquet file or folder")
        ddf = dask_geopandas.read_parquet(path)
    if ddf.crs is None:
        raise DataFileError(f"{path}: the parcels have no CRS; set one in the GeoParquet")
    return ddf if ddf.crs == crs else ddf.to_crs(crs)


def _prepare_output(output, overwrite: bool) -> Path:
    output = Path(output)
    check_output(output, overwrite, option="overwrite=True")
    tmp = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.tmp")
    for layer in (PARCELS_LAYER, LAND_LAYER):
        (tmp / layer).mkdir(parents=True)
    return tmp


def _finish_output(tmp: Path, output) -> None:
    output = Path(output)
    if output.is_dir():
        shutil.rmtree(output)
    elif output.exists():
        output.unlink()
    tmp.rename(output)


def run_dask(
    park: Park,
    rules: AvailabilityRules,
    *,
    parcels=None,
    scheduler=None,
    partitions: int | None = None,
    chunk_size: int = 20_000,
    progress: bool = False,
    repair: bool = True,
    output: str | os.PathLike | None = None,
    overwrite: bool = False,
) -> tuple[pd.DataFrame, object, object, list[Problem]]:
    """Run the parcel-by-parcel waterfall on Dask.

    Parameters
    ----------
    park : Park
        The park, already validated and repaired; its ``parcels`` are worked unless
        ``parcels`` is given.
    rules : AvailabilityRules
        The rules.
    parcels : path-like or dask_geopandas.GeoDataFrame, optional
        Parcels read lazily instead of the park's own (GeoParquet file or folder of
        parts); validated and repaired partition by partition.
    scheduler : str or distributed.Client, optional
        Scheduler address; default: a local cluster, closed at the end.
    partitions : int, optional
        Number of partitions (default: two per worker thread, at most
        :data:`PARCELS_PER_PARTITION` parcels each).
    chunk_size : int
        Parcels per chunk of work inside a partition.
    progress : bool
        Show a progress bar (``tqdm.auto``).
    repair : bool
        Repair invalid parcels read from ``parcels``.
    output : path-like, optional
        Folder the workers write the ``parcel_availability`` and ``available_land``
        GeoParquet datasets to (a filesystem every worker sees).
    overwrite : bool
        Replace ``output`` if it exists.

    Returns
    -------
    table : pandas.DataFrame
    land, parcels : geopandas.GeoDataFrame or dask_geopandas.GeoDataFrame
        Gathered frames, or lazy frames reading ``output`` when given.
    problems : list of Problem
        Repairs and warnings of the parcels read from ``parcels``.
    """
    dask_geopandas, distributed = _modules()
    if park_layer(park, "clusters") is not None:
        raise DataFileError(
            f"{park.source or park.name}: engine='dask' works parcel by parcel, and this park "
            "has clusters (a few large units, for the local engine): use engine='local'"
        )
    in_memory = parcels is None
    if in_memory and park_layer(park, "parcels") is None:
        raise DataFileError(f"{park.source or park.name}: availability needs a 'parcels' layer")
    lazy = None if in_memory else _read_parcels(parcels, dask_geopandas, park.crs)
    tmp = _prepare_output(output, overwrite) if output is not None else None
    try:
        with _client(scheduler, distributed) as client:
            # the tile size of the claim layers follows the parcels' median area
            if in_memory:
                area_m2 = park["parcels"].area.to_numpy()
            else:
                area_m2 = client.compute(lazy.area).result().to_numpy()
                if not len(area_m2):
                    raise DataFileError(f"{parcels}: no parcels")
            steps, conditional = claim_steps(park, rules, "parcels", tile_m(area_m2))
            job = _Job(
                categories=[step.category for step in steps],
                keep=[step.keep for step in steps],
                rules=rules,
                committing=committing(park, rules),
                crs=park.crs,
                chunk_size=chunk_size,
                validate=not in_memory,
                repair=repair,
                source=str(parcels) if isinstance(parcels, (str, os.PathLike)) else None,
                output=None if tmp is None else str(tmp),
            )
            threads = sum(client.nthreads().values()) or 1
            n = _n_partitions(partitions, len(area_m2), threads)
            log.info("dask: %d worker thread(s), %s", threads, _dashboard(client))
            if in_memory:
                data, bounds = _scatter_sorted(client, park["parcels"], n)
            else:
                data, bounds = _shuffle_sorted(client, lazy, n)
            log.info("dask: %d parcels in %d partitions, Hilbert order", len(area_m2), n)
            layers = [*(step.layer for step in steps), conditional]
            subparks = park_layer(park, "subparks")
            if subparks is not None:  # ids that do not depend on the partition's subset
                subparks = subparks.assign(id=feature_ids(subparks))
            parts = _run(client, data, bounds, job, layers, subparks, progress)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    problems = [p for part in parts for p in part.problems]
    if any(p.severity == "error" for p in problems):
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise ValidationError(problems, job.source)
    for problem in problems:
        log.warning("%s", problem.format())
    parts = [part for part in parts if part.n_parcels]
    table = _combine_tables([p.table for p in parts], subparks)
    if tmp is None:
        frame, land = _gathered(parts, park.crs)
        return table, land, frame, problems
    _finish_output(tmp, output)
    log.info("wrote %s (%s, %s)", output, PARCELS_LAYER, LAND_LAYER)
    land = dask_geopandas.read_parquet(Path(output, LAND_LAYER))
    frame = dask_geopandas.read_parquet(Path(output, PARCELS_LAYER))
    return table, land, frame, problems


def _scatter_sorted(client, parcels: gpd.GeoDataFrame, n: int) -> tuple[list, np.ndarray]:
    """In-memory parcels sorted along a Hilbert curve, cut in ``n``, scattered.

    Each part keeps its rows' positions in the park's layer, to restore its order.
    """
    order = np.argsort(parcels.geometry.hilbert_distance().to_numpy(), kind="stable")
    data, bounds = [], []
    for rows in np.array_split(order, n):
        part = parcels.iloc[rows].assign(**{_ROW: rows})
        bounds.append(_bounds(part))
        data.append(client.scatter(part))
    return data, np.array(bounds)


def _shuffle_sorted(client, lazy, n: int) -> tuple[list, np.ndarray]:
    """Lazy parcels shuffled into ``n`` Hilbert-ordered partitions, held by the workers."""
    # the "tasks" shuffle: the p2p one handed geometries back as WKB bytes here
    # (dask 2026.8, dask-geopandas 0.5)
    shuffled = lazy.spatial_shuffle(
        by="hilbert", npartitions=n, calculate_partitions=False, shuffle_method="tasks"
    )
    data = client.compute(shuffled.to_delayed())
    return data, np.array(client.gather(client.map(_bounds, data)))


def _run(client, data, bounds, job, layers, subparks, progress) -> list[_Part]:
    """Ship each partition the pieces that meet it, run the tasks and collect them."""
    from distributed import as_completed
    from tqdm.auto import tqdm

    job_future = client.scatter(job, broadcast=True)
    bounds = np.where(np.isnan(bounds), 0.0, bounds)  # empty partitions meet nothing
    tasks = {}
    for i, (pieces, box) in enumerate(zip(_ship(layers, bounds), bounds, strict=True)):
        ship = client.scatter(_Pieces(pieces[:-1], pieces[-1], _subparks_meeting(subparks, box)))
        tasks[client.submit(_work, data[i], ship, job_future, i)] = i
    del data  # the workers release each partition once its task is done
    parts: list[_Part] = [None] * len(tasks)  # type: ignore[list-item]
    with tqdm(total=len(tasks), desc="availability", unit="partition", disable=not progress) as bar:
        for future in as_completed(tasks):
            parts[tasks[future]] = future.result()
            future.release()
            bar.update(1)
    return parts
