"""Web-map layers: one overlay builder per park layer, and the map's overlays in drawing order."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from parkmap._geometry import right_of_way
from parkmap.landuse import lookup_code
from parkmap.maps.labels import area_text, area_texts, blank, coded, landuse_text, text
from parkmap.maps.overlays import Context, Overlay, bilingual, by_value, column_of, named
from parkmap.maps.styles import Style, layer_style
from parkmap.schema import feature_ids

__all__ = ["build_overlays", "in_crs"]


def _numbers(gdf: gpd.GeoDataFrame, column: str) -> np.ndarray:
    """A column as floats (NaN where missing or not a number, or without the column)."""
    if column not in gdf.columns:
        return np.full(len(gdf), np.nan)
    return pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=float)


def _names_or_ids(gdf: gpd.GeoDataFrame, ids: np.ndarray) -> np.ndarray:
    """Per feature: ``name_zh``, else ``name_en``, else the id (as :func:`named`)."""
    zh = column_of(gdf, "name_zh", text)
    en = column_of(gdf, "name_en", text)
    out = np.where(zh != "", zh, en)
    return np.where(out != "", out, np.asarray(ids, dtype=object))


def _clusters(ctx: Context, gdf: gpd.GeoDataFrame) -> list[Overlay]:
    def describe(row, fid, area):
        zh, en = named(ctx, row)
        flag = row.get("in_platform")
        rows = [(ctx.t("name_en"), en), (ctx.t("area"), area_text(area, ctx.lang))]
        if not blank(flag):
            rows.append((ctx.t("in_platform"), ctx.t("yes") if bool(flag) else ctx.t("no")))
        return zh, en, rows, area_text(area, ctx.lang)

    return [by_value(ctx, "clusters", gdf, "*", describe)]


def _boundary(ctx: Context, gdf: gpd.GeoDataFrame) -> list[Overlay]:
    def describe(row, fid, area):
        zh, en = named(ctx, row)
        rows = [
            (ctx.t("zone"), coded("zone", row.get("zone"), ctx.lang)),
            (ctx.t("cluster"), bilingual(ctx.cluster_names, row.get("cluster"))),
            (ctx.t("area"), area_text(area, ctx.lang)),
        ]
        return zh, en, rows, coded("zone", row.get("zone"), ctx.lang)

    return [by_value(ctx, "boundary", gdf, "zone", describe)]


def _subparks(ctx: Context, gdf: gpd.GeoDataFrame) -> list[Overlay]:
    def describe(row, fid, area):
        zh, en = named(ctx, row)
        industry = text(row.get("industry"))
        if text(row.get("industry_code")):
            industry += f" ({text(row.get('industry_code'))})"
        rows = [
            (ctx.t("name_en"), en),
            (ctx.t("industry"), industry),
            (ctx.t("landuse"), landuse_text(row.get("landuse_code"))),
            (ctx.t("cluster"), bilingual(ctx.cluster_names, row.get("cluster"))),
            (ctx.t("area"), area_text(area, ctx.lang)),
        ]
        return zh, en, rows, area_text(area, ctx.lang)

    return [by_value(ctx, "subparks", gdf, "*", describe)]


def _roads(ctx: Context, gdf: gpd.GeoDataFrame) -> list[Overlay]:
    # the same right-of-way as the area report and the availability engine
    rights_of_way = gpd.GeoSeries(right_of_way(gdf), index=gdf.index, crs=gdf.crs)
    lengths = gdf.geometry.length.to_numpy()
    position = {idx: i for i, idx in enumerate(gdf.index)}
    ids = feature_ids(gdf)
    id_position = {fid: position[idx] for idx, fid in ids.items()}

    def describe(row, fid, area):
        zh, en = named(ctx, row)
        i = id_position[fid]
        rows = [
            (ctx.t("name_en"), en),
            (ctx.t("road_class"), coded("road_class", row.get("road_class"), ctx.lang)),
            (ctx.t("red_line"), f"{text(row.get('red_line_m'))} m"),
            (ctx.t("length"), f"{lengths[i]:,.0f} m"),
            (ctx.t("area"), area_text(area, ctx.lang)),
            (ctx.t("status"), coded("status", row.get("status"), ctx.lang)),
        ]
        short = f"{coded('road_class', row.get('road_class'), ctx.lang)}, " + (
            f"{text(row.get('red_line_m'))} m"
        )
        return zh or fid, en, rows, short

    return [
        by_value(
            ctx,
            "roads",
            gdf,
            "road_class",
            describe,
            geoms=rights_of_way,
            outline=("road_status", "status"),
        )
    ]


def _buildings(ctx: Context, gdf: gpd.GeoDataFrame) -> list[Overlay]:
    def describe(row, fid, area):
        zh, _ = named(ctx, row)
        storeys = pd.to_numeric(row.get("storeys"), errors="coerce")
        height = pd.to_numeric(row.get("storey_height_m"), errors="coerce")
        rows = [
            (ctx.t("kind"), coded("kind", row.get("kind"), ctx.lang)),
            (ctx.t("storeys"), f"{text(storeys)} × {text(height)} m"),
            (ctx.t("area"), f"{area:,.0f} m² ({area_text(area, ctx.lang)})"),
            (
                ctx.t("floor_area"),
                "" if pd.isna(storeys) else f"{area * storeys:,.0f} m²",
            ),
            (ctx.t("status"), coded("status", row.get("status"), ctx.lang)),
            (ctx.t("cluster"), bilingual(ctx.cluster_names, row.get("cluster"))),
        ]
        return zh or fid, "", rows, coded("status", row.get("status"), ctx.lang)

    def describe_columns(gdf, ids, areas):
        storeys = _numbers(gdf, "storeys")
        height = _numbers(gdf, "storey_height_m")
        status = column_of(gdf, "status", lambda v: coded("status", v, ctx.lang))
        floors = [
            f"{text(s)} × {text(h)} m"
            for s, h in zip(storeys.tolist(), height.tolist(), strict=True)
        ]
        shown = area_texts(areas, ctx.lang)
        rows = [
            (ctx.t("kind"), column_of(gdf, "kind", lambda v: coded("kind", v, ctx.lang))),
            (ctx.t("storeys"), floors),
            (
                ctx.t("area"),
                [f"{a:,.0f} m² ({s})" for a, s in zip(areas.tolist(), shown, strict=True)],
            ),
            (
                ctx.t("floor_area"),
                ["" if np.isnan(f) else f"{f:,.0f} m²" for f in (areas * storeys).tolist()],
            ),
            (ctx.t("status"), status),
            (
                ctx.t("cluster"),
                column_of(gdf, "cluster", lambda v: bilingual(ctx.cluster_names, v)),
            ),
        ]
        title = _names_or_ids(gdf, ids)
        return title, [""] * len(gdf), rows, status

    return [by_value(ctx, "buildings", gdf, "status", describe, describe_columns=describe_columns)]


def _constraints(ctx: Context, gdf: gpd.GeoDataFrame) -> list[Overlay]:
    def describe(row, fid, area):
        kind = coded("kind", row.get("kind"), ctx.lang)
        hard = row.get("hard")
        rows = [
            (ctx.t("kind"), kind),
            (ctx.t("hard"), "" if blank(hard) else ctx.t("yes" if bool(hard) else "no")),
            (ctx.t("buffer"), f"{text(row.get('buffer_m'))} m"),
            (ctx.t("area"), area_text(area, ctx.lang)),
        ]
        return text(row.get("name_zh")) or kind, kind, rows, area_text(area, ctx.lang)

    overlays = []
    kinds = gdf["kind"].astype(str)
    for kind in dict.fromkeys(kinds):
        overlay = by_value(ctx, "constraints", gdf[kinds == kind], "kind", describe)
        overlay.key = f"constraints:{kind}"
        overlay.name = f"{ctx.t('constraints')} · {coded('kind', kind, ctx.lang, both=False)}"
        overlays.append(overlay)
    return overlays


def _parcels(ctx: Context, gdf: gpd.GeoDataFrame) -> list[Overlay]:
    def describe(row, fid, area):
        status = coded("status", row.get("status"), ctx.lang)
        rows = [
            (ctx.t("landuse"), landuse_text(row.get("landuse_code"))),
            (ctx.t("status"), status),
            (ctx.t("project"), text(row.get("project"))),
            (ctx.t("area"), area_text(area, ctx.lang)),
        ]
        return fid, landuse_text(row.get("landuse_code")), rows, status

    def describe_columns(gdf, ids, areas):
        status = column_of(gdf, "status", lambda v: coded("status", v, ctx.lang))
        landuse = column_of(gdf, "landuse_code", landuse_text)
        rows = [
            (ctx.t("landuse"), landuse),
            (ctx.t("status"), status),
            (ctx.t("project"), column_of(gdf, "project", text)),
            (ctx.t("area"), area_texts(areas, ctx.lang)),
        ]
        return ids, landuse, rows, status

    overlays = []
    codes = gdf["landuse_code"].astype(str)
    for code in sorted(set(codes)):
        part = gdf[codes == code]
        found = lookup_code(code)
        fill = Style(fill_color=found.hex if found else "#CCCCCC")
        overlay = by_value(
            ctx,
            "parcels",
            part,
            "*",
            describe,
            outline=("parcel_status", "status"),
            describe_columns=describe_columns,
        )
        # land-use colour under the status outline, from landuse_2023.csv
        overlay.styles = [{**s, "fillColor": fill.fill_color} for s in overlay.styles]
        label = f"{code} {found.name_zh if ctx.lang == 'zh' else found.name_en}" if found else code
        swatch = {**layer_style("parcel_status", "built").leaflet(), "fillColor": fill.fill_color}
        overlay.legend = [(label, swatch), *overlay.legend[1:]]
        overlay.key = f"parcels:{code}"
        overlay.name = f"{ctx.t('parcels')} · {label}"
        overlays.append(overlay)
    return overlays


def _projects(ctx: Context, gdf: gpd.GeoDataFrame) -> list[Overlay]:
    geoms = gdf.geometry.copy()
    polygons = geoms.geom_type.isin(["Polygon", "MultiPolygon"])
    geoms[polygons] = geoms[polygons].representative_point()

    def describe(row, fid, area):
        zh, en = named(ctx, row)
        investment = pd.to_numeric(row.get("investment_yi"), errors="coerce")
        land_mu = pd.to_numeric(row.get("land_mu"), errors="coerce")
        rows = [
            (ctx.t("name_en"), en),
            (ctx.t("status"), coded("status", row.get("status"), ctx.lang)),
            (
                ctx.t("investment"),
                "" if pd.isna(investment) else f"{investment:,.2f} {ctx.t('yi')}",
            ),
            (ctx.t("land"), "" if pd.isna(land_mu) else f"{land_mu:,.1f} {ctx.t('mu')}"),
            (ctx.t("subpark"), bilingual(ctx.subpark_names, row.get("subpark"))),
        ]
        short = coded("status", row.get("status"), ctx.lang)
        if not pd.isna(investment):
            short += f", {investment:,.2f} {ctx.t('yi')}"
        return zh, en, rows, short

    overlay = by_value(ctx, "projects", gdf, "status", describe, geoms=geoms)
    investment = pd.to_numeric(gdf.get("investment_yi"), errors="coerce").to_numpy(dtype=float)
    base = np.array([layer_style("projects", s).radius or 7 for s in gdf["status"].astype(str)])
    overlay.radius = np.round(
        np.minimum(base + 2.0 * np.sqrt(np.nan_to_num(investment, nan=0.0)), 20.0), 1
    ).tolist()
    overlay.point = True
    return [overlay]


def _available(ctx: Context, land: gpd.GeoDataFrame) -> list[Overlay]:
    def describe(row, fid, area_m2):
        # the area of the piece's geometry, not an ``area_m2`` attribute
        subpark = bilingual(ctx.subpark_names, row.get("subpark")) or ctx.t("outside_subparks")
        rows = [
            (ctx.t("subpark"), subpark),
            (ctx.t("cluster"), bilingual(ctx.cluster_names, row.get("cluster"))),
            (ctx.t("area"), area_text(area_m2, ctx.lang)),
        ]
        return ctx.t("available"), subpark, rows, area_text(area_m2, ctx.lang)

    def describe_columns(gdf, ids, areas):
        outside = ctx.t("outside_subparks")
        subpark = column_of(gdf, "subpark", lambda v: bilingual(ctx.subpark_names, v) or outside)
        shown = area_texts(areas, ctx.lang)
        rows = [
            (ctx.t("subpark"), subpark),
            (
                ctx.t("cluster"),
                column_of(gdf, "cluster", lambda v: bilingual(ctx.cluster_names, v)),
            ),
            (ctx.t("area"), shown),
        ]
        return [ctx.t("available")] * len(gdf), subpark, rows, shown

    return [by_value(ctx, "available", land, "*", describe, describe_columns=describe_columns)]


def _layout_layer(ctx: Context, key: str, gdf: gpd.GeoDataFrame) -> list[Overlay]:
    def describe(row, fid, area):
        zh, _ = named(ctx, row)
        rows = [
            (ctx.t("kind"), coded("kind", row.get("kind"), ctx.lang)),
            (ctx.t("status"), coded("status", row.get("status"), ctx.lang)),
            (ctx.t("area"), f"{area:,.0f} m² ({area_text(area, ctx.lang)})"),
        ]
        for column in ("far", "coverage", "storeys"):
            if column in row:
                rows.append((column, text(row.get(column))))
        return zh or fid, "", rows, area_text(area, ctx.lang)

    def describe_columns(gdf, ids, areas):
        shown = area_texts(areas, ctx.lang)
        rows = [
            (ctx.t("kind"), column_of(gdf, "kind", lambda v: coded("kind", v, ctx.lang))),
            (ctx.t("status"), column_of(gdf, "status", lambda v: coded("status", v, ctx.lang))),
            (
                ctx.t("area"),
                [f"{a:,.0f} m² ({s})" for a, s in zip(areas.tolist(), shown, strict=True)],
            ),
        ]
        rows += [(c, column_of(gdf, c, text)) for c in ("far", "coverage", "storeys") if c in gdf]
        return _names_or_ids(gdf, ids), [""] * len(gdf), rows, shown

    return [by_value(ctx, key, gdf, "*", describe, describe_columns=describe_columns)]


def in_crs(gdf, crs) -> gpd.GeoDataFrame | None:
    """A non-empty GeoDataFrame in ``crs``, or None for anything else.

    Parameters
    ----------
    gdf : object
        Usually a GeoDataFrame (from an availability result or a layout).
    crs : pyproj.CRS
        The park's CRS; a frame without a CRS is taken to be in it.

    Returns
    -------
    geopandas.GeoDataFrame or None
    """
    if not isinstance(gdf, gpd.GeoDataFrame) or not len(gdf):
        return None
    if gdf.crs is not None and gdf.crs != crs:
        return gdf.to_crs(crs)
    return gdf


def build_overlays(ctx: Context, availability, layout) -> list[Overlay]:
    """The overlays of a map, in drawing order (bottom first).

    Parameters
    ----------
    ctx : Context
        The park and language.
    availability : object or None
        An availability result (its ``land``) or a GeoDataFrame of available land.
    layout : object or None
        A layout (its ``plots`` and ``buildings``).

    Returns
    -------
    list of Overlay
        Areas (clusters, boundary, sub-parks, constraints, parcels, available land,
        layout plots), then roads and buildings, layout buildings and projects.
    """
    park = ctx.park
    builders = [
        ("clusters", _clusters),
        ("boundary", _boundary),
        ("subparks", _subparks),
        ("constraints", _constraints),
        ("parcels", _parcels),
    ]
    late = [("roads", _roads), ("buildings", _buildings)]
    overlays: list[Overlay] = []
    for layer, build in builders:
        if layer in park and len(park[layer]):
            overlays.extend(build(ctx, park[layer]))
    land = in_crs(getattr(availability, "land", availability), park.crs)
    if land is not None:
        overlays.extend(_available(ctx, land))
    plots = in_crs(getattr(layout, "plots", None), park.crs)
    if plots is not None:
        overlays.extend(_layout_layer(ctx, "layout_plots", plots))
    for layer, build in late:
        if layer in park and len(park[layer]):
            overlays.extend(build(ctx, park[layer]))
    planned = in_crs(getattr(layout, "buildings", None), park.crs)
    if planned is not None:
        overlays.extend(_layout_layer(ctx, "layout_buildings", planned))
    if "projects" in park and len(park["projects"]):
        overlays.extend(_projects(ctx, park["projects"]))
    return overlays
