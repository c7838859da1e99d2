"""The comparison's tables as DataFrames: one value column per scenario, base first.

Each table has ``key``, ``name_zh``, ``name_en``, ``unit`` (how the value is shown:
``m2``, ``count``, ``ratio``, ``share``, ``mu``) and one column per scenario key (the
base's key is ``base``) holding the engine's unrounded value; :func:`with_deltas` adds a
``delta:<key>`` column per scenario (its value minus the base's).
"""

from __future__ import annotations

import pandas as pd

from parkmap.scenarios.balance import UNCLASSIFIED
from parkmap.vocab import labels

__all__ = [
    "LAYOUT_ROWS",
    "allocation_frame",
    "availability_frame",
    "balance_frame",
    "layout_frame",
    "subpark_frame",
    "with_deltas",
]

#: Layout summary rows compared, and how each is shown.
LAYOUT_ROWS = {
    "n_plots": "count",
    "n_buildings": "count",
    "plotted_m2": "mu",
    "road_m2": "mu",
    "floor_area_m2": "m2_value",
    "far": "ratio",
    "coverage": "share",
    "compliance_rate": "share",
}
_ALLOCATION_ROWS = {
    "projects": "count",
    "placed": "count",
    "demand_mu": "mu_value",
    "allocated_mu": "mu_value",
}


