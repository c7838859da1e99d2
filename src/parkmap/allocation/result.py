"""The result of an allocation: per-project table, plot layer, land balance, headline.

:class:`Allocation` holds data only (frames, a summary dict and a list of notes); the
tables and maps that show it are rendered elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["JSON_SCHEMA_VERSION", "Allocation"]

#: Version of the JSON contract of :meth:`Allocation.to_dict`.
JSON_SCHEMA_VERSION = 1

#: Project states: placed by the solver, needing no new land, already holding land,
#: not placed though it could enter the solver, or unable to enter it.
STATES = ("placed", "no_land_needed", "holds_land", "unplaced", "unplaceable")


def _clean(value):
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value


@dataclass
class Allocation:
    """Which plots each project of a pipeline gets, and where land falls short.

    Attributes
    ----------
    projects : pandas.DataFrame
        One row per project allocated: ``id``, ``name_zh``, ``name_en``, ``status``,
        ``investment_yi``, ``industry_code``, ``demand_mu``, ``demand_source`` (``given``,
        ``from investment``, ``none``), ``intensity_wan_per_mu``, ``subpark`` (where it
        went, else the sub-park it asked for), ``allowed_subparks``, ``plots`` (plot ids),
        ``n_plots``, ``allocated_mu``, ``absorbed_road_mu`` (inserted road inside its
        group), ``far_min``, ``far_lowest`` (lowest plot FAR of the layout's
        buildings), ``indicator_check``, ``placed``, ``state`` (see :data:`STATES`),
        ``reason``.
    plots : geopandas.GeoDataFrame
        Every plot of the supply with ``project`` (None where free), ``project_name``
        and ``status``.
    unplaced : geopandas.GeoDataFrame
        The projects not placed (unplaced or unplaceable) with their reason; point
        geometry from the park's ``projects`` layer where it has one.
    balance : pandas.DataFrame
        One row per sub-park: ``subpark``, ``subpark_name``, ``supply_mu``,
        ``demand_mu``, ``allocated_mu``, ``free_mu`` (supply − allocated) and
        ``surplus_mu`` (supply − demand; negative is a shortfall).
    summary : dict
        ``projects``, ``placed``, ``demand_mu``, ``allocated_mu``, ``solver``,
        ``optimal``, ``gap``, ``exhaustive``, ``components``, ``seconds`` and the
        headline in Chinese and English.
    notes : list of str
        Every assumption the numbers depend on (no silent number).
    crs : str
        The park's CRS.
    rules : dict
        The allocation rules used.
    """

    projects: pd.DataFrame
    plots: gpd.GeoDataFrame
    unplaced: gpd.GeoDataFrame
    balance: pd.DataFrame
    summary: dict
    notes: list[str] = field(default_factory=list)
    crs: str = ""
    rules: dict = field(default_factory=dict)

    @property
    def headline(self) -> str:
        """One sentence for the leaders, in English (``summary['headline_zh']``: Chinese)."""
        return str(self.summary.get("headline_en", ""))

    def to_dict(self) -> dict:
        """The JSON contract of the allocation.

        Keys: ``schema_version``, ``crs``, ``projects``, ``balance``, ``summary``,
        ``notes`` and ``rules``.
        """
        projects = [
            {
                "id": r["id"],
                "name": r["name_zh"],
                "name_en": r["name_en"],
                "status": r["status"],
                "investment_yi": _clean(r["investment_yi"]),
                "demand_mu": _clean(r["demand_mu"]),
                "demand_source": r["demand_source"],
                "subpark": _clean(r["subpark"]),
                "plots": list(r["plots"]),
                "allocated_mu": _clean(r["allocated_mu"]),
                "placed": bool(r["placed"]),
                "reason": r["reason"],
            }
            for _, r in self.projects.iterrows()
        ]
        balance = [
            {k: _clean(r[k]) for k in ("subpark", "supply_mu", "demand_mu", "allocated_mu")}
            | {"surplus_mu": _clean(r["surplus_mu"])}
            for _, r in self.balance.iterrows()
        ]
        return {
            "schema_version": JSON_SCHEMA_VERSION,
            "crs": self.crs,
            "projects": projects,
            "balance": balance,
            "summary": {k: _clean(v) for k, v in self.summary.items()},
            "notes": list(self.notes),
            "rules": self.rules,
        }

    def compare(self, other: Allocation, labels: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
        """The land balances of two allocations side by side (a what-if).

        Returns one row per sub-park with ``demand_mu``, ``allocated_mu`` and
        ``surplus_mu`` of each, suffixed with the labels, and their differences.
        """
        cols = ["subpark", "subpark_name", "supply_mu", "demand_mu", "allocated_mu", "surplus_mu"]
        a, b = self.balance[cols], other.balance[cols]
        merged = a.merge(b, on=["subpark", "subpark_name"], how="outer", suffixes=labels)
        merged = merged.rename(columns={f"{c}{s}": f"{c}_{s}" for c in cols[2:] for s in labels})
        for c in ("demand_mu", "allocated_mu", "surplus_mu"):
            merged[f"{c}_change"] = merged[f"{c}_{labels[1]}"].fillna(0) - merged[
                f"{c}_{labels[0]}"
            ].fillna(0)
        return merged
