"""Charts beside the maps: the availability waterfall and available land by sub-park.

Both take an :class:`parkmap.Availability` and return a matplotlib Figure sized for a
page of a Word report (160 mm wide). Areas are in 公顷 on the axis, with 亩 in the bar
labels, as in the text report; the colours are those of the availability map
(``data/figure_styles.csv``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from parkmap.figures._draw import _area
from parkmap.figures._fonts import font_family
from parkmap.symbology import figure_colour
from parkmap.units import M2_PER_HA
from parkmap.vocab import text

__all__ = ["balance_chart", "subpark_chart", "waterfall_chart"]

#: Chart width, inches (160 mm: an A4 page between 25 mm margins).
CHART_WIDTH_IN = 160 / 25.4


def _say(key: str, lang: str) -> str:
    return text("chart", key, lang)


def _fonts(lang: str):
    from matplotlib.font_manager import FontProperties

    families, lang = font_family(lang)
    return (
        lambda size, weight="normal": FontProperties(family=families, size=size, weight=weight)
    ), lang


def _label(value_m2: float, lang: str) -> str:
    return _area(value_m2, lang, "\n")


def waterfall_chart(availability, *, lang: str = "zh") -> Figure:
    """The availability waterfall of the park total: gross area down to available land.

    One bar for the gross area, one floating bar per category taken off in the order of
    the rules, and the available land split into free now and conditional.

    Parameters
    ----------
    availability : Availability
        From :func:`parkmap.availability`.
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.parkmap["bars"]`` lists (key, bottom_m2, height_m2) of every bar.
    """
    font, lang = _fonts(lang)
    total = availability.total
    gross = float(total["gross_m2"])
    bars = [("gross", 0.0, gross)]
    level = gross
    for category in availability.categories:
        value = float(total[f"{category}_m2"])
        if category == "available":
            conditional = float(total["conditional_m2"])
            bars.append(("free", conditional, value - conditional))
            bars.append(("conditional", 0.0, conditional))
            continue
        level -= value
        bars.append((category, level, value))
    fig = Figure(figsize=(CHART_WIDTH_IN, 3.6))
    ax = fig.add_axes([0.1, 0.22, 0.88, 0.66])
    x = np.arange(len(bars) - 1)
    names, colours = [], []
    for i, (key, bottom, height) in enumerate(bars):
        pos = x[-1] if key == "conditional" else x[i]
        colour = "#4D4D4D" if key == "gross" else figure_colour(key)[0]
        ax.bar(
            pos,
            height / M2_PER_HA,
            bottom=bottom / M2_PER_HA,
            color=colour,
            edgecolor="#333333",
            linewidth=0.5,
            hatch="///" if key == "conditional" else None,
            width=0.7,
        )
        if key != "conditional":
            names.append(
                _say("gross", lang)
                if key == "gross"
                else figure_colour(key)[1 if lang == "zh" else 2]
            )
            colours.append(colour)
        if key == "conditional":
            continue
        ax.text(
            pos,
            (bottom + height) / M2_PER_HA + gross / M2_PER_HA * 0.015,
            _label(height, lang) if key != "free" else _label(height + bars[-1][2], lang),
            ha="center",
            va="bottom",
            fontproperties=font(6.5),
        )
    names[-1] = figure_colour("available")[1 if lang == "zh" else 2]
    ax.set_xticks(x, names, fontproperties=font(8))
    ax.set_ylabel(_say("area_ha", lang), fontproperties=font(8))
    ax.set_ylim(0, gross / M2_PER_HA * 1.22)
    ax.spines[["top", "right"]].set_visible(False)
    for label in ax.get_yticklabels():
        label.set_fontproperties(font(7))
    ax.set_title(_say("waterfall", lang), fontproperties=font(11, "bold"))
    ax.legend(
        [
            Patch(facecolor=figure_colour("free")[0]),
            Patch(facecolor=figure_colour("conditional")[0], hatch="///"),
        ],
        [_say("free", lang), _say("conditional", lang)],
        prop=font(7),
        loc="upper right",
        frameon=False,
    )
    fig.text(0.01, 0.02, _say("note", lang), fontproperties=font(6.5), color="#444444")
    fig.parkmap = {"bars": bars, "lang": lang}
    return fig


def subpark_chart(availability, *, lang: str = "zh") -> Figure:
    """Available land by sub-park: free now and conditional, stacked horizontal bars.

    Parameters
    ----------
    availability : Availability
        From :func:`parkmap.availability`.
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.parkmap["rows"]`` lists (name, free_m2, conditional_m2) per bar.
    """
    font, lang = _fonts(lang)
    table = availability.table
    rows = []
    for row in table[table["level"] == "subpark"].itertuples(index=False):
        name = row.name if lang == "zh" else (row.name_en or row.name)
        name = name or _say("outside", lang)
        rows.append((str(name), row.available_m2 - row.conditional_m2, row.conditional_m2))
    names = [r[0] for r in rows]
    keys = list(table[table["level"] == "subpark"]["key"].astype(str))
    rows = [
        (f"{n} ({k})" if names.count(n) > 1 else n, f, c)
        for (n, f, c), k in zip(rows, keys, strict=True)
    ]
    rows.sort(key=lambda r: r[1] + r[2])
    height_in = max(2.2, 0.9 + 0.32 * len(rows))
    fig = Figure(figsize=(CHART_WIDTH_IN, height_in))
    ax = fig.add_axes([0.26, 0.9 / height_in, 0.66, 1 - 1.5 / height_in])
    y = np.arange(len(rows))
    free = np.array([r[1] for r in rows]) / M2_PER_HA
    conditional = np.array([r[2] for r in rows]) / M2_PER_HA
    ax.barh(
        y,
        free,
        color=figure_colour("free")[0],
        edgecolor="#333333",
        linewidth=0.4,
        label=_say("free", lang),
    )
    ax.barh(
        y,
        conditional,
        left=free,
        color=figure_colour("conditional")[0],
        edgecolor="#333333",
        linewidth=0.4,
        hatch="///",
        label=_say("conditional", lang),
    )
    top = float((free + conditional).max()) if len(rows) else 1.0
    for i, (f, c) in enumerate(zip(free, conditional, strict=True)):
        ax.text(
            f + c + top * 0.01,
            i,
            _area((f + c) * M2_PER_HA, lang),
            va="center",
            fontproperties=font(6.5),
        )
    ax.set_yticks(y, [r[0] for r in rows], fontproperties=font(7.5))
    ax.set_xlim(0, top * 1.35 if top > 0 else 1.0)
    ax.set_xlabel(_say("area_ha", lang), fontproperties=font(8))
    for label in ax.get_xticklabels():
        label.set_fontproperties(font(7))
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(_say("by_subpark", lang), fontproperties=font(11, "bold"))
    ax.legend(prop=font(7), loc="lower right", frameon=False)
    fig.parkmap = {"rows": rows, "lang": lang}
    return fig


def balance_chart(allocation, *, lang: str = "zh") -> Figure:
    """The land balance of an allocation by sub-park: land supplied, asked for and allocated.

    Parameters
    ----------
    allocation : Allocation
        From :func:`parkmap.allocate`.
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.parkmap["rows"]`` lists (name, supply_mu, demand_mu, allocated_mu) per bar
        group, in 亩.
    """
    font, lang = _fonts(lang)
    balance = allocation.balance
    rows = []
    for row in balance.to_dict("records"):
        name = row.get("subpark_name") or row.get("subpark") or _say("outside", lang)
        rows.append(
            (
                str(name),
                float(row["supply_mu"]),
                float(row["demand_mu"]),
                float(row["allocated_mu"]),
            )
        )
    height_in = max(2.4, 1.0 + 0.45 * len(rows))
    fig = Figure(figsize=(CHART_WIDTH_IN, height_in))
    ax = fig.add_axes([0.28, 0.9 / height_in, 0.62, 1 - 1.5 / height_in])
    y = np.arange(len(rows))
    series = (
        ("supply", 1, figure_colour("available")[0], None),
        ("demand", 2, figure_colour("committed")[0], None),
        ("allocated", 3, figure_colour("conditional")[0], "///"),
    )
    for offset, (key, column, colour, hatch) in zip((-0.27, 0.0, 0.27), series, strict=True):
        values = np.array([r[column] for r in rows])
        ax.barh(
            y + offset,
            values,
            height=0.26,
            color=colour,
            edgecolor="#333333",
            linewidth=0.4,
            hatch=hatch,
            label=_say(key, lang),
        )
    ax.set_yticks(y, [r[0] for r in rows], fontproperties=font(7.5))
    ax.set_xlabel(_say("area_mu", lang), fontproperties=font(8))
    for label in ax.get_xticklabels():
        label.set_fontproperties(font(7))
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(_say("balance", lang), fontproperties=font(11, "bold"))
    ax.legend(prop=font(7), loc="lower right", frameon=False)
    fig.parkmap = {"rows": rows, "lang": lang}
    return fig
