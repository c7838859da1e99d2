"""The comparison result: :class:`Comparison`, its tables and renderings.

Renderings compose :mod:`parkmap.tables` helpers, as every parkmap result does.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import pandas as pd

from parkmap.io import atomic_output, write_geopackage
from parkmap.scenarios.engine import Column
from parkmap.scenarios.frames import (
    allocation_frame,
    availability_frame,
    balance_frame,
    layout_frame,
    subpark_frame,
)
from parkmap.tables import (
    TEXT_FORMATS,
    caption_block,
    clean_json,
    crs_line,
    csv_text,
    generator,
    grid,
    heading,
    illustrative_line,
    render,
    result_header,
)
from parkmap.units import M2_PER_HA, M2_PER_MU
from parkmap.vocab import labels

__all__ = ["FORMATS", "JSON_SCHEMA_VERSION", "Comparison"]

#: Output formats of :meth:`Comparison.render` and the CLI (xlsx needs a file).
FORMATS = (*TEXT_FORMATS, "xlsx")

#: JSON schema version of :meth:`Comparison.to_dict`; bumped on incompatible change.
JSON_SCHEMA_VERSION = 1

_TABLES = ("availability", "subparks", "layout", "allocation", "balance")


@dataclass
class Comparison:
    """Scenarios of a park side by side, the base first.

    Attributes
    ----------
    columns : list of Column
        The base, then each scenario, with its park and engine results.
    existing_balance : pandas.DataFrame
        The 用地平衡表 of the base park as it is (现状: no layout).
    notes : list of str
        Every assumption the comparison's numbers depend on.
    """

    columns: list[Column]
    existing_balance: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def base(self) -> Column:
        """The base column."""
        return self.columns[0]

    @property
    def scenarios(self) -> list[Column]:
        """The scenario columns (without the base)."""
        return self.columns[1:]

    def __getitem__(self, name: str) -> Column:
        for col in self.columns:
            if name in (col.key, col.name, col.name_en):
                return col
        raise KeyError(f"no scenario {name!r}; known: {', '.join(c.name for c in self.columns)}")

    # -- tables ------------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame | None:
        """One comparison table, by name.

        ``availability``, ``subparks``, ``layout``, ``allocation`` (None without one)
        or ``balance``; see
        :mod:`parkmap.scenarios.frames` for the columns.
        """
        if name == "availability":
            return availability_frame(self.columns)
        if name == "subparks":
            return subpark_frame(self.columns)
        if name == "layout":
            return layout_frame(self.columns)
        if name == "allocation":
            return allocation_frame(self.columns)
        if name == "balance":
            return balance_frame(self.existing_balance, self.columns)
        raise KeyError(f"no table {name!r}; use one of {', '.join(_TABLES)}")

    # -- JSON --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The stable JSON form (see the README, "Scenarios")."""
        base = self.base.availability
        return {
            **result_header(
                base,
                schema_version=JSON_SCHEMA_VERSION,
                crs=base.crs.to_string(),
                crs_name=base.crs.name,
            ),
            "scenarios": [self._column_dict(col) for col in self.columns],
            "existing_landuse_balance": _balance_rows(self.existing_balance),
            "notes": list(self.notes),
        }

    def _column_dict(self, col: Column) -> dict:
        result = col.availability
        total = {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in result.total.to_dict().items()
        }
        table = result.table
        subparks = {
            row.key: float(row.available_m2)
            for row in table[table["level"] == "subpark"].itertuples(index=False)
        }
        allocation = None
        if col.allocation is not None:
            alloc = col.allocation.to_dict()
            allocation = {
                "summary": alloc["summary"],
                "balance": alloc["balance"],
                "notes": alloc.get("notes", []),
            }
        return clean_json(
            {
                "key": col.key,
                "name": col.name,
                "name_en": col.name_en,
                "description": col.description,
                "source": col.source,
                "availability": total,
                "subparks": subparks,
                "layout": dict(col.layout.summary) if col.layout is not None else None,
                "allocation": allocation,
                "landuse_balance": _balance_rows(col.balance),
                "changes": None
                if col.changes is None
                else [
                    {
                        "from": r.from_category,
                        "to": r.to_category,
                        "change": r.change,
                        "area_m2": float(r.area_m2),
                    }
                    for r in col.changes.itertuples(index=False)
                ],
                "notes": list(col.notes),
            }
        )

    # -- text --------------------------------------------------------------------------
    def caption(self, lang: str = "en") -> str:
        """Lines that open every rendering: park, CRS, the scenarios and their sources."""
        base = self.base.availability
        crs = (base.crs.to_string(), base.crs.name)
        if lang == "zh":
            lines = [f"{base.park_name_zh} 方案比较", crs_line(*crs, "zh")]
        else:
            lines = [
                f"Scenario comparison: {base.park_name_en or base.park_name_zh}",
                crs_line(*crs, "en"),
            ]
        for col in self.columns:
            what = col.description or col.source
            lines.append(
                f"- {col.label(lang)}: {what}"
                + (f" ({col.source})" if col.source not in ("<base>", "<code>") else "")
            )
            lines += [f"    {n}" for n in col.notes]
        if base.illustrative:
            lines.append(illustrative_line(lang))
        return "\n".join(lines)

    def _headers(self, lang: str, keys: list[str], deltas: list[str]) -> list[str]:
        names = labels("compare")
        index = 0 if lang == "zh" else 1
        out = [names["item"][index]]
        for key in keys:
            out.append(names["existing"][index] if key == "existing" else self[key].label(lang))
            if key in deltas:
                out.append(f"Δ {names['delta'][index]}" if lang == "en" else "较基准")
        return out

    def _grid(self, name: str, lang: str, fmt: str) -> str | None:
        frame = self.table(name)
        if frame is None:
            return None
        index = 0 if lang == "zh" else 1
        names = labels("compare")
        keys = [c.key for c in self.columns]
        if name == "balance":
            return self._balance_grid(frame, lang, fmt)
        rows = []
        for row in frame.to_dict(orient="records"):
            cells = [row["name_zh"] if lang == "zh" else row["name_en"]]
            for key in keys:
                cells.append(_show(row[key], row["unit"]))
                if key != keys[0]:
                    cells.append(_show(row[f"delta:{key}"], row["unit"], signed=True))
            rows.append(cells)
        headers = self._headers(lang, keys, keys[1:])
        return f"{heading(names[name][index], fmt)}\n{grid(rows, headers, fmt, n_left=1)}"

    def _balance_grid(self, frame: pd.DataFrame, lang: str, fmt: str) -> str:
        index = 0 if lang == "zh" else 1
        names = labels("compare")
        keys = ["existing", *[c.key for c in self.columns]]
        rows = []
        for row in frame.to_dict(orient="records"):
            label = row["name_zh"] if lang == "zh" else row["name_en"]
            code = row["key"] if row["kind"] != "total" and row["key"] != "unclassified" else ""
            indent = "· " if row["kind"] == "class" and row["key"] != row["group"] else ""
            cells = [f"{indent}{code} {label}".strip()]
            for key in keys:
                cells.append(_show(row[key], "ha"))
                cells.append(_show(row[f"share:{key}"], "share"))
                if key != "existing":
                    cells.append(_show(row[f"delta:{key}"], "ha", signed=True))
            rows.append(cells)
        headers = [names["item"][index]]
        for key in keys:
            label = names["existing"][index] if key == "existing" else self[key].label(lang)
            headers += [f"{label} {names['area_ha'][index]}", names["share"][index]]
            if key != "existing":
                headers.append("较现状(公顷)" if lang == "zh" else "vs existing (ha)")
        title = names["balance"][index]
        return f"{heading(title, fmt)}\n{grid(rows, headers, fmt, n_left=1)}"

    def to_text(self, lang: str = "en", fmt: str = "table") -> str:
        """Render every table as terminal text (``fmt="table"``) or Markdown."""
        blocks = [caption_block(self.caption(lang), fmt)]
        for name in _TABLES:
            block = self._grid(name, lang, fmt)
            if block is not None:
                blocks.append(block)
        names = labels("compare")
        index = 0 if lang == "zh" else 1
        notes = "\n".join(f"- {n}" for n in self.notes)
        blocks.append(f"{heading(names['notes'][index], fmt)}\n{notes}")
        return "\n\n".join(blocks) + "\n"

    def frame(self) -> pd.DataFrame:
        """Every table in one tidy frame.

        Columns: ``table``, ``key``, ``name_zh``, ``name_en``, ``scenario`` (column
        key), ``value`` (unrounded: m², counts, ratios), ``delta`` (value − base; for
        the balance, value − 现状) and, for the balance, ``share``.
        """
        parts = []
        for name in _TABLES:
            table = self.table(name)
            if table is None:
                continue
            keys = ["existing"] if name == "balance" else []
            keys += [c.key for c in self.columns]
            for key in keys:
                part = table[["key", "name_zh", "name_en"]].copy()
                part.insert(0, "table", name)
                part["scenario"] = key
                part["value"] = table[key]
                part["delta"] = table.get(f"delta:{key}", float("nan"))
                if name == "balance":
                    part["share"] = table[f"share:{key}"]
                parts.append(part)
        return pd.concat(parts, ignore_index=True)

    def to_csv(self, lang: str = "en") -> str:
        """Every table as one tidy CSV (see :meth:`frame`); unrounded values."""
        return csv_text(self.frame())

    def render(self, fmt: str = "table", lang: str = "en") -> str:
        """Render as text in ``fmt`` (``table``, ``csv``, ``markdown``, ``json``)."""
        return render(self, fmt, lang, FORMATS)

    # -- files -------------------------------------------------------------------------
    def to_xlsx(self, path: str | os.PathLike, lang: str = "en", *, overwrite: bool = False):
        """An Excel workbook: an "about" sheet, then one sheet per table (unrounded)."""
        index = 0 if lang == "zh" else 1
        names = labels("compare")
        with (
            atomic_output(path, overwrite=overwrite) as tmp,
            pd.ExcelWriter(tmp, engine="openpyxl") as writer,
        ):
            about = [[line] for line in [*self.caption(lang).splitlines(), *self.notes]]
            pd.DataFrame(about, columns=["parkmap"]).to_excel(
                writer, sheet_name="说明" if lang == "zh" else "about", index=False
            )
            for name in _TABLES:
                table = self.table(name)
                if table is not None:
                    table.to_excel(writer, sheet_name=names[name][index][:31], index=False)
        return path

    def save(self, path: str | os.PathLike, *, overwrite: bool = False):
        """Write the comparison's land to a GeoPackage.

        Layers: per column ``<key>_available_land`` and ``<key>_landuse`` (the land
        of each class of its 用地平衡表, ``code``), and per scenario ``<key>_changes``
        (land whose category changed: ``from_category``, ``to_category``,
        ``change``, ``area_m2``).
        """
        layers = {}
        for col in self.columns:
            layers[f"{col.key}_available_land"] = col.availability.land
            layers[f"{col.key}_landuse"] = col.balance_land
            if col.changes is not None:
                layers[f"{col.key}_changes"] = col.changes
        metadata = {
            "generator": generator(),
            "scenarios": [
                {"key": c.key, "name": c.name, "name_en": c.name_en, "source": c.source}
                for c in self.columns
            ],
            "notes": list(self.notes),
            "crs": self.base.availability.crs.to_string(),
        }
        return write_geopackage(path, layers, metadata, overwrite=overwrite)


def _balance_rows(table: pd.DataFrame) -> list[dict]:
    return [
        {
            "code": r.code,
            "name": r.name_zh,
            "name_en": r.name_en,
            "group": r.group,
            "area_m2": float(r.area_m2),
            "share": float(r.share),
        }
        for r in table.itertuples(index=False)
    ]


def _show(value, unit: str, *, signed: bool = False) -> str:
    """A value as the tables show it (empty when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    sign = "+" if signed else ""
    if unit in ("m2", "ha"):
        return f"{value / M2_PER_HA:{sign},.2f}"
    if unit == "mu":
        return f"{value / M2_PER_MU:{sign},.1f}"
    if unit == "mu_value":
        return f"{value:{sign},.1f}"
    if unit == "m2_value":
        return f"{value:{sign},.0f}"
    if unit == "count":
        return f"{value:{sign},.0f}"
    if unit == "ratio":
        return f"{value:{sign}.2f}"
    if unit == "share":
        return f"{100 * value:{sign}.1f}%"
    return str(value)
