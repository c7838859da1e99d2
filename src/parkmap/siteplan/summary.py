"""Layout indicator tables: per plot, per sub-park, and the layout's summary.

They apply the checks of :mod:`parkmap.siteplan.indicators` to the plots and buildings a
layout made.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parkmap.park import Park
from parkmap.siteplan.indicators import IndicatorRules, check_indicators, far_floor_area
from parkmap.siteplan.standards import PlotOptions
from parkmap.units import M2_PER_MU

__all__ = ["layout_summary", "plot_indicators", "subpark_table"]


def _investment(plots: gpd.GeoDataFrame, park: Park) -> np.ndarray:
    """Known investment (万元) of the park's projects lying in each plot."""
    out = np.full(len(plots), np.nan)
    projects = park.get("projects")
    if projects is None or not len(projects) or "investment_yi" not in projects or not len(plots):
        return out
    money = pd.to_numeric(projects["investment_yi"], errors="coerce").to_numpy() * 1e4
    known = ~np.isnan(money)
    points = shapely.point_on_surface(np.asarray(projects.geometry.array, dtype=object)[known])
    where, plot_idx = shapely.STRtree(plots.geometry.array).query(points, predicate="within")
    for p, i in zip(where, plot_idx, strict=True):
        out[i] = np.nansum([out[i], money[known][p]])
    return out


def plot_indicators(plots, buildings, park: Park, rules: IndicatorRules, opts: PlotOptions):
    """Per-building floor areas and per-plot indicators, checked against the ruleset.

    Parameters
    ----------
    plots, buildings : geopandas.GeoDataFrame
        The layout's plots and buildings; ``buildings`` gains ``footprint_m2``,
        ``floor_area_m2`` and ``far_floor_area_m2`` in place.
    park : Park
        The park (its ``projects`` give the known investment).
    rules : IndicatorRules
        The ruleset.
    opts : PlotOptions
        The layout options (green share, admin land apron).

    Returns
    -------
    geopandas.GeoDataFrame
        The plots with their areas, indicators and :func:`check_indicators` columns.
    """
    footprint = buildings.geometry.area.to_numpy()
    buildings["footprint_m2"] = footprint
    buildings["floor_area_m2"] = footprint * buildings["storeys"].to_numpy(dtype=float)
    buildings["far_floor_area_m2"] = (
        far_floor_area(
            footprint,
            buildings["storeys"].to_numpy(dtype=float),
            buildings["ground_storey_height_m"].to_numpy(dtype=float),
            buildings["storey_height_m"].to_numpy(dtype=float),
            double_count_height_m=rules.storey_double_count_height_m,
        )
        if len(buildings)
        else np.empty(0)
    )
    area = plots.geometry.area.to_numpy()
    plots["area_m2"] = area
    plots["area_mu"] = area / M2_PER_MU
    by_plot = buildings.groupby("plot")
    for column, source in (
        ("footprint_m2", "footprint_m2"),
        ("floor_area_m2", "floor_area_m2"),
        ("far_floor_area_m2", "far_floor_area_m2"),
    ):
        plots[column] = plots["id"].map(by_plot[source].sum()).fillna(0.0).to_numpy(dtype=float)
    plots["n_buildings"] = plots["id"].map(by_plot.size()).fillna(0).astype(int)
    offices = buildings[buildings["role"] == "office"]
    admin = dict.fromkeys(plots["id"], 0.0)
    plot_geom = dict(zip(plots["id"], plots.geometry, strict=True))
    for pid, geom in zip(offices["plot"], offices.geometry, strict=True):
        land = (
            geom.buffer(opts.admin_land_apron_m, join_style="mitre")
            if opts.admin_land_apron_m
            else geom
        )
        admin[pid] += land.intersection(plot_geom[pid]).area
    plots["admin_land_m2"] = plots["id"].map(admin).to_numpy(dtype=float)
    plots["green_area_m2"] = opts.green_share_of_open_land * (area - plots["footprint_m2"])
    plots["investment_wan"] = _investment(plots, park)
    with np.errstate(divide="ignore", invalid="ignore"):
        plots["far"] = plots["far_floor_area_m2"] / area
        plots["coverage"] = plots["footprint_m2"] / area
        plots["admin_share"] = plots["admin_land_m2"] / area
        plots["green_ratio"] = plots["green_area_m2"] / area
        plots["investment_wan_per_mu"] = plots["investment_wan"] / plots["area_mu"]
    checked = check_indicators(pd.DataFrame(plots.drop(columns="geometry")), rules)
    return gpd.GeoDataFrame(checked, geometry=plots.geometry.array, crs=plots.crs)


