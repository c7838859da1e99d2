"""A map sheet: paper, map frame at a nominal scale, title, north arrow, scale bar, panel."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from pyproj import CRS, Transformer
from wcwidth import wcwidth

from parkmap._data import read_table

__all__ = [
    "ORIENTATIONS",
    "Sheet",
    "north_angle_deg",
    "paper_sizes",
    "scale_denominators",
    "wrap",
]

ORIENTATIONS = ("landscape", "portrait")
MM_PER_INCH = 25.4
#: Height of the title band at the top of the sheet, mm.
TITLE_MM = 14.0


@cache
def paper_sizes() -> dict[str, tuple[float, float, float, float]]:
    """Paper sizes (``data/paper_sizes.csv``): width, height, margin and panel width in mm."""
    table = read_table("paper_sizes.csv")
    return {
        r.paper: (float(r.width_mm), float(r.height_mm), float(r.margin_mm), float(r.panel_mm))
        for r in table.itertuples(index=False)
    }


@cache
def scale_denominators() -> tuple[int, ...]:
    """The nominal scales a figure snaps to (``data/map_scales.csv``), ascending."""
    return tuple(sorted(int(v) for v in read_table("map_scales.csv")["denominator"]))


@dataclass(frozen=True)
class Sheet:
    """The geometry of a map sheet in millimetres (origin at the bottom left)."""

    paper: str
    orientation: str
    width_mm: float
    height_mm: float
    margin_mm: float
    panel_mm: float

    @classmethod
    def of(cls, paper: str, orientation: str) -> Sheet:
        """The sheet of a paper size and orientation.

        Raises
        ------
        ValueError
            For an unknown paper or orientation.
        """
        sizes = paper_sizes()
        key = paper.upper()
        if key not in sizes:
            raise ValueError(f"unknown paper {paper!r}; use one of {', '.join(sizes)}")
        if orientation not in ORIENTATIONS:
            raise ValueError(
                f"unknown orientation {orientation!r}; use {' or '.join(ORIENTATIONS)}"
            )
        short, long, margin, panel = sizes[key]
        width, height = (long, short) if orientation == "landscape" else (short, long)
        return cls(key, orientation, width, height, margin, panel)

    @property
    def figsize(self) -> tuple[float, float]:
        """Width and height in inches, for matplotlib."""
        return self.width_mm / MM_PER_INCH, self.height_mm / MM_PER_INCH

    @property
    def map_box(self) -> tuple[float, float, float, float]:
        """The map frame: left, bottom, width, height in mm."""
        m = self.margin_mm
        width = self.width_mm - 2 * m - self.panel_mm - 4
        height = self.height_mm - 2 * m - TITLE_MM
        return m, m, width, height

    @property
    def panel_box(self) -> tuple[float, float, float, float]:
        """The legend and notes panel right of the map: left, bottom, width, height in mm."""
        left, bottom, width, height = self.map_box
        return left + width + 4, bottom, self.panel_mm, height

    def fraction(self, box: tuple[float, float, float, float]) -> list[float]:
        """A box in mm as a matplotlib figure-fraction rectangle."""
        left, bottom, width, height = box
        return [
            left / self.width_mm,
            bottom / self.height_mm,
            width / self.width_mm,
            height / self.height_mm,
        ]

    def scale_for(self, bounds: np.ndarray, margin: float = 0.02) -> int:
        """The smallest nominal scale denominator at which ``bounds`` (m) fit the frame."""
        _, _, width_mm, height_mm = self.map_box
        span_x = (bounds[2] - bounds[0]) * (1 + 2 * margin)
        span_y = (bounds[3] - bounds[1]) * (1 + 2 * margin)
        needed = max(span_x * 1000 / width_mm, span_y * 1000 / height_mm, 1.0)
        for denominator in scale_denominators():
            if denominator >= needed:
                return denominator
        return int(math.ceil(needed / 1000.0) * 1000)

    def extent(self, bounds: np.ndarray, denominator: int) -> tuple[float, float, float, float]:
        """The frame's ground extent (x0, x1, y0, y1 in m) centred on ``bounds`` at 1:N."""
        _, _, width_mm, height_mm = self.map_box
        cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
        half_x = width_mm * denominator / 1000 / 2
        half_y = height_mm * denominator / 1000 / 2
        return cx - half_x, cx + half_x, cy - half_y, cy + half_y


def north_angle_deg(crs: CRS, x: float, y: float) -> float:
    """Angle of true north from grid north at (x, y), degrees clockwise.

    Computed by projecting a point 0.01° north of (x, y): the meridian convergence of a
    Gauss-Kruger or UTM zone, 0 on its central meridian.
    """
    to_geo = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lon, lat = to_geo.transform(x, y)
    x1, y1 = to_map.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(x1 - x, y1 - y))


def wrap(text: str, columns: int) -> list[str]:
    """Wrap text to ``columns`` display columns (a CJK character counts two).

    Breaks at the last space of a line when there is one, else between characters.
    """
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line, width = "", 0
        for char in paragraph:
            w = max(wcwidth(char), 0)
            if width + w > columns and line:
                cut = line.rfind(" ")
                if cut > 0 and char != " ":
                    lines.append(line[:cut])
                    line = line[cut + 1 :]
                else:
                    lines.append(line.rstrip())
                    line = ""
                width = sum(max(wcwidth(c), 0) for c in line)
            if not (char == " " and not line):
                line += char
                width += w
        lines.append(line)
    return lines
