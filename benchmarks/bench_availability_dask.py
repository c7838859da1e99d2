r"""Benchmark: the availability waterfall on Dask against the local engine.

For each size N, a seeded synthetic county (``synthetic.py``) is worked parcel by parcel,
each run in a fresh child process:

- ``local``: ``parkmap.availability(park, rules)`` on every core (as in
  ``bench_availability.py``);
- ``dask``: the same park in memory, ``engine="dask"`` on a local cluster of one
  single-threaded worker process per core (or ``--scheduler``);
- ``dask-parquet`` (sizes in ``--parquet-sizes``): the parcels written first by the
  generator to a folder of GeoParquet parts (``write_county``), read lazily with
  ``parcels=`` and spatially shuffled in Hilbert order on the cluster, the results
  written by the workers to GeoParquet (``output=``): the parcels never sit in the
  client's memory, which holds only the other layers.

Printed per run: wall time of the computation (data generation and the park's
validation are not timed; for ``dask-parquet`` the time includes reading, the shuffle
and writing the results), the peak resident memory of the client process and of the
largest worker process, the time ratio to the local engine at the same size (when it
was run) and the relative difference of the total available area.

Usage::

    python benchmarks/bench_availability_dask.py --sizes 1000000 \\
        --parquet-sizes 4000000 --data-dir /tmp/parkmap-bench
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_availability import _rules, run_engine  # noqa: E402
from synthetic import synthetic_county, write_county  # noqa: E402


def _peak_mib() -> float:
    """Peak resident memory of this process, MiB.

    ``VmHWM`` of the process's own address space: ``ru_maxrss`` would also count the
    parent's memory at the time a worker process was spawned (Linux keeps it on exec).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cluster(scheduler: str | None, workers: int | None):
    import distributed

    if scheduler:
        return None, distributed.Client(scheduler)
    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    return cluster, distributed.Client(cluster)


def _timed(park, scheduler: str | None, workers: int | None, **options) -> dict:
    """Time ``engine="dask"`` on ``park`` and read each worker's peak memory."""
    import parkmap

    cluster, client = _cluster(scheduler, workers)
    with client:
        start = time.perf_counter()
        from parkmap.land import DaskEngine

        engine = DaskEngine(scheduler=client, **options)
        result = parkmap.availability(park, _rules(), engine=engine)
        elapsed = time.perf_counter() - start
        worker_peaks = client.run(_peak_mib)
    if cluster is not None:
        cluster.close()
    return {
        "seconds": elapsed,
        "available_m2": float(result.total["available_m2"]),
        "worker_peak_mib": max(worker_peaks.values()),
        "worker_peaks_mib": sorted(worker_peaks.values()),
    }


def run_dask(n: int, seed: int, scheduler: str | None, workers: int | None) -> dict:
    import parkmap

    return _timed(parkmap.Park(synthetic_county(n, seed=seed)), scheduler, workers)


def run_dask_parquet(
    n: int, seed: int, scheduler: str | None, workers: int | None, data_dir: Path
) -> dict:
    import geopandas as gpd

    import parkmap

    folder = data_dir / f"county_{n}_{seed}"
    paths = {"parcels": folder / "parcels.parquet", "layers": folder / "layers.gpkg"}
    if not paths["layers"].exists():
        paths = write_county(n, folder, seed=seed)
    layers = {
        name: gpd.read_file(paths["layers"], layer=name, engine="pyogrio")
        for name in ("constraints", "buildings", "roads")
    }
    park = parkmap.Park(layers)
    del layers
    with tempfile.TemporaryDirectory(dir=data_dir) as out:
        output = Path(out, "result.parquet")
        return _timed(park, scheduler, workers, parcels=paths["parcels"], output=output)


def _child(args: argparse.Namespace) -> None:
    n = args.sizes[0]
    if args.child == "local":
        result = run_engine(n, args.seed, None)
    elif args.child == "dask":
        result = run_dask(n, args.seed, args.scheduler, args.workers)
    else:
        result = run_dask_parquet(n, args.seed, args.scheduler, args.workers, args.data_dir)
    result["peak_mib"] = _peak_mib()
    print(json.dumps(result))


def _spawn(which: str, n: int, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", which, "--sizes", str(n)]
    command += ["--seed", str(args.seed), "--data-dir", str(args.data_dir)]
    if args.scheduler:
        command += ["--scheduler", args.scheduler]
    if args.workers:
        command += ["--workers", str(args.workers)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{which} at N={n} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--parquet-sizes", type=int, nargs="*", default=[])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scheduler", help="a running scheduler's address")
    parser.add_argument("--workers", type=int, default=None, help="local cluster workers")
    parser.add_argument(
        "--local-max",
        type=int,
        default=None,
        help="skip the local engine above this many parcels",
    )
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--child", choices=["local", "dask", "parquet"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args)
        return 0
    header = (
        f"{'parcels':>9} {'engine':<12} {'seconds':>8} {'client MiB':>10} "
        f"{'worker MiB':>10} {'vs local':>8} {'available km2':>13} {'rel. diff':>9}"
    )
    print(header)
    print("-" * len(header))
    runs = [(n, "dask") for n in args.sizes] + [(n, "parquet") for n in args.parquet_sizes]
    local: dict[int, dict] = {}
    for n, which in runs:
        skip = args.local_max is not None and n > args.local_max
        if n not in local and not skip:
            local[n] = _spawn("local", n, args)
            row = local[n]
            print(
                f"{n:>9,} {'local':<12} {row['seconds']:>8.1f} {row['peak_mib']:>10.0f} "
                f"{'':>10} {'1.0x':>8} {row['available_m2'] / 1e6:>13.3f}",
                flush=True,
            )
        row = _spawn(which, n, args)
        base = local.get(n)
        ratio = f"{row['seconds'] / base['seconds']:.2f}x" if base else ""
        diff = ""
        if base:
            diff = f"{abs(row['available_m2'] - base['available_m2']) / base['available_m2']:.1e}"
        name = "dask" if which == "dask" else "dask-parquet"
        print(
            f"{n:>9,} {name:<12} {row['seconds']:>8.1f} {row['peak_mib']:>10.0f} "
            f"{row['worker_peak_mib']:>10.0f} {ratio:>8} {row['available_m2'] / 1e6:>13.3f} "
            f"{diff:>9}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
