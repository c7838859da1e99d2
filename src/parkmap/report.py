"""Area reports: tables of a park's areas in m², 亩, 公顷 and km², and their renderers.

Why this module is long: one concept, the area tables; each table's builder is short
and they share the row format defined at the top.

Every table has the same columns, so all tables fit one tidy frame: ``key`` (a stable
id: feature id or coded value), ``name_zh``, ``name_en``, ``group`` (the cluster, zone
or class a row belongs to), ``count``, ``area_m2`` and, where they apply,
``length_m``, ``floor_area_m2``, ``investment_yi`` and ``land_mu``. Areas are computed
in the park's projected metric CRS; totals are summed from unrounded values; unions
make sure overlapping features of one group are counted once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parkmap._geometry import right_of_way
from parkmap.io import atomic_output
from parkmap.land import availability
from parkmap.landuse import lookup_code
from parkmap.park import Park
from parkmap.schema import BOUNDARY_ZONES, feature_ids
from parkmap.tables import FORMATS as REPORT_FORMATS
from parkmap.tables import (
    caption_block,
    clean_json,
    crs_line,
    csv_text,
    grid,
    heading,
    illustrative_line,
    note_lines,
    render,
    result_header,
)
from parkmap.units import AREA_UNITS
from parkmap.vocab import display_names, label, labels

__all__ = ["FORMATS", "AreaReport", "ReportTable", "area_report"]

#: Output formats of :meth:`AreaReport.render`.
FORMATS = REPORT_FORMATS

#: JSON schema version of :meth:`AreaReport.to_dict`; bumped on incompatible change.
JSON_SCHEMA_VERSION = 1

ROW_COLUMNS = ["key", "name_zh", "name_en", "group", "group_zh", "group_en", "count", "area_m2"]
EXTRA_COLUMNS = ["length_m", "floor_area_m2", "investment_yi", "land_mu"]

_DECIMALS = {
    "count": 0,
    "area_m2": 0,
    "area_mu": 2,
    "area_ha": 2,
    "area_km2": 4,
    "length_m": 0,
    "floor_area_m2": 0,
    "investment_yi": 2,
    "land_mu": 2,
}


@dataclass
class ReportTable:
    """One table of an area report.

    Attributes
    ----------
    key : str
        Stable table id (``clusters``, ``boundary``, ``subparks``, ...).
    title_zh, title_en : str
        Titles.
    rows : pandas.DataFrame
        One row per feature or group, columns ``ROW_COLUMNS`` plus extras.
    totals : pandas.DataFrame
        Total rows, same columns (``key`` ``total`` or ``platform_total`` ...).
    columns : list of str
        Which columns this table shows (areas always).
    note : str
        How the numbers were computed, where not obvious.
    """

    key: str
    title_zh: str
    title_en: str
    rows: pd.DataFrame
    totals: pd.DataFrame
    columns: list[str] = field(default_factory=lambda: ["count", "area_m2"])
    note: str = ""

    def title(self, lang: str) -> str:
        """Title in ``lang`` ("zh" or "en")."""
        return self.title_zh if lang == "zh" else self.title_en

    def frame(self) -> pd.DataFrame:
        """Rows then totals, with a ``row_type`` column and area units spread out."""
        parts = [(k, p) for k, p in (("row", self.rows), ("total", self.totals)) if len(p)]
        if parts:
            frame = pd.concat([p for _, p in parts], ignore_index=True)
            kinds = np.repeat([k for k, _ in parts], [len(p) for _, p in parts])
            frame.insert(0, "row_type", pd.Series(kinds, dtype=object).astype(str))
        else:
            frame = pd.DataFrame(columns=["row_type", *ROW_COLUMNS, *EXTRA_COLUMNS])
        # the missing columns and the area units added at once, not column by column
        added = {c: np.nan for c in [*ROW_COLUMNS, *EXTRA_COLUMNS] if c not in frame.columns}
        frame = frame.assign(**added) if added else frame
        area_m2 = frame["area_m2"].astype(float)
        units = {f"area_{u}": area_m2 / f for u, f in AREA_UNITS.items() if u != "m2"}
        return frame.assign(**units)


def _total_row(rows: pd.DataFrame, key: str, name_zh: str, name_en: str, **values) -> dict:
    row = {"key": key, "name_zh": name_zh, "name_en": name_en}
    for column in ["count", "area_m2", *EXTRA_COLUMNS]:
        if column in rows.columns:
            row[column] = float(rows[column].sum(min_count=1)) if len(rows) else 0.0
    row.update(values)
    return row


def _union_area(geoms) -> float:
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    return float(shapely.union_all(geoms).area) if geoms else 0.0


def _feature_table(park: Park, layer: str, group_col: str | None) -> pd.DataFrame:
    gdf = park[layer]
    zh, en = display_names(gdf)
    group = pd.Series(None, index=gdf.index, dtype=object)
    group_zh = group_en = group
    if group_col and group_col in gdf.columns:
        group = gdf[group_col].astype(object)
        group_zh = group_en = group
        if group_col == "cluster" and "clusters" in park:
            clusters = park["clusters"]
            ids = feature_ids(clusters)
            names_zh, names_en = display_names(clusters)
            zh_of = dict(zip(ids, names_zh, strict=True))
            en_of = dict(zip(ids, names_en, strict=True))
            group_zh = group.map(lambda v: zh_of.get(v, v))
            group_en = group.map(lambda v: en_of.get(v, v))
    return pd.DataFrame(
        {
            "key": feature_ids(gdf).to_numpy(),
            "name_zh": zh.to_numpy(),
            "name_en": en.to_numpy(),
            "group": group.to_numpy(),
            "group_zh": group_zh.to_numpy(),
            "group_en": group_en.to_numpy(),
            "count": 1,
            "area_m2": gdf.geometry.area.to_numpy(),
        }
    )


def _platform_mask(park: Park, gdf: gpd.GeoDataFrame, via_cluster: bool) -> pd.Series | None:
    """Which features count in the platform total (clusters with ``in_platform``)."""
    clusters = park.get("clusters")
    if clusters is None or "in_platform" not in clusters.columns:
        return None
    flags = dict(zip(feature_ids(clusters), clusters["in_platform"].astype(bool), strict=True))
    if not via_cluster:
        return clusters["in_platform"].astype(bool).reset_index(drop=True)
    if "cluster" not in gdf.columns:
        return None
    return gdf["cluster"].map(lambda c: flags.get(c, False)).astype(bool).reset_index(drop=True)


def _clusters_table(park: Park) -> ReportTable:
    rows = _feature_table(park, "clusters", None)
    totals = []
    mask = _platform_mask(park, park["clusters"], via_cluster=False)
    if mask is not None and not mask.all():
        totals.append(_total_row(rows[mask], "platform_total", "平台合计", "platform total"))
    totals.append(_total_row(rows, "total", "合计", "total"))
    return ReportTable("clusters", "组团面积", "Clusters", rows, pd.DataFrame(totals))


def _boundary_table(park: Park) -> ReportTable:
    gdf = park["boundary"]
    rows = _feature_table(park, "boundary", "cluster")
    if "zone" in gdf.columns:
        rows["name_en"] = [
            f"{en} ({label('zone', z)[1]})" if en == zh else en
            for en, zh, z in zip(rows["name_en"], rows["name_zh"], gdf["zone"], strict=True)
        ]
    totals = []
    if "zone" in gdf.columns:
        groups = rows.groupby(gdf["zone"].to_numpy()).groups
        for zone in sorted(groups, key=lambda z: (z not in BOUNDARY_ZONES, str(z))):
            idx = groups[zone]
            zh, en = label("zone", zone)
            totals.append(
                _total_row(rows.loc[idx], f"zone:{zone}", f"小计:{zh}", f"subtotal: {en}")
            )
    mask = _platform_mask(park, gdf, via_cluster=True)
    if mask is not None and not mask.all():
        totals.append(_total_row(rows[mask], "platform_total", "平台合计", "platform total"))
    totals.append(_total_row(rows, "total", "合计", "total"))
    return ReportTable(
        "boundary", "城镇开发边界面积", "Development boundary", rows, pd.DataFrame(totals)
    )


def _subparks_table(park: Park) -> ReportTable:
    rows = _feature_table(park, "subparks", "cluster")
    totals = pd.DataFrame([_total_row(rows, "total", "合计", "total")])
    return ReportTable("subparks", "园中园面积", "Sub-parks", rows, totals)


def _grouped_table(
    gdf: gpd.GeoDataFrame,
    by: str,
    *,
    label_column: str | None = None,
    area: pd.Series | None = None,
    union: bool = True,
    extras: dict[str, pd.Series] | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Rows per value of ``by``; area is the union of each group's geometries."""
    geoms = gdf.geometry if area is None else area
    rows = []
    for value, idx in gdf.groupby(gdf[by].astype(str), sort=True).groups.items():
        zh, en = label(label_column or by, value)
        row = {"key": value, "name_zh": zh, "name_en": en, "count": len(idx)}
        row["area_m2"] = _union_area(geoms.loc[idx]) if union else float(geoms.loc[idx].area.sum())
        for name, series in (extras or {}).items():
            row[name] = float(series.loc[idx].sum(min_count=1))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=ROW_COLUMNS + list(extras or {}))
    total = _total_row(frame, "total", "合计", "total")
    if union:
        total["area_m2"] = _union_area(geoms)
    return frame, total


