r"""Benchmark: writing a county's web map and its first render in headless Chromium.

For each size N a synthetic county (``synthetic.py``: N parcels, ~N/2 buildings,
constraints, roads) is written once to a GeoPackage, then:

1. ``parkmap map --offline --basemap none --data county.gpkg -o county.html`` runs in a
   fresh process (wall time and peak memory by ``/usr/bin/time``), and the file size is
   taken;
2. the file is opened in headless Chromium (Debian's ``/usr/bin/chromium``, driven by
   Playwright, every network request aborted) at 1280 x 860: the first render is the
   time from navigation to the second animation frame after the page's ``load`` event
   (every script has run and the canvas or SVG has been painted);
3. a pan (300 px) and a zoom in (two levels) are timed inside the page, each to the
   second animation frame after Leaflet's ``moveend``, the time a user waits for the
   map to be redrawn.

Printed: the write time, the file size, SVG paths and canvases on the page, the first
render and the redraw times. Targets (issue 13): at 100,000 parcels written in under
10 s, under 20 MB, first render under 3 s.

Usage::

    python benchmarks/bench_map.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _bench import county_gpkg, data_dir, parkmap_cmd, run, table

CHROMIUM = Path("/usr/bin/chromium")
FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
REDRAW = """async ([name, how]) => {
  const map = window[name];
  const t = performance.now();
  await new Promise(resolve => {
    map.once('moveend', () => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    if (how === 'pan') { map.panBy([300, 0], {animate: false}); }
    else { map.setZoom(map.getZoom() + 2, {animate: false}); }
  });
  return performance.now() - t;
}"""


def render(path: Path) -> dict:
    """First render and redraw times of a map file in headless Chromium."""
    from playwright.sync_api import sync_playwright

    try:
        from parkmap.maps import CHROMIUM_ARGS
    except ImportError:  # parkmap 0.1, for a before / after comparison
        from parkmap.webmap import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(("file:", "data:"))
                else route.abort()
            ),
        )
        start = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load", timeout=600_000)
        page.evaluate(FRAMES)
        first = time.perf_counter() - start
        name = page.evaluate("() => Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))")
        out = {
            "first_s": first,
            "svg_paths": page.locator("path.leaflet-interactive").count(),
            "canvases": page.locator("canvas").count(),
            "pan_ms": page.evaluate(REDRAW, [name, "pan"]),
            "zoom_ms": page.evaluate(REDRAW, [name, "zoom"]),
            "errors": errors,
        }
        browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--data-dir", help="folder of the generated counties (kept)")
    parser.add_argument("--no-browser", action="store_true", help="only write the maps")
    args = parser.parse_args(argv)
    folder = data_dir(args.data_dir)
    rows = []
    for n in args.sizes:
        path = county_gpkg(n, folder)
        html = folder / f"county_{n}_map.html"
        command = [*parkmap_cmd(), "map", "--offline", "--basemap", "none", "--data", str(path)]
        written = run([*command, "-o", str(html), "--overwrite"])
        size_mb = html.stat().st_size / 1e6
        row = [f"{n:,}", f"{written.seconds:.1f}", f"{written.peak_mib:.0f}", f"{size_mb:.1f}"]
        if args.no_browser or not CHROMIUM.exists():
            row += ["", "", "", "", ""]
        else:
            shown = render(html)
            if shown["errors"]:
                print(f"page errors at N={n}: {shown['errors'][:3]}")
            row += [
                f"{shown['svg_paths']:,}",
                str(shown["canvases"]),
                f"{shown['first_s']:.1f}",
                f"{shown['pan_ms']:.0f}",
                f"{shown['zoom_ms']:.0f}",
            ]
        rows.append(row)
        header = [
            "parcels",
            "write s",
            "MiB",
            "MB",
            "SVG paths",
            "canvases",
            "first render s",
            "pan ms",
            "zoom ms",
        ]
        print(table(rows, header), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
