"""Geometry validity (``shapely.is_valid``) of large layers, tested on background threads.

GEOS releases the GIL, so the validity of a county's parcels is tested on two threads
while the main thread goes on with the rest of reading a park: choosing its CRS, checking
its columns. :func:`start_validity` starts the test and returns a function that waits
for the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

__all__ = ["THREADED_FROM", "start_validity"]

#: Layers from this many features up are tested on two background threads; smaller
#: ones when the answer is asked for (a thread would cost more than it saves).
THREADED_FROM = 20_000


def start_validity(geoms) -> Callable[[], np.ndarray]:
    """Start testing ``shapely.is_valid`` of each geometry; return a function giving it.

    Parameters
    ----------
    geoms : array-like of shapely geometries (or None)

    Returns
    -------
    callable
        Waits for the test and returns the boolean array (False for missing geometries,
        as ``shapely.is_valid``).
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) < THREADED_FROM:
        return lambda: shapely.is_valid(geoms)
    pool = ThreadPoolExecutor(2, thread_name_prefix="parkmap-validity")
    parts = [pool.submit(shapely.is_valid, part) for part in np.array_split(geoms, 2)]
    pool.shutdown(wait=False)  # the threads end with their work
    return lambda: np.concatenate([part.result() for part in parts])
