"""Park layout: plots along roads, standard factory buildings, control-indicator checks.

:func:`layout` turns the available land of a park (from :func:`parkmap.availability`)
into a plan a planner can discuss:

1. **Plots.** Each available block (a piece of available land inside one sub-park) is
   worked in the frame of its main axis (the long side of its minimum rotated
   rectangle, :func:`shapely.oriented_envelope`; the cross axis is tried as well and the
   one that plots more land wins). The block is cut across that axis into rows, each
   fronting a road: an existing road right-of-way along the block's side, or a branch
   road inserted where the block is deeper than the rows can be (rows are at most
   ``(branch_road_spacing_m - branch_road_red_line_m) / 2`` deep and sit back to back
   on each side of an inserted road). Each row is then cut along the axis into plots of
   equal area near ``plot_area_target_mu``, between the minimum and maximum size and no
   narrower than ``plot_width_min_m``. A plot left without ``frontage_min_m`` of road
   frontage, too small or too narrow is merged into its neighbour when the result stays
   within the maximum size, or else left unplotted (reported as ``leftover``).
2. **Buildings.** The local profile (default: the park's own; 渝府令第318号 ``cq318`` for
   Dianjiang) sets the setbacks. In each plot the buildable area is the plot minus the
   road setbacks (art. 23: by road width band and building height, from the red line);
   each building face keeps from the plot's other edges the largest of its art. 25
   setback (the art. 15 half-spacing: 0.5 H and ≥ 4 m for long faces up to 24 m, 4 m
   for gables), ``boundary_setback_min_m`` (GB 50016 3.4.12) and half the largest fire
   spacing (so buildings of neighbouring plots keep the full spacing). Factory
   templates are packed in rows aligned with the block's axis with the GB 50016 table
   3.4.1 spacing of their fire classes between them (10 m between 丙/丁/戊 grade-one/two
   factories, 13 m next to a high-rise factory taller than 24 m). An office block, a
   civil building (3.4.1 note 1: 6 m from its own plot's 丙/丁/戊 factories, 25 m from
   甲/乙), is sized to the admin share the ruleset allows (times ``admin_share_use``)
   and placed nearest the road, trying it both before and after the factories and
   keeping the better plan. Existing buildings of the park are kept at fire spacing too.
   Buildings that GB 55037 3.4.2 asks to have fire lanes along both long sides keep
   lanes ``fire_lane_width_min_m`` wide, clear and joined to a road, or are dropped.
   A last pass over every pair of buildings removes any that would still be too close
   (none in practice; logged).
3. **Indicators** per plot and per sub-park, checked with
   :func:`parkmap.siteplan.indicators.check_indicators` (see there for formulas, thresholds and
   margins). Green space is not drawn: it is taken as ``green_share_of_open_land`` of
   the plot's unbuilt area, so green ratio = share × (plot − footprints) / plot. Admin
   land is the office footprint grown by ``admin_land_apron_m`` (clipped to the plot).
   Investment intensity is checked where a project of the park lies in a plot and has
   ``investment_yi``, and the ruleset gives a minimum.

Every threshold and default is data: ``data/layout_defaults.csv``,
``data/building_templates.csv``, the profile's tables (``data/road_setbacks.csv``,
``data/boundary_setbacks.csv``, ``data/profile_cq318.csv``), the fire code
(``data/fire_spacing.csv``, ``data/fire_rules.csv``) and the indicator ruleset. The
layout's notes name each of them with its confidence.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parkmap._geometry import right_of_way
from parkmap.errors import RulesError
from parkmap.park import Park
from parkmap.siteplan.buildings import (
    Placed,
    enforce_spacing,
    plot_buildings,
    setback_columns,
    with_lanes,
)
from parkmap.siteplan.fire import fire_classes
from parkmap.siteplan.geometry import min_width, polygons
from parkmap.siteplan.indicators import IndicatorRules, indicator_rules
from parkmap.siteplan.plots import lay_out_block
from parkmap.siteplan.prerequisites import check_layout, land_of, require_land, select_subparks
from parkmap.siteplan.result import Layout, frames
from parkmap.siteplan.rulebook import Rulebook
from parkmap.siteplan.standards import (
    DEFAULT_TEMPLATES,
    OFFICE_TEMPLATE,
    BuildingTemplate,
    PlotOptions,
    template,
)
from parkmap.siteplan.summary import layout_summary, plot_indicators, subpark_table

__all__ = ["check_layout", "layout"]

log = logging.getLogger("parkmap")


def _options(plot) -> PlotOptions:
    if plot is None:
        return PlotOptions.from_defaults()
    if isinstance(plot, PlotOptions):
        return plot
    if isinstance(plot, (int, float)):
        return PlotOptions.from_defaults(
            plot_area_target_mu=plot,
            plot_area_min_mu=min(PlotOptions.from_defaults().plot_area_min_mu, plot),
            plot_area_max_mu=max(PlotOptions.from_defaults().plot_area_max_mu, 2 * plot),
        )
    if isinstance(plot, Mapping):
        return PlotOptions.from_defaults(**plot)
    raise TypeError(f"plot: a PlotOptions, a dict of options or a target size in mu, not {plot!r}")


def _templates(building) -> list[BuildingTemplate]:
    if building is None:
        building = DEFAULT_TEMPLATES
    if isinstance(building, (str, BuildingTemplate)):
        building = [building]
    templates = [template(b) for b in building]
    if not templates or any(t.role != "factory" for t in templates):
        raise RulesError("building: give one or more factory templates (the office is added)")
    return templates


def _existing_buildings(park: Park, opts: PlotOptions) -> tuple[np.ndarray, list[str]]:
    """Footprints and fire classes of the park's buildings.

    A ``fire_class`` column (classes of ``fire_classes.csv``) is used where filled;
    otherwise an ``office`` is a civil building and any other kind a 丙类 factory
    (grade one/two), high-rise when multi-storey and over ``highrise_height_m``.
    """
    gdf = park.get("buildings")
    if gdf is None or not len(gdf):
        return np.empty(0, dtype=object), []
    storeys = pd.to_numeric(gdf.get("storeys"), errors="coerce").fillna(1).to_numpy()
    height = storeys * pd.to_numeric(gdf.get("storey_height_m"), errors="coerce").fillna(0.0)
    kinds = gdf["kind"].astype(str).tolist() if "kind" in gdf else [""] * len(gdf)
    given = gdf["fire_class"].tolist() if "fire_class" in gdf else [None] * len(gdf)
    known = set(fire_classes().index)
    classes = []
    for n, h, kind, cls in zip(storeys, height, kinds, given, strict=True):
        if isinstance(cls, str) and cls in known:
            classes.append(cls)
            continue
        hazard = "civil" if kind == "office" else "C"
        classes.append(f"{hazard}_H" if n > 1 and h > opts.highrise_height_m else f"{hazard}_12")
    return np.asarray(gdf.geometry.array, dtype=object), classes


def layout(
    park: Park,
    availability=None,
    *,
    subpark: str | Iterable[str] | None = None,
    plot: PlotOptions | Mapping[str, float] | float | None = None,
    building: str | BuildingTemplate | Iterable[str | BuildingTemplate] | None = None,
    rules: IndicatorRules | str | os.PathLike | None = None,
    office: bool = True,
    profile: str | None = None,
    progress: bool = False,
) -> Layout:
    """Lay out plots, branch roads and buildings on a park's available land.

    Parameters
    ----------
    park : Park
        The park (its ``subparks``, ``roads``, ``buildings`` and ``projects`` layers are
        used).
    availability : Availability or geopandas.GeoDataFrame, optional
        The result of :func:`parkmap.availability` (or its ``land``); computed with the
        default rules when not given.
    subpark : str or list of str, optional
        Sub-park id(s) or name(s) (Chinese or English) to lay out; default: all.
    plot : PlotOptions, dict or float, optional
        Settings (defaults: ``data/layout_defaults.csv``): a :class:`PlotOptions`, a
        dict of overrides, or a target plot size in 亩 (the minimum and maximum widen to
        admit it).
    building : str, BuildingTemplate or list, optional
        Factory template(s), packed in this order (default ``multi_storey_factory``,
        24 x 72 m x 4 storeys). See :func:`building_templates`.
    rules : IndicatorRules, str or path-like, optional
        Control-indicator ruleset: a packaged one by name (``cn_gy_2008``, the default,
        superseded; ``cn_gy_2023``, current, values not verified) or a CSV of local rules
        (see :func:`parkmap.siteplan.indicators.indicator_rules`).
    office : bool, default True
        Place an office block sized to the admin share in each plot where it fits.
    profile : str, optional
        Local planning rules (``data/standards_profiles.csv``): road setbacks, plot-edge
        setbacks, the largest plot. Default: the park's own profile (``cq318``,
        渝府令第318号, for Dianjiang), else ``cq318`` (said in the notes).
    progress : bool, default False
        Show a progress bar over blocks (``tqdm.auto``).

    Returns
    -------
    Layout

    Raises
    ------
    parkmap.errors.DataFileError
        If the park has no sub-parks, ``subpark`` names none of them or they hold no
        available land (:func:`check_layout`, run before any work).
    parkmap.errors.RulesError
        On bad options, an unknown template or a bad rules file.

    Notes
    -----
    See the module docstring for the algorithm. The layout is a first plan for
    discussion: it ignores terrain, utilities, entrances and the local detailed plan.

    Examples
    --------
    >>> import parkmap
    >>> park = parkmap.datasets.load("dianjiang")
    >>> plan = parkmap.layout(park, subpark="sp-valve-chengxi")
    >>> plan.summary["n_plots"] > 0 and bool((plan.plots["far"] > 0).all())
    True
    """
    check_layout(park, availability, subpark=subpark)  # before any work
    park = park.require_valid()
    opts = _options(plot)
    factories = _templates(building)
    office_template = template(OFFICE_TEMPLATE) if office else None
    rules = rules if isinstance(rules, IndicatorRules) else indicator_rules(rules)
    book = Rulebook.build(park, profile, rules, factories, office_template, opts)
    opts = book.capped(opts)
    if availability is None:
        from parkmap.land import availability as compute

        availability = compute(park)
    land = land_of(availability)
    subparks = select_subparks(park, subpark)
    require_land(park, land, subparks)
    roads = park.get("roads")
    if roads is None:
        roads = gpd.GeoDataFrame({"red_line_m": []}, geometry=[], crs=park.crs)
    roads = roads.reset_index(drop=True)
    row_geoms = right_of_way(roads) if len(roads) else np.empty(0, dtype=object)
    road_widths = pd.to_numeric(roads["red_line_m"], errors="coerce").fillna(0.0).to_numpy()
    all_row = shapely.union_all(row_geoms) if len(roads) else shapely.Polygon()
    existing, existing_classes = _existing_buildings(park, opts)
    existing_tree = shapely.STRtree(existing)

    plot_rows: list[dict] = []
    building_rows: list[dict] = []
    road_rows: list[dict] = []
    lane_rows: list[dict] = []
    budget: dict[str, dict[str, float]] = {}
    from tqdm.auto import tqdm

    jobs = []
    for _, sp in subparks.iterrows():
        pieces = land[land["subpark"].astype(object) == sp["_id"]]
        budget[sp["_id"]] = {"available_m2": 0.0, "road_m2": 0.0, "leftover_m2": 0.0}
        for piece_index, piece in zip(pieces.index, pieces.geometry, strict=True):
            for block in polygons(piece.intersection(sp.geometry).difference(all_row)):
                jobs.append((sp, piece_index, block))
    for sp, piece_index, world_block in tqdm(
        jobs, desc="layout", unit="block", disable=not progress
    ):
        sp_id = sp["_id"]
        code = book.industry_code(sp.get("industry_code"))
        admin_max = book.admin_share(code)
        block = lay_out_block(world_block, row_geoms, road_widths, opts)
        frame = block.frame
        budget[sp_id]["available_m2"] += world_block.area
        budget[sp_id]["leftover_m2"] += block.leftover_m2
        zone_world = frame.to_world(block.frontage_zone(opts.frontage_tolerance_m))
        for line, strip in block.branch:
            line_w = frame.to_world(line)
            ends = shapely.get_parts(shapely.boundary(line_w))
            connected = int(
                sum(shapely.distance(e, all_row) <= opts.frontage_tolerance_m for e in ends)
            )
            area = float(strip.area)
            budget[sp_id]["road_m2"] += area
            road_rows.append(
                {
                    "id": f"{sp_id}-R{len(road_rows) + 1:03d}",
                    "name_zh": "新增支路（布局）",
                    "name_en": "inserted branch road (layout)",
                    "road_class": "branch",
                    "red_line_m": opts.branch_road_red_line_m,
                    "status": "planned",
                    "subpark": sp_id,
                    "block": int(piece_index),
                    "length_m": float(line_w.length),
                    "area_m2": area,
                    "connected_ends": connected,
                    "source": "parkmap layout",
                    "geometry": line_w,
                }
            )
        # existing buildings near the block, as local obstacles
        near = existing_tree.query(world_block.buffer(20.0))
        obstacles = [Placed(frame.to_local(existing[i]), None, existing_classes[i]) for i in near]
        for local_plot in block.plots:
            world_plot = polygons(frame.to_world(local_plot).intersection(world_block))
            if not world_plot:
                continue
            world_plot = max(world_plot, key=lambda p: p.area)
            plot_id = f"{sp_id}-P{len(plot_rows) + 1:03d}"
            placed = plot_buildings(
                local_plot, block, factories, office_template, admin_max, opts, book, obstacles
            )
            placed, checks = with_lanes(
                placed, local_plot, block, obstacles, book, opts.frontage_tolerance_m
            )
            for k, p in enumerate(placed):
                t = p.template
                geom = frame.to_world(p.box)
                x0, y0, x1, y1 = p.box.bounds
                main, gable = book.faces(t, max(x1 - x0, y1 - y0), opts)
                building_id = f"{plot_id}-B{k + 1:02d}"
                lane_rows += [
                    {
                        "id": f"{building_id}-L{c.side}",
                        "building": building_id,
                        "plot": plot_id,
                        "width_m": book.lane_width_m,
                        "clear": c.clear,
                        "joined_to_road": c.joined,
                        "rule": "GB 55037-2022 3.4.2",
                        "geometry": frame.to_world(c.strip),
                    }
                    for c in checks
                    if c.building == k
                ]
                building_rows.append(
                    {
                        "id": building_id,
                        "plot": plot_id,
                        "subpark": sp_id,
                        "template": t.template,
                        "kind": t.kind,
                        "role": t.role,
                        "name_zh": t.name_zh,
                        "storeys": int(t.storeys),
                        "ground_storey_height_m": float(t.ground_storey_height_m),
                        "storey_height_m": float(t.storey_height_m),
                        "height_m": float(t.height_m),
                        "fire_class": p.fire_class,
                        "fire_lanes": any(c.building == k for c in checks),
                        "status": "planned",
                        "boundary_setback_m": main,
                        "gable_setback_m": gable,
                        "geometry": geom,
                    }
                )
            plot_rows.append(
                {
                    "id": plot_id,
                    "subpark": sp_id,
                    "subpark_name": sp.get("name_zh"),
                    "industry_code": code,
                    "block": int(piece_index),
                    "frontage_m": float(world_plot.boundary.intersection(zone_world).length),
                    "width_m": min_width(world_plot),
                    "geometry": world_plot,
                }
            )
    plots, buildings, roads_out, lanes = frames(
        plot_rows, building_rows, road_rows, lane_rows, park.crs
    )
    buildings = enforce_spacing(buildings, existing, existing_classes)
    lanes = lanes[lanes["building"].isin(buildings["id"])].reset_index(drop=True)
    buildings = setback_columns(buildings, plots, roads, roads_out, book)
    plots = plot_indicators(plots, buildings, park, rules, opts)
    table = subpark_table(plots, buildings, subparks, budget, rules)
    summary = layout_summary(plots, buildings, roads_out, budget, rules)
    meta = park.metadata
    templates = [*factories, *([office_template] if office_template else [])]
    log.info(
        "layout: %d plots, %d buildings, %d branch roads in %d sub-park(s)",
        len(plots),
        len(buildings),
        len(roads_out),
        len(subparks),
    )
    return Layout(
        plots=plots,
        buildings=buildings,
        roads=roads_out,
        subparks=table,
        summary=summary,
        rules=rules,
        options=opts,
        templates=templates,
        crs=park.crs,
        park_name_zh=str(meta.get("name_zh") or park.name),
        park_name_en=str(meta.get("name_en") or park.name),
        illustrative=bool(meta.get("illustrative", False)),
        data_source=park.source,
        lanes=lanes,
        profile=book.profile,
        notes=[*_layout_notes(park, plots), *book.notes],
    )


def _layout_notes(park: Park, plots: gpd.GeoDataFrame) -> list[tuple[str, str]]:
    """(en, zh) notes: the park's, and the plots whose indicators could not all be checked."""
    notes = [(n, n) for n in park.notes]
    unchecked = plots["n_unchecked"] > 0 if "n_unchecked" in plots.columns else []
    if len(plots) and unchecked.any():
        what = ", ".join(
            sorted({u for t in plots.loc[unchecked, "unchecked"] for u in t.split(", ")})
        )
        n = int(unchecked.sum())
        notes.append(
            (
                f"{n} plot(s) with an indicator that could not be checked ({what}): "
                "counted as not compliant",
                f"{n} 个地块有指标无法核验（{what}），按不达标计",
            )
        )
    return notes
