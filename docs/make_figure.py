"""Regenerate docs/figure.png: the layout sheet of one Dianjiang sub-park.

Usage (from the repository root, with the package installed)::

    python docs/make_figure.py [--output docs/figure.png] [--subpark sp-food]

The sheet is an A4 landscape map figure (``parkmap.figures.figure``) written at 110 dpi
for the README; ``parkmap figure`` writes the same sheet at print resolution.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import parkmap
from parkmap.figures import figure, save_figure


def main() -> None:
    """Write the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(Path(__file__).with_name("figure.png")))
    parser.add_argument("--subpark", default="sp-food")
    parser.add_argument("--kind", default="layout")
    parser.add_argument("--dpi", type=int, default=110)
    args = parser.parse_args()
    park = parkmap.datasets.load("dianjiang")
    fig = figure(park, args.kind, subpark=args.subpark)
    save_figure(fig, args.output, dpi=args.dpi, overwrite=True)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
