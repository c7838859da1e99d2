"""The allocation as an integer programme, solved with ``scipy.optimize.milp`` (HiGHS).

One binary variable per candidate group; each plot in at most one chosen group, each
project given at most one. The objective is lexicographic, solved stage by stage:

1. for each status in the rules' order, maximise the weighted 亩 of demand placed
   (weight ``1 + rank_bonus × (1 − rank)``), keeping every earlier stage at its optimum;
2. then minimise the land wasted (group area minus demand).

Projects that share no plot are independent, so each connected component of the
project-plot graph is solved on its own (same optimum, far smaller programmes). A
greedy allocation (statuses in order, largest demand first, least waste) is computed
too: it is the answer only when the solver returns nothing better within its time
limit, and the result says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from parkmap.allocation.candidates import Candidates

__all__ = ["Solution", "solve"]

#: Relative slack on a stage's optimum when it becomes a constraint of the next stage.
_STAGE_TOL = 1e-7


@dataclass
class Solution:
    """Chosen candidates and how they were found.

    Attributes
    ----------
    chosen : numpy.ndarray of int
        Indices of the chosen candidates.
    optimal : bool
        Every stage of every component proven optimal (over the candidates).
    gap : float
        The largest relative gap a time-limited stage left (0 when optimal; NaN when a
        sub-problem got no answer from the solver, so no bound is known).
    method : str
        ``milp`` or ``greedy`` (when the greedy answer had to stand in somewhere).
    components : int
        Independent sub-problems solved.
    greedy_components : int
        Components where the greedy answer was kept, and why, in ``notes``.
    seconds : float
        Wall time of the solve.
    notes : list of str
    """

    chosen: np.ndarray
    optimal: bool
    gap: float
    method: str
    components: int
    greedy_components: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def _components(cand: Candidates) -> list[np.ndarray]:
    """Candidate indices of each independent group of projects (sharing plots)."""
    n = len(cand.project)
    if n == 0:
        return []
    parent = {}

    def find(a):
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for c in range(n):
        p = ("p", int(cand.project[c]))
        for plot in cand.plots[c]:
            ra, rb = find(p), find(("q", plot))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[tuple, list[int]] = {}
    for c, p in enumerate(cand.project):
        groups.setdefault(find(("p", int(p))), []).append(c)
    return [np.asarray(groups[k], dtype=int) for k in sorted(groups)]


def _matrix(idx: np.ndarray, cand: Candidates):
    """Packing constraints of one component: rows for its plots and its projects."""
    plots = sorted({q for c in idx for q in cand.plots[c]})
    projects = sorted({int(cand.project[c]) for c in idx})
    prow = {q: k for k, q in enumerate(plots)}
    jrow = {p: len(plots) + k for k, p in enumerate(projects)}
    rows, cols = [], []
    for col, c in enumerate(idx):
        for q in cand.plots[c]:
            rows.append(prow[q])
            cols.append(col)
        rows.append(jrow[int(cand.project[c])])
        cols.append(col)
    shape = (len(plots) + len(projects), len(idx))
    return sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=shape), jrow


def _score(x: np.ndarray, values: list[np.ndarray], waste: np.ndarray) -> tuple:
    return (*(round(float(v @ x), 6) for v in values), -round(float(waste @ x), 6))


def _greedy(idx, cand, tier, weight, demand) -> np.ndarray:
    order = sorted(
        range(len(idx)),
        key=lambda k: (
            tier[idx[k]],
            -weight[idx[k]] * demand[idx[k]],
            cand.area_mu[idx[k]] - demand[idx[k]],
            int(cand.project[idx[k]]),
            cand.plots[idx[k]],
        ),
    )
    used_plots: set[int] = set()
    used_projects: set[int] = set()
    x = np.zeros(len(idx))
    for k in order:
        c = idx[k]
        p = int(cand.project[c])
        if p in used_projects or used_plots.intersection(cand.plots[c]):
            continue
        x[k] = 1
        used_projects.add(p)
        used_plots.update(cand.plots[c])
    return x


def _stages(idx, cand, tier, weight, demand, tiers, deadline, gap):
    """Solve one component stage by stage. Returns x, optimal, worst gap, notes.

    A stage's optimum constrains the next ones. When a status stage places every
    project of that status that has a candidate, the constraint is that each of them
    keeps a group (sparse rows); otherwise it is a row bounding the stage's objective.
    """
    a, jrow = _matrix(idx, cand)
    lower = np.full(a.shape[0], -np.inf)
    project = cand.project[idx]
    values = [np.where(tier[idx] == t, weight[idx] * demand[idx], 0.0) for t in tiers]
    waste = cand.area_mu[idx] - demand[idx]
    objectives = [*(-v for v in values), waste]
    fixed: list[LinearConstraint] = []
    x, optimal, worst = None, True, 0.0
    for k, c in enumerate(objectives):
        if not np.any(c):
            continue
        left = deadline - time.perf_counter()
        if left <= 0:
            # a stage never ran: its bound is unknown, and so is the gap
            return x, False, np.nan, [f"time limit reached before stage {k + 1} began"]
        packing = LinearConstraint(a, lower, np.ones(a.shape[0]))
        res = milp(
            c,
            integrality=np.ones(len(idx)),
            bounds=Bounds(0, 1),
            constraints=[packing, *fixed],
            options={"time_limit": left, "mip_rel_gap": gap, "disp": False},
        )
        if res.x is None:
            return x, False, worst, [f"stage {k + 1}: {res.message}"]
        x = np.round(res.x)
        stage_gap = getattr(res, "mip_gap", None)
        if res.status != 0:
            optimal = False
            worst = np.nan if stage_gap is None else max(worst, float(stage_gap))
        elif gap > 0 and stage_gap is not None:
            worst = max(worst, float(stage_gap))
        in_stage = {int(p) for p in project[c != 0]}
        placed = {int(p) for p in project[x > 0.5]}
        if k < len(values) and res.status == 0 and in_stage <= placed:
            lower[[jrow[p] for p in in_stage]] = 1.0
            continue
        achieved = float(c @ x)
        bound = achieved + abs(achieved) * _STAGE_TOL + 1e-6
        fixed.append(LinearConstraint(c.reshape(1, -1), -np.inf, bound))
    return x, optimal, worst, []


def solve(cand: Candidates, tier, weight, demand, tiers, *, time_limit_s, mip_rel_gap):
    """Choose candidate groups: the lexicographic optimum over the candidates.

    Parameters
    ----------
    cand : Candidates
    tier, weight, demand : numpy.ndarray
        Per demand-table row: status tier, weight per 亩 and demand in 亩.
    tiers : list of int
        The tiers, in priority order.
    time_limit_s, mip_rel_gap : float
        Solver limits for the whole allocation.

    Returns
    -------
    Solution
    """
    start = time.perf_counter()
    deadline = start + time_limit_s
    chosen: list[int] = []
    optimal, worst, greedy_used, notes = True, 0.0, 0, []
    comps = _components(cand)
    d = np.asarray(demand, dtype=float)[cand.project] if len(cand.project) else np.zeros(0)
    t = np.asarray(tier)[cand.project] if len(cand.project) else np.zeros(0, int)
    w = np.asarray(weight, dtype=float)[cand.project] if len(cand.project) else np.zeros(0)
    left_size = float(sum(len(idx) for idx in comps))
    for idx in comps:
        # each sub-problem gets a share of the time left in proportion to its size
        share = (deadline - time.perf_counter()) * len(idx) / max(left_size, 1.0)
        left_size -= len(idx)
        own = time.perf_counter() + max(share, 0.0)
        x, ok, gap, why = _stages(idx, cand, t, w, d, tiers, own, mip_rel_gap)
        g = _greedy(idx, cand, t, w, d)
        values = [np.where(t[idx] == k, w[idx] * d[idx], 0.0) for k in tiers]
        waste = cand.area_mu[idx] - d[idx]
        if x is None or _score(g, values, waste) > _score(x, values, waste):
            greedy_used += 1
            reason = "; ".join(why) or "its answer was better than the solver's incumbent"
            notes.append(f"greedy answer kept for a sub-problem of {len(idx)} groups: {reason}")
            gap = np.nan if x is None else gap
            x = g
            ok = False
        elif why:
            notes.append(f"sub-problem of {len(idx)} groups: {'; '.join(why)}")
        optimal &= ok
        worst = np.nan if np.isnan(gap) or np.isnan(worst) else max(worst, gap)
        chosen.extend(int(idx[k]) for k in np.flatnonzero(x > 0.5))
    return Solution(
        np.asarray(sorted(chosen), dtype=int),
        optimal,
        0.0 if optimal else worst,
        "greedy" if greedy_used == len(comps) and comps else "milp",
        len(comps),
        greedy_used,
        time.perf_counter() - start,
        notes,
    )
