"""parkmap: industrial-park layout and land-use planning.

The public API, used by notebooks and the command line alike (it fits on one screen):

- a park: :class:`Park` (named layers in one metric CRS), :func:`read_park` (a
  GeoPackage or a folder of GeoJSON layers, or any other files through the importer),
  :func:`import_park` (planners' own files, with an :class:`ImportReport`),
  :mod:`parkmap.datasets` (the embedded Dianjiang park), :func:`validate` (every
  :class:`Problem` of a park);
- areas: :func:`area_report` → :class:`AreaReport`;
- land availability: :func:`availability` → :class:`Availability`, with
  :func:`load_rules` → :class:`AvailabilityRules`;
- layout: :func:`layout` → :class:`Layout`, with :class:`PlotOptions` and
  :func:`building_templates`;
- scenarios: :func:`compare` → :class:`Comparison`, with :class:`Scenario` and
  :func:`load_scenario`;
- project allocation: :func:`allocate` → :class:`Allocation` (which plots each project
  of the pipeline gets, the land balance by sub-park);
- web maps: :func:`webmap` and :func:`save_map`;
- :mod:`parkmap.errors` (every error is a :class:`ParkmapError`) and :mod:`parkmap.units`.

The engines and outputs live in subpackages (:mod:`parkmap.land`, :mod:`parkmap.siteplan`,
:mod:`parkmap.maps`, :mod:`parkmap.io`); the README's "How the code is organised" lists
them. Names are loaded on first use, so ``import parkmap`` and ``parkmap --help`` stay fast.
"""

from __future__ import annotations

import importlib
import logging
import warnings
from typing import TYPE_CHECKING, Any

logging.getLogger("parkmap").addHandler(logging.NullHandler())

#: Public name → the module that defines it (imported on first use).
_API = {
    "Park": "parkmap.park",
    "Problem": "parkmap.schema",
    "read_park": "parkmap.io",
    "import_park": "parkmap.io",
    "ImportReport": "parkmap.io",
    "area_report": "parkmap.report",
    "AreaReport": "parkmap.report",
    "availability": "parkmap.land",
    "Availability": "parkmap.land",
    "load_rules": "parkmap.land",
    "AvailabilityRules": "parkmap.land",
    "layout": "parkmap.siteplan",
    "Layout": "parkmap.siteplan",
    "PlotOptions": "parkmap.siteplan",
    "building_templates": "parkmap.siteplan",
    "compare": "parkmap.scenarios",
    "Comparison": "parkmap.scenarios",
    "Scenario": "parkmap.scenarios",
    "load_scenario": "parkmap.scenarios",
    "allocate": "parkmap.allocation",
    "Allocation": "parkmap.allocation",
    "webmap": "parkmap.maps",
    "save_map": "parkmap.maps",
    "ParkmapError": "parkmap.errors",
}
_SUBMODULES = ("datasets", "errors", "units")

#: Names that were public in 0.1 and now live elsewhere: old name → new home.
_MOVED = {
    "LAYERS": "parkmap.schema",
    "validate_layers": "parkmap.schema",
    "BuildingTemplate": "parkmap.siteplan",
    "IndicatorRules": "parkmap.siteplan",
    "check_indicators": "parkmap.siteplan",
    "indicator_rules": "parkmap.siteplan",
    "landuse_classes": "parkmap.landuse",
    "lookup_code": "parkmap.landuse",
    "gcj02_to_wgs84": "parkmap.crs",
    "wgs84_to_gcj02": "parkmap.crs",
    "BasemapError": "parkmap.errors",
    "CRSError": "parkmap.errors",
    "DataFileError": "parkmap.errors",
    "OutputExistsError": "parkmap.errors",
    "RulesError": "parkmap.errors",
    "ValidationError": "parkmap.errors",
}

__all__ = [
    "Allocation",
    "AreaReport",
    "Availability",
    "AvailabilityRules",
    "Comparison",
    "ImportReport",
    "Layout",
    "Park",
    "ParkmapError",
    "PlotOptions",
    "Problem",
    "Scenario",
    "__version__",
    "allocate",
    "area_report",
    "availability",
    "building_templates",
    "compare",
    "datasets",
    "errors",
    "import_park",
    "layout",
    "load_rules",
    "load_scenario",
    "read_park",
    "save_map",
    "units",
    "validate",
    "webmap",
]

if TYPE_CHECKING:  # what static tools and IDEs see
    from parkmap import datasets, errors, units
    from parkmap.allocation import Allocation, allocate
    from parkmap.errors import ParkmapError
    from parkmap.io import ImportReport, import_park, read_park
    from parkmap.land import Availability, AvailabilityRules, availability, load_rules
    from parkmap.maps import save_map, webmap
    from parkmap.park import Park
    from parkmap.report import AreaReport, area_report
    from parkmap.scenarios import Comparison, Scenario, compare, load_scenario
    from parkmap.schema import Problem
    from parkmap.siteplan import Layout, PlotOptions, building_templates, layout


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the package metadata on first use
        from parkmap._data import package_version

        value: Any = package_version()
    elif name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"parkmap.{name}")
    elif name in _MOVED:
        home = _MOVED[name]
        warnings.warn(
            f"parkmap.{name} is deprecated; use {home}.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(home), name)
    else:
        raise AttributeError(f"module 'parkmap' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def validate(park: Park) -> list[Problem]:
    """Every validation problem of a park (errors and warnings), in layer order.

    Examples
    --------
    >>> import parkmap
    >>> [p for p in parkmap.validate(parkmap.datasets.load("dianjiang")) if p.severity == "error"]
    []
    """
    return list(park.problems)