def with_deltas(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Add ``delta:<key>`` (value − base) for every scenario key after the first."""
    out = frame.copy()
    base = pd.to_numeric(out[keys[0]], errors="coerce")
    for key in keys[1:]:
        out[f"delta:{key}"] = pd.to_numeric(out[key], errors="coerce") - base
    return out


def availability_frame(columns) -> pd.DataFrame:
    """The waterfall's total row per column: every category, conditional, gross (m²)."""
    names = labels("category")
    base = columns[0].availability
    keys = [*base.categories, "conditional", "gross"]
    frame = pd.DataFrame(
        {
            "key": keys,
            "name_zh": [names[k][0] for k in keys],
            "name_en": [names[k][1] for k in keys],
            "unit": "m2",
        }
    )
    for col in columns:
        total = col.availability.total
        frame[col.key] = [float(total[f"{k}_m2"]) for k in keys]
    return with_deltas(frame, [c.key for c in columns])


def subpark_frame(columns) -> pd.DataFrame:
    """Available land by sub-park per column (m²), in the base's order."""
    rows: dict[str, dict] = {}
    for col in columns:
        table = col.availability.table
        for row in table[table["level"] == "subpark"].itertuples(index=False):
            entry = rows.setdefault(
                row.key, {"key": row.key, "name_zh": row.name, "name_en": row.name_en, "unit": "m2"}
            )
            entry[col.key] = float(row.available_m2)
    frame = pd.DataFrame(list(rows.values()))
    twice = frame["name_zh"].duplicated(keep=False)
    frame.loc[twice, "name_zh"] = (
        frame.loc[twice, "name_zh"] + "（" + frame.loc[twice, "key"] + "）"
    )
    for col in columns:
        if col.key not in frame:
            frame[col.key] = float("nan")
    return with_deltas(frame, [c.key for c in columns])


def layout_frame(columns) -> pd.DataFrame | None:
    """The layout summary per column; None when no column has a layout."""
    if all(col.layout is None for col in columns):
        return None
    names = labels("layout_summary")
    frame = pd.DataFrame(
        {
            "key": list(LAYOUT_ROWS),
            "name_zh": [names[k][0] for k in LAYOUT_ROWS],
            "name_en": [names[k][1] for k in LAYOUT_ROWS],
            "unit": list(LAYOUT_ROWS.values()),
        }
    )
    for col in columns:
        summary = col.layout.summary if col.layout is not None else {}
        frame[col.key] = [_number(summary.get(k)) for k in LAYOUT_ROWS]
    return with_deltas(frame, [c.key for c in columns])


def _number(value) -> float:
    return float("nan") if value is None else float(value)


def allocation_frame(columns) -> pd.DataFrame | None:
    """The allocation summary and the surplus by sub-park per column; None without one."""
    if all(col.allocation is None for col in columns):
        return None
    names = labels("compare")
    rows: dict[str, dict] = {
        k: {"key": k, "name_zh": names[k][0], "name_en": names[k][1], "unit": u}
        for k, u in _ALLOCATION_ROWS.items()
    }
    for col in columns:
        alloc = col.allocation
        summary = alloc.summary if alloc is not None else {}
        for k in _ALLOCATION_ROWS:
            rows[k][col.key] = _number(summary.get(k))
        if alloc is None:
            continue
        for row in alloc.balance.itertuples(index=False):
            key = f"surplus_mu:{row.subpark}"
            name = getattr(row, "subpark_name", row.subpark)
            entry = rows.setdefault(
                key,
                {
                    "key": key,
                    "name_zh": f"{names['surplus_mu'][0]}：{name}",
                    "name_en": f"{names['surplus_mu'][1]}: {row.subpark}",
                    "unit": "mu_value",
                },
            )
            entry[col.key] = _number(row.surplus_mu)
    frame = pd.DataFrame(list(rows.values()))
    for col in columns:
        if col.key not in frame:
            frame[col.key] = float("nan")
    return with_deltas(frame, [c.key for c in columns])


def balance_frame(existing: pd.DataFrame, columns) -> pd.DataFrame:
    """The 用地平衡表: 现状 then every column, area (m²) and share, with group subtotals.

    Rows are grouped under their level-1 class: the group's subtotal row
    (``kind`` ``subtotal``) comes first, then its classes (``kind`` ``class``); a
    level-1 class coded as such is a class row of its own group. The last row is the
    total (``kind`` ``total``). Value columns: ``existing`` and each column key (area,
    m²), ``share:existing`` and ``share:<key>``.
    """
    tables = {"existing": existing, **{col.key: col.balance for col in columns}}
    names = labels("compare")
    classes: dict[str, dict] = {}
    for table in tables.values():
        for row in table.itertuples(index=False):
            classes.setdefault(
                row.code,
                {
                    "code": row.code,
                    "group": row.group,
                    "name_zh": row.name_zh,
                    "name_en": row.name_en,
                    "group_zh": row.group_zh,
                    "group_en": row.group_en,
                },
            )
    groups = sorted({c["group"] for c in classes.values()}, key=lambda g: (g == UNCLASSIFIED, g))
    rows = []
    for group in groups:
        members = sorted(
            (c for c in classes.values() if c["group"] == group), key=lambda c: c["code"]
        )
        first = members[0]
        if len(members) > 1 or first["code"] != group:
            rows.append(
                {
                    "kind": "subtotal",
                    "key": group,
                    "group": group,
                    "name_zh": first["group_zh"],
                    "name_en": first["group_en"],
                    "codes": [m["code"] for m in members],
                }
            )
        for m in members:
            rows.append(
                {
                    "kind": "class",
                    "key": m["code"],
                    "group": group,
                    "name_zh": m["name_zh"],
                    "name_en": m["name_en"],
                    "codes": [m["code"]],
                }
            )
    rows.append(
        {
            "kind": "total",
            "key": "total",
            "group": "",
            "name_zh": names["total"][0],
            "name_en": names["total"][1],
            "codes": list(classes),
        }
    )
    frame = pd.DataFrame(rows)
    for name, table in tables.items():
        area = dict(zip(table["code"], table["area_m2"], strict=True))
        share = dict(zip(table["code"], table["share"], strict=True))
        frame[name] = [sum(area.get(c, 0.0) for c in codes) for codes in frame["codes"]]
        frame[f"share:{name}"] = [sum(share.get(c, 0.0) for c in codes) for codes in frame["codes"]]
    frame = frame.drop(columns="codes")
    keys = ["existing", *[c.key for c in columns]]
    return with_deltas(frame, keys)