def _roads_table(park: Park) -> ReportTable:
    roads = park["roads"]
    row_geoms = gpd.GeoSeries(right_of_way(roads), index=roads.index, crs=roads.crs)
    rows, total = _grouped_table(
        roads,
        "road_class",
        area=row_geoms,
        extras={"length_m": roads.geometry.length},
    )
    return ReportTable(
        "roads",
        "道路(红线内用地)按等级",
        "Roads (right-of-way) by class",
        rows,
        pd.DataFrame([total]),
        ["count", "length_m", "area_m2"],
        "area = centreline buffered by half the red-line width, flat ends; "
        "crossings counted once in each class and in the total",
    )


def _buildings_table(park: Park) -> ReportTable:
    gdf = park["buildings"]
    storeys = pd.to_numeric(gdf.get("storeys"), errors="coerce")
    floor = gdf.geometry.area * storeys
    rows, total = _grouped_table(gdf, "status", union=False, extras={"floor_area_m2": floor})
    return ReportTable(
        "buildings",
        "建筑(占地)按状态",
        "Buildings (footprint) by status",
        rows,
        pd.DataFrame([total]),
        ["count", "area_m2", "floor_area_m2"],
        "floor area = footprint × storeys",
    )


def _parcels_tables(park: Park) -> list[ReportTable]:
    gdf = park["parcels"]
    by_status, total = _grouped_table(gdf, "status", union=False)
    tables = [
        ReportTable(
            "parcels_by_status",
            "地块按状态",
            "Parcels by status",
            by_status,
            pd.DataFrame([total]),
        )
    ]
    codes = gdf["landuse_code"].astype(str)
    rows = []
    for code, idx in gdf.groupby(codes, sort=True).groups.items():
        found = lookup_code(code)
        rows.append(
            {
                "key": code,
                "name_zh": f"{code} {found.name_zh}" if found else code,
                "name_en": f"{code} {found.name_en}" if found else code,
                "count": len(idx),
                "area_m2": float(gdf.geometry.loc[idx].area.sum()),
            }
        )
    by_code = pd.DataFrame(rows, columns=ROW_COLUMNS)
    tables.append(
        ReportTable(
            "parcels_by_landuse",
            "地块按用地用海分类",
            "Parcels by land-use class (2023)",
            by_code,
            pd.DataFrame([_total_row(by_code, "total", "合计", "total")]),
        )
    )
    return tables


