"""The availability engine: :func:`availability` runs the waterfall locally or on Dask."""

from __future__ import annotations

import logging
import os
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from parkmap.land.rules import AvailabilityRules, load_rules
from parkmap.land.waterfall import (
    run_waterfall,
)
from parkmap.park import Park
from parkmap.schema import Problem

if TYPE_CHECKING:
    import dask_geopandas
    import distributed


from parkmap.land.frames import cluster_outputs, parcel_outputs
from parkmap.land.plan import make_plan, park_layer, skipped_steps
from parkmap.land.result import Availability

__all__ = ["ENGINES", "DaskEngine", "availability"]

log = logging.getLogger("parkmap")


#: Engines of :func:`availability`: threads on this machine, or partitions on Dask.
ENGINES = ("local", "dask")


# -- the computation -----------------------------------------------------------------------
def _rules(rules) -> AvailabilityRules:
    if rules is None:
        return load_rules()
    if isinstance(rules, AvailabilityRules):
        return rules
    return load_rules(rules)


def _repair(park: Park, repair: bool) -> tuple[Park, list[Problem]]:
    if not repair:
        return park.require_valid(), []
    fixed, repairs = park.repaired()
    for problem in repairs:
        log.warning("%s", problem.format())
    return fixed.require_valid(), repairs


@dataclass(frozen=True)
class DaskEngine:
    """The Dask engine of :func:`availability` and its options.

    The same waterfall as the local engine, over Hilbert-sorted partitions of the
    parcels on a Dask ``distributed`` cluster (``pip install 'parkmap[dask]'``;
    parcels-only parks). Each partition gets only the claim pieces that meet its
    extent; every parcel's areas are those of the local engine.

    Parameters
    ----------
    scheduler : str or distributed.Client, optional
        The scheduler address (``tcp://host:8786``) or a client; default: a local
        cluster of one worker process per core, started and closed here.
    partitions : int, optional
        Number of partitions (default: at least two per worker thread, at most 50,000
        parcels each).
    parcels : path-like or dask_geopandas.GeoDataFrame, optional
        Parcels to work instead of the park's own layer, read lazily from GeoParquet (a
        file or a folder of parts) and validated and repaired partition by partition,
        so that they need not fit in this process's memory.
    output : path-like, optional
        A folder the workers write the results to, as the GeoParquet datasets
        ``parcel_availability`` and ``available_land`` (folders of parts; the folder must
        be visible to every worker). :attr:`Availability.parcels` and
        :attr:`Availability.land` are then lazy ``dask_geopandas`` frames reading them.
    overwrite : bool, default False
        Replace ``output`` if it exists.
    """

    scheduler: str | distributed.Client | None = None
    partitions: int | None = None
    parcels: str | os.PathLike | dask_geopandas.GeoDataFrame | None = None
    output: str | os.PathLike | None = None
    overwrite: bool = False


#: The options :class:`DaskEngine` took as keywords of :func:`availability` in 0.1.
_DASK_KEYWORDS = ("scheduler", "partitions", "parcels", "output", "overwrite")


def _engine(engine: str | DaskEngine, legacy: dict) -> str | DaskEngine:
    """The engine to run: ``"local"`` or a :class:`DaskEngine` (0.1 keywords folded in)."""
    unknown = sorted(set(legacy) - set(_DASK_KEYWORDS))
    if unknown:
        raise TypeError(f"availability() got unexpected keyword arguments: {', '.join(unknown)}")
    if isinstance(engine, DaskEngine):
        if legacy:
            raise ValueError(f"{', '.join(legacy)}: give them to DaskEngine(...), not here")
        return engine
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    given = [k for k, v in legacy.items() if v is not None and v is not False]
    if engine == "local":
        if given:
            raise ValueError(f"{', '.join(given)}: only with engine='dask'")
        return engine
    if legacy:
        warnings.warn(
            f"availability(..., engine='dask', {'=..., '.join(legacy)}=...) is deprecated; "
            "pass engine=parkmap.land.DaskEngine(...) with those options",
            DeprecationWarning,
            stacklevel=3,
        )
    return DaskEngine(**legacy)


