"""Candidate plot groups of each project: connected, in one sub-park, of the right size.

Per sub-park, every connected group of plots whose area stays within the largest upper
bound of the projects that may go there is listed level by level (one plot, two, ...),
until a level would exceed ``enumeration_limit`` groups. A project whose groups all fit
in the completed levels (its upper bound is below the smallest area of one plot more)
has an exhaustive list; the others also get groups grown from seed plots (at most four
times the groups a project keeps, spread over the sub-park) towards their nearest
neighbours, and the answer is then optimal among the candidates only. Each project
keeps its least wasteful groups, up to the rules' share of the candidate budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from parkmap.allocation.supply import Supply

__all__ = ["Candidates", "candidate_groups"]


@dataclass
class Candidates:
    """Candidate groups of every project in the solver.

    Attributes
    ----------
    project : numpy.ndarray of int
        Row of the demand table each candidate belongs to.
    plots : list of tuple of int
        Plot positions of each candidate, sorted.
    area_mu : numpy.ndarray
        Plot area of each candidate, 亩.
    subpark : list of str
        Sub-park of each candidate.
    exhaustive : dict
        ``{row: bool}``: whether the project's candidate list holds every feasible group.
    """

    project: np.ndarray
    plots: list[tuple[int, ...]]
    area_mu: np.ndarray
    subpark: list[str]
    exhaustive: dict[int, bool]


def _levels(members: list[int], nbrs, area, far, bound: float, limit: int):
    """Connected groups within ``bound`` 亩, level by level; the last complete level.

    Returns ``{group: (area, lowest FAR)}`` and the size of the last complete level
    (None when every level was listed).
    """
    groups: dict[frozenset, tuple[float, float]] = {}
    level = {frozenset([i]): (area[i], far[i]) for i in members if area[i] <= bound + 1e-9}
    size = 0
    while level:
        if len(groups) + len(level) > limit:
            return groups, size
        groups.update(level)
        size += 1
        nxt: dict[frozenset, tuple[float, float]] = {}
        for group, (total, low) in level.items():
            frontier = set().union(*(nbrs[i] for i in group)) - group
            for j in frontier:
                new_total = total + area[j]
                if new_total <= bound + 1e-9:
                    key = group | {j}
                    if key not in nxt:
                        nxt[key] = (new_total, min(low, far[j]))
            if len(groups) + len(nxt) > limit:
                return groups, size
        level = nxt
    return groups, None  # None: every level done


def _grow(seed: int, nbrs, area, cx, cy, demand: float, upper: float, ok) -> frozenset | None:
    """Grow a group from ``seed`` by the nearest eligible neighbour until it covers demand."""
    group = {seed}
    frontier: set[int] = {j for j in nbrs[seed] if ok[j]}
    total = area[seed]
    x0, y0 = cx[seed], cy[seed]
    while total < demand - 1e-9:
        if not frontier:
            return None
        j = min(frontier, key=lambda k: ((cx[k] - x0) ** 2 + (cy[k] - y0) ** 2, k))
        group.add(j)
        frontier.discard(j)
        frontier.update(k for k in nbrs[j] if ok[k] and k not in group)
        total += area[j]
    return frozenset(group) if total <= upper + 1e-9 else None


def _seeds(members: list[int], most: int) -> list[int]:
    """At most ``most`` seed plots spread evenly over the sub-park's plots (sorted by id)."""
    if len(members) <= most:
        return members
    step = len(members) / most
    return [members[int(k * step)] for k in range(most)]


