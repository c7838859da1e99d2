r"""Benchmark: start-up of the command line and of the library.

Each command runs ``--repeat`` times in a fresh process; printed: the fastest and the
median wall time, and beside them ``python -c pass`` (the interpreter alone, the floor
no command can beat). Targets (issue 13): ``parkmap --help`` under 0.3 s,
``parkmap report`` on the embedded park under 1 s.

Where ``PYTHONDONTWRITEBYTECODE`` is set (this development machine sets it), an editable
install compiles every parkmap module from source on every run, which a wheel install
never does: ``parkmap report`` is timed once so, then parkmap's package is byte-compiled
(``python -m compileall``) and every command timed (``--as-is`` skips the compiling).

With ``--importtime`` the slowest imports of ``import parkmap.cli`` are listed
(``python -X importtime``, cumulative microseconds).

Usage::

    python benchmarks/bench_startup.py --repeat 7 --importtime
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from _bench import best, parkmap_cmd, python_cmd, run, table

COMMANDS = {
    "python -c pass": python_cmd("pass"),
    "parkmap --help": [*parkmap_cmd(), "--help"],
    "parkmap --version": [*parkmap_cmd(), "--version"],
    "parkmap availability --help": [*parkmap_cmd(), "availability", "--help"],
    "python -c 'import parkmap'": python_cmd("import parkmap"),
    "parkmap report": [*parkmap_cmd(), "report"],
}
TARGETS = {"parkmap --help": 0.3, "parkmap report": 1.0}


def importtime(top: int) -> str:
    """The ``top`` slowest imports (cumulative) of ``import parkmap.cli``."""
    done = run([sys.executable, "-X", "importtime", "-c", "import parkmap.cli"])
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, self_us, cumulative, name = (
            x.strip() for x in line.split("|", 1)[0:1] + line.split("|")
        )
        rows.append((int(cumulative), int(self_us.split(":")[1]), name))
    rows.sort(reverse=True)
    lines = [f"{c / 1e6:8.3f} s  {name.strip()}" for c, _, name in rows[:top]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--importtime", action="store_true", help="list the slowest imports")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument(
        "--as-is",
        action="store_true",
        help="do not byte-compile parkmap first where PYTHONDONTWRITEBYTECODE is set",
    )
    args = parser.parse_args(argv)
    rows, failed = [], False
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and not args.as_is:
        # as a wheel install leaves it: the package byte-compiled once (an editable
        # install in this environment recompiles every module on every run)
        fastest, median, _ = best(COMMANDS["parkmap report"], args.repeat)
        rows.append(
            ["parkmap report (modules not compiled)", f"{fastest:.3f}", f"{median:.3f}", "", ""]
        )
        package = Path(importlib.util.find_spec("parkmap").origin).parent
        run([sys.executable, "-m", "compileall", "-q", str(package)])
        print(f"byte-compiled {package} first (PYTHONDONTWRITEBYTECODE is set here)")
    for name, command in COMMANDS.items():
        fastest, median, _ = best(command, args.repeat)
        target = TARGETS.get(name)
        verdict = "" if target is None else ("ok" if median < target else "SLOW")
        failed |= verdict == "SLOW"
        rows.append(
            [name, f"{fastest:.3f}", f"{median:.3f}", f"{target:g}" if target else "", verdict]
        )
    print(table(rows, ["command", "fastest s", "median s", "target s", ""]))
    if args.importtime:
        print(f"\nslowest imports of `import parkmap.cli` (cumulative):\n{importtime(args.top)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
