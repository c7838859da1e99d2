r"""Benchmark: the whole ``parkmap availability`` command against a geopandas script.

What a user waits for: start-up, reading the GeoPackage, validating the park, the
waterfall on every core, the per-parcel attribution and the printed table. For each
size N a synthetic county (``synthetic.py``) is written once to a GeoPackage, and
then, each in a fresh process and timed from the outside (wall time and peak memory
by ``/usr/bin/time``):

- ``parkmap``: ``parkmap availability --data county.gpkg --rules county_rules.toml
  --format json`` (the shipped rules with the fragment thresholds scaled to county
  parcels, 0.3 亩 and 4 m);
- ``baseline``: a Python script that reads the same layers with
  ``geopandas.read_file`` (pyogrio, Arrow) and runs ``geopandas.overlay(parcels,
  exclusions, how="difference")`` on the parcels not built or committed, then the same
  fragment test (``bench_availability.baseline_available``): the available area only.

Both must give the same available area to :data:`REL_TOL` (the overlay and the waterfall
node the same boundaries in a different order, so their totals differ by about 3e-8 at
100,000 parcels; the issue asked for 1e-9, which two different algorithms do not reach;
the printed difference says how close they are). Printed: both times, the peak memory,
the ratio (target, issue 13: at least 10x at 100,000 parcels; under 30 s and 3 GB at
1,000,000).

With ``--phases`` the command runs with ``-vv`` and its timing lines are printed under
the table: reading, checking (CRS, columns, geometry validity), the plan, the waterfall,
the attribution; what the wall time has beyond them is start-up (imports) and printing.

Usage::

    python benchmarks/bench_availability_cli.py --sizes 100000 1000000 \\
        --baseline-max 100000 [--phases]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from _bench import county_gpkg, data_dir, loads_last_json, parkmap_cmd, rules_toml, run, table

LAYERS = ("parcels", "constraints", "buildings", "roads")
#: Largest relative difference of the available area accepted between the two.
REL_TOL = 1e-6


def _child_baseline(path: str) -> None:
    import geopandas as gpd
    from bench_availability import _rules, baseline_available

    start = time.perf_counter()
    layers = {
        name: gpd.read_file(path, layer=name, engine="pyogrio", use_arrow=True) for name in LAYERS
    }
    available = baseline_available(layers, _rules())
    print(json.dumps({"available_m2": available, "seconds": time.perf_counter() - start}))


def _available_m2(stdout: str) -> float:
    data = json.loads(stdout)
    total = [row for row in data["rows"] if row["level"] == "total"]
    return float(total[0]["available_m2"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--data-dir", help="folder of the generated counties (kept)")
    parser.add_argument(
        "--baseline-max", type=int, default=None, help="no baseline above this many parcels"
    )
    parser.add_argument(
        "--phases", action="store_true", help="print where the command's time goes (-vv)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child_baseline(args.path)
        return 0
    folder = data_dir(args.data_dir)
    rules = rules_toml(folder)
    rows, failed = [], False
    for n in args.sizes:
        path = county_gpkg(n, folder)
        path.read_bytes()  # warm the file cache
        cli = run(
            [
                *parkmap_cmd(),
                *(["-vv"] if args.phases else []),
                "availability",
                "--data",
                str(path),
                "--rules",
                str(rules),
                "--format",
                "json",
            ]
        )
        ours = _available_m2(cli.stdout)
        row = [f"{n:,}", f"{cli.seconds:.1f}", f"{cli.peak_mib:.0f}"]
        if args.baseline_max is not None and n > args.baseline_max:
            row += ["skipped", "", "", ""]
        else:
            base = run([sys.executable, __file__, "--child", "--path", str(path)])
            theirs = loads_last_json(base.stdout)["available_m2"]
            rel = abs(ours - theirs) / theirs
            failed |= rel > REL_TOL
            row += [
                f"{base.seconds:.1f}",
                f"{base.peak_mib:.0f}",
                f"{base.seconds / cli.seconds:.1f}x",
                f"{rel:.1e}",
            ]
        rows.append([*row, f"{ours / 1e6:.4f}"])
        print(
            table(
                rows,
                [
                    "parcels",
                    "parkmap s",
                    "MiB",
                    "baseline s",
                    "MiB",
                    "ratio",
                    "rel. diff",
                    "available km2",
                ],
            ),
            flush=True,
        )
        if args.phases:
            for line in cli.stderr.splitlines():
                if " s" in line and ("read " in line or "availability: plan" in line):
                    print(f"  {n:,} parcels: {line.split(': ', 2)[-1]}")
    if failed:
        print(f"MISMATCH: parkmap and the baseline differ by more than {REL_TOL:g} relative")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
