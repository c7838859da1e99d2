"""Land availability: how much land is still available, where, and in which sub-park.

The engine behind :func:`parkmap.availability`. Modules:

- :mod:`~parkmap.land.rules`: the rules file (categories, constraints, fragments);
- :mod:`~parkmap.land.plan`: a park and its rules as units and claiming steps;
- :mod:`~parkmap.land.waterfall`: the geometric waterfall, in threads;
- :mod:`~parkmap.land.frames`: results attributed to clusters, sub-parks, parcels;
- :mod:`~parkmap.land.result`: :class:`Availability` and its renderings;
- :mod:`~parkmap.land.engine`: :func:`availability`, local or on Dask;
- :mod:`~parkmap.land.dask`: the Dask runner (``engine="dask"``).


Availability is a *waterfall*. Every square metre of the gross area is counted once, in
the first category that claims it, in the order of the rules file (default):

1. ``outside_boundary``: outside the development boundary (its ``boundary.zones``);
2. ``constraints``: hard constraints with their buffers (ecological red line, permanent
   basic farmland, water and its blue line, steep slope), and boundary zones not for
   building (特别用途区);
3. ``roads``: road rights-of-way, each centreline buffered by half its red-line width;
4. ``built``: built parcels and the footprints of existing buildings;
5. ``committed``: parcels supplied, committed or reserved for a signed project;
6. ``fragments``: pieces left over that are smaller than ``min_area_mu`` or narrower
   than ``min_width_m`` (a morphological opening);
7. ``available``: the rest.

Beside them, ``conditional`` is the part of the available land that needs a procedure
first (ordinary cropland or forest needing conversion approval, soft constraints, the
flexible-growth zone 弹性发展区). It is part of ``available``, reported so that it is
never silently counted as free land: unconditionally available = available −
conditional.

The gross area is the park's clusters (组团). A park without clusters is worked parcel by
parcel: each parcel is its own gross area, its own status claims it whole (built,
committed), and the table holds the total (and the sub-parks, by where each parcel
lies).
"""

from __future__ import annotations

from parkmap.land.engine import ENGINES, DaskEngine, availability
from parkmap.land.result import FORMATS, Availability
from parkmap.land.rules import CATEGORIES, STEPS, AvailabilityRules, load_rules

__all__ = [
    "CATEGORIES",
    "ENGINES",
    "FORMATS",
    "STEPS",
    "Availability",
    "AvailabilityRules",
    "DaskEngine",
    "availability",
    "load_rules",
]
