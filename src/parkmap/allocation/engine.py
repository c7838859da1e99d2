"""``allocate``: a project pipeline placed on the plots of a layout."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

import numpy as np
import pandas as pd
import shapely

from parkmap import siteplan
from parkmap.allocation.assemble import assemble
from parkmap.allocation.candidates import candidate_groups
from parkmap.allocation.demand import project_demand, read_projects
from parkmap.allocation.result import Allocation
from parkmap.allocation.rules import STATUSES, AllocationRules, allocation_rules
from parkmap.allocation.solver import solve
from parkmap.allocation.supply import Supply, plot_supply
from parkmap.errors import RulesError

__all__ = ["allocate"]

log = logging.getLogger("parkmap")
_M2_PER_MU = 10_000 / 15


def _rules(rules) -> AllocationRules:
    if rules is None:
        return allocation_rules()
    if isinstance(rules, AllocationRules):
        return rules
    return allocation_rules(rules)


def _held_m2(park) -> dict[str, float]:
    parcels = park.get("parcels") if hasattr(park, "get") else None
    if parcels is None or "project" not in parcels.columns or not len(parcels):
        return {}
    named = parcels[parcels["project"].notna()]
    areas = pd.Series(shapely.area(named.geometry.array), index=named.index)
    return areas.groupby(named["project"].astype(str)).sum().to_dict()


def _project_frame(park, projects) -> tuple[pd.DataFrame, str]:
    if projects is None:
        layer = park.get("projects")
        if layer is None:
            return pd.DataFrame(columns=["id", "name_zh", "status"]), "no projects layer"
        return layer, "the park's projects layer"
    if isinstance(projects, (str, os.PathLike)):
        return read_projects(projects), os.fspath(projects)
    if isinstance(projects, pd.DataFrame):
        return projects, "the project list given"
    raise TypeError("projects must be a DataFrame or the path of an .xlsx / .csv file")


def allocate(
    park,
    layout=None,
    *,
    statuses: str | Iterable[str] = ("under_construction", "signed"),
    rules: AllocationRules | str | os.PathLike | None = None,
    projects: pd.DataFrame | str | os.PathLike | None = None,
) -> Allocation:
    """Place a park's project pipeline on the plots of a layout.

    Parameters
    ----------
    park : Park
        The park: its ``subparks`` layer, its ``projects`` layer (unless ``projects``
        is given) and its ``parcels`` (land a project already holds).
    layout : Layout, geopandas.GeoDataFrame or path-like, optional
        The supply: a :class:`parkmap.Layout`, its ``plots`` or a GeoPackage written by
        ``parkmap layout -o``. Default: ``parkmap.layout(park)`` with its defaults.
    statuses : str or list of str, default ("under_construction", "signed")
        Project statuses to allocate; the rules decide their priority order.
    rules : AllocationRules or path-like, optional
        Allocation rules (default: ``data/allocation_rules.toml``).
    projects : pandas.DataFrame or path-like, optional
        A project list to use instead of the park's layer (``.xlsx`` or ``.csv``).

    Returns
    -------
    Allocation

    Raises
    ------
    parkmap.errors.RulesError
        On a status outside the ``projects.status`` vocabulary, or bad rules.
    parkmap.errors.DataFileError
        On a bad project list, layout file or rules table.
    """
    rules = _rules(rules)
    statuses = (statuses,) if isinstance(statuses, str) else tuple(statuses)
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise RulesError(f"statuses: unknown project status {bad[0]!r}; use one of {STATUSES}")
    notes: list[str] = []
    if layout is None:
        log.info("allocate: laying out the park's available land with the default settings")
        layout = siteplan.layout(park)
        notes.append("supply: the plots of parkmap's own layout of the available land (defaults)")
    indicator = getattr(layout, "rules", None)
    if indicator is None or not hasattr(indicator, "thresholds"):
        indicator = siteplan.indicator_rules()
    supply = plot_supply(layout, park.crs, min_contact_m=rules.min_contact_m)
    frame, where = _project_frame(park, projects)
    subparks = park.get("subparks")
    if subparks is None:
        subparks = pd.DataFrame(columns=["id", "name_zh", "industry_code"])
    demand, more = project_demand(frame, subparks, statuses, rules, indicator, _held_m2(park))
    notes += more
    _too_big(demand, supply)
    n_candidates = int((demand["state"] == "candidate").sum())
    cand = candidate_groups(
        demand, supply, rules.enumeration_limit, rules.per_project(n_candidates)
    )
    tiers = sorted(set(demand["tier"]))
    weight = 1.0 + rules.rank_bonus * (1.0 - demand["rank"].to_numpy(dtype=float))
    solution = solve(
        cand,
        demand["tier"].to_numpy(),
        weight,
        demand["demand_mu"].fillna(0).to_numpy(dtype=float),
        tiers,
        time_limit_s=rules.time_limit_s,
        mip_rel_gap=rules.mip_rel_gap,
    )
    return assemble(park, supply, demand, cand, solution, rules, indicator, statuses, where, notes)


def _components_mu(supply: Supply) -> dict[str, float]:
    """Area, 亩, of the largest group of touching plots in each sub-park."""
    area = supply.plots["area_mu"].to_numpy(dtype=float)
    subpark = supply.plots["subpark"].to_numpy()
    seen = np.zeros(len(area), bool)
    best: dict[str, float] = {}
    for start in range(len(area)):
        if seen[start]:
            continue
        seen[start] = True
        stack, total = [start], 0.0
        while stack:
            i = stack.pop()
            total += area[i]
            for j in supply.neighbours[i]:
                if not seen[j]:
                    seen[j] = True
                    stack.append(j)
        best[subpark[start]] = max(best.get(subpark[start], 0.0), total)
    return best


def _too_big(demand: pd.DataFrame, supply: Supply) -> None:
    """Mark projects larger than every sub-park, or every group of touching plots, allowed."""
    totals = supply.plots.groupby("subpark")["area_mu"].sum().to_dict()
    groups = _components_mu(supply)
    for r in demand.index[demand["state"] == "candidate"]:
        allowed = demand.at[r, "allowed_subparks"]
        where = ", ".join(allowed)
        need = float(demand.at[r, "demand_mu"])
        most = max((totals.get(s, 0.0) for s in allowed), default=0.0)
        largest = max((groups.get(s, 0.0) for s in allowed), default=0.0)
        if need > most + 1e-9:
            reason = f"needs {need:.1f} 亩, more than the plots of {where} hold ({most:.1f} 亩)"
        elif need > largest + 1e-9:
            reason = (
                f"needs {need:.1f} 亩; the largest group of touching plots in {where} has "
                f"{largest:.1f} 亩 (existing roads split the blocks)"
            )
        else:
            continue
        demand.at[r, "state"] = "unplaceable"
        flag = demand.at[r, "reason"]
        demand.at[r, "reason"] = f"{flag}; {reason}" if flag else reason
