"""Block geometry of the layout: local frames, main axis, polygon parts, widths, cuts."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["EPS", "Frame", "cut_positions", "main_axis", "min_width", "polygons"]


#: Geometric tolerance, m (areas below its square are noise).
EPS = 1e-6


@dataclass(frozen=True)
class Frame:
    """A local frame: origin and rotation putting a block's main axis along x."""

    origin: tuple[float, float]
    theta: float

    def _apply(self, geoms, inverse: bool):
        c, s = math.cos(self.theta), math.sin(self.theta)
        ox, oy = self.origin

        def local(xy: np.ndarray) -> np.ndarray:
            dx, dy = xy[:, 0] - ox, xy[:, 1] - oy
            return np.column_stack([dx * c + dy * s, -dx * s + dy * c])

        def world(xy: np.ndarray) -> np.ndarray:
            return np.column_stack(
                [xy[:, 0] * c - xy[:, 1] * s + ox, xy[:, 0] * s + xy[:, 1] * c + oy]
            )

        return shapely.transform(geoms, world if inverse else local)

    def to_local(self, geoms):
        """Geometries in the local frame."""
        return self._apply(geoms, inverse=False)

    def to_world(self, geoms):
        """Geometries back in the park's CRS."""
        return self._apply(geoms, inverse=True)


def main_axis(block) -> float:
    """Angle (radians) of the long side of the block's minimum rotated rectangle."""
    coords = np.asarray(shapely.oriented_envelope(block).exterior.coords)
    if len(coords) < 4:
        return 0.0
    edges = np.diff(coords[:3], axis=0)
    longest = edges[np.argmax(np.hypot(edges[:, 0], edges[:, 1]))]
    return math.atan2(longest[1], longest[0])


def polygons(geom) -> list:
    """The polygon parts of a geometry (collections and lines dropped)."""
    return [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) == 3 and p.area > EPS]


def min_width(geom) -> float:
    """Shorter side of the minimum rotated rectangle, m."""
    coords = np.asarray(shapely.oriented_envelope(geom).exterior.coords)
    if len(coords) < 4:
        return 0.0
    edges = np.diff(coords[:3], axis=0)
    return float(np.hypot(edges[:, 0], edges[:, 1]).min())


def cut_positions(poly, parts: int) -> list[float]:
    """Positions along x cutting ``poly`` into ``parts`` pieces of equal area (bisection)."""
    x0, y0, x1, y1 = poly.bounds
    total = poly.area
    cuts = []
    lo = x0
    for j in range(1, parts):
        goal = total * j / parts
        a, b = lo, x1
        while b - a > 0.01:
            mid = (a + b) / 2
            if shapely.box(x0 - 1, y0 - 1, mid, y1 + 1).intersection(poly).area < goal:
                a = mid
            else:
                b = mid
        cuts.append((a + b) / 2)
        lo = cuts[-1]
    return cuts