def _constraints_table(park: Park) -> ReportTable:
    gdf = park["constraints"]
    rows, total = _grouped_table(gdf, "kind")
    if "hard" in gdf.columns:
        hard = dict(gdf.groupby(gdf["kind"].astype(str))["hard"].agg(lambda s: bool(s.any())))
        rows["group"] = ["hard" if hard.get(k) else "conditional" for k in rows["key"]]
        rows["group_zh"] = ["刚性" if hard.get(k) else "弹性" for k in rows["key"]]
        rows["group_en"] = rows["group"]
    return ReportTable(
        "constraints",
        "管控要素按类型",
        "Constraints by kind",
        rows,
        pd.DataFrame([total]),
        note="own footprint without buffers; overlaps counted once per kind and in the total",
    )


def _projects_table(park: Park) -> ReportTable:
    gdf = park["projects"]
    extras = {
        column: pd.to_numeric(gdf[column], errors="coerce")
        for column in ("investment_yi", "land_mu")
        if column in gdf.columns
    }
    rows, total = _grouped_table(gdf, "status", union=False, extras=extras)
    rows["area_m2"] = np.nan
    total["area_m2"] = np.nan
    return ReportTable(
        "projects",
        "项目按状态",
        "Projects by status",
        rows,
        pd.DataFrame([total]),
        ["count", *extras],
        "investment and land as the projects layer gives them (each row's source says whether "
        "published or illustrative); missing values left out of the sums",
    )


