"""The result of an allocation: per-project table, plot layer, land balance, headline.

:class:`Allocation` holds data only (frames, a summary dict and a list of notes); the
tables and maps that show it are rendered elsewhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from parkmap.io import atomic_output, write_geopackage
from parkmap.tables import (
    TEXT_FORMATS,
    caption_block,
    clean_json,
    crs_line,
    csv_text,
    grid,
    heading,
    illustrative_line,
    render,
    result_header,
)
from parkmap.vocab import label, labels

__all__ = ["FORMATS", "JSON_SCHEMA_VERSION", "Allocation"]

#: Output formats of :meth:`Allocation.render` (text) and :meth:`Allocation.to_xlsx`.
FORMATS = (*TEXT_FORMATS, "xlsx")

#: Version of the JSON contract of :meth:`Allocation.to_dict`.
JSON_SCHEMA_VERSION = 1

#: Project states: placed by the solver, needing no new land, already holding land,
#: not placed though it could enter the solver, or unable to enter it.
STATES = ("placed", "no_land_needed", "holds_land", "unplaced", "unplaceable")


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
    crs_name: str = ""
    park_name_zh: str = ""
    park_name_en: str = ""
    illustrative: bool = False
    data_source: str | None = None

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
                "investment_yi": clean_json(r["investment_yi"]),
                "demand_mu": clean_json(r["demand_mu"]),
                "demand_source": r["demand_source"],
                "subpark": clean_json(r["subpark"]),
                "plots": list(r["plots"]),
                "allocated_mu": clean_json(r["allocated_mu"]),
                "placed": bool(r["placed"]),
                "reason": r["reason"],
            }
            for _, r in self.projects.iterrows()
        ]
        balance = [
            {k: clean_json(r[k]) for k in ("subpark", "supply_mu", "demand_mu", "allocated_mu")}
            | {"surplus_mu": clean_json(r["surplus_mu"])}
            for _, r in self.balance.iterrows()
        ]
        return {
            **result_header(
                self, schema_version=JSON_SCHEMA_VERSION, crs=self.crs, crs_name=self.crs_name
            ),
            "projects": projects,
            "balance": balance,
            "summary": clean_json(dict(self.summary)),
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

    # -- renderings ---------------------------------------------------------------------
    def caption(self, lang: str = "en") -> str:
        """The lines that open every rendering: title, headline, CRS, solver."""
        s = self.summary
        gap = s.get("gap")
        gap_text = "?" if gap is None or np.isnan(gap) else f"{gap:.2%}"
        if lang == "zh":
            state = "已证明最优" if s.get("optimal") else f"未证明最优，间隙 {gap_text}"
            lines = [
                f"{self.park_name_zh} 项目落位",
                str(s.get("headline_zh", "")),
                crs_line(self.crs, self.crs_name, "zh"),
                f"求解：{s.get('solver')}，{state}",
            ]
        else:
            state = "proven optimal" if s.get("optimal") else f"not proven optimal, gap {gap_text}"
            lines = [
                f"Project allocation: {self.park_name_en or self.park_name_zh}",
                str(s.get("headline_en", "")),
                crs_line(self.crs, self.crs_name, "en"),
                f"Solver: {s.get('solver')}, {state}",
            ]
        if self.illustrative:
            lines.append(illustrative_line(lang))
        return "\n".join(lines)

    def project_table(self, lang: str = "en") -> pd.DataFrame:
        """The per-project table with display values and headers in ``lang``."""
        k = 0 if lang == "zh" else 1
        frame = self.projects
        name = frame["name_zh"] if lang == "zh" else frame["name_en"].fillna(frame["name_zh"])
        return pd.DataFrame(
            {
                "id": frame["id"],
                "name": name,
                "status": [label("status", v)[k] for v in frame["status"]],
                "investment_yi": frame["investment_yi"],
                "demand_mu": frame["demand_mu"],
                "demand_source": [labels("demand_source")[v][k] for v in frame["demand_source"]],
                "subpark": frame["subpark"],
                "n_plots": frame["n_plots"],
                "allocated_mu": frame["allocated_mu"],
                "placed": frame["placed"],
                "indicator_check": frame["indicator_check"],
                "reason": frame["reason"],
            }
        )

    def to_text(self, lang: str = "en", fmt: str = "table") -> str:
        """Render as terminal tables (``fmt="table"``) or Markdown (``"markdown"``)."""
        k = 0 if lang == "zh" else 1
        blocks = [caption_block(self.caption(lang), fmt)]
        summary = labels("allocation_summary")
        rows = [[summary[key][k], _cell(self.summary.get(key), key)] for key in summary]
        headers = ["指标", "数值"] if lang == "zh" else ["figure", "value"]
        blocks.append(
            heading("汇总" if lang == "zh" else "Summary", fmt)
            + "\n"
            + grid(rows, headers, fmt, n_left=1)
        )
        spec = labels("allocation_balance")
        rows = [
            [_cell(r[c], c) for c in spec]
            for _, r in self.balance.assign(
                subpark_name=self.balance["subpark_name"].fillna(self.balance["subpark"])
            ).iterrows()
        ]
        blocks.append(
            heading("园中园用地平衡" if lang == "zh" else "Land balance by sub-park", fmt)
            + "\n"
            + grid(rows, [v[k] for v in spec.values()], fmt, n_left=1)
        )
        spec = labels("allocation_project")
        table = self.project_table(lang)
        rows = [[_cell(r[c], c) for c in spec] for _, r in table.iterrows()]
        align = ["right" if c in _NUMERIC else "left" for c in spec]
        blocks.append(
            heading("项目" if lang == "zh" else "Projects", fmt)
            + "\n"
            + grid(rows, [v[k] for v in spec.values()], fmt, align=align)
        )
        blocks.append(("说明：" if lang == "zh" else "Notes:") + "\n" + _bullets(self.notes, fmt))
        return "\n\n".join(blocks) + "\n"

    def to_csv(self, lang: str = "en") -> str:
        """The per-project table as CSV (unrounded; plot ids joined by ``;``)."""
        table = self.project_table(lang)
        table.insert(8, "plots", [";".join(p) for p in self.projects["plots"]])
        if lang == "zh":
            names = {key: zh for key, (zh, _en) in labels("allocation_project").items()}
            names["plots"] = "地块"
            table.columns = [names.get(c, c) for c in table.columns]
        return csv_text(table)

    def render(self, fmt: str = "table", lang: str = "en") -> str:
        """Render as text in ``fmt`` (``table``, ``csv``, ``markdown``, ``json``)."""
        return render(self, fmt, lang, FORMATS)

    def to_xlsx(self, path: str | os.PathLike, lang: str = "en", *, overwrite: bool = False):
        """Write an Excel workbook: about (caption and notes), projects, balance."""
        k = 0 if lang == "zh" else 1
        about = [[line] for line in [*self.caption(lang).splitlines(), *self.notes]]
        projects = self.project_table(lang)
        projects.insert(8, "plots", [";".join(p) for p in self.projects["plots"]])
        names = {key: v[k] for key, v in labels("allocation_project").items()}
        projects.columns = [names.get(c, c) for c in projects.columns]
        spec = labels("allocation_balance")
        balance = self.balance[["subpark", *spec]].rename(
            columns={c: v[k] for c, v in spec.items()}
        )
        with (
            atomic_output(path, overwrite=overwrite) as tmp,
            pd.ExcelWriter(tmp, engine="openpyxl") as writer,
        ):
            pd.DataFrame(about, columns=["parkmap"]).to_excel(
                writer, sheet_name="说明" if lang == "zh" else "about", index=False
            )
            projects.to_excel(
                writer, sheet_name="项目" if lang == "zh" else "projects", index=False
            )
            balance.to_excel(
                writer, sheet_name="用地平衡" if lang == "zh" else "balance", index=False
            )
        return path

    def save(self, path: str | os.PathLike, *, overwrite: bool = False):
        """Write the GeoPackage layers ``allocation`` and ``unplaced_projects``.

        ``allocation`` holds every plot with its ``project`` (empty where free);
        ``unplaced_projects`` the projects not placed, with their reason. The
        ``park_metadata`` table holds the summary, notes and rules.

        Raises
        ------
        parkmap.errors.OutputExistsError
            If the file exists and ``overwrite`` is false.
        """
        plots = self.plots.copy()
        unplaced = self.unplaced.copy()
        unplaced["allowed_subparks"] = unplaced["allowed_subparks"].astype(str)
        metadata = {k: v for k, v in self.to_dict().items() if k not in ("projects", "balance")}
        layers = {"allocation": plots, "unplaced_projects": unplaced}
        return write_geopackage(path, layers, metadata, overwrite=overwrite)


_NUMERIC = ("investment_yi", "demand_mu", "n_plots", "allocated_mu")


def _cell(value, key: str) -> str:
    if value is None or (not isinstance(value, (str, list)) and pd.isna(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "✓" if value else "✗"
    if key == "gap":
        return f"{float(value):.2%}"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return (
            f"{float(value):,.1f}"
            if key.endswith("_mu") or key == "investment_yi"
            else (f"{float(value):,.2f}")
        )
    return str(value)


def _bullets(notes: list[str], fmt: str) -> str:
    mark = "- " if fmt == "markdown" else "* "
    return "\n".join(mark + n for n in notes)
