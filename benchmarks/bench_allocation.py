r"""Benchmark: project allocation on the Dianjiang pipeline and a synthetic county pipeline.

- ``dianjiang``: the embedded model's pipeline (under construction, signed and in
  negotiation) on parkmap's own layout of its available land. The layout is computed
  once and timed apart; the allocation is timed alone.
- ``synthetic``: a seeded county of ``--plots`` plots (default 10,000) in 20 sub-parks,
  cut into blocks of 4 x 5 plots of 13.5-39 亩 by existing roads (so a group of plots
  never spans blocks), and ``--projects`` projects (default 1,000) of 8-200 亩, a third
  under construction, half signed, the rest in negotiation; 70 % name their sub-park,
  the others may go to any sub-park whose industry takes theirs.

Printed per run: wall time of ``parkmap.allocate`` (rules loading, supply graph,
candidate groups, the MILP stages and the result tables), the candidate groups, the
sub-problems, whether the answer is proven optimal and the gap, placed projects and the
allocated 亩. Independent checks run after timing: no plot in two projects, every group
in one sub-park and within its demand bounds.

Usage::

    python benchmarks/bench_allocation.py --plots 10000 --projects 1000
"""

from __future__ import annotations

import argparse
import json
import time

import geopandas as gpd
import numpy as np
import shapely

CRS = "EPSG:4545"
X0, Y0 = 433_000.0, 3_300_000.0
M2_PER_MU = 10_000 / 15
#: Sub-park industries: (2002 code of the sub-park, 2017 division of its projects).
INDUSTRIES = (("37", "36"), ("35", "34"), ("36", "35"), ("13", "13"), ("26", "26"))
STATUSES = ("under_construction", "signed", "negotiating")


def synthetic_pipeline(n_plots: int, n_projects: int, seed: int = 0, scale: float = 1.0):
    """A park of ``n_plots`` plots in 20 sub-parks and ``n_projects`` projects."""
    import parkmap

    rng = np.random.default_rng(seed)
    per_subpark = n_plots // 20
    plots, subparks = [], []
    for s in range(20):
        sid = f"sp{s:02d}"
        code = INDUSTRIES[s % len(INDUSTRIES)][0]
        ox, oy = X0 + (s % 5) * 9000.0, Y0 + (s // 5) * 9000.0
        k = 0
        block = 0
        while k < per_subpark:
            bx, by = ox + (block % 5) * 1400.0, oy + (block // 5) * 460.0
            for r in range(4):
                x = bx
                for _ in range(5):
                    if k == per_subpark:
                        break
                    width = float(rng.uniform(90.0, 260.0))  # x 100 m: 13.5-39 亩
                    y = by + r * 100.0
                    plots.append(
                        {
                            "id": f"{sid}-P{k:04d}",
                            "subpark": sid,
                            "far": float(rng.uniform(0.9, 2.0)),
                            "geometry": shapely.box(x, y, x + width, y + 100.0),
                        }
                    )
                    x += width
                    k += 1
            block += 1
        frame = gpd.GeoDataFrame(plots[-per_subpark:], crs=CRS)
        subparks.append(
            {
                "id": sid,
                "name_zh": f"园区{s:02d}",
                "industry": "manufacturing",
                "industry_code": code,
                "landuse_code": "100101",
                "geometry": shapely.box(*frame.total_bounds).buffer(30.0, join_style="mitre"),
            }
        )
    projects = []
    for j in range(n_projects):
        s = int(rng.integers(0, 20))
        named = rng.random() < 0.7
        projects.append(
            {
                "id": f"pj{j:04d}",
                "name_zh": f"项目{j:04d}",
                "status": str(rng.choice(STATUSES, p=[0.3, 0.5, 0.2])),
                "land_mu": scale
                * float(
                    np.round(
                        rng.choice(
                            [8, 15, 25, 40, 60, 90, 130, 200],
                            p=[0.1, 0.2, 0.2, 0.2, 0.12, 0.1, 0.05, 0.03],
                        )
                        * rng.uniform(0.8, 1.2),
                        1,
                    )
                ),
                "industry_code": INDUSTRIES[s % len(INDUSTRIES)][1],
                "subpark": f"sp{s:02d}" if named else None,
                "geometry": shapely.Point(X0 - 500.0, Y0 - 500.0 - j),
            }
        )
    park = parkmap.Park(
        {
            "subparks": gpd.GeoDataFrame(subparks, crs=CRS),
            "projects": gpd.GeoDataFrame(projects, crs=CRS),
        }
    )
    return park, gpd.GeoDataFrame(plots, crs=CRS)


def check(result, plots: gpd.GeoDataFrame) -> None:
    """Independent checks: plots used once, one sub-park per group, demand bounds."""
    placed = result.projects[result.projects["state"] == "placed"]
    used = [p for ps in placed["plots"] for p in ps]
    assert len(used) == len(set(used)), "a plot is in two projects"
    area = dict(
        zip(plots["id"], shapely.area(np.asarray(plots.geometry.array)) / M2_PER_MU, strict=True)
    )
    subpark = dict(zip(plots["id"], plots["subpark"], strict=True))
    for _, r in placed.iterrows():
        assert len({subpark[p] for p in r["plots"]}) == 1, r["id"]
        total = sum(area[p] for p in r["plots"])
        assert (
            r["demand_mu"] - 1e-6 <= total <= r["demand_mu"] + max(0.5 * r["demand_mu"], 15) + 1e-6
        )


def report(name: str, seconds: float, result) -> dict:
    s = result.summary
    row = {
        "run": name,
        "seconds": round(seconds, 2),
        "projects": s["projects"],
        "placed": s["placed"],
        "allocated_mu": round(s["allocated_mu"], 1),
        "candidates": s["candidates"],
        "components": s["components"],
        "optimal": s["optimal"],
        "gap": s["gap"],
        "exhaustive": s["exhaustive"],
    }
    print(json.dumps(row, ensure_ascii=False))
    return row


def run_dianjiang() -> dict:
    import parkmap
    import parkmap.allocation

    park = parkmap.datasets.load("dianjiang")
    start = time.perf_counter()
    layout = parkmap.layout(park)
    print(f"dianjiang layout: {time.perf_counter() - start:.1f} s, {len(layout.plots)} plots")
    start = time.perf_counter()
    result = parkmap.allocation.allocate(
        park, layout, statuses=("under_construction", "signed", "negotiating")
    )
    seconds = time.perf_counter() - start
    check(result, layout.plots)
    return report("dianjiang", seconds, result)


def run_synthetic(n_plots: int, n_projects: int, seed: int, scale: float) -> dict:
    import parkmap
    import parkmap.allocation

    park, plots = synthetic_pipeline(n_plots, n_projects, seed, scale)
    start = time.perf_counter()
    result = parkmap.allocation.allocate(park, plots, statuses=STATUSES)
    seconds = time.perf_counter() - start
    check(result, plots)
    name = f"synthetic {n_projects} projects / {len(plots)} plots, demand x{scale:g}"
    return report(name, seconds, result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plots", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--demand-scale",
        type=float,
        default=1.0,
        help="multiply every project's land (3: about half the supply, sub-parks short)",
    )
    parser.add_argument("--skip-dianjiang", action="store_true")
    args = parser.parse_args()
    if not args.skip_dianjiang:
        run_dianjiang()
    run_synthetic(args.plots, args.projects, args.seed, args.demand_scale)


if __name__ == "__main__":
    main()
