"""The allocation on a web map: each project's plots coloured, the balance in the panel.

An :class:`parkmap.allocation.Allocation` (anything with ``plots``, ``projects``,
``balance`` and ``summary``) is drawn as one overlay: the plots a project received in
one of twelve colours (``map_styles.csv`` layer ``allocation``, cycled), free plots
outlined grey, each with the project's name in its tooltip. The panel gets the
headline, the land balance by sub-park, the projects not placed with their reason and
the allocation's notes (every assumption its numbers rest on).
"""

from __future__ import annotations

import geopandas as gpd

from parkmap.maps.labels import area_text, blank, coded, esc, text
from parkmap.maps.overlays import Context, Overlay, bilingual
from parkmap.maps.styles import layer_style

__all__ = ["allocation_overlay", "allocation_panel"]

#: Colours of the ``allocation`` styles (keys 0 to 11).
PALETTE_SIZE = 12


def _colour_keys(plots: gpd.GeoDataFrame) -> list[str]:
    projects = [p for p in dict.fromkeys(plots["project"]) if not blank(p)]
    index = {p: str(k % PALETTE_SIZE) for k, p in enumerate(projects)}
    return [index.get(p, "free") for p in plots["project"]]


def allocation_overlay(ctx: Context, allocation, crs) -> Overlay | None:
    """The overlay of the allocation's plots (None when it has none)."""
    plots = getattr(allocation, "plots", None)
    if not isinstance(plots, gpd.GeoDataFrame) or not len(plots):
        return None
    if plots.crs is not None and plots.crs != crs:
        plots = plots.to_crs(crs)
    keys = _colour_keys(plots)
    styles: list[dict] = []
    index_of: dict[str, int] = {}
    style_index, tooltips, popups = [], [], []
    areas = plots.geometry.area.to_numpy()
    for i, (key, row) in enumerate(zip(keys, plots.to_dict("records"), strict=True)):
        if key not in index_of:
            index_of[key] = len(styles)
            styles.append(layer_style("allocation", key).leaflet())
        style_index.append(index_of[key])
        area = area_text(float(areas[i]), ctx.lang)
        name = text(row.get("project_name")) or ctx.t("allocation_free")
        subpark = bilingual(ctx.subpark_names, row.get("subpark"))
        tooltips.append(f"<b>{esc(name)}</b><br>{esc(text(row.get('id')))} · {esc(area)}")
        rows = [
            (ctx.t("project"), text(row.get("project"))),
            (ctx.t("status"), coded("status", row.get("status"), ctx.lang)),
            (ctx.t("subpark"), subpark),
            (ctx.t("area"), area),
            (ctx.t("id"), text(row.get("id"))),
        ]
        body = "".join(
            f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows if not blank(v)
        )
        popups.append(f"<b>{esc(name)}</b><table>{body}</table>")
    legend = [
        (ctx.t("allocation_plots"), layer_style("allocation", "1").leaflet()),
        (ctx.t("allocation_free"), layer_style("allocation", "free").leaflet()),
    ]
    return Overlay(
        key="allocation",
        name=ctx.t("allocation"),
        geoms=plots.geometry,
        styles=styles,
        style_index=style_index,
        tooltips=tooltips,
        popups=popups,
        legend=legend,
    )


def allocation_panel(ctx: Context, allocation) -> str:
    """Panel HTML: the headline, the land balance, the projects not placed, the notes."""
    summary = getattr(allocation, "summary", None) or {}
    lang = ctx.lang
    headline = summary.get("headline_zh" if lang == "zh" else "headline_en", "")
    parts = [f'<div class="parkmap-warn">{esc(text(headline))}</div>']
    balance = getattr(allocation, "balance", None)
    if balance is not None and len(balance):
        head = "".join(
            f"<th>{esc(ctx.t(k))}</th>"
            for k in ("subpark", "supply", "demand", "allocated", "surplus")
        )
        body = "".join(
            f"<tr><td>{esc(text(r['subpark_name']) or text(r['subpark']))}</td>"
            + "".join(
                f'<td class="num">{r[c]:,.0f}</td>'
                for c in ("supply_mu", "demand_mu", "allocated_mu", "surplus_mu")
            )
            + "</tr>"
            for _, r in balance.iterrows()
        )
        parts.append(
            f"<details open><summary>{esc(ctx.t('balance'))}</summary>"
            f"<table><tr>{head}</tr>{body}</table></details>"
        )
    projects = getattr(allocation, "projects", None)
    if projects is not None and len(projects):
        missed = projects[~projects["placed"].astype(bool)]
        items = "".join(
            f"<li><b>{esc(text(r['name_zh']))}</b> ({esc(coded('status', r['status'], lang))})"
            f": {esc(text(r['reason']))}</li>"
            for _, r in missed.iterrows()
        )
        parts.append(
            f"<details><summary>{esc(ctx.t('unplaced'))} ({len(missed)})</summary>"
            f"<ul>{items}</ul></details>"
        )
    notes = list(getattr(allocation, "notes", None) or [])
    if notes:
        items = "".join(f"<li>{esc(text(n))}</li>" for n in notes)
        parts.append(f"<details><summary>{esc(ctx.t('notes'))}</summary><ul>{items}</ul></details>")
    return "".join(parts)
