r"""Benchmark: the layout of the whole embedded park.

``parkmap.layout(parkmap.datasets.load("dianjiang"))`` (every sub-park, the default
plot options and building templates) runs ``--repeat`` times in a fresh process each;
printed: wall and CPU time (user + system of the child), the number of plots and
buildings, and with ``--profile`` the functions taking the most time (cProfile,
cumulative). Target (issue 13): under 10 s of CPU.

Usage::

    python benchmarks/bench_layout.py --repeat 3 --profile
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from _bench import loads_last_json, run, table


def _child(profile: bool) -> None:
    import resource

    import parkmap

    park = parkmap.datasets.load("dianjiang")
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    if profile:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(parkmap.layout, park)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
        print(text.getvalue(), file=sys.stderr)
    else:
        result = parkmap.layout(park)
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    print(
        json.dumps(
            {
                "wall_s": wall,
                "cpu_s": cpu,
                "plots": len(result.plots),
                "buildings": len(result.buildings),
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.profile)
        return 0
    rows = []
    for k in range(args.repeat):
        command = [sys.executable, __file__, "--child"]
        done = run(command + (["--profile"] if args.profile and k == 0 else []))
        if args.profile and k == 0:
            print(done.stderr)
        got = loads_last_json(done.stdout)
        rows.append(
            [
                str(k + 1),
                f"{got['wall_s']:.1f}",
                f"{got['cpu_s']:.1f}",
                str(got["plots"]),
                str(got["buildings"]),
                f"{done.peak_mib:.0f}",
            ]
        )
    print(table(rows, ["run", "wall s", "CPU s", "plots", "buildings", "MiB"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
