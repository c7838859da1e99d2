"""Source columns: renaming to park columns, number and yes/no coercion, text checks, land use."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from parkmap.errors import DataFileError
from parkmap.io.detect import garbled, import_command
from parkmap.io.fieldmap import LayerRule, translate_landuse, translate_values
from parkmap.io.readers import Source, text_columns
from parkmap.io.report import Collector
from parkmap.io.survey import adjustable_note
from parkmap.schema import LAYERS, feature_ids

__all__ = ["apply_columns", "apply_landuse", "apply_schema", "check_text"]

_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(?:m|米|层|亩|m2|㎡|平方米)?\s*$", re.IGNORECASE)
_BOOL = {"true": True, "false": False, "1": True, "0": False, "是": True, "否": False,
         "y": True, "n": False, "yes": True, "no": False}  # fmt: skip


def apply_columns(gdf: gpd.GeoDataFrame, columns: dict[str, str], note: Collector):
    """Rename source fields to park columns; returns the frame and {field: column}."""
    renamed: dict[str, str] = {}
    for target, source in columns.items():
        if source not in gdf.columns:
            fields = ", ".join(map(str, gdf.columns.drop(gdf.geometry.name)))
            note.add(f"mapped field {source!r} is not in this source (fields: {fields})",
                     severity="error")  # fmt: skip
        elif source != target:
            renamed[source] = target
    clashes = {c: f"{c}_src" for c in renamed.values() if c in gdf.columns and c not in renamed}
    return gdf.rename(columns={**clashes, **renamed}), renamed


def _coerce_number(gdf: gpd.GeoDataFrame, col: str, ids: pd.Series, note: Collector) -> None:
    values = gdf[col]
    if pd.api.types.is_numeric_dtype(values):
        return
    out, bad = [], []
    for idx, value in values.items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            out.append(np.nan)
            continue
        match = _NUMBER.match(str(value))
        if match is None:
            bad.append((ids[idx], value))
            out.append(np.nan)
        else:
            out.append(float(match.group(1)))
    for fid, value in bad[:20]:
        note.add(f"not a number: {value!r}; left empty", fid, col, severity="error")
    if len(bad) > 20:
        note.add(f"{len(bad) - 20} more values that are not numbers", None, col, "error")
    gdf[col] = pd.Series(out, index=values.index, dtype=float)


def _coerce_bool(gdf: gpd.GeoDataFrame, col: str) -> None:
    def one(value):
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return value
        return _BOOL.get(str(value).strip().casefold(), value)

    gdf[col] = gdf[col].map(one)


def check_text(src: Source, gdf: gpd.GeoDataFrame) -> None:
    """Raise DataFileError at the first field name or text value that is garbled."""
    text = set(text_columns(gdf))
    ids = feature_ids(gdf)
    where = f"{src.path}, layer '{src.label}'"
    for col in gdf.columns:
        if garbled(str(col)):
            raise DataFileError(
                f"{where}, field {col!r}: name is garbled text ({garbled(str(col))})"
            )
        if col not in text:
            continue
        for idx, value in gdf[col].items():
            if isinstance(value, str) and (why := garbled(value)):
                raise DataFileError(
                    f"{where}, feature {ids[idx]}, column '{col}': garbled text {value!r} "
                    f"({why}); name the encoding: "
                    f"{import_command([src.path], '--encoding <codec>')}"
                )


def apply_landuse(gdf, rule: LayerRule, scheme: str | None, ids, note, src, report) -> None:
    """Translate land-use codes (or names) to 2023 codes in place; report unknown ones."""
    has_code, has_name = "landuse_code" in gdf.columns, "landuse_name" in gdf.columns
    if not (has_code or has_name):
        return
    scheme = rule.landuse_scheme or scheme or "planning"
    codes = gdf["landuse_code"] if has_code else None
    names = gdf["landuse_name"] if has_name else None
    result = translate_landuse(codes, names, scheme=scheme)
    if has_code:
        gdf["landuse_code_src"] = codes.astype(object)
    gdf["landuse_code"] = result.codes
    gdf["landuse_scheme"] = result.scheme
    label = "三调 (GB/T 21010)" if scheme == "survey" else "2023 / 2020-trial / GB 50137"
    for message in result.notes.values():
        note.add(message, None, "landuse_code")
    adjustable = adjustable_note(
        result.adjustable, f"{src.path.name}:{src.label}" if src.layer else src.path.name
    )
    if adjustable:
        report.notes.append(adjustable)
    if result.unknown:
        key = f"{src.path.name}:{src.label}" if src.layer else src.path.name
        report.unknown_codes[key] = dict(result.unknown)
        source_values = codes if codes is not None else names
        for code, count in result.unknown.items():
            where = [ids[i] for i, v in source_values.items() if str(v).strip() == code][:5]
            note.add(
                f"unknown {label} land-use code {code!r} on {count} feature(s) "
                f"(e.g. {', '.join(where)}); not translated, left empty",
                None,
                "landuse_code",
                severity="error",
            )


def apply_schema(gdf, target: str, rule: LayerRule, defaults: dict, note, ids) -> None:
    """Fill defaults, translate coded values and coerce numbers and booleans, in place."""
    schema = LAYERS.get(target)
    for col, value in {**defaults, **rule.defaults}.items():
        if col not in gdf.columns:
            gdf[col] = value
        else:
            gdf[col] = gdf[col].where(gdf[col].notna(), value)
    for col, table in rule.values.items():
        if col in gdf.columns:
            gdf[col] = translate_values(gdf[col], col, table)
    if schema is None:
        return
    for column in schema.columns:
        if column.name not in gdf.columns:
            continue
        if column.kind in ("number", "integer"):
            _coerce_number(gdf, column.name, ids, note)
        elif column.kind == "bool":
            _coerce_bool(gdf, column.name)
        elif column.allowed is not None and column.name not in rule.values:
            gdf[column.name] = translate_values(gdf[column.name], column.name)
