"""The availability result: the waterfall table, available land and per-parcel areas.

Its renderings compose :mod:`parkmap.tables` helpers; labels come from :mod:`parkmap.vocab`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from parkmap.io import write_geopackage
from parkmap.land.rules import AvailabilityRules
from parkmap.schema import Problem
from parkmap.tables import (
    TEXT_FORMATS,
    caption_block,
    crs_line,
    csv_text,
    format_area,
    generator,
    grid,
    heading,
    illustrative_line,
    json_records,
    note_lines,
    render,
    result_header,
    unit_name,
)
from parkmap.units import AREA_UNITS
from parkmap.vocab import labels, note_text

if TYPE_CHECKING:
    pass


__all__ = ["FORMATS", "JSON_SCHEMA_VERSION", "Availability"]

log = logging.getLogger("parkmap")


#: Output formats of :meth:`Availability.render`.
FORMATS = TEXT_FORMATS

#: JSON schema version of :meth:`Availability.to_dict`; bumped on incompatible change.
JSON_SCHEMA_VERSION = 1


# -- the result --------------------------------------------------------------------------
@dataclass
class Availability:
    """The land-availability waterfall of a park.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per cluster (``level`` ``cluster``), per sub-park (``subpark``) and a
        final total (``total``): ``key``, ``name``, ``name_en``, one ``<category>_m2``
        column per category, ``conditional_m2`` (part of ``available_m2``) and
        ``gross_m2`` (the sum of the categories). Unrounded m².
    land : geopandas.GeoDataFrame
        The available pieces: ``cluster``, ``subpark`` (ids, None outside), ``parcel``
        (parcels-only parks), ``area_m2``, ``area_mu``, ``conditional_m2``,
        ``compactness`` (4πA/P², 1 for a disc, 0.785 for a square), ``width_m`` and
        ``length_m`` (the sides of the smallest rotated rectangle around the piece:
        a rectangular plot's width and length). Pieces are split at sub-park edges, so
        that they add up to the table's sub-park rows.
    parcels : geopandas.GeoDataFrame or None
        Every parcel with its ``<category>_m2``, ``conditional_m2`` and ``gross_m2``
        (None when the park has no parcels). With ``engine="dask"`` and ``output``,
        this and :attr:`land` are lazy ``dask_geopandas`` frames reading the GeoParquet
        the workers wrote.
    waterfall : geopandas.GeoDataFrame or None
        The land of each category per cluster (``cluster``, ``category``, ``area_m2``),
        for maps; None for a parcels-only park.
    categories : tuple of str
        The categories, in waterfall order (the rules' order, then ``available``).
    crs : pyproj.CRS
        The CRS areas were computed in.
    rules : AvailabilityRules
        The rules used.
    repairs : list of Problem
        Invalid input geometries repaired before the computation.
    """

    table: pd.DataFrame
    land: gpd.GeoDataFrame
    parcels: gpd.GeoDataFrame | None
    waterfall: gpd.GeoDataFrame | None
    categories: tuple[str, ...]
    crs: CRS
    rules: AvailabilityRules
    repairs: list[Problem] = field(default_factory=list)
    park_name_zh: str = ""
    park_name_en: str = ""
    illustrative: bool = False
    data_source: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> pd.Series:
        """The total row of :attr:`table`."""
        return self.table[self.table["level"] == "total"].iloc[0]

    def frame(self, unit: str = "m2") -> pd.DataFrame:
        """:attr:`table` with its areas in ``unit`` (``m2``, ``mu``, ``ha``, ``km2``).

        Columns are renamed ``<category>_<unit>``.
        """
        factor = AREA_UNITS[unit]
        out = self.table.copy()
        area_columns = [c for c in out.columns if c.endswith("_m2")]
        out[area_columns] = out[area_columns] / factor
        return out.rename(columns={c: f"{c[:-3]}_{unit}" for c in area_columns})

    def caption(self, lang: str = "en") -> str:
        """Lines that open every rendering: park, CRS, rules, repairs."""
        if lang == "zh":
            lines = [f"{self.park_name_zh} 用地可用性（瀑布式扣减）", crs_line(*self._crs(), "zh")]
            lines.append(f"规则：{note_text(self.rules.source, 'zh')}")
            if self.repairs:
                lines.append(f"已用 make_valid 修复 {len(self.repairs)} 个无效几何。")
        else:
            name = self.park_name_en or self.park_name_zh
            lines = [f"Land availability (waterfall): {name}", crs_line(*self._crs(), "en")]
            lines.append(f"Rules: {self.rules.source}")
            if self.repairs:
                lines.append(f"Repaired {len(self.repairs)} invalid geometries with make_valid.")
        lines.extend(note_lines(self.notes, lang))
        if self.illustrative:
            lines.append(illustrative_line(lang))
        return "\n".join(lines)

    def _crs(self) -> tuple[str, str]:
        return self.crs.to_string(), self.crs.name

    # -- renderers ---------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The stable JSON form (see the README, "Land availability")."""
        crs, crs_name = self._crs()
        return {
            **result_header(
                self,
                schema_version=JSON_SCHEMA_VERSION,
                crs=crs,
                crs_name=crs_name,
                notes=self.notes,
            ),
            "categories": list(self.categories),
            "rows": json_records(self.table),
            "rules": {"source": self.rules.source, **self.rules.as_dict()},
            "repairs": [p.format() for p in self.repairs],
        }

    def _waterfall_rows(self, lang: str) -> tuple[list[list[str]], list[str]]:
        """The total's categories as rows, areas in every unit and their share."""
        total = self.total
        gross = total["gross_m2"]
        index = 0 if lang == "zh" else 1
        rows = []
        for key in [*self.categories, "conditional", "gross"]:
            value = total[f"{key}_m2"]
            share = f"{100 * value / gross:.1f}" if gross else ""
            label = labels("category")[key][index]
            rows.append([label, *(format_area(value, u) for u in AREA_UNITS), share])
        headers = ["类别" if lang == "zh" else "category"]
        headers += [labels("unit")[u][index] for u in AREA_UNITS]
        headers.append("占比(%)" if lang == "zh" else "share (%)")
        return rows, headers

    def _unit_rows(self, lang: str, unit: str) -> tuple[list[list[str]], list[str]]:
        index = 0 if lang == "zh" else 1
        keys = [*self.categories, "conditional", "gross"]
        rows = []
        for row in self.table.itertuples(index=False):
            name = row.name if lang == "zh" else row.name_en
            level = labels("level")[row.level][index]
            rows.append([level, name, *(format_area(getattr(row, f"{k}_m2"), unit) for k in keys)])
        headers = ["层级" if lang == "zh" else "level", "名称" if lang == "zh" else "name"]
        headers += [labels("category")[k][index] for k in keys]
        return rows, headers

    def to_text(self, lang: str = "en", fmt: str = "table", *, caption: bool = True) -> str:
        """Render as terminal tables (``fmt="table"``) or Markdown (``"markdown"``).

        The waterfall of the total in m², 亩, 公顷 and km² with each category's share,
        then the table by cluster and sub-park in 公顷 and in 亩.
        """
        blocks = [caption_block(self.caption(lang), fmt)] if caption else []
        rows, headers = self._waterfall_rows(lang)
        title = "用地可用性瀑布（合计）" if lang == "zh" else "Availability waterfall (total)"
        blocks.append(heading(title, fmt) + "\n" + grid(rows, headers, fmt, n_left=1))
        for unit in ("ha", "mu"):
            rows, headers = self._unit_rows(lang, unit)
            name = unit_name(unit, lang)
            title = (
                f"按组团与园中园（{name}）" if lang == "zh" else f"By cluster and sub-park ({name})"
            )
            blocks.append(f"{heading(title, fmt)}\n{grid(rows, headers, fmt, n_left=2)}")
        if lang == "en":
            blocks.append(
                "(conditional = part of the available land that needs approval first: "
                "ordinary cropland, forest, soft constraints, flexible-growth zone)"
            )
        return "\n\n".join(blocks) + "\n"

    def to_csv(self, lang: str = "en") -> str:
        """The table as CSV, every area in m², 亩, 公顷 and km² (unrounded)."""
        frame = self.table[["level", "key", "name", "name_en"]].copy()
        for column in [c for c in self.table.columns if c.endswith("_m2")]:
            stem = column[:-3]
            for unit, factor in AREA_UNITS.items():
                frame[f"{stem}_{unit}"] = self.table[column] / factor
        if lang == "zh":
            frame.columns = [_zh_header(c) for c in frame.columns]
        return csv_text(frame)

    def render(self, fmt: str = "table", lang: str = "en") -> str:
        """Render as text in ``fmt`` (``table``, ``csv``, ``markdown``, ``json``)."""
        return render(self, fmt, lang, FORMATS)

    def to_geopackage(self, path: str | os.PathLike, *, overwrite: bool = False):
        """Write ``available_land`` and, when the park has parcels, ``parcel_availability``.

        The file is written to a temporary name and moved into place when complete.

        Raises
        ------
        parkmap.errors.OutputExistsError
            If the file exists and ``overwrite`` is false.
        """
        layers = {"available_land": self.land}
        if self.parcels is not None:
            layers["parcel_availability"] = self.parcels
        metadata = {
            "generator": generator(),
            "categories": list(self.categories),
            "rules": {"source": self.rules.source, **self.rules.as_dict()},
            "crs": self.crs.to_string(),
        }
        return write_geopackage(path, layers, metadata, overwrite=overwrite)


def _zh_header(column: str) -> str:
    fixed = {"level": "层级", "key": "编号", "name": "名称", "name_en": "英文名称"}
    if column in fixed:
        return fixed[column]
    stem, unit = column.rsplit("_", 1)
    return f"{labels('category')[stem][0]}({labels('unit')[unit][0]})"
