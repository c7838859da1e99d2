"""The layout result: :class:`Layout`, its renderings and its output frames."""

from __future__ import annotations

import dataclasses
import io as _io
import os
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from tabulate import tabulate
from wcwidth import wcswidth

from parkmap import __version__
from parkmap.io import write_geopackage
from parkmap.report import crs_line, illustrative_line, render_text
from parkmap.siteplan.indicators import IndicatorRules
from parkmap.siteplan.standards import BuildingTemplate, PlotOptions
from parkmap.units import M2_PER_MU

__all__ = ["FORMATS", "JSON_SCHEMA_VERSION", "Layout", "frames"]


#: Output formats of :meth:`Layout.render`.
FORMATS = ("table", "csv", "markdown", "json")

#: JSON schema version of :meth:`Layout.to_dict`; bumped on incompatible change.
JSON_SCHEMA_VERSION = 1


_PLOT_TABLE = (
    ("id", "地块", "plot", None),
    ("subpark", "园中园", "sub-park", None),
    ("area_mu", "面积(亩)", "area (mu)", 2),
    ("n_buildings", "建筑数", "buildings", 0),
    ("floor_area_m2", "建筑面积(平方米)", "floor area (m²)", 0),
    ("far", "容积率", "FAR", 2),
    ("coverage", "建筑系数", "coverage", "%"),
    ("admin_share", "行政办公用地比重", "admin share", "%"),
    ("green_ratio", "绿地率", "green ratio", "%"),
    ("compliant", "达标", "compliant", None),
)
_SUBPARK_TABLE = (
    ("name", "园中园", "sub-park", None),
    ("industry_code", "行业代码", "industry", None),
    ("far_min", "容积率下限", "FAR min", 2),
    ("available_mu", "可用地(亩)", "available (mu)", 2),
    ("road_mu", "新增支路(亩)", "new roads (mu)", 2),
    ("plotted_mu", "地块(亩)", "plots (mu)", 2),
    ("leftover_mu", "未成块(亩)", "leftover (mu)", 2),
    ("n_plots", "地块数", "plots", 0),
    ("n_buildings", "建筑数", "buildings", 0),
    ("floor_area_m2", "建筑面积(平方米)", "floor area (m²)", 0),
    ("far", "容积率", "FAR", 2),
    ("coverage", "建筑系数", "coverage", "%"),
    ("compliance_rate", "达标率", "compliance", "%"),
)
_SUMMARY_LABELS = {
    "n_plots": ("地块数", "plots"),
    "n_buildings": ("建筑数", "buildings"),
    "n_factories": ("厂房数", "factory buildings"),
    "n_offices": ("办公楼数", "office blocks"),
    "available_m2": ("可用地面积(亩)", "available land (mu)"),
    "plotted_m2": ("地块面积(亩)", "plotted land (mu)"),
    "road_m2": ("新增支路用地(亩)", "inserted road land (mu)"),
    "road_length_m": ("新增支路长度(米)", "inserted road length (m)"),
    "leftover_m2": ("未成块用地(亩)", "leftover land (mu)"),
    "floor_area_m2": ("总建筑面积(平方米)", "floor area (m²)"),
    "far": ("容积率", "FAR"),
    "coverage": ("建筑系数", "building coverage"),
    "compliance_rate": ("地块达标率", "plots compliant"),
    "compliance_rate_by_area": ("达标地块面积比例", "compliant share of plotted land"),
    "investment_capacity_wan": ("最低投资规模(万元)", "minimum investment capacity (10k CNY)"),
}


def _fmt(value, decimals) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "✓" if value else "✗"
    if decimals == "%":
        return f"{float(value) * 100:.1f}%"
    if decimals is None:
        return str(value)
    return f"{float(value):,.{decimals}f}"


