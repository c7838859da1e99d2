r"""Benchmark: reading a county park from a GeoPackage.

For each size N a synthetic county (``synthetic.py``: N parcels, ~N/2 buildings,
constraints and roads) is written once to a GeoPackage, read once to warm the file
cache, then read in fresh child processes:

- ``parkmap``: ``parkmap.read_park(path)``: every layer read, checked against the
  schema (columns, codes, geometry types, containment) and its land-use codes
  normalised; the breakdown times the GDAL read of the layers and the park's
  validation apart;
- ``geopandas``: ``geopandas.read_file`` of every layer with pyogrio and Arrow
  (``use_arrow=True``), no checks: the floor of a read.

Printed: the time of each (imports excluded: geopandas is imported before the clock
starts in both), the breakdown and the ratio. Target (issue 13): under 0.8 s at 100,000 parcels.

Usage::

    python benchmarks/bench_read.py --sizes 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from _bench import county_gpkg, data_dir, loads_last_json, run, table

LAYERS = ("parcels", "buildings", "constraints", "roads")


def _child_parkmap(path: str) -> dict:
    import geopandas  # noqa: F401 - imported before the clock starts, as in the baseline

    import parkmap

    start = time.perf_counter()
    park = parkmap.read_park(path)
    total = time.perf_counter() - start
    # the same again in two steps: the GDAL read, then the park's validation
    import pyogrio

    start = time.perf_counter()
    layers = {}
    for name in LAYERS:
        try:
            layers[name] = pyogrio.read_dataframe(path, layer=name, use_arrow=True)
        except Exception:
            layers[name] = pyogrio.read_dataframe(path, layer=name)
    read = time.perf_counter() - start
    start = time.perf_counter()
    parkmap.Park(layers)
    validate = time.perf_counter() - start
    return {
        "seconds": total,
        "gdal_read": read,
        "validate": validate,
        "parcels": len(park["parcels"]),
    }


def _child_geopandas(path: str) -> dict:
    import geopandas as gpd

    start = time.perf_counter()
    for name in LAYERS:
        gpd.read_file(path, layer=name, engine="pyogrio", use_arrow=True)
    return {"seconds": time.perf_counter() - start}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--data-dir", help="folder of the generated counties (kept)")
    parser.add_argument("--child", choices=["parkmap", "geopandas"], help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child = _child_parkmap if args.child == "parkmap" else _child_geopandas
        print(json.dumps(child(args.path)))
        return 0
    folder = data_dir(args.data_dir)
    rows = []
    for n in args.sizes:
        path = county_gpkg(n, folder)
        path.read_bytes()  # warm the file cache
        spawn = [sys.executable, __file__, "--path", str(path), "--child"]
        mine = run([*spawn, "parkmap"])
        base = run([*spawn, "geopandas"])
        ours, floor = loads_last_json(mine.stdout), loads_last_json(base.stdout)
        rows.append(
            [
                f"{n:,}",
                f"{ours['seconds']:.2f}",
                f"{ours['gdal_read']:.2f}",
                f"{ours['validate']:.2f}",
                f"{mine.peak_mib:.0f}",
                f"{floor['seconds']:.2f}",
                f"{ours['seconds'] / floor['seconds']:.1f}x",
            ]
        )
    header = ["parcels", "read_park s", "GDAL s", "validate s", "MiB", "geopandas s", "ratio"]
    print(table(rows, header))
    print("GDAL s: the layers read with pyogrio and Arrow; validate s: parkmap.Park(layers).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