@dataclass
class AreaReport:
    """An area report of a park: tables plus the CRS, sources and headline figures."""

    park_name_zh: str
    park_name_en: str
    crs: str
    crs_name: str
    tables: list[ReportTable]
    headline: list[dict]
    sources: list
    illustrative: bool
    data_source: str | None
    #: The land-availability section (a :class:`parkmap.Availability`), when computed.
    availability: Any = None
    #: The assumptions the figures rest on (park notes, the availability's skipped steps).
    notes: list[str] = field(default_factory=list)

    def table(self, key: str) -> ReportTable:
        """The table with ``key``."""
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(f"no table {key!r} (has: {', '.join(t.key for t in self.tables)})")

    def frame(self) -> pd.DataFrame:
        """All tables in one tidy frame with a ``table`` column (unrounded)."""
        frames = []
        for table in self.tables:
            frame = table.frame()
            frame.insert(0, "table", table.key)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def caption(self, lang: str = "en") -> str:
        """The lines that open every rendering: park, CRS, units, nature of the data."""
        name = self.park_name_zh if lang == "zh" else f"{self.park_name_en} ({self.park_name_zh})"
        title = f"{name} 面积报告" if lang == "zh" else f"Area report: {name}"
        lines = [title, crs_line(self.crs, self.crs_name, lang), *note_lines(self.notes, lang)]
        if self.illustrative:
            lines.append(illustrative_line(lang))
        return "\n".join(lines)

    # -- renderers -----------------------------------------------------------------
    def to_dict(self) -> dict:
        """The stable JSON form (see the README, "JSON output")."""

        def clean(value, column: str = ""):
            if column == "count" and not pd.isna(value):
                return int(value)
            return clean_json(value)

        tables = []
        for table in self.tables:
            frame = table.frame()
            columns = [c for c in frame.columns if c != "row_type"]
            records = [
                {c: clean(v, c) for c, v in zip(columns, row, strict=True)}
                for row in frame[columns].itertuples(index=False)
            ]
            is_total = (frame["row_type"] == "total").to_list()
            tables.append(
                {
                    "key": table.key,
                    "title_zh": table.title_zh,
                    "title_en": table.title_en,
                    "columns": table.columns,
                    "note": table.note,
                    "rows": [r for r, t in zip(records, is_total, strict=True) if not t],
                    "totals": [r for r, t in zip(records, is_total, strict=True) if t],
                }
            )
        return {
            **result_header(
                self,
                schema_version=JSON_SCHEMA_VERSION,
                crs=self.crs,
                crs_name=self.crs_name,
                notes=self.notes,
            ),
            "tables": tables,
            "headline": self.headline,
            "sources": self.sources,
            "availability": None if self.availability is None else self.availability.to_dict(),
        }

    def _display(self, table: ReportTable, lang: str) -> tuple[pd.DataFrame, int]:
        """Rounded, labelled display frame and its number of leading label columns."""
        frame = table.frame()
        name_col = "name_zh" if lang == "zh" else "name_en"
        group_col = "group_zh" if lang == "zh" else "group_en"
        shown = ["name", "group"] if frame[group_col].notna().any() else ["name"]
        value_columns = [c for c in table.columns if c != "area_m2"]
        if "area_m2" in table.columns:
            value_columns += ["area_mu", "area_ha", "area_km2"]
        columns: dict[str, Any] = {"name": frame[name_col].astype(object)}
        if "group" in shown:
            groups = frame[group_col].astype(object)
            columns["group"] = groups.where(groups.notna(), "")
        for column in value_columns:
            decimals = _DECIMALS.get(column, 2)
            columns[column] = [
                "" if pd.isna(v) else f"{v:,.{decimals}f}" for v in frame[column].astype(float)
            ]
        out = pd.DataFrame(columns)  # built at once, not column by column
        index = 0 if lang == "zh" else 1
        names = labels("report_header")
        headers = {**names, "group": names["group_zh" if lang == "zh" else "group_en"]}
        out.columns = [headers[c][index] for c in out.columns]
        return out, len(shown)

    def to_text(self, lang: str = "en", fmt: str = "table") -> str:
        """Render as terminal tables (``fmt="table"``) or Markdown (``"markdown"``)."""
        blocks = [caption_block(self.caption(lang), fmt)]
        for table in self.tables:
            display, n_left = self._display(table, lang)
            title = table.title(lang)
            body = grid(display.to_numpy().tolist(), list(display.columns), fmt, n_left=n_left)
            note = f"\n({table.note})" if table.note and lang == "en" else ""
            blocks.append(f"{heading(title, fmt)}\n{body}{note}")
        if self.availability is not None:
            blocks.append(self.availability.to_text(lang, fmt, caption=False).rstrip("\n"))
        if self.headline:
            blocks.append(self._headline_text(lang, fmt))
        return "\n\n".join(blocks) + "\n"

    def _headline_text(self, lang: str, fmt: str) -> str:
        title = "园区主要指标" if lang == "zh" else "Headline figures"
        label = "label_zh" if lang == "zh" else "label_en"

        def change(item: dict) -> str:
            pct = item.get("change_pct")
            return "" if pct is None else f"{pct:+g} %"

        rows = [
            [
                item.get(label, item.get("key", "")),
                f"{item.get('value', '')}",
                item.get("unit", ""),
                change(item),
                item.get("year", ""),
                item.get("source", ""),
            ]
            for item in self.headline
        ]
        headers = (
            ["指标", "数值", "单位", "增幅", "年份", "来源"]
            if lang == "zh"
            else ["figure", "value", "unit", "change", "year", "source"]
        )
        return f"{heading(title, fmt)}\n" + grid(rows, headers, fmt, n_left=None)

    def to_csv(self, lang: str = "en") -> str:
        """All tables as one tidy CSV (unrounded values; headers translated with ``zh``)."""
        frame = self.frame()
        if lang == "zh":
            frame.columns = [labels("report_header").get(c, (c, c))[0] for c in frame.columns]
        return csv_text(frame)

    def to_xlsx(self, path: str | os.PathLike, lang: str = "en", *, overwrite: bool = False):
        """Write an Excel workbook: an "about" sheet, then one sheet per table."""
        about_rows = [[line] for line in self.caption(lang).splitlines()]
        with (
            atomic_output(path, overwrite=overwrite) as tmp,
            pd.ExcelWriter(tmp, engine="openpyxl") as writer,
        ):
            pd.DataFrame(about_rows, columns=["parkmap"]).to_excel(
                writer, sheet_name="说明" if lang == "zh" else "about", index=False
            )
            used: set[str] = set()
            for table in self.tables:
                frame = table.frame()
                keep = ["name_zh", "name_en", "group_zh", "group_en", *table.columns]
                if "area_m2" in table.columns:
                    keep += ["area_mu", "area_ha", "area_km2"]
                frame = frame[["row_type", "key", *keep]]
                names = labels("report_header")
                frame.columns = [names[c][0 if lang == "zh" else 1] for c in frame.columns]
                name = table.title(lang)[:31]
                while name in used:
                    name = name[:29] + f"_{len(used)}"
                used.add(name)
                frame.to_excel(writer, sheet_name=name, index=False)
            if self.availability is not None:
                frame = self.availability.frame("ha")
                frame.to_excel(writer, sheet_name="用地可用性" if lang == "zh" else "availability")
        return path

    def render(self, fmt: str = "table", lang: str = "en") -> str:
        """Render as text in ``fmt`` (``table``, ``csv``, ``markdown``, ``json``)."""
        return render(self, fmt, lang, FORMATS)


