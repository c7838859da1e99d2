"""Shared helpers of the benchmark scripts: the county files, timed child processes.

Every figure is measured in a fresh child process (``/usr/bin/time`` gives its wall
time and peak resident memory), so start-up and imports count as they do for a user,
and one run cannot warm the next one's caches of Python objects (the operating
system's file cache is warm after the first read; the scripts read each file once
before timing).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

#: Fragment thresholds scaled to county parcels (as bench_availability.py).
MIN_AREA_MU = 0.3
MIN_WIDTH_M = 4.0
TIME = Path("/usr/bin/time")


def data_dir(folder: str | None) -> Path:
    """The folder of generated counties (default: a stable one under the temp dir)."""
    path = Path(folder) if folder else Path(tempfile.gettempdir()) / "parkmap-bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def county_gpkg(n: int, folder: Path, seed: int = 0) -> Path:
    """A synthetic county of ``n`` parcels as one GeoPackage (written once, then reused)."""
    path = folder / f"county_{n}_{seed}.gpkg"
    if path.exists():
        return path
    from synthetic import synthetic_county

    layers = synthetic_county(n, seed=seed)
    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    for name, gdf in layers.items():
        gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    tmp.replace(path)
    return path


def rules_toml(folder: Path) -> Path:
    """The shipped rules with the county fragment thresholds, as a TOML file."""
    import parkmap._data as data

    text = data.data_path("availability_rules.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^min_area_mu = .*$", f"min_area_mu = {MIN_AREA_MU}", text)
    text = re.sub(r"(?m)^min_width_m = .*$", f"min_width_m = {MIN_WIDTH_M}", text)
    path = folder / "county_rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Run:
    """One timed child process."""

    seconds: float
    peak_mib: float
    stdout: str
    stderr: str


def run(args: list[str], *, env: dict | None = None, check: bool = True) -> Run:
    """Run a command, timing it with ``/usr/bin/time`` (wall seconds, peak RSS)."""
    handle, report = tempfile.mkstemp(suffix=".time")
    os.close(handle)
    full = [str(TIME), "-f", "%e %M", "-o", report, *args] if TIME.exists() else args
    environ = {**os.environ, **(env or {})}
    import time

    start = time.perf_counter()
    done = subprocess.run(full, capture_output=True, text=True, env=environ, check=False)
    wall = time.perf_counter() - start
    peak = float("nan")
    if TIME.exists():
        fields = Path(report).read_text().split()
        if len(fields) >= 2:
            peak = float(fields[-1]) / 1024
    Path(report).unlink(missing_ok=True)
    if check and done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr[-3000:]}")
    return Run(wall, peak, done.stdout, done.stderr)


def best(args: list[str], repeat: int, **kwargs) -> tuple[float, float, Run]:
    """Fastest and median wall time of ``repeat`` runs, and the last run."""
    runs = [run(args, **kwargs) for _ in range(repeat)]
    times = [r.seconds for r in runs]
    return min(times), statistics.median(times), runs[-1]


def parkmap_cmd() -> list[str]:
    """The ``parkmap`` command of this environment."""
    exe = shutil.which("parkmap", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "parkmap.cli"]


def python_cmd(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def table(rows: list[list[str]], header: list[str]) -> str:
    """A plain text table, right-aligned but for the first column."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(
            str(v).ljust(w) if i == 0 else str(v).rjust(w)
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in [header, *rows]
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def loads_last_json(text: str) -> dict:
    """The JSON object a child printed last on stdout."""
    return json.loads(text.strip().splitlines()[-1])
