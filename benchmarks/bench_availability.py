r"""Benchmark: parkmap's availability waterfall against a geopandas overlay baseline.

For each size N, a seeded synthetic county (``synthetic.py``: N parcels over ~40 x 40 km
in EPSG:4545, overlapping constraint layers, ~N/2 buildings, a road network) is built
and worked parcel by parcel twice, each run in a fresh child process:

- ``engine``: ``parkmap.availability(park, rules)``: the full waterfall (every category,
  conditional land, available pieces with their width and compactness, per-parcel
  table), on every core;
- ``baseline``: what a GIS analyst would write with geopandas: buffer the hard
  constraints and the roads, ``geopandas.overlay(parcels, exclusions,
  how="difference")`` on the parcels that are not built or committed, then the same
  fragment test (a mitre-joined opening and an area threshold). It computes the
  available area only.

Both must give the same available area (1e-6 relative). Printed per run: wall time of
the computation (data generation and park validation are timed apart), the peak
resident memory of the child process (county data included) and the speed ratio.

Usage::

    python benchmarks/bench_availability.py --sizes 10000 100000 1000000 \\
        --baseline-max 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import synthetic_county  # noqa: E402

#: Fragment thresholds scaled to county parcels (a 1M-parcel county has ~40 m parcels).
MIN_AREA_MU = 0.3
MIN_WIDTH_M = 4.0


def _rules():
    import parkmap

    return parkmap.load_rules().replace(min_area_mu=MIN_AREA_MU, min_width_m=MIN_WIDTH_M)


def run_engine(n: int, seed: int, workers: int | None) -> dict:
    import parkmap

    layers = synthetic_county(n, seed=seed)
    start = time.perf_counter()
    park = parkmap.Park(layers)
    built = time.perf_counter() - start
    rules = _rules()
    start = time.perf_counter()
    result = parkmap.availability(park, rules, workers=workers)
    elapsed = time.perf_counter() - start
    total = result.total
    return {
        "seconds": elapsed,
        "park_seconds": built,
        "available_m2": float(total["available_m2"]),
        "gross_m2": float(total["gross_m2"]),
        "categories": {c: float(total[f"{c}_m2"]) for c in result.categories},
        "conditional_m2": float(total["conditional_m2"]),
        "pieces": len(result.land),
    }


def run_baseline(n: int, seed: int) -> dict:
    layers = synthetic_county(n, seed=seed)
    rules = _rules()
    start = time.perf_counter()
    available = baseline_available(layers, rules)
    return {"seconds": time.perf_counter() - start, "available_m2": available}


def baseline_available(layers: dict, rules) -> float:
    """Available area, m², the way a GIS analyst would compute it with geopandas."""
    import geopandas as gpd
    import pandas as pd

    parcels, constraints = layers["parcels"], layers["constraints"]
    roads, buildings = layers["roads"], layers["buildings"]
    kind = constraints["kind"]
    hard = constraints[
        kind.isin(rules.hard_kinds) | (~kind.isin(rules.conditional_kinds) & constraints["hard"])
    ]
    floor = hard["kind"].map(dict(rules.buffer_m)).fillna(0.0)
    hard_zone = hard.buffer(hard["buffer_m"].clip(lower=floor))
    roads = roads[roads["status"].isin(rules.road_statuses)]
    right_of_way = roads.buffer(roads["red_line_m"] / 2, cap_style="flat")
    statuses = rules.built_building_statuses + rules.committed_building_statuses
    footprints = buildings.geometry[buildings["status"].isin(statuses)]
    exclusions = gpd.GeoDataFrame(
        geometry=pd.concat([hard_zone, right_of_way, footprints], ignore_index=True),
        crs=parcels.crs,
    )
    taken = rules.built_parcel_statuses + rules.committed_parcel_statuses
    free = parcels[~parcels["status"].isin(taken)]
    left = gpd.overlay(free, exclusions, how="difference")
    half = rules.min_width_m / 2
    mitre = {"join_style": "mitre", "mitre_limit": 1000.0}  # parkmap's opening
    opened = left.buffer(-half, **mitre).buffer(half, **mitre)
    opened = opened.intersection(left.geometry)
    pieces = opened.explode(index_parts=False)
    pieces = pieces[pieces.area >= rules.min_area_m2]
    return float(pieces.area.sum())


def _child(which: str, n: int, seed: int, workers: int | None) -> None:
    result = run_engine(n, seed, workers) if which == "engine" else run_baseline(n, seed)
    # ru_maxrss is in KiB on Linux
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _spawn(which: str, n: int, seed: int, workers: int | None) -> dict:
    args = [sys.executable, __file__, "--child", which, "--sizes", str(n), "--seed", str(seed)]
    if workers:
        args += ["--workers", str(workers)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{which} at N={n} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None, help="engine threads")
    parser.add_argument(
        "--baseline-max",
        type=int,
        default=None,
        help="skip the geopandas baseline above this many parcels (it is slow)",
    )
    parser.add_argument("--child", choices=["engine", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.sizes[0], args.seed, args.workers)
        return 0
    header = (
        f"{'parcels':>9} {'engine s':>9} {'engine MiB':>10} {'baseline s':>10} "
        f"{'baseline MiB':>12} {'ratio':>6} {'available km2':>13} {'rel. diff':>9}"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for n in args.sizes:
        engine = _spawn("engine", n, args.seed, args.workers)
        skip = args.baseline_max is not None and n > args.baseline_max
        base = None if skip else _spawn("baseline", n, args.seed, None)
        if base is None:
            tail = f"{'skipped':>10} {'':>12} {'':>6}"
            diff = ""
        else:
            rel = abs(engine["available_m2"] - base["available_m2"]) / base["available_m2"]
            failed |= rel > 1e-6
            ratio = base["seconds"] / engine["seconds"]
            tail = f"{base['seconds']:>10.1f} {base['peak_mib']:>12.0f} {ratio:>5.1f}x"
            diff = f"{rel:.1e}"
        print(
            f"{n:>9,} {engine['seconds']:>9.1f} {engine['peak_mib']:>10.0f} {tail} "
            f"{engine['available_m2'] / 1e6:>13.3f} {diff:>9}",
            flush=True,
        )
        gross = engine["gross_m2"]
        shares = ", ".join(f"{c} {v / gross:.1%}" for c, v in engine["categories"].items())
        print(
            f"{'':>9} waterfall: {shares}; conditional "
            f"{engine['conditional_m2'] / gross:.1%}; park build+validate "
            f"{engine['park_seconds']:.1f} s; {engine['pieces']:,} available pieces",
            flush=True,
        )
    if failed:
        print("MISMATCH: engine and baseline available areas differ by more than 1e-6")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