@dataclass
class _Listing:
    """The connected groups of one sub-park, sorted by area (then size, then plots)."""

    members: list[int]
    groups: list[tuple[int, ...]]
    area: np.ndarray
    far_lowest: np.ndarray
    last: int | None

    @classmethod
    def of(cls, members, nbrs, area, far, bound, limit) -> _Listing:
        found, last = _levels(members, nbrs, area, far, bound, limit)
        keyed = sorted((total, len(g), tuple(sorted(g)), low) for g, (total, low) in found.items())
        groups = [k[2] for k in keyed]
        lowest = np.array([k[3] for k in keyed], dtype=float)
        return cls(members, groups, np.array([k[0] for k in keyed], dtype=float), lowest, last)

    def fitting(self, demand: float, upper: float, far_min: float, most: int):
        """Up to ``most`` groups of ``demand``-``upper`` 亩 whose plots all reach far_min."""
        lo = np.searchsorted(self.area, demand - 1e-9, side="left")
        hi = np.searchsorted(self.area, upper + 1e-9, side="right")
        index = np.arange(lo, hi)
        if not np.isnan(far_min):
            index = index[~(self.far_lowest[lo:hi] < far_min - 1e-9)]
        return [(self.groups[k], float(self.area[k])) for k in index[:most]]


def candidate_groups(demand: pd.DataFrame, supply: Supply, limit: int, per_project: int):
    """Candidate groups of the demand table's ``candidate`` rows.

    Returns
    -------
    Candidates
    """
    plots = supply.plots
    area = plots["area_mu"].to_numpy(dtype=float)
    far = plots["far"].to_numpy(dtype=float)
    centre = plots.geometry.centroid
    cx, cy = centre.x.to_numpy().tolist(), centre.y.to_numpy().tolist()
    area_list = area.tolist()
    by_subpark = {
        sid: sorted(idx.tolist()) for sid, idx in plots.groupby("subpark").indices.items()
    }
    rows = demand.index[demand["state"] == "candidate"].tolist()
    bound: dict[str, float] = {}
    for r in rows:
        for sid in demand.at[r, "allowed_subparks"]:
            bound[sid] = max(bound.get(sid, 0.0), float(demand.at[r, "upper_mu"]))
    listed = {
        sid: _Listing.of(by_subpark.get(sid, []), supply.neighbours, area, far, b, limit)
        for sid, b in sorted(bound.items())
    }
    out_project, out_plots, out_area, out_subpark = [], [], [], []
    exhaustive: dict[int, bool] = {}
    for r in rows:
        d, u = float(demand.at[r, "demand_mu"]), float(demand.at[r, "upper_mu"])
        far_min = float(demand.at[r, "far_min"])
        ok = np.ones(len(plots), bool) if np.isnan(far_min) else ~(far < far_min - 1e-9)
        found: dict[tuple, tuple[float, str]] = {}
        complete = True
        for sid in demand.at[r, "allowed_subparks"]:
            listing = listed[sid]
            for g, total in listing.fitting(d, u, far_min, per_project + 1):
                found[g] = (total, sid)
            if listing.last is not None and _more_fit(listing.members, area, listing.last, u):
                complete = False
                for seed in _seeds(listing.members, 4 * per_project):
                    if ok[seed]:
                        g = _grow(seed, supply.neighbours, area_list, cx, cy, d, u, ok)
                        if g is not None and tuple(sorted(g)) not in found:
                            found[tuple(sorted(g))] = (float(area[list(g)].sum()), sid)
        ranked = sorted(found.items(), key=lambda kv: (kv[1][0] - d, len(kv[0]), kv[0]))
        if len(ranked) > per_project:
            complete = False
            ranked = ranked[:per_project]
        exhaustive[r] = complete
        for g, (total, sid) in ranked:
            out_project.append(r)
            out_plots.append(g)
            out_area.append(total)
            out_subpark.append(sid)
    return Candidates(
        np.asarray(out_project, dtype=int),
        out_plots,
        np.asarray(out_area, dtype=float),
        out_subpark,
        exhaustive,
    )


def _more_fit(members: list[int], area: np.ndarray, last: int, upper: float) -> bool:
    """Whether a group of ``last + 1`` plots of the sub-park could stay within ``upper``."""
    if len(members) <= last:
        return False
    smallest = np.sort(area[members])[: last + 1].sum()
    return smallest <= upper + 1e-9