@dataclass
class Layout:
    """A park layout: plots, buildings, inserted branch roads and their indicators.

    Attributes
    ----------
    plots : geopandas.GeoDataFrame
        One row per plot: ``id``, ``subpark``, ``subpark_name``, ``industry_code``,
        ``block`` (index of the available piece), ``area_m2``, ``area_mu``,
        ``frontage_m``, ``width_m``, ``n_buildings``, ``footprint_m2``,
        ``floor_area_m2``, ``far_floor_area_m2`` (storeys over 8 m counted twice),
        ``admin_land_m2``, ``green_area_m2``, ``investment_wan`` (NaN if unknown), the
        indicators ``far``, ``coverage``, ``admin_share``, ``green_ratio``,
        ``investment_wan_per_mu``, and from :func:`~parkmap.siteplan.indicators.check_indicators`
        each threshold with ``<threshold>_ok`` and ``<threshold>_margin``, ``compliant``,
        ``failures`` and ``failures_zh``.
    buildings : geopandas.GeoDataFrame
        One row per planned building: ``id``, ``plot``, ``subpark``, ``template``,
        ``kind``, ``name_zh``, ``storeys``, ``ground_storey_height_m``,
        ``storey_height_m``, ``height_m``, ``fire_class`` (after the high-rise rule),
        ``footprint_m2``, ``floor_area_m2``, ``far_floor_area_m2``, ``road_setback_m``
        (smallest allowed distance to a road red line), ``boundary_setback_m``
        (to plot edges not on a road), ``status`` (``planned``).
    roads : geopandas.GeoDataFrame
        Inserted branch roads by centreline, like the park's ``roads`` layer (``id``,
        ``name_zh``, ``road_class`` ``branch``, ``red_line_m``, ``status`` ``planned``)
        plus ``subpark``, ``block``, ``length_m``, ``area_m2`` (land they take) and
        ``connected_ends`` (0-2 ends meeting an existing road right-of-way).
    subparks : pandas.DataFrame
        One row per laid-out sub-park with land budget (available, roads, plotted,
        leftover), counts, floor area, the area-weighted indicators checked against the
        ruleset and ``compliance_rate`` (share of plots compliant).
    summary : dict
        Totals: counts, areas (m²), floor area, FAR, coverage, compliance rates and the
        minimum investment capacity where the ruleset gives an intensity.
    rules : IndicatorRules
        The indicator ruleset used.
    options : PlotOptions
        The subdivision and placement settings used.
    templates : list of BuildingTemplate
        Factory templates, then the office block.
    """

    plots: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    subparks: pd.DataFrame
    summary: dict
    rules: IndicatorRules
    options: PlotOptions
    templates: list[BuildingTemplate]
    crs: CRS
    park_name_zh: str = ""
    park_name_en: str = ""
    illustrative: bool = False

    def caption(self, lang: str = "en") -> str:
        """The lines that open every rendering: park, CRS, ruleset, templates."""
        names = ", ".join(t.name_zh if lang == "zh" else t.name_en for t in self.templates)
        if lang == "zh":
            lines = [
                f"{self.park_name_zh} 地块与厂房布局",
                crs_line(self.crs.to_string(), self.crs.name, "zh"),
                f"控制指标：{self.rules.ruleset}（{self.rules.code_edition}）；建筑：{names}",
            ]
        else:
            lines = [
                f"Layout: {self.park_name_en or self.park_name_zh}",
                crs_line(self.crs.to_string(), self.crs.name, "en"),
                f"Control indicators: {self.rules.ruleset} ({self.rules.code_edition}); "
                f"buildings: {names}",
            ]
        if self.illustrative:
            lines.append(illustrative_line(lang))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """The stable JSON form: ``summary``, ``subparks`` and ``plots`` (no geometry)."""
        plots = pd.DataFrame(self.plots.drop(columns="geometry"))
        return {
            "schema_version": JSON_SCHEMA_VERSION,
            "generator": f"parkmap {__version__}",
            "park": {"name_zh": self.park_name_zh, "name_en": self.park_name_en},
            "crs": self.crs.to_string(),
            "ruleset": {
                "name": self.rules.ruleset,
                "code_edition": self.rules.code_edition,
                "source": self.rules.source,
            },
            "options": self.options.as_dict(),
            "templates": [dataclasses.asdict(t) for t in self.templates],
            "summary": _clean(self.summary),
            "subparks": [_clean(r) for r in self.subparks.to_dict(orient="records")],
            "plots": [_clean(r) for r in plots.to_dict(orient="records")],
        }

    def _table(self, frame: pd.DataFrame, spec, lang: str, tablefmt: str) -> str:
        index = 1 if lang == "zh" else 2
        rows = [
            [_fmt(r[c], spec_[3]) for spec_, c in zip(spec, [s[0] for s in spec], strict=True)]
            for _, r in frame.iterrows()
        ]
        headers = [s[index] for s in spec]
        align = ["left" if s[3] is None else "right" for s in spec]
        return tabulate(
            rows, headers=headers, tablefmt=tablefmt, colalign=align, disable_numparse=True
        )

    def to_text(self, lang: str = "en", fmt: str = "table") -> str:
        """Render as terminal tables (``fmt="table"``) or Markdown (``"markdown"``)."""
        tablefmt = "pipe" if fmt == "markdown" else "simple"

        def heading(title: str) -> str:
            return f"## {title}" if fmt == "markdown" else f"{title}\n{'=' * wcswidth(title)}"

        caption = self.caption(lang)
        if fmt == "markdown":
            first, *rest = caption.splitlines()
            blocks = [f"# {first}\n\n" + "\n".join(f"{line}  " for line in rest)]
        else:
            blocks = [caption]
        index = 0 if lang == "zh" else 1
        summary_rows = []
        for key, labels in _SUMMARY_LABELS.items():
            value = self.summary.get(key)
            if value is None:
                continue
            if key.endswith("_m2") and key != "floor_area_m2":
                text = _fmt(value / M2_PER_MU, 2)
            elif key in ("far",):
                text = _fmt(value, 2)
            elif key in ("coverage", "compliance_rate", "compliance_rate_by_area"):
                text = _fmt(value, "%")
            else:
                text = _fmt(value, 0)
            summary_rows.append([labels[index], text])
        blocks.append(
            heading("布局汇总" if lang == "zh" else "Summary")
            + "\n"
            + tabulate(
                summary_rows,
                headers=["指标", "数值"] if lang == "zh" else ["figure", "value"],
                tablefmt=tablefmt,
                colalign=["left", "right"],
                disable_numparse=True,
            )
        )
        frame = self.subparks.assign(name=self.subparks["name_zh" if lang == "zh" else "name_en"])
        blocks.append(
            heading("按园中园" if lang == "zh" else "By sub-park")
            + "\n"
            + self._table(frame, _SUBPARK_TABLE, lang, tablefmt)
        )
        spec = (
            *_PLOT_TABLE,
            ("failures_zh" if lang == "zh" else "failures", "未达标指标", "failing", None),
        )
        blocks.append(
            heading("地块指标" if lang == "zh" else "Plot indicators")
            + "\n"
            + self._table(pd.DataFrame(self.plots), spec, lang, tablefmt)
        )
        if lang == "en":
            blocks.append(
                "(FAR counts storeys over "
                f"{self.rules.storey_double_count_height_m:g} m twice; green ratio = "
                f"{self.options.green_share_of_open_land:g} x unbuilt plot area / plot area; "
                "margins are in the plots' columns <threshold>_margin)"
            )
        return "\n\n".join(blocks) + "\n"

    def to_csv(self, lang: str = "en") -> str:
        """The plots' attributes and indicators as CSV (unrounded; no geometry)."""
        frame = pd.DataFrame(self.plots.drop(columns="geometry"))
        if lang == "zh":
            names = {s[0]: s[1] for s in (*_PLOT_TABLE, *_SUBPARK_TABLE)}
            frame.columns = [names.get(c, c) for c in frame.columns]
        buffer = _io.StringIO()
        frame.to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()

    def render(self, fmt: str = "table", lang: str = "en") -> str:
        """Render as text in ``fmt`` (``table``, ``csv``, ``markdown``, ``json``)."""
        return render_text(self, fmt, lang, FORMATS)

    def save(self, path: str | os.PathLike, *, overwrite: bool = False):
        """Write the GeoPackage layers ``plots``, ``buildings`` and ``layout_roads``.

        The file is written to a temporary name and moved into place when complete;
        its ``park_metadata`` table holds the ruleset, options, templates and summary.

        Raises
        ------
        parkmap.errors.OutputExistsError
            If the file exists and ``overwrite`` is false.
        """
        layers = {"plots": self.plots, "buildings": self.buildings, "layout_roads": self.roads}
        meta = self.to_dict()
        metadata = {k: meta[k] for k in ("generator", "crs", "ruleset", "options", "summary")}
        metadata["templates"] = meta["templates"]
        return write_geopackage(path, layers, metadata, overwrite=overwrite)