_TABLE_BUILDERS = (
    ("clusters", lambda p: [_clusters_table(p)]),
    ("boundary", lambda p: [_boundary_table(p)]),
    ("subparks", lambda p: [_subparks_table(p)]),
    ("roads", lambda p: [_roads_table(p)]),
    ("buildings", lambda p: [_buildings_table(p)]),
    ("parcels", _parcels_tables),
    ("constraints", lambda p: [_constraints_table(p)]),
    ("projects", lambda p: [_projects_table(p)]),
)


def area_report(park: Park, *, with_availability: bool = True, rules=None) -> AreaReport:
    """Compute the area report of a park.

    Parameters
    ----------
    park : Park
        A park without validation errors.
    with_availability : bool, default True
        Add the land-availability section (:func:`parkmap.availability`) when the park
        has clusters or parcels.
    rules : AvailabilityRules or path-like, optional
        Rules of that section (default: the shipped rules).

    Returns
    -------
    AreaReport
        Tables for clusters, boundary parts, sub-parks and each layer's totals by
        kind or status, in the park's metric CRS.

    Raises
    ------
    parkmap.errors.ValidationError
        If the park has validation errors.
    """
    park.require_valid()
    tables: list[ReportTable] = []
    for layer, build in _TABLE_BUILDERS:
        if layer in park and len(park[layer]):
            tables.extend(build(park))
    meta = park.metadata
    section = _availability_section(park, rules) if with_availability else None
    notes = park.notes
    notes += [n for n in getattr(section, "notes", []) if n not in notes]
    return AreaReport(
        park_name_zh=str(meta.get("name_zh") or park.name),
        park_name_en=str(meta.get("name_en") or park.name),
        crs=park.crs.to_string(),
        crs_name=park.crs.name,
        tables=tables,
        headline=list(meta.get("headline", [])),
        sources=list(meta.get("sources", [])),
        illustrative=bool(meta.get("illustrative", False)),
        data_source=park.source,
        availability=section,
        notes=notes,
    )


def _availability_section(park: Park, rules):
    """The availability of a park with clusters or parcels, else None."""
    if not any(name in park and len(park[name]) for name in ("clusters", "parcels")):
        return None
    return availability(park, rules, repair=False)
