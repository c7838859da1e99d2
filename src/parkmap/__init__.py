"""parkmap: industrial-park layout and land-use planning.

The public API, used by notebooks and the command line alike:

- :class:`Park`: a park's named layers in one projected metric CRS, plus metadata;
- :mod:`parkmap.datasets`: the embedded Dianjiang park (``datasets.load("dianjiang")``);
- :func:`read_park`: read a park from a GeoPackage or a folder of GeoJSON layers, or
  import any other files; :func:`import_park`: import planners' own files (Shapefile,
  GeoPackage, GeoJSON, GeoParquet, KML, DXF) with an :class:`ImportReport`;
- :func:`validate`: every problem of a park's layers, as a list;
- :func:`area_report`: areas of clusters, development boundary, sub-parks and layers in
  m², 亩, 公顷 and km²;
- :func:`webmap` / :func:`save_map`: an interactive Leaflet map of a park (online or
  fully offline HTML); :func:`wgs84_to_gcj02` / :func:`gcj02_to_wgs84` for AMap data;
- :func:`availability`: the land-availability waterfall (what is still available, where,
  in which sub-park), with its rules from :func:`load_rules`;
- :func:`layout`: plots along roads, standard factory buildings and the control-indicator
  checks (:func:`indicator_rules`, :func:`check_indicators`) of the available land.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

from parkmap import datasets, errors, units
from parkmap.availability import Availability, availability
from parkmap.crs import gcj02_to_wgs84, wgs84_to_gcj02
from parkmap.errors import (
    BasemapError,
    CRSError,
    DataFileError,
    OutputExistsError,
    ParkmapError,
    RulesError,
    ValidationError,
)
from parkmap.indicators import IndicatorRules, check_indicators, indicator_rules
from parkmap.io import ImportReport, import_park, read_park
from parkmap.landuse import landuse_classes, lookup_code
from parkmap.layout import BuildingTemplate, Layout, PlotOptions, building_templates, layout
from parkmap.park import Park
from parkmap.report import AreaReport, area_report
from parkmap.rules import AvailabilityRules, load_rules
from parkmap.schema import LAYERS, Problem, validate_layers
from parkmap.webmap import save_map, webmap

logging.getLogger("parkmap").addHandler(logging.NullHandler())

__all__ = [
    "LAYERS",
    "AreaReport",
    "Availability",
    "AvailabilityRules",
    "BasemapError",
    "BuildingTemplate",
    "CRSError",
    "DataFileError",
    "ImportReport",
    "IndicatorRules",
    "Layout",
    "OutputExistsError",
    "Park",
    "ParkmapError",
    "PlotOptions",
    "Problem",
    "RulesError",
    "ValidationError",
    "__version__",
    "area_report",
    "availability",
    "building_templates",
    "check_indicators",
    "datasets",
    "errors",
    "gcj02_to_wgs84",
    "import_park",
    "indicator_rules",
    "landuse_classes",
    "layout",
    "load_rules",
    "lookup_code",
    "read_park",
    "save_map",
    "units",
    "validate",
    "validate_layers",
    "webmap",
    "wgs84_to_gcj02",
]


def validate(park: Park) -> list[Problem]:
    """Every validation problem of a park (errors and warnings), in layer order."""
    return list(park.problems)