def _clean(record: Mapping) -> dict:
    out = {}
    for key, value in record.items():
        if isinstance(value, (np.bool_, bool)):
            out[key] = bool(value)
        elif isinstance(value, (np.integer,)):
            out[key] = int(value)
        elif isinstance(value, (float, np.floating)):
            out[key] = None if np.isnan(value) else float(value)
        elif value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
            out[key] = None
        else:
            out[key] = value
    return out


_PLOT_COLUMNS = [
    "id",
    "subpark",
    "subpark_name",
    "industry_code",
    "block",
    "frontage_m",
    "width_m",
]
_BUILDING_COLUMNS = [
    "id",
    "plot",
    "subpark",
    "template",
    "kind",
    "role",
    "name_zh",
    "storeys",
    "ground_storey_height_m",
    "storey_height_m",
    "height_m",
    "fire_class",
    "status",
    "boundary_setback_m",
]
_ROAD_COLUMNS = [
    "id",
    "name_zh",
    "name_en",
    "road_class",
    "red_line_m",
    "status",
    "subpark",
    "block",
    "length_m",
    "area_m2",
    "connected_ends",
    "source",
]


def frames(plot_rows, building_rows, road_rows, crs):
    """The layout's plots, buildings and roads as GeoDataFrames, columns in a fixed order.

    Parameters
    ----------
    plot_rows, building_rows, road_rows : list of dict
        One dict per feature, with its ``geometry``.
    crs : pyproj.CRS
        The park's CRS.

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        Plots, buildings and roads.
    """

    def frame(rows: list[dict], columns: list[str]) -> gpd.GeoDataFrame:
        data = pd.DataFrame(rows, columns=[*columns, "geometry"])
        return gpd.GeoDataFrame(
            data.drop(columns="geometry"), geometry=list(data["geometry"]), crs=crs
        )

    return (
        frame(plot_rows, _PLOT_COLUMNS),
        frame(building_rows, _BUILDING_COLUMNS),
        frame(road_rows, _ROAD_COLUMNS),
    )
