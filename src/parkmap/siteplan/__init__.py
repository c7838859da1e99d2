"""The layout engine: plots along roads, factory buildings and control-indicator checks.

Modules (each module's ``__all__`` also lists the helpers other modules of the package
use; the package ``__all__`` below is the public API):

- :mod:`~parkmap.siteplan.standards`: :class:`PlotOptions`, :class:`BuildingTemplate`,
  :func:`building_templates`, :func:`fire_spacing_m`, :func:`road_setback_m` (CSV-backed
  standards);
- :mod:`~parkmap.siteplan.fire`: fire classes, the GB 50016 spacing table, fire lanes
  (:func:`fire_class`, :func:`needs_fire_lanes`);
- :mod:`~parkmap.siteplan.profiles`: local rule profiles (渝府令318号, :func:`profile`)
  and the ruleset registry (:func:`ruleset_info`);
- :mod:`~parkmap.siteplan.rulebook`: the standards one layout run applies and its notes;
- :mod:`~parkmap.siteplan.geometry`: local frames, main axis, polygon parts, widths, cuts;
- :mod:`~parkmap.siteplan.plots`: blocks into rows and plots, inserted branch roads;
- :mod:`~parkmap.siteplan.buildings`: packing, the office block, setbacks, fire spacing;
- :mod:`~parkmap.siteplan.indicators`: the control-indicator rulesets and checks
  (:func:`indicator_rules`, :func:`check_indicators`, :func:`far_floor_area`) and the
  per-plot, per-sub-park and summary indicator tables of a layout;
- :mod:`~parkmap.siteplan.result`: :class:`Layout`, its renderings and output frames;
- :mod:`~parkmap.siteplan.prerequisites`: :func:`check_layout`, what a layout needs before
  any work (sub-parks, available land);
- :mod:`~parkmap.siteplan.engine`: :func:`layout`, the orchestration (and the algorithm
  in its docstring).
"""

from __future__ import annotations

from parkmap.siteplan.engine import layout
from parkmap.siteplan.fire import fire_class, needs_fire_lanes
from parkmap.siteplan.indicators import (
    INDICATORS,
    IndicatorRules,
    check_indicators,
    far_floor_area,
    indicator_rules,
)
from parkmap.siteplan.prerequisites import check_layout
from parkmap.siteplan.profiles import Profile, profile, ruleset_info
from parkmap.siteplan.result import FORMATS, JSON_SCHEMA_VERSION, Layout
from parkmap.siteplan.standards import (
    DEFAULT_TEMPLATES,
    OFFICE_TEMPLATE,
    BuildingTemplate,
    PlotOptions,
    building_templates,
    fire_spacing_m,
    road_setback_m,
)

__all__ = [
    "DEFAULT_TEMPLATES",
    "FORMATS",
    "INDICATORS",
    "JSON_SCHEMA_VERSION",
    "OFFICE_TEMPLATE",
    "BuildingTemplate",
    "IndicatorRules",
    "Layout",
    "PlotOptions",
    "Profile",
    "building_templates",
    "check_indicators",
    "check_layout",
    "far_floor_area",
    "fire_class",
    "fire_spacing_m",
    "indicator_rules",
    "layout",
    "needs_fire_lanes",
    "profile",
    "road_setback_m",
    "ruleset_info",
]
