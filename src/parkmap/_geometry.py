"""Geometry helpers shared by the area report and the availability engine."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["right_of_way"]


def right_of_way(roads: gpd.GeoDataFrame) -> np.ndarray:
    """Road rights-of-way: each centreline buffered by half its ``red_line_m``, flat ends.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        Road centrelines with a ``red_line_m`` column (metres, in a metric CRS).

    Returns
    -------
    numpy.ndarray of shapely polygons
        One per road, in the roads' order (empty where the width is missing).
    """
    width_m = pd.to_numeric(roads["red_line_m"], errors="coerce").fillna(0.0).to_numpy()
    return shapely.buffer(roads.geometry.array, width_m / 2, cap_style="flat")
