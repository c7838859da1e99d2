"""The comparison engine: run every scenario through the engines, base first.

Each column (the base, then each scenario) runs :func:`parkmap.availability`,
:func:`parkmap.layout` and :func:`parkmap.allocate`, with the
column's park and options; the 用地平衡表 and the changed land come from their results.
The comparison adds no arithmetic of its own beyond differences from the base.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from parkmap.land import Availability, AvailabilityRules, availability, load_rules
from parkmap.park import Park
from parkmap.scenarios.apply import apply_scenario
from parkmap.scenarios.balance import landuse_balance
from parkmap.scenarios.changes import changed_land
from parkmap.scenarios.spec import Scenario, load_scenario
from parkmap.siteplan import Layout, layout

__all__ = [
    "ALLOCATION_NO_LAYOUT",
    "ALLOCATION_OFF",
    "Column",
    "allocation_engine",
    "compare_columns",
]

log = logging.getLogger("parkmap")

#: The note of a comparison made without the allocation engine.
ALLOCATION_OFF = "allocation: not run (switched off); the allocation summaries are null"
#: The note of a comparison made without layouts (the allocation needs their plots).
ALLOCATION_NO_LAYOUT = (
    "allocation: not run (it needs the layout's plots); the allocation summaries are null"
)


@dataclass
class Column:
    """One column of a comparison: a scenario (or the base) and its engines' results.

    Attributes
    ----------
    name, name_en : str
        The column's names.
    description : str
        What it asks.
    source : str
        The scenario file (``<base>`` for the base, ``<code>`` for one built in code).
    park : Park
        The column's park.
    availability : Availability
        Its availability waterfall.
    layout : Layout or None
        Its layout (None when the comparison is made without one).
    allocation : parkmap.Allocation or None
        Its allocation (None when the comparison is made without one).
    balance : pandas.DataFrame
        Its 用地平衡表 (see :func:`parkmap.scenarios.balance.landuse_balance`).
    balance_land : geopandas.GeoDataFrame
        The land of each class.
    changes : geopandas.GeoDataFrame or None
        Land whose category differs from the base (None for the base).
    notes : list of str
        What the scenario changed.
    """

    name: str
    name_en: str
    description: str
    source: str
    park: Park
    availability: Availability
    layout: Layout | None
    allocation: object | None
    balance: pd.DataFrame
    balance_land: gpd.GeoDataFrame
    changes: gpd.GeoDataFrame | None
    notes: list[str] = field(default_factory=list)
    key: str = ""

    def label(self, lang: str = "en") -> str:
        """The column header in ``lang``."""
        return self.name_en if lang == "en" else self.name


def allocation_engine():
    """The allocation engine's ``allocate`` function (imported when first needed)."""
    from parkmap.allocation import allocate

    return allocate


def _scenario(value) -> Scenario:
    if isinstance(value, Scenario):
        return value
    if isinstance(value, (str, os.PathLike)):
        return load_scenario(value)
    raise TypeError(f"scenarios: a Scenario or a scenario file path, not {value!r}")


def _key(index: int, scenario: Scenario | None, used: set[str]) -> str:
    """A layer-name-safe key: the file stem, else s<index>."""
    if scenario is None:
        return "base"
    stem = Path(scenario.source).stem
    key = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else "_" for ch in stem)
    if scenario.source == "<code>" or not key.strip("_"):
        key = f"s{index}"
    while key in used:
        key = f"{key}_{index}"
    used.add(key)
    return key


def _run(
    park: Park,
    rules: AvailabilityRules,
    layout_options: dict | None,
    allocation_options: dict | None,
    allocate,
    subparks,
) -> tuple[Availability, Layout | None, object | None]:
    result = availability(park, rules)
    plan = None
    if layout_options is not None:
        plan = layout(park, result, subpark=subparks, **layout_options)
    allocated = None
    if allocate is not None and plan is not None and allocation_options is not None:
        allocated = allocate(park, plan, **allocation_options)
    return result, plan, allocated


def compare_columns(
    park: Park,
    scenarios: Iterable[Scenario | str | os.PathLike],
    *,
    base_name: str | None = None,
    rules: AvailabilityRules | str | os.PathLike | None = None,
    subparks: str | Sequence[str] | None = None,
    with_layout: bool = True,
    with_allocation: bool = True,
) -> tuple[list[Column], list[str]]:
    """Run the base and every scenario; the columns and the comparison's notes.

    See :func:`parkmap.compare` for the parameters.
    """
    scenarios = [_scenario(s) for s in scenarios]
    base_rules = rules if isinstance(rules, AvailabilityRules) else load_rules(rules)
    allocate = allocation_engine() if with_allocation and with_layout else None
    notes = []
    if not with_allocation:
        notes.append(ALLOCATION_OFF)
    elif not with_layout:
        notes.append(ALLOCATION_NO_LAYOUT)
    if not with_layout:
        notes.append("layout: not run (switched off); the layout summaries are null")
    elif subparks:
        scope = [subparks] if isinstance(subparks, str) else list(subparks)
        notes.append(f"layout: sub-parks {', '.join(scope)} in every column")
    else:
        notes.append("layout: every sub-park in every column")
    notes.append(
        "用地平衡表 / land-use balance: the gross area of the waterfall, classed in this "
        "order by the layout's inserted roads, road rights-of-way, parcels, the layout's "
        "plots (their sub-park's code) and constraint kinds (data/landuse_balance.csv); "
        "the rest is unclassified (the data give it no land use)"
    )
    columns: list[Column] = []
    used: set[str] = set()
    for index, scenario in enumerate([None, *scenarios]):
        if scenario is None:
            applied_park, applied_rules = park, base_rules
            layout_options: dict | None = {}
            allocation_options: dict | None = {}
            extra: list[str] = []
            name = base_name or "基准"
            name_en = base_name or "base"
            description, source = "the base park", "<base>"
        else:
            applied = apply_scenario(park, scenario, base_rules)
            applied_park, applied_rules = applied.park, applied.rules
            layout_options, allocation_options = applied.layout, applied.allocation
            extra = applied.notes
            name, name_en = scenario.name, scenario.label("en")
            description, source = scenario.description, scenario.source
        log.info("compare: %s", name_en)
        result, plan, allocated = _run(
            applied_park,
            applied_rules,
            layout_options if with_layout else None,
            allocation_options,
            allocate,
            subparks,
        )
        balance, land = landuse_balance(applied_park, result, plan)
        changes = None if not columns else changed_land(columns[0].availability, result)
        columns.append(
            Column(
                name=name,
                name_en=name_en,
                description=description,
                source=source,
                park=applied_park,
                availability=result,
                layout=plan,
                allocation=allocated,
                balance=balance,
                balance_land=land,
                changes=changes,
                notes=extra,
                key=_key(index, scenario, used),
            )
        )
    return columns, notes
