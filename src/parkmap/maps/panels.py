"""Web-map panels: the side panel (area summary, available land, headline figures), legend."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from parkmap.maps.labels import blank, coded, esc, t, text
from parkmap.maps.overlays import Context, Overlay, bilingual
from parkmap.maps.styles import swatch
from parkmap.park import Park
from parkmap.report import area_report
from parkmap.units import M2_PER_HA, M2_PER_MU

__all__ = ["legend_html", "panel_html"]


def _table_html(rows: list[tuple[str, float | None]], lang: str, total: float | None = None) -> str:
    """An area table in 亩 and 公顷; a row whose area is None is a group heading."""
    cells = [f"<tr><th></th><th>{t('mu', lang)}</th><th>{t('ha', lang)}</th></tr>"]
    if total is not None:
        rows = [*rows, (t("total", lang), total)]
    for i, (name, area) in enumerate(rows):
        if area is None:
            cells.append(f'<tr class="head"><td colspan="3">{esc(name)}</td></tr>')
            continue
        css = ' class="total"' if total is not None and i == len(rows) - 1 else ""
        cells.append(
            f'<tr{css}><td>{esc(name)}</td><td class="num">{area / M2_PER_MU:,.0f}</td>'
            f'<td class="num">{area / M2_PER_HA:,.1f}</td></tr>'
        )
    return f"<table>{''.join(cells)}</table>"


def _summary_rows(park: Park, lang: str) -> list[tuple[str, float | None]]:
    """Area-summary rows from the area report: clusters, boundary zones, sub-parks, parcels."""
    # the panel shows area tables only: no need to run the availability waterfall here
    tables = {t.key: t for t in area_report(park, with_availability=False).tables}
    name = "name_zh" if lang == "zh" else "name_en"
    rows: list[tuple[str, float | None]] = []
    wanted = (
        ("clusters", "clusters", "totals"),
        ("boundary", "boundary", "totals"),
        ("subparks", "subparks", "rows"),
        ("parcels_by_status", "parcels", "rows"),
    )
    for key, heading, part in wanted:
        if key not in tables:
            continue
        rows.append((t(heading, lang), None))
        for record in getattr(tables[key], part).to_dict("records"):
            label = str(record[name])
            if str(record["key"]).startswith("zone:"):
                label = coded("zone", str(record["key"])[5:], lang, both=False)
            if not blank(record.get("area_m2")):
                rows.append((label, float(record["area_m2"])))
    return rows


def _availability_rows(ctx: Context, land: gpd.GeoDataFrame) -> tuple[list, float]:
    area = land.geometry.area  # from the geometry, not an ``area_m2`` attribute
    groups = (
        land["subpark"].astype(object).where(land["subpark"].notna(), None)
        if "subpark" in land.columns
        else pd.Series(None, index=land.index, dtype=object)
    )
    rows = []
    for key, value in area.groupby(groups.fillna("\0"), sort=True).sum().items():
        name = ctx.t("outside_subparks") if key == "\0" else bilingual(ctx.subpark_names, key)
        rows.append((name, float(value)))
    return rows, float(area.sum())


def panel_html(ctx: Context, land: gpd.GeoDataFrame | None, extra: str = "") -> str:
    """The side panel: park names, area summary, available land, headline figures, CRS note.

    Parameters
    ----------
    ctx : Context
        The park and language.
    land : geopandas.GeoDataFrame or None
        Available land, summed by sub-park when given.
    extra : str, optional
        HTML placed under the park's names, before the area summary (an allocation's
        headline, balance and unplaced projects).

    Returns
    -------
    str
        HTML with every data value escaped.
    """
    park, lang = ctx.park, ctx.lang
    meta = park.metadata
    zh = str(meta.get("name_zh") or park.name)
    en = str(meta.get("name_en") or "")
    parts = [f"<h3>{esc(zh)}</h3>"]
    if en and en != zh:
        parts.append(f'<div class="parkmap-sub">{esc(en)}</div>')
    if meta.get("illustrative"):
        parts.append(f'<div class="parkmap-warn">{esc(ctx.t("illustrative"))}</div>')
    parts.append(extra)
    summary = _summary_rows(park, lang)
    if summary:
        parts.append(
            f"<details open><summary>{esc(ctx.t('summary'))}</summary>"
            f"{_table_html(summary, lang)}</details>"
        )
    if land is not None:
        rows, total = _availability_rows(ctx, land)
        parts.append(
            f"<details open><summary>{esc(ctx.t('availability'))}</summary>"
            f"{_table_html(rows, lang, total)}</details>"
        )
    headline = [h for h in meta.get("headline", []) if isinstance(h, dict)]
    if headline:
        label = "label_zh" if lang == "zh" else "label_en"
        body = "".join(
            f"<tr><td>{esc(text(h.get(label) or h.get('key')))}</td>"
            f'<td class="num">{esc(text(h.get("value")))} {esc(text(h.get("unit")))}</td>'
            f"<td>{esc(text(h.get('year')))}</td></tr>"
            for h in headline
        )
        parts.append(
            f"<details><summary>{esc(ctx.t('headline'))}</summary><table>{body}</table></details>"
        )
    crs = f"{park.crs.to_string()}"
    parts.append(f'<div class="parkmap-sub">{esc(ctx.t("areas_note").format(crs=crs))}</div>')
    return "".join(parts)


def legend_html(overlays: list[Overlay], lang: str) -> str:
    """Legend sections; each shows while any of the overlays it describes is on the map.

    A layer with a single style is one line (its swatch and name); items repeated by
    several layers (parcel status outlines) form one shared section.

    Parameters
    ----------
    overlays : list of Overlay
        The map's overlays.
    lang : {"zh", "en"}
        The interface language.

    Returns
    -------
    str
        HTML; each section's ``data-legend`` lists the overlay keys it describes.
    """
    sections: dict[str, dict] = {}
    for overlay in overlays:
        own, shared = [], []
        for label, style in overlay.legend:
            (shared if ": " in label else own).append((label, style))
        if len(own) == 1:
            own = [(overlay.name, own[0][1])]
            title = ""
        else:
            title = overlay.name
        sections[overlay.key] = {"title": title, "items": own, "keys": [overlay.key]}
        for label, style in shared:
            head, item = label.split(": ", 1)
            section = sections.setdefault(
                f"shared:{head}", {"title": head, "items": [], "keys": []}
            )
            if overlay.key not in section["keys"]:
                section["keys"].append(overlay.key)
            if item not in [x for x, _ in section["items"]]:
                section["items"].append((item, style))
    point = {o.key for o in overlays if o.point}
    html_sections = []
    for key, section in sections.items():
        items = "".join(
            f'<div class="parkmap-legend-item">{swatch(style, key in point)}'
            f"<span>{esc(label)}</span></div>"
            for label, style in section["items"]
        )
        title = (
            f'<div class="parkmap-legend-title">{esc(section["title"])}</div>'
            if section["title"]
            else ""
        )
        keys = esc(" ".join(section["keys"]))
        single = " single" if len(section["items"]) == 1 else ""
        html_sections.append(
            f'<div class="parkmap-legend-section" data-legend="{keys}">'
            f'{title}<div class="parkmap-legend-items{single}">{items}</div></div>'
        )
    heading = "图例" if lang == "zh" else "Legend"
    return f"<details open><summary>{heading}</summary>{''.join(html_sections)}</details>"