def availability(
    park: Park,
    rules: AvailabilityRules | str | os.PathLike | None = None,
    *,
    repair: bool = True,
    progress: bool = False,
    workers: int | None = None,
    chunk_size: int = 20_000,
    engine: str | DaskEngine = "local",
    **dask_options,
) -> Availability:
    """Compute the land-availability waterfall of a park.

    Parameters
    ----------
    park : Park
        The park. Its gross area is its clusters; a park without clusters is worked
        parcel by parcel.
    rules : AvailabilityRules or path-like, optional
        The rules, or a TOML rules file; default: the shipped
        ``availability_rules.toml``.
    repair : bool, default True
        Repair invalid geometries with ``shapely.make_valid`` (logged as warnings and
        listed in :attr:`Availability.repairs`) instead of refusing the park.
    progress : bool, default False
        Show a progress bar (``tqdm.auto``: terminal or notebook).
    workers : int, optional
        Threads for parcel-by-parcel work (default: every CPU).
    chunk_size : int, default 20000
        Parcels per chunk of work.
    engine : "local", "dask" or DaskEngine, default "local"
        ``"local"``: threads on this machine. A :class:`DaskEngine` (or ``"dask"``, its
        defaults): the same waterfall over partitions of the parcels on a Dask cluster.
    **dask_options
        Deprecated: the options of :class:`DaskEngine` (``scheduler``, ``partitions``,
        ``parcels``, ``output``, ``overwrite``) as keywords, as in parkmap 0.1; they
        still work with ``engine="dask"``, with a ``DeprecationWarning``.

    Returns
    -------
    Availability

    Raises
    ------
    parkmap.errors.ValidationError
        If the park has validation errors (other than invalid geometries, when
        ``repair`` is true).
    parkmap.errors.RulesError
        If the rules file is bad.
    parkmap.errors.DataFileError
        If the park has neither clusters nor parcels.
    parkmap.errors.OutputExistsError
        If ``output`` exists and ``overwrite`` is false.
    ImportError
        With ``engine="dask"``, if dask-geopandas or distributed is not installed.
    ValueError
        If ``engine`` is unknown, or Dask-only options are given to the local engine
        (a :class:`~parkmap.errors.DataFileError`, also a ValueError, if
        ``engine="dask"`` is asked for a park with clusters).

    Notes
    -----
    Every square metre is counted in exactly one category, so the categories of each
    row add up to ``gross_m2`` (to rounding, 1e-9 relative). ``conditional_m2`` is part
    of ``available_m2``. Land of a parcel outside every cluster counts as
    ``outside_boundary`` in :attr:`Availability.parcels`.

    Examples
    --------
    >>> import parkmap
    >>> result = parkmap.availability(parkmap.datasets.load("dianjiang"))
    >>> list(result.table["level"].unique())
    ['cluster', 'subpark', 'total']
    >>> total = result.total
    >>> bool(abs(sum(total[f"{c}_m2"] for c in result.categories) - total["gross_m2"]) < 1e-3)
    True
    """
    engine = _engine(engine, dask_options)
    rules = _rules(rules)
    park, repairs = _repair(park, repair)
    categories = (*(s for s in rules.order), "available")
    if isinstance(engine, DaskEngine):
        from parkmap.land.dask import run_dask

        table, land, parcels_out, problems = run_dask(
            park,
            rules,
            parcels=engine.parcels,
            scheduler=engine.scheduler,
            partitions=engine.partitions,
            chunk_size=chunk_size,
            progress=progress,
            repair=repair,
            output=engine.output,
            overwrite=engine.overwrite,
        )
        return make_result(park, rules, repairs + problems, table, land, parcels_out, None)
    started = time.perf_counter()
    plan = make_plan(park, rules)
    planned = time.perf_counter()
    log.info("availability: %d %s, rules %s", len(plan.units), plan.mode, rules.source)
    with _progress_bar(progress, len(plan.units), plan.mode[:-1]) as bar:
        result = run_waterfall(
            plan.units,
            plan.steps,
            conditional=plan.conditional,
            min_area_m2=rules.min_area_m2,
            min_width_m=rules.min_width_m,
            keep_geometry=plan.mode == "clusters",
            workers=workers,
            chunk_size=chunk_size,
            progress=bar.update,
        )
    computed = time.perf_counter()
    areas = {c: result.areas[c] for c in categories}
    areas["conditional"] = result.conditional_m2
    if plan.mode == "clusters":
        table, land, parcels, waterfall = cluster_outputs(park, plan, result, areas)
    else:
        table, land, parcels = parcel_outputs(
            park["parcels"], park_layer(park, "subparks"), park.crs, result, areas
        )
        waterfall = None
    log.debug(
        "availability: plan %.2f s, waterfall %.2f s, attribution and frames %.2f s",
        planned - started,
        computed - planned,
        time.perf_counter() - computed,
    )
    return make_result(park, rules, repairs, table, land, parcels, waterfall)


def make_result(park: Park, rules: AvailabilityRules, repairs, table, land, parcels, waterfall):
    meta = park.metadata
    return Availability(
        table=table,
        land=land,
        parcels=parcels,
        waterfall=waterfall,
        categories=(*rules.order, "available"),
        crs=park.crs,
        rules=rules,
        repairs=repairs,
        park_name_zh=str(meta.get("name_zh") or park.name),
        park_name_en=str(meta.get("name_en") or park.name),
        illustrative=bool(meta.get("illustrative", False)),
        data_source=park.source,
        notes=[*park.notes, *skipped_steps(park, rules)],
    )


class _NoBar:
    """Stands in for a progress bar when none is shown (tqdm is not imported then)."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        """Nothing to show."""


def _progress_bar(show: bool, total: int, unit: str):
    """A ``tqdm.auto`` bar when ``show`` (imported then: it pulls in asyncio), else none."""
    if not show:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="availability", unit=unit)
