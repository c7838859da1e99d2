"""Regenerate docs/map.png: the offline Dianjiang map in headless Chromium.

Usage (from the repository root, with the test extra installed and Debian's chromium)::

    python docs/make_screenshot.py [--output docs/map.png]
    python docs/make_screenshot.py --phone   # docs/map_phone.png, 390 x 844, touch

``--phone`` opens the map as a phone does (390 x 844 CSS pixels, touch, device pixel
ratio 2): the layer control is a button and the panel and legend are closed sheets.

The map is written with ``offline=True`` and ``basemap="none"`` and opened with every
network request blocked, so the picture shows exactly what a planner sees with no
internet. The PNG is reduced to a 256-colour palette when that keeps it under 400 KB.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import parkmap
from parkmap.maps import CHROMIUM_ARGS

CHROMIUM = "/usr/bin/chromium"
MAX_BYTES = 400_000


def main() -> None:
    """Write the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", help="PNG file [default: docs/map.png or map_phone.png]")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=860)
    parser.add_argument("--phone", action="store_true", help="a 390 x 844 touch screen")
    args = parser.parse_args()
    name = "map_phone.png" if args.phone else "map.png"
    args.output = args.output or str(Path(__file__).with_name(name))

    from playwright.sync_api import sync_playwright

    park = parkmap.datasets.load("dianjiang")
    clusters = park["clusters"].to_crs(4326)
    west, south, east, north = clusters[clusters["in_platform"].astype(bool)].total_bounds
    m = parkmap.webmap(park, basemap="none", offline=True, lang="zh")
    with tempfile.TemporaryDirectory() as tmp:
        page_file = parkmap.save_map(m, Path(tmp) / "dianjiang_map.html")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
            if args.phone:
                context = browser.new_context(
                    viewport={"width": 390, "height": 844},
                    device_scale_factor=2,
                    is_mobile=True,
                    has_touch=True,
                )
                page = context.new_page()
            else:
                page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(("file:", "data:"))
                    else route.abort()
                ),
            )
            page.goto(page_file.as_uri())
            page.wait_for_selector(".leaflet-control-layers")
            # frame the platform belt between the panel (left) and the legend (right)
            padding = (
                "[10, 60], paddingBottomRight: [10, 60]"
                if args.phone
                else ("[330, 10], paddingBottomRight: [250, 10]")
            )
            page.evaluate(
                f"() => {m.get_name()}.fitBounds([[{south}, {west}], [{north}, {east}]],"
                f" {{paddingTopLeft: {padding}}})"
            )
            page.wait_for_timeout(600)
            page.screenshot(path=args.output)
            browser.close()

    output = Path(args.output)
    if output.stat().st_size > MAX_BYTES:
        from PIL import Image

        with Image.open(output) as image:
            image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
                output, optimize=True
            )
    print(f"wrote {output} ({output.stat().st_size / 1000:.0f} KB)")


if __name__ == "__main__":
    main()
