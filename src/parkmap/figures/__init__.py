"""Figures for reports: map sheets of a park and the charts that go beside them.

:func:`figure` draws a map sheet (landuse, availability, layout, constraints,
allocation) as a matplotlib Figure; :func:`waterfall_chart` and :func:`subpark_chart`
draw the availability waterfall and the available land by sub-park;
:func:`save_figure` writes any of them as PNG, SVG or PDF without overwriting by
accident. matplotlib and matplotlib-scalebar are imported only here, so the rest of
parkmap does not need them.
"""

from __future__ import annotations

from parkmap.figures._fonts import cjk_font
from parkmap.figures.charts import balance_chart, subpark_chart, waterfall_chart
from parkmap.figures.maps import KINDS, figure
from parkmap.figures.save import FIGURE_FORMATS, save_figure

__all__ = [
    "FIGURE_FORMATS",
    "KINDS",
    "balance_chart",
    "cjk_font",
    "figure",
    "save_figure",
    "subpark_chart",
    "waterfall_chart",
]
