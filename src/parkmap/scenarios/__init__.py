"""Scenarios: named alternatives of a park, compared side by side.

:func:`compare` runs the base park and each scenario through the engines
(:func:`parkmap.availability`, :func:`parkmap.layout` and :func:`parkmap.allocate`)
and returns a :class:`Comparison`: the availability waterfall, the available land by
sub-park, the layout and allocation summaries and the 用地平衡表 in columns, each with
its difference from the base, and the land whose category changed.

Modules:

- :mod:`~parkmap.scenarios.spec`: scenario files (TOML) and :class:`Scenario`;
- :mod:`~parkmap.scenarios.apply`: a scenario's park and options, the base untouched;
- :mod:`~parkmap.scenarios.balance`: the 用地平衡表 (land by 2023 用地用海 class);
- :mod:`~parkmap.scenarios.changes`: land whose waterfall category changed;
- :mod:`~parkmap.scenarios.engine`: the columns, run through the engines;
- :mod:`~parkmap.scenarios.frames`: the comparison's tables;
- :mod:`~parkmap.scenarios.result`: :class:`Comparison` and its renderings.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from parkmap.datasets import get_path
from parkmap.land import AvailabilityRules
from parkmap.park import Park
from parkmap.scenarios.balance import landuse_balance
from parkmap.scenarios.engine import Column, compare_columns
from parkmap.scenarios.result import FORMATS, JSON_SCHEMA_VERSION, Comparison
from parkmap.scenarios.spec import LayerEdit, Scenario, load_scenario

__all__ = [
    "FORMATS",
    "JSON_SCHEMA_VERSION",
    "Column",
    "Comparison",
    "LayerEdit",
    "Scenario",
    "compare",
    "example_scenarios",
    "landuse_balance",
    "load_scenario",
]


def example_scenarios(name: str = "dianjiang") -> list[Path]:
    """The scenario files shipped for an embedded park, in order.

    Examples
    --------
    >>> [p.name for p in example_scenarios()]
    ['flex_zone_not_approved.toml', 'chongqing_buffers.toml', 'negotiating_signed.toml']
    """
    folder = get_path(name) / "scenarios"
    order = ("flex_zone_not_approved", "chongqing_buffers", "negotiating_signed")
    rank = {stem: i for i, stem in enumerate(order)}
    files = sorted(folder.glob("*.toml"), key=lambda p: (rank.get(p.stem, len(order)), p.name))
    if not files:
        raise ValueError(f"the sample park {name!r} ships no scenario files")
    return files


def compare(
    park: Park,
    scenarios: Iterable[Scenario | str | os.PathLike],
    *,
    base_name: str | None = None,
    rules: AvailabilityRules | str | os.PathLike | None = None,
    subparks: str | Sequence[str] | None = None,
    layout: bool = True,
    allocation: bool = True,
) -> Comparison:
    """Compare scenarios of a park side by side, the base first.

    Parameters
    ----------
    park : Park
        The base park (never modified).
    scenarios : list of Scenario or path-like
        Scenarios built in code or scenario files (TOML; see
        :mod:`parkmap.scenarios.spec`).
    base_name : str, optional
        The base column's name (default 基准 / base).
    rules : AvailabilityRules or path-like, optional
        The base's availability rules (default: the shipped rules); a scenario's
        ``[availability]`` changes them.
    subparks : str or list of str, optional
        Sub-parks laid out in every column (default: all; a whole-park layout of the
        Dianjiang park takes about 40 s per column).
    layout : bool, default True
        Lay out each column (its summary and the 用地平衡表's plan need it).
    allocation : bool, default True
        Allocate the project pipeline to each column's plots (:func:`parkmap.allocate`;
        it needs ``layout``). Without it the allocation is null and a note says so.

    Returns
    -------
    Comparison

    Raises
    ------
    parkmap.errors.RulesError
        On a bad scenario file (one line naming the file and the key).
    parkmap.errors.DataFileError
        If a layer file of a scenario cannot be read.
    parkmap.errors.ValidationError
        If a scenario's park has validation errors.

    Examples
    --------
    >>> import parkmap
    >>> park = parkmap.datasets.load("dianjiang")
    >>> wider = Scenario("蓝线 50 m", availability={"constraints": {"buffer_m": {"water": 50}}})
    >>> result = compare(park, [wider], layout=False)
    >>> table = result.table("availability").set_index("key")
    >>> bool(table.loc["constraints", "delta:s1"] > 0)
    True
    """
    columns, notes = compare_columns(
        park,
        scenarios,
        base_name=base_name,
        rules=rules,
        subparks=subparks,
        with_layout=layout,
        with_allocation=allocation,
    )
    existing, _ = landuse_balance(park, columns[0].availability)
    return Comparison(columns=columns, existing_balance=existing, notes=notes)
