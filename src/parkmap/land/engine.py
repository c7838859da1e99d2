"""The availability engine: :func:`availability` runs the waterfall locally or on Dask."""

from __future__ import annotations

import logging
import os
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
from parkmap.land.plan import make_plan, park_layer
from parkmap.land.result import Availability

__all__ = ["ENGINES", "availability"]

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


def availability(
    park: Park,
    rules: AvailabilityRules | str | os.PathLike | None = None,
    *,
    repair: bool = True,
    progress: bool = False,
    workers: int | None = None,
    chunk_size: int = 20_000,
    engine: str = "local",
    scheduler: str | distributed.Client | None = None,
    partitions: int | None = None,
    parcels: str | os.PathLike | dask_geopandas.GeoDataFrame | None = None,
    output: str | os.PathLike | None = None,
    overwrite: bool = False,
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
    engine : {"local", "dask"}, default "local"
        ``"local"``: threads on this machine. ``"dask"``: the same waterfall over
        Hilbert-sorted partitions of the parcels on a Dask ``distributed`` cluster
        (needs ``pip install 'parkmap[dask]'``; parcels-only parks). Each partition
        gets only the claim pieces that meet its extent; every parcel's areas are
        those of the local engine.
    scheduler : str or distributed.Client, optional
        With ``engine="dask"``: the scheduler address (``tcp://host:8786``) or a
        client; default: a local cluster of one worker process per core, started and
        closed here.
    partitions : int, optional
        With ``engine="dask"``: number of partitions (default: at least two per worker
        thread, at most 50,000 parcels each).
    parcels : path-like or dask_geopandas.GeoDataFrame, optional
        With ``engine="dask"``: parcels to work instead of the park's own layer, read
        lazily from GeoParquet (a file or a folder of parts) and validated and repaired
        partition by partition, so that they need not fit in this process's memory.
    output : path-like, optional
        With ``engine="dask"``: a folder the workers write the results to, as the
        GeoParquet datasets ``parcel_availability`` and ``available_land`` (folders of
        parts; the folder must be visible to every worker). :attr:`Availability.parcels`
        and :attr:`Availability.land` are then lazy ``dask_geopandas`` frames reading
        them.
    overwrite : bool, default False
        Replace ``output`` if it exists.

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
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    dask_only = {
        "scheduler": scheduler,
        "partitions": partitions,
        "parcels": parcels,
        "output": output,
    }
    given = [k for k, v in dask_only.items() if v is not None]
    if engine == "local" and given:
        raise ValueError(f"{', '.join(given)}: only with engine='dask'")
    rules = _rules(rules)
    park, repairs = _repair(park, repair)
    categories = (*(s for s in rules.order), "available")
    if engine == "dask":
        from parkmap.land.dask import run_dask

        table, land, parcels_out, problems = run_dask(
            park,
            rules,
            parcels=parcels,
            scheduler=scheduler,
            partitions=partitions,
            chunk_size=chunk_size,
            progress=progress,
            repair=repair,
            output=output,
            overwrite=overwrite,
        )
        return make_result(park, rules, repairs + problems, table, land, parcels_out, None)
    plan = make_plan(park, rules)
    log.info("availability: %d %s, rules %s", len(plan.units), plan.mode, rules.source)
    from tqdm.auto import tqdm

    with tqdm(
        total=len(plan.units), desc="availability", unit=plan.mode[:-1], disable=not progress
    ) as bar:
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
    areas = {c: result.areas[c] for c in categories}
    areas["conditional"] = result.conditional_m2
    if plan.mode == "clusters":
        table, land, parcels, waterfall = cluster_outputs(park, plan, result, areas)
    else:
        table, land, parcels = parcel_outputs(
            park["parcels"], park_layer(park, "subparks"), park.crs, result, areas
        )
        waterfall = None
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
    )
