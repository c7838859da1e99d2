"""Turn a solver answer into an :class:`Allocation`: tables, plot layer, balance, notes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from parkmap.allocation.candidates import Candidates
from parkmap.allocation.result import Allocation
from parkmap.allocation.rules import AllocationRules
from parkmap.allocation.solver import Solution
from parkmap.allocation.supply import Supply
from parkmap.vocab import label

__all__ = ["assemble"]

_M2_PER_MU = 10_000 / 15
_PLACED = ("placed", "no_land_needed", "holds_land")


def _absorbed_mu(plots: tuple[int, ...], supply: Supply) -> float:
    members = set(plots)
    total = sum(m2 for (i, j), m2 in supply.absorbed_m2.items() if i in members and j in members)
    return total / _M2_PER_MU


def _project_rows(demand, cand: Candidates, solution: Solution, supply: Supply):
    chosen = {int(cand.project[c]): c for c in solution.chosen}
    has_cand = set(int(p) for p in cand.project)
    ids = supply.plots["id"].to_numpy()
    far = supply.plots["far"].to_numpy(dtype=float)
    rows = []
    for r, rec in demand.iterrows():
        row = rec.to_dict()
        row["plots"], row["allocated_mu"], row["absorbed_road_mu"] = [], 0.0, 0.0
        row["far_lowest"] = np.nan
        allowed = list(rec["allowed_subparks"] or [])
        row["subpark"] = rec["named_subpark"] or (allowed[0] if allowed else None)
        flag = rec["reason"]
        if rec["state"] == "candidate":
            if r in chosen:
                c = chosen[r]
                row["plots"] = [str(ids[i]) for i in cand.plots[c]]
                row["allocated_mu"] = float(cand.area_mu[c])
                row["absorbed_road_mu"] = _absorbed_mu(cand.plots[c], supply)
                row["subpark"] = cand.subpark[c]
                row["far_lowest"] = float(np.min(far[list(cand.plots[c])]))
                row["state"], row["reason"] = "placed", _join(flag, "placed")
            elif r in has_cand:
                row["state"] = "unplaced"
                row["reason"] = _join(
                    flag,
                    "its candidate plots went to projects of higher "
                    "priority or to a packing that places more",
                )
            else:
                row["state"] = "unplaced"
                row["reason"] = _join(flag, _no_group_reason(rec))
        elif rec["state"] == "holds_land":
            row["allocated_mu"] = float(rec["held_mu"])
        row["placed"] = row["state"] in _PLACED
        row["n_plots"] = len(row["plots"])
        row["allowed_subparks"] = ";".join(allowed)
        row["indicator_check"] = _indicator_check(row)
        rows.append(row)
    return pd.DataFrame(rows)


def _join(first: str, second: str) -> str:
    return f"{first}; {second}" if first else second


def _no_group_reason(rec) -> str:
    where = ", ".join(rec["allowed_subparks"])
    far = "" if np.isnan(rec["far_min"]) else f", FAR ≥ {rec['far_min']:g}"
    return (
        f"no group of touching plots of {rec['demand_mu']:.1f}-{rec['upper_mu']:.1f} 亩"
        f"{far} in {where}"
    )


def _indicator_check(row) -> str:
    if row["state"] != "placed":
        return ""
    parts = []
    if np.isnan(row["far_min"]):
        parts.append("FAR: no minimum for its industry")
    elif np.isnan(row["far_lowest"]):
        parts.append(f"FAR ≥ {row['far_min']:g}: not checked (plots without FAR)")
    else:
        parts.append(f"FAR ≥ {row['far_min']:g}: ok (lowest plot {row['far_lowest']:.2f})")
    minimum = row["investment_min_wan_per_mu"]
    if np.isnan(minimum) or np.isnan(row["investment_yi"]):
        parts.append("intensity: not checked")
    else:
        value = row["investment_yi"] * 1e4 / row["allocated_mu"]
        parts.append(f"intensity {value:.0f} ≥ {minimum:g} 万元/亩: ok")
    return "; ".join(parts)


def _plot_layer(supply: Supply, projects: pd.DataFrame) -> gpd.GeoDataFrame:
    plots = supply.plots.copy()
    owner = {p: r for _, r in projects.iterrows() for p in r["plots"]}
    plots["project"] = [owner[p]["id"] if p in owner else None for p in plots["id"]]
    plots["project_name"] = [owner[p]["name_zh"] if p in owner else None for p in plots["id"]]
    plots["status"] = [owner[p]["status"] if p in owner else None for p in plots["id"]]
    return plots


def _unplaced_layer(park, projects: pd.DataFrame, crs) -> gpd.GeoDataFrame:
    rows = projects.loc[~projects["placed"].astype(bool).to_numpy()]
    cols = [
        "id",
        "name_zh",
        "name_en",
        "status",
        "investment_yi",
        "demand_mu",
        "demand_source",
        "subpark",
        "allowed_subparks",
        "state",
        "reason",
    ]
    frame = rows[cols].reset_index(drop=True)
    layer = park.get("projects") if hasattr(park, "get") else None
    geoms = [None] * len(frame)
    if layer is not None and "id" in layer.columns:
        where = dict(zip(layer["id"].astype(str), layer.geometry.array, strict=True))
        geoms = [where.get(pid) for pid in frame["id"]]
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)


def _balance(park, supply: Supply, projects: pd.DataFrame) -> pd.DataFrame:
    subparks = park.get("subparks")
    names = {}
    if subparks is not None and len(subparks):
        names = dict(zip(subparks["id"].astype(str), subparks["name_zh"], strict=True))
    supply_mu = supply.plots.groupby("subpark")["area_mu"].sum()
    counted = projects[projects["state"].isin(["placed", "unplaced", "unplaceable"])]
    counted = counted[counted["subpark"].notna() & (counted["demand_mu"].fillna(0) > 0)]
    demand_mu = counted.groupby("subpark")["demand_mu"].sum()
    placed = projects[projects["state"] == "placed"]
    allocated = placed.groupby("subpark")["allocated_mu"].sum()
    keys = sorted(set(names) | set(supply_mu.index) | set(demand_mu.index))
    table = pd.DataFrame({"subpark": keys})
    shown = [names.get(k) for k in keys]
    twice = {n for n in shown if n is not None and shown.count(n) > 1}
    table["subpark_name"] = [
        f"{n} ({k})" if n in twice else n for n, k in zip(shown, keys, strict=True)
    ]
    table["supply_mu"] = [float(supply_mu.get(k, 0.0)) for k in keys]
    table["demand_mu"] = [float(demand_mu.get(k, 0.0)) for k in keys]
    table["allocated_mu"] = [float(allocated.get(k, 0.0)) for k in keys]
    table["free_mu"] = table["supply_mu"] - table["allocated_mu"]
    table["surplus_mu"] = table["supply_mu"] - table["demand_mu"]
    return table


def _headline(projects, balance, statuses) -> tuple[str, str]:
    n = len(projects)
    need = projects["demand_mu"].fillna(0).sum()
    placed = int(projects["placed"].sum())
    which_en = " + ".join(label("status", s)[1] for s in statuses)
    which_zh = "、".join(label("status", s)[0] for s in statuses)
    en = f"{n} {which_en} projects need {need:,.0f} 亩; {placed} placed"
    zh = f"{which_zh}项目{n}个需地{need:,.0f}亩，落位{placed}个"
    short = balance[balance["surplus_mu"] < 0].sort_values("surplus_mu")
    if len(short):
        worst = short.iloc[0]
        name = worst["subpark_name"] or worst["subpark"]
        en += f"; {name} is short by {-worst['surplus_mu']:,.0f} 亩"
        zh += f"，{name}缺地{-worst['surplus_mu']:,.0f}亩"
    else:
        en += "; no sub-park is short of land"
        zh += "，各园区用地均可满足"
    return zh, en


def _notes(projects, solution, rules: AllocationRules, cand, supply, where) -> list[str]:
    notes = [f"projects: {where}; supply: {len(supply.plots)} plots ({supply.source})"]
    derived = projects[projects["demand_source"] == "from investment"]
    for origin, rows in derived.groupby("intensity_source"):
        value = rows["intensity_wan_per_mu"].iloc[0]
        notes.append(
            f"land demand of {len(rows)} project(s) derived from investment at "
            f"{value:g} 万元/亩 ({origin}): an assumption, not their contract"
        )
    notes.append(
        f"a group's plot area lies between the demand and the demand + max("
        f"{rules.slack_fraction:g} × demand, {rules.slack_min_mu:g} 亩) (rules: [groups]); "
        "road land absorbed across inserted branch roads is reported, not counted"
    )
    notes.append(
        f"priority: statuses served in the order {', '.join(rules.status_order)}; the "
        f"planner's rank adds up to {rules.rank_bonus:.0%} weight within a status"
    )
    if np.isnan(supply.plots["far"].to_numpy(dtype=float)).all():
        notes.append("FAR not checked: the plots carry no FAR")
    else:
        notes.append(
            "FAR: a plot qualifies when the layout's buildings reach the industry's "
            "minimum (2008 national table read through its 2017 crosswalk)"
        )
    if projects["investment_min_wan_per_mu"].isna().all():
        notes.append("investment intensity not checked: the indicator ruleset sets no minimum")
    partial = sum(1 for ok in cand.exhaustive.values() if not ok)
    if partial:
        notes.append(
            f"candidate groups not exhaustive for {partial} project(s) (rules: [groups] "
            "enumeration_limit, candidate_budget): optimal among the candidates only"
        )
    if solution.optimal:
        notes.append(
            f"solver: HiGHS via scipy.optimize.milp, proven optimal over the "
            f"candidates ({solution.components} sub-problems)"
        )
    else:
        gap = "unknown" if np.isnan(solution.gap) else f"{solution.gap:.2%}"
        notes.append(f"solver: stopped by the time limit ({rules.time_limit_s:g} s); gap {gap}")
    notes += solution.notes
    return notes


def assemble(park, supply, demand, cand, solution, rules, indicator, statuses, where, notes):
    """The :class:`Allocation` of a solved problem."""
    projects = _project_rows(demand, cand, solution, supply)
    if not len(projects):
        projects = pd.DataFrame(
            columns=[
                *demand.columns,
                "plots",
                "allocated_mu",
                "absorbed_road_mu",
                "far_lowest",
                "subpark",
                "placed",
                "n_plots",
                "indicator_check",
            ]
        ).astype({"placed": bool, "demand_mu": float, "allocated_mu": float})
    crs = park.crs
    balance = _balance(park, supply, projects)
    zh, en = _headline(projects, balance, statuses)
    summary = {
        "projects": len(projects),
        "placed": int(projects["placed"].sum()) if len(projects) else 0,
        "placed_by_solver": int((projects["state"] == "placed").sum()),
        "unplaced": int((~projects["placed"].astype(bool)).sum()) if len(projects) else 0,
        "demand_mu": float(projects["demand_mu"].fillna(0).sum()),
        "allocated_mu": float(projects.loc[projects["state"] == "placed", "allocated_mu"].sum()),
        "supply_mu": float(supply.plots["area_mu"].sum()),
        "solver": "scipy.optimize.milp (HiGHS)" if solution.method == "milp" else "greedy",
        "optimal": bool(solution.optimal),
        "gap": float(solution.gap),
        "exhaustive": all(cand.exhaustive.values()),
        "candidates": len(cand.project),
        "components": solution.components,
        "greedy_components": solution.greedy_components,
        "seconds": round(solution.seconds, 3),
        "statuses": list(statuses),
        "indicator_ruleset": getattr(indicator, "ruleset", None),
        "headline_zh": zh,
        "headline_en": en,
    }
    notes = [*notes, *_notes(projects, solution, rules, cand, supply, where)]
    if getattr(park, "metadata", {}).get("illustrative"):
        notes.append("the park is an illustrative model, not surveyed data")
    return Allocation(
        projects=projects.reset_index(drop=True),
        plots=_plot_layer(supply, projects),
        unplaced=_unplaced_layer(park, projects, crs),
        balance=balance,
        summary=summary,
        notes=notes,
        crs=str(crs.to_string() if hasattr(crs, "to_string") else crs),
        rules=rules.as_dict(),
        crs_name=str(getattr(crs, "name", "")),
        park_name_zh=str(park.metadata.get("name_zh", "")),
        park_name_en=str(park.metadata.get("name_en", "")),
        illustrative=bool(park.metadata.get("illustrative", False)),
        data_source=getattr(park, "source", None),
    )
