"""Scenario files: a name and only what changes from the base park.

A scenario is a small TOML file (or a :class:`Scenario` built in code)::

    [scenario]
    name = "蓝线 50 m"                     # required
    name_en = "50 m blue line"             # optional
    description = "..."                    # optional

    [availability.constraints.buffer_m]    # the keys of the availability rules file
    water = 50

    [layout]                               # layout options
    template = "portal_shed"               # or a list of templates
    plot_mu = 50                           # or a [layout.plot] table of PlotOptions
    rules = "local_indicators.csv"         # control-indicator ruleset
    office = true

    [allocation]                           # allocation options
    statuses = ["under_construction", "signed", "negotiating"]
    projects = "pipeline.xlsx"
    rules = "allocation_rules.toml"

    [layers.boundary]                      # layer replacements and edits
    replace = "boundary_2025.geojson"      # a whole new layer
    add = "boundary_adjustment.geojson"    # features added
    remove = ["bd-x-1"]                    # feature ids removed (or a file of features)

Paths are relative to the scenario file. Unknown keys and bad values raise
:class:`parkmap.errors.RulesError` with one line naming the file and the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from parkmap._toml import is_number, read_toml, text_list
from parkmap.errors import RulesError
from parkmap.schema import (
    BOUNDARY_ZONES,
    BUILDING_STATUS,
    CONSTRAINT_KINDS,
    LAYERS,
    PARCEL_STATUS,
    PROJECT_STATUS,
    ROAD_STATUS,
)

__all__ = ["LayerEdit", "Scenario", "load_scenario", "rule_changes"]

_STEPS = ("outside_boundary", "constraints", "roads", "built", "committed", "fragments")

#: The availability keys a scenario may set: TOML key -> (rules field, allowed values).
_RULE_KEYS: dict[str, tuple[str, tuple[str, ...] | str]] = {
    "order": ("order", _STEPS),
    "boundary.zones": ("boundary_zones", BOUNDARY_ZONES),
    "boundary.hard_zones": ("hard_zones", BOUNDARY_ZONES),
    "boundary.conditional_zones": ("conditional_zones", BOUNDARY_ZONES),
    "constraints.hard_kinds": ("hard_kinds", CONSTRAINT_KINDS),
    "constraints.conditional_kinds": ("conditional_kinds", CONSTRAINT_KINDS),
    "constraints.buffer_m": ("buffer_m", "buffers"),
    "roads.statuses": ("road_statuses", ROAD_STATUS),
    "built.parcel_statuses": ("built_parcel_statuses", PARCEL_STATUS),
    "built.building_statuses": ("built_building_statuses", BUILDING_STATUS),
    "committed.parcel_statuses": ("committed_parcel_statuses", PARCEL_STATUS),
    "committed.building_statuses": ("committed_building_statuses", BUILDING_STATUS),
    "committed.project_statuses": ("committed_project_statuses", PROJECT_STATUS),
    "fragments.min_area_mu": ("min_area_mu", "number"),
    "fragments.min_width_m": ("min_width_m", "number"),
}
_LAYOUT_KEYS = ("template", "plot_mu", "plot", "rules", "office")
_ALLOCATION_KEYS = ("statuses", "projects", "rules")
_LAYER_KEYS = ("replace", "add", "remove")
_SECTIONS = ("scenario", "availability", "layout", "allocation", "layers")


@dataclass(frozen=True)
class LayerEdit:
    """A change to one layer: replaced by a file, features added, features removed.

    Attributes
    ----------
    replace : path-like or geopandas.GeoDataFrame, optional
        A whole new layer.
    add : path-like or geopandas.GeoDataFrame, optional
        Features appended to the layer (after ``replace``, if both are given).
    remove : tuple of str, path-like or geopandas.GeoDataFrame
        Feature ids to remove, or features whose ``id`` values are removed.
    """

    replace: object = None
    add: object = None
    remove: object = ()


@dataclass(frozen=True)
class Scenario:
    """A named alternative of a park: only what changes from the base.

    Build one from a file with :func:`load_scenario`, or in code.

    Attributes
    ----------
    name : str
        The scenario's name, shown as its column header.
    name_en : str, optional
        An English name (default: ``name``).
    description : str
        What the scenario asks, in a sentence.
    availability : dict
        Changes to the availability rules, in the layout of the rules file
        (``{"constraints": {"buffer_m": {"water": 50}}}``).
    layout : dict
        Layout options: ``template`` (str or list), ``plot_mu``, ``plot`` (a dict of
        :class:`parkmap.PlotOptions` fields), ``rules`` (an indicator ruleset CSV),
        ``office`` (bool).
    allocation : dict
        Allocation options: ``statuses``, ``projects``, ``rules``.
    layers : dict of str to LayerEdit
        Layer replacements and edits.
    source : str
        Where the scenario came from (a file, or ``<code>``), named in messages.

    Examples
    --------
    >>> s = Scenario("蓝线 50 m", availability={"constraints": {"buffer_m": {"water": 50}}})
    >>> s.label("en")
    '蓝线 50 m'
    """

    name: str
    name_en: str | None = None
    description: str = ""
    availability: Mapping = field(default_factory=dict)
    layout: Mapping = field(default_factory=dict)
    allocation: Mapping = field(default_factory=dict)
    layers: Mapping[str, LayerEdit] = field(default_factory=dict)
    source: str = "<code>"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise RulesError(f"{self.source}: scenario.name: a non-empty text is required")
        rule_changes(self)  # checks the availability section
        _check_layout(self.source, self.layout)
        _check_allocation(self.source, self.allocation)
        for layer, edit in self.layers.items():
            if layer not in LAYERS:
                raise RulesError(
                    f"{self.source}: unknown key 'layers.{layer}' (known: {', '.join(LAYERS)})"
                )
            if not isinstance(edit, LayerEdit):
                raise RulesError(f"{self.source}: layers.{layer}: expected a LayerEdit")

    def label(self, lang: str = "en") -> str:
        """The column header: the English name in English when there is one."""
        return (self.name_en or self.name) if lang == "en" else self.name


def _where(source: str, key: str) -> str:
    return f"{source}: {key}"


def _flatten(source: str, data: Mapping, prefix: str = "") -> dict[str, object]:
    """The availability section as ``section.key`` -> value, checking every key."""
    flat: dict[str, object] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if name in _RULE_KEYS:
            flat[name] = value
        elif isinstance(value, Mapping) and any(k.startswith(f"{name}.") for k in _RULE_KEYS):
            flat.update(_flatten(source, value, f"{name}."))
        else:
            known = ", ".join(sorted(_RULE_KEYS))
            raise RulesError(f"{source}: unknown key 'availability.{name}' (known: {known})")
    return flat


def rule_changes(scenario: Scenario) -> dict[str, object]:
    """The scenario's availability section as keywords of ``AvailabilityRules.replace``.

    Raises
    ------
    parkmap.errors.RulesError
        On an unknown key or a bad value, naming the scenario's file and the key.

    Examples
    --------
    >>> rule_changes(Scenario("a", availability={"fragments": {"min_area_mu": 5}}))
    {'min_area_mu': 5.0}
    """
    if not isinstance(scenario.availability, Mapping):
        raise RulesError(f"{scenario.source}: [availability] must be a table of keys")
    changes: dict[str, object] = {}
    for key, value in _flatten(scenario.source, scenario.availability).items():
        target, allowed = _RULE_KEYS[key]
        where = _where(scenario.source, f"availability.{key}")
        if allowed == "number":
            if not is_number(value):
                raise RulesError(f"{where}: expected a number >= 0, got {value!r}")
            changes[target] = float(value)
        elif allowed == "buffers":
            if not isinstance(value, Mapping):
                raise RulesError(f"{where}: expected a table of kind = metres")
            for kind, metres in value.items():
                if kind not in CONSTRAINT_KINDS:
                    raise RulesError(
                        f"{where}.{kind}: unknown constraint kind "
                        f"(known: {', '.join(CONSTRAINT_KINDS)})"
                    )
                if not is_number(metres):
                    raise RulesError(f"{where}.{kind}: expected a number >= 0, got {metres!r}")
            changes[target] = {k: float(v) for k, v in value.items()}
        else:  # a value listed twice passes here, as it always has
            changes[target] = text_list(
                scenario.source, f"availability.{key}", value, allowed, unique=False
            )
    return changes


def _check_layout(source: str, options: Mapping) -> None:
    if not isinstance(options, Mapping):
        raise RulesError(f"{source}: [layout] must be a table of keys")
    for key, value in options.items():
        where = _where(source, f"layout.{key}")
        if key not in _LAYOUT_KEYS:
            raise RulesError(
                f"{source}: unknown key 'layout.{key}' (known: {', '.join(_LAYOUT_KEYS)})"
            )
        if key == "template" and not (
            isinstance(value, str)
            or (isinstance(value, list) and value and all(isinstance(v, str) for v in value))
        ):
            raise RulesError(f"{where}: expected a template name or a list of them")
        if key == "plot_mu" and not (is_number(value) and value > 0):
            raise RulesError(f"{where}: expected a number > 0, got {value!r}")
        if key == "plot" and not (
            isinstance(value, Mapping) and all(is_number(v) for v in value.values())
        ):
            raise RulesError(f"{where}: expected a table of plot option = number")
        if key == "office" and not isinstance(value, bool):
            raise RulesError(f"{where}: expected true or false, got {value!r}")
        if key == "rules" and not isinstance(value, (str, os.PathLike)):
            raise RulesError(f"{where}: expected a path to a ruleset CSV")
    if "plot" in options and "plot_mu" in options:
        raise RulesError(f"{source}: layout: give plot_mu or [layout.plot], not both")


def _check_allocation(source: str, options: Mapping) -> None:
    if not isinstance(options, Mapping):
        raise RulesError(f"{source}: [allocation] must be a table of keys")
    for key, value in options.items():
        where = _where(source, f"allocation.{key}")
        if key not in _ALLOCATION_KEYS:
            raise RulesError(
                f"{source}: unknown key 'allocation.{key}' (known: {', '.join(_ALLOCATION_KEYS)})"
            )
        if key == "statuses":
            if not isinstance(value, list) or not value:
                raise RulesError(f"{where}: expected a list of project statuses")
            for item in value:
                if item not in PROJECT_STATUS:
                    raise RulesError(f"{where}: {item!r} is not one of {', '.join(PROJECT_STATUS)}")
        elif not isinstance(value, (str, os.PathLike)):
            raise RulesError(f"{where}: expected a path")


def _resolve(base: Path, value) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base / path


def _layer_edits(source: str, data, base: Path) -> dict[str, LayerEdit]:
    if not isinstance(data, Mapping):
        raise RulesError(f"{source}: [layers] must be a table of layer tables")
    edits = {}
    for layer, table in data.items():
        if layer not in LAYERS:
            raise RulesError(f"{source}: unknown key 'layers.{layer}' (known: {', '.join(LAYERS)})")
        if not isinstance(table, Mapping) or not table:
            raise RulesError(f"{source}: layers.{layer}: expected replace, add or remove")
        for key, value in table.items():
            where = _where(source, f"layers.{layer}.{key}")
            if key not in _LAYER_KEYS:
                raise RulesError(
                    f"{source}: unknown key 'layers.{layer}.{key}' "
                    f"(known: {', '.join(_LAYER_KEYS)})"
                )
            if key == "remove" and isinstance(value, list):
                if not all(isinstance(v, str) for v in value):
                    raise RulesError(f"{where}: expected a list of feature ids or a file")
                continue
            if not isinstance(value, str):
                raise RulesError(f"{where}: expected a file path")
            if not _resolve(base, value).is_file():
                raise RulesError(f"{where}: no such file {_resolve(base, value)}")
        remove = table.get("remove", [])
        edits[layer] = LayerEdit(
            replace=_resolve(base, table["replace"]) if "replace" in table else None,
            add=_resolve(base, table["add"]) if "add" in table else None,
            remove=tuple(remove) if isinstance(remove, list) else _resolve(base, remove),
        )
    return edits


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read a scenario file (TOML).

    Parameters
    ----------
    path : path-like
        The scenario file; the paths inside it are relative to it.

    Returns
    -------
    Scenario

    Raises
    ------
    parkmap.errors.RulesError
        If the file cannot be read, is not TOML, or has an unknown key or a bad value;
        the message is one line naming the file and the key.

    Examples
    --------
    >>> from parkmap.scenarios import example_scenarios
    >>> load_scenario(example_scenarios()[0]).name
    '弹性发展区未获批'
    """
    path = Path(path)
    source = str(path)
    data = read_toml(path, "scenario")
    for key in data:
        if key not in _SECTIONS:
            raise RulesError(f"{source}: unknown key {key!r} (known: {', '.join(_SECTIONS)})")
    head = data.get("scenario")
    if not isinstance(head, Mapping) or "name" not in head:
        raise RulesError(f'{source}: [scenario] name = "..." is required')
    for key, value in head.items():
        if key not in ("name", "name_en", "description"):
            raise RulesError(
                f"{source}: unknown key 'scenario.{key}' (known: name, name_en, description)"
            )
        if not isinstance(value, str):
            raise RulesError(f"{source}: scenario.{key}: expected text, got {value!r}")
    base = path.parent
    layout = dict(data.get("layout", {}))
    if isinstance(layout.get("rules"), str):
        layout["rules"] = _resolve(base, layout["rules"])
    allocation = dict(data.get("allocation", {}))
    for key in ("projects", "rules"):
        if isinstance(allocation.get(key), str):
            allocation[key] = _resolve(base, allocation[key])
    return Scenario(
        name=head["name"],
        name_en=head.get("name_en"),
        description=head.get("description", ""),
        availability=data.get("availability", {}),
        layout=layout,
        allocation=allocation,
        layers=_layer_edits(source, data.get("layers", {}), base),
        source=source,
    )
