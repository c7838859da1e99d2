"""Apply a scenario: a new park and new engine options, the base left untouched.

Nothing here writes to disk or changes the base park: layer edits are made on copies
of its layers, and the scenario park is built (and validated) from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from parkmap.errors import DataFileError, RulesError
from parkmap.land import AvailabilityRules
from parkmap.park import Park
from parkmap.scenarios.spec import LayerEdit, Scenario, rule_changes
from parkmap.schema import feature_ids

__all__ = ["Applied", "apply_scenario"]


@dataclass
class Applied:
    """A scenario ready to run: its park, availability rules and engine options.

    Attributes
    ----------
    park : Park
        The scenario's park (the base park itself when no layer changes).
    rules : AvailabilityRules
        The availability rules.
    layout : dict
        Keywords of :func:`parkmap.layout` (``plot``, ``building``, ``rules``,
        ``office``).
    allocation : dict
        Keywords of the allocation engine (``statuses``, ``projects``, ``rules``).
    notes : list of str
        What the scenario changed, one line each.
    """

    park: Park
    rules: AvailabilityRules
    layout: dict = field(default_factory=dict)
    allocation: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _read(value, park: Park, where: str) -> gpd.GeoDataFrame:
    if isinstance(value, gpd.GeoDataFrame):
        gdf = value
    else:
        try:
            gdf = gpd.read_file(Path(value), engine="pyogrio")
        except Exception as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise DataFileError(f"{where}: cannot read {value} ({first})") from None
    if gdf.crs is None:
        raise DataFileError(f"{where}: {value} has no CRS; parkmap never guesses one")
    return gdf.to_crs(park.crs)


def _edit_layer(
    park: Park, name: str, edit: LayerEdit, source: str
) -> tuple[gpd.GeoDataFrame, list[str]]:
    where = f"{source}: layers.{name}"
    notes = []
    layer = park.get(name)
    if edit.replace is not None:
        layer = _read(edit.replace, park, f"{where}.replace")
        notes.append(f"{name}: replaced by {edit.replace} ({len(layer)} features)")
    elif layer is None:
        layer = gpd.GeoDataFrame(geometry=[], crs=park.crs)
    else:
        layer = layer.copy()
    if edit.add is not None:
        added = _read(edit.add, park, f"{where}.add")
        layer = gpd.GeoDataFrame(
            pd.concat([layer, added], ignore_index=True), geometry="geometry", crs=park.crs
        )
        notes.append(f"{name}: {len(added)} feature(s) added from {edit.add}")
    remove = edit.remove
    if not isinstance(remove, tuple):
        frame = _read(remove, park, f"{where}.remove")
        if "id" not in frame.columns:
            raise RulesError(f"{where}.remove: {remove} has no 'id' column")
        remove = tuple(str(v) for v in frame["id"])
    if remove:
        ids = feature_ids(layer).astype(str)
        missing = sorted(set(remove) - set(ids))
        if missing:
            raise RulesError(f"{where}.remove: no feature with id {', '.join(missing)}")
        layer = layer[~ids.isin(remove).to_numpy()].reset_index(drop=True)
        notes.append(f"{name}: {len(remove)} feature(s) removed ({', '.join(remove)})")
    return layer, notes


def _layout_options(scenario: Scenario) -> dict:
    options = dict(scenario.layout)
    out: dict = {}
    if "template" in options:
        out["building"] = options["template"]
    if "plot_mu" in options:
        out["plot"] = float(options["plot_mu"])
    if "plot" in options:
        out["plot"] = dict(options["plot"])
    if "rules" in options:
        out["rules"] = options["rules"]
    if "office" in options:
        out["office"] = bool(options["office"])
    return out


def apply_scenario(park: Park, scenario: Scenario, rules: AvailabilityRules) -> Applied:
    """The scenario's park, rules and options, built from copies of the base.

    Parameters
    ----------
    park : Park
        The base park (not modified).
    scenario : Scenario
        What changes.
    rules : AvailabilityRules
        The base availability rules.

    Returns
    -------
    Applied

    Raises
    ------
    parkmap.errors.RulesError
        On a bad key, value or feature id (naming the scenario's file and key).
    parkmap.errors.DataFileError
        If a layer file cannot be read or has no CRS.
    parkmap.errors.ValidationError
        If the edited park has validation errors (when it is run).
    """
    notes = []
    changes = rule_changes(scenario)
    if changes:
        try:
            rules = rules.replace(**changes, source=f"{rules.source} + {scenario.source}")
        except RulesError as err:
            raise RulesError(f"{scenario.source}: availability: {err}") from None
        notes.append("availability rules: " + ", ".join(f"{k}={v}" for k, v in changes.items()))
    if scenario.layers:
        layers = dict(park.layers)
        for name, edit in scenario.layers.items():
            layers[name], more = _edit_layer(park, name, edit, scenario.source)
            notes += more
        metadata = dict(park.metadata)
        metadata["scenario"] = scenario.name
        park = Park(layers, crs=park.crs, metadata=metadata, source=scenario.source)
    layout = _layout_options(scenario)
    if layout:
        notes.append("layout: " + ", ".join(f"{k}={v}" for k, v in layout.items()))
    allocation = dict(scenario.allocation)
    if "statuses" in allocation:
        allocation["statuses"] = tuple(allocation["statuses"])
    if allocation:
        notes.append("allocation: " + ", ".join(f"{k}={v}" for k, v in allocation.items()))
    return Applied(park=park, rules=rules, layout=layout, allocation=allocation, notes=notes)