def subpark_table(plots, buildings, subparks, budget, rules: IndicatorRules) -> pd.DataFrame:
    """Land budget, counts and area-weighted indicators per sub-park, checked.

    Parameters
    ----------
    plots, buildings : geopandas.GeoDataFrame
        The layout's plots (with their indicators) and buildings.
    subparks : geopandas.GeoDataFrame
        The laid-out sub-parks, with their feature id in ``_id``.
    budget : dict
        Per sub-park id: ``available_m2``, ``road_m2`` and ``leftover_m2``.
    rules : IndicatorRules
        The ruleset.

    Returns
    -------
    pandas.DataFrame
        One row per sub-park, through :func:`check_indicators`.
    """
    rows = []
    for _, sp in subparks.iterrows():
        sp_id = sp["_id"]
        mine = plots[plots["subpark"] == sp_id]
        plotted = float(mine["area_m2"].sum())
        money = mine["investment_wan"].dropna()
        with np.errstate(divide="ignore", invalid="ignore"):
            row = {
                "key": sp_id,
                "name_zh": sp.get("name_zh"),
                "name_en": sp.get("name_en") if pd.notna(sp.get("name_en")) else sp.get("name_zh"),
                "industry_code": None
                if pd.isna(sp.get("industry_code"))
                else str(sp["industry_code"]),
                "available_m2": budget[sp_id]["available_m2"],
                "road_m2": budget[sp_id]["road_m2"],
                "plotted_m2": plotted,
                "leftover_m2": budget[sp_id]["leftover_m2"],
                "n_plots": len(mine),
                "n_buildings": int((buildings["subpark"] == sp_id).sum()),
                "floor_area_m2": float(mine["floor_area_m2"].sum()),
                "far_floor_area_m2": float(mine["far_floor_area_m2"].sum()),
                "far": float(mine["far_floor_area_m2"].sum()) / plotted if plotted else np.nan,
                "coverage": float(mine["footprint_m2"].sum()) / plotted if plotted else np.nan,
                "admin_share": float(mine["admin_land_m2"].sum()) / plotted if plotted else np.nan,
                "green_ratio": float(mine["green_area_m2"].sum()) / plotted if plotted else np.nan,
                "investment_wan_per_mu": (
                    float(money.sum()) / float(mine.loc[money.index, "area_mu"].sum())
                    if len(money)
                    else np.nan
                ),
                "compliance_rate": (
                    float(mine["compliant"].mean())
                    if len(mine) and not rules.unverified
                    else np.nan
                ),
                "compliance_rate_by_area": (
                    float(mine.loc[mine["compliant"], "area_m2"].sum()) / plotted
                    if plotted and not rules.unverified
                    else np.nan
                ),
            }
        for unit_column in ("available", "road", "plotted", "leftover"):
            row[f"{unit_column}_mu"] = row[f"{unit_column}_m2"] / M2_PER_MU
        minimum = rules.thresholds(row["industry_code"])["investment_min_wan_per_mu"]
        row["investment_capacity_wan"] = (
            minimum * plotted / M2_PER_MU if not np.isnan(minimum) else np.nan
        )
        rows.append(row)
    table = pd.DataFrame(rows)
    return check_indicators(table, rules) if len(table) else table


def layout_summary(plots, buildings, roads, budget, rules) -> dict:
    """The layout's totals: counts, areas (m²), floor area, FAR, coverage, compliance.

    Parameters
    ----------
    plots, buildings, roads : geopandas.GeoDataFrame
        The layout's plots (with their indicators), buildings and inserted roads.
    budget : dict
        Per sub-park id: ``available_m2``, ``road_m2`` and ``leftover_m2``.
    rules : IndicatorRules
        The ruleset (for the minimum investment capacity).

    Returns
    -------
    dict
        The ``Layout.summary``.
    """
    plotted = float(plots["area_m2"].sum()) if len(plots) else 0.0
    capacity = []
    for code, area in zip(plots.get("industry_code", []), plots.get("area_m2", []), strict=True):
        minimum = rules.thresholds(code)["investment_min_wan_per_mu"]
        if not np.isnan(minimum):
            capacity.append(minimum * area / M2_PER_MU)
    return {
        "n_plots": len(plots),
        "n_buildings": len(buildings),
        "n_factories": int((buildings["role"] == "factory").sum()),
        "n_offices": int((buildings["role"] == "office").sum()),
        "available_m2": float(sum(b["available_m2"] for b in budget.values())),
        "plotted_m2": plotted,
        "road_m2": float(roads["area_m2"].sum()) if len(roads) else 0.0,
        "road_length_m": float(roads["length_m"].sum()) if len(roads) else 0.0,
        "leftover_m2": float(sum(b["leftover_m2"] for b in budget.values())),
        "floor_area_m2": float(plots["floor_area_m2"].sum()) if len(plots) else 0.0,
        "far_floor_area_m2": float(plots["far_floor_area_m2"].sum()) if len(plots) else 0.0,
        "far": float(plots["far_floor_area_m2"].sum()) / plotted if plotted else None,
        "coverage": float(plots["footprint_m2"].sum()) / plotted if plotted else None,
        "compliance_rate": (
            float(plots["compliant"].mean()) if len(plots) and not rules.unverified else None
        ),
        "n_unchecked_plots": int((plots["n_unchecked"] > 0).sum()) if len(plots) else 0,
        "compliance_rate_by_area": (
            float(plots.loc[plots["compliant"], "area_m2"].sum()) / plotted
            if plotted and not rules.unverified
            else None
        ),
        "investment_capacity_wan": float(sum(capacity)) if capacity else None,
    }
