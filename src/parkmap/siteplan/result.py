"""The layout result: :class:`Layout`, its renderings and its output frames."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from parkmap.io import write_geopackage
from parkmap.siteplan.indicators import IndicatorRules
from parkmap.siteplan.profiles import Profile
from parkmap.siteplan.standards import BuildingTemplate, PlotOptions
from parkmap.tables import (
    TEXT_FORMATS,
    caption_block,
    clean_json,
    crs_line,
    csv_text,
    grid,
    heading,
    illustrative_line,
    json_records,
    render,
    result_header,
)
from parkmap.units import M2_PER_MU
from parkmap.vocab import labels as vocab_labels

__all__ = ["FORMATS", "JSON_SCHEMA_VERSION", "Layout", "frames"]


#: Output formats of :meth:`Layout.render`.
FORMATS = TEXT_FORMATS

#: JSON schema version of :meth:`Layout.to_dict`; bumped on incompatible change.
JSON_SCHEMA_VERSION = 1


#: Decimals of the per-plot table's columns (None: as text; "%": a share); labels in
#: ``labels.csv`` (group ``layout_plot``).
_PLOT_DECIMALS = {
    "id": None,
    "subpark": None,
    "area_mu": 2,
    "n_buildings": 0,
    "floor_area_m2": 0,
    "far": 2,
    "coverage": "%",
    "admin_share": "%",
    "green_ratio": "%",
    "compliant": None,
}
#: Decimals of the per-sub-park table's columns; labels in ``labels.csv`` (``layout_subpark``).
_SUBPARK_DECIMALS = {
    "name": None,
    "industry_code": None,
    "far_min": 2,
    "available_mu": 2,
    "road_mu": 2,
    "plotted_mu": 2,
    "leftover_mu": 2,
    "n_plots": 0,
    "n_buildings": 0,
    "floor_area_m2": 0,
    "far": 2,
    "coverage": "%",
    "compliance_rate": "%",
}


def _spec(group: str, decimals: Mapping[str, object]) -> list[tuple]:
    """Table columns as (key, Chinese header, English header, decimals)."""
    names = vocab_labels(group)
    return [(key, *names[key], dec) for key, dec in decimals.items()]


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
        ``storey_height_m``, ``height_m``, ``fire_class`` (``fire_classes.csv``, after the
        high-rise rule), ``fire_lanes`` (GB 55037 3.4.2 asks for lanes along both long
        sides), ``footprint_m2``, ``floor_area_m2``, ``far_floor_area_m2``,
        ``road_setback_m`` (smallest allowed distance to a road red line, by the
        profile's table, for the binding road) and ``road_distance_m``,
        ``boundary_setback_m`` and ``gable_setback_m`` (of the long faces and of the
        gables from plot edges not on a road), ``status`` (``planned``).
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
    lanes : geopandas.GeoDataFrame
        Fire lanes: one strip ``width_m`` wide along each long side of the buildings that
        need them (``id``, ``building``, ``plot``, ``width_m``, ``clear``,
        ``joined_to_road``, ``rule``).
    profile : Profile
        The local rules applied (``cq318`` for Dianjiang).
    notes : list of (str, str)
        (English, Chinese) lines naming the standards, their confidence and every
        assumption; printed in every rendering.
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
    data_source: str | None = None
    lanes: gpd.GeoDataFrame | None = None
    profile: Profile | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)

    def caption(self, lang: str = "en") -> str:
        """The lines that open every rendering: park, CRS, ruleset, templates, notes."""
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
        lines += [zh if lang == "zh" else en for en, zh in self.notes]
        if self.illustrative:
            lines.append(illustrative_line(lang))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """The stable JSON form: ``summary``, ``subparks`` and ``plots`` (no geometry)."""
        plots = pd.DataFrame(self.plots.drop(columns="geometry"))
        return {
            **result_header(
                self,
                schema_version=JSON_SCHEMA_VERSION,
                crs=self.crs.to_string(),
                crs_name=self.crs.name,
            ),
            "ruleset": {
                "name": self.rules.ruleset,
                "code_edition": self.rules.code_edition,
                "source": self.rules.source,
            },
            "profile": None if self.profile is None else self.profile.name,
            "notes": [en for en, _ in self.notes],
            "notes_zh": [zh for _, zh in self.notes],
            "options": self.options.as_dict(),
            "templates": [dataclasses.asdict(t) for t in self.templates],
            "summary": clean_json(dict(self.summary)),
            "subparks": json_records(self.subparks),
            "plots": json_records(plots),
        }

    def _table(self, frame: pd.DataFrame, spec, lang: str, fmt: str) -> str:
        index = 1 if lang == "zh" else 2
        rows = [
            [_fmt(r[c], spec_[3]) for spec_, c in zip(spec, [s[0] for s in spec], strict=True)]
            for _, r in frame.iterrows()
        ]
        headers = [s[index] for s in spec]
        align = ["left" if s[3] is None else "right" for s in spec]
        return grid(rows, headers, fmt, align=align)

    def to_text(self, lang: str = "en", fmt: str = "table") -> str:
        """Render as terminal tables (``fmt="table"``) or Markdown (``"markdown"``)."""
        blocks = [caption_block(self.caption(lang), fmt)]
        index = 0 if lang == "zh" else 1
        summary_rows = []
        for key, labels in vocab_labels("layout_summary").items():
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
        headers = ["指标", "数值"] if lang == "zh" else ["figure", "value"]
        blocks.append(
            heading("布局汇总" if lang == "zh" else "Summary", fmt)
            + "\n"
            + grid(summary_rows, headers, fmt, n_left=1)
        )
        frame = self.subparks.assign(name=self.subparks["name_zh" if lang == "zh" else "name_en"])
        blocks.append(
            heading("按园中园" if lang == "zh" else "By sub-park", fmt)
            + "\n"
            + self._table(frame, _spec("layout_subpark", _SUBPARK_DECIMALS), lang, fmt)
        )
        spec = (
            *_spec("layout_plot", _PLOT_DECIMALS),
            ("binding_zh" if lang == "zh" else "binding", "约束指标", "binding rule", None),
            ("failures_zh" if lang == "zh" else "failures", "未达标指标", "failing", None),
        )
        blocks.append(
            heading("地块指标" if lang == "zh" else "Plot indicators", fmt)
            + "\n"
            + self._table(pd.DataFrame(self.plots), spec, lang, fmt)
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
            names = {
                key: zh
                for group in ("layout_plot", "layout_subpark")
                for key, (zh, _en) in vocab_labels(group).items()
            }
            frame.columns = [names.get(c, c) for c in frame.columns]
        return csv_text(frame)

    def render(self, fmt: str = "table", lang: str = "en") -> str:
        """Render as text in ``fmt`` (``table``, ``csv``, ``markdown``, ``json``)."""
        return render(self, fmt, lang, FORMATS)

    def save(self, path: str | os.PathLike, *, overwrite: bool = False):
        """Write the layout as a GeoPackage.

        Layers ``plots``, ``buildings``, ``layout_roads`` and, when there are lanes,
        ``fire_lanes``.

        The file is written to a temporary name and moved into place when complete;
        its ``park_metadata`` table holds the ruleset, options, templates and summary.

        Raises
        ------
        parkmap.errors.OutputExistsError
            If the file exists and ``overwrite`` is false.
        """
        layers = {"plots": self.plots, "buildings": self.buildings, "layout_roads": self.roads}
        if self.lanes is not None and len(self.lanes):
            layers["fire_lanes"] = self.lanes
        meta = self.to_dict()
        keys = ("generator", "crs", "ruleset", "profile", "notes", "options", "summary")
        metadata = {k: meta[k] for k in keys}
        metadata["templates"] = meta["templates"]
        styles = {"buildings": "layout_buildings"}  # QGIS styles as on the layout's web map
        return write_geopackage(path, layers, metadata, overwrite=overwrite, styles=styles)


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
    "fire_lanes",
    "status",
    "boundary_setback_m",
    "gable_setback_m",
]
_LANE_COLUMNS = ["id", "building", "plot", "width_m", "clear", "joined_to_road", "rule"]
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


def frames(plot_rows, building_rows, road_rows, lane_rows, crs):
    """The layout's plots, buildings, roads and fire lanes as GeoDataFrames.

    Parameters
    ----------
    plot_rows, building_rows, road_rows, lane_rows : list of dict
        One dict per feature, with its ``geometry``.
    crs : pyproj.CRS
        The park's CRS.

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        Plots, buildings, roads and lanes, columns in a fixed order.
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
        frame(lane_rows, _LANE_COLUMNS),
    )
