"""parkmap: industrial-park layout and land-use planning.

The public API, used by notebooks and the command line alike:

- :class:`Park`: a park's named layers in one projected metric CRS, plus metadata;
- :mod:`parkmap.datasets`: the embedded Dianjiang park (``datasets.load("dianjiang")``);
- :func:`read_park`: read a park from a GeoPackage or a folder of GeoJSON layers;
- :func:`validate`: every problem of a park's layers, as a list;
- :func:`area_report`: areas of clusters, development boundary, sub-parks and layers in
  m², 亩, 公顷 and km².
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

from parkmap import datasets, errors, units
from parkmap.errors import (
    CRSError,
    DataFileError,
    OutputExistsError,
    ParkmapError,
    RulesError,
    ValidationError,
)
from parkmap.landuse import landuse_classes, lookup_code
from parkmap.park import Park
from parkmap.report import AreaReport, area_report
from parkmap.schema import LAYERS, Problem, validate_layers

logging.getLogger("parkmap").addHandler(logging.NullHandler())

__all__ = [
    "LAYERS",
    "AreaReport",
    "CRSError",
    "DataFileError",
    "OutputExistsError",
    "Park",
    "ParkmapError",
    "Problem",
    "RulesError",
    "ValidationError",
    "__version__",
    "area_report",
    "datasets",
    "errors",
    "landuse_classes",
    "lookup_code",
    "read_park",
    "units",
    "validate",
    "validate_layers",
]


def read_park(path, *, crs=None, layers=None) -> Park:
    """Read a park from a GeoPackage or a folder of GeoJSON layers.

    Parameters
    ----------
    path : path-like
        A ``.gpkg`` file or a folder of ``<layer>.geojson`` files.
    crs : CRS-like, optional
        The park's projected metric CRS (default: derived, see :class:`Park`).
    layers : list of str, optional
        Only these GeoPackage layers.

    Returns
    -------
    Park
    """
    return Park.read(path, crs=crs, layers=layers)


def validate(park: Park) -> list[Problem]:
    """Every validation problem of a park (errors and warnings), in layer order."""
    return list(park.problems)
