"""The web map of a scenario comparison: one layer group per scenario and a swipe control.

:func:`comparison_map` draws the base park with :func:`parkmap.webmap` (every layer,
legend, panel, measure tool; offline by default), then one layer group per column of
the comparison, each in its own Leaflet pane: the column's available land, and for a
scenario the land it gains (available in the scenario, not in the base) and loses. A
swipe control (parkmap's own ``data/webmap_compare.js``, no third-party plugin, so the
map stays one self-contained file) shows the base on the left of a divider and the
chosen scenario on the right; the groups are in the layer control as well.
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from jinja2 import Template

from parkmap._data import data_path
from parkmap.maps.assemble import DEFAULT_SIMPLIFY_M, webmap
from parkmap.maps.labels import esc
from parkmap.maps.page import Stats, display_geometry, inline, js_json
from parkmap.maps.styles import layer_style
from parkmap.units import M2_PER_HA, M2_PER_MU

__all__ = ["ScenarioLayers", "comparison_map"]

_TEXT = {
    "zh": {
        "title": "方案对比：左为基准，右为所选方案",
        "slider": "分隔线位置",
        "hint": "拖动滑块移动分隔线",
        "available": "可用地",
        "gained": "新增可用地",
        "lost": "减少可用地",
    },
    "en": {
        "title": "Compare: base on the left, the chosen scenario on the right",
        "slider": "divider position",
        "hint": "drag the slider to move the divider",
        "available": "available land",
        "gained": "land gained",
        "lost": "land lost",
    },
}


class ScenarioLayers(MacroElement):
    """The scenario groups and the swipe control of a comparison map.

    Attributes
    ----------
    data : str
        The columns (label, layers of GeoJSON), styles and labels, as script-safe JSON.
    control : str
        The JavaScript name of the map's layer control ("null" when it has none).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = parkmapCompare.setup({{ this._parent.get_name() }},
  {{ this.control }}, {{ this.data }});
{% endmacro %}
"""
    )

    def __init__(self, data: dict, control: str) -> None:
        super().__init__()
        self._name = "ParkmapScenarios"
        self.data = js_json(data)
        self.control = control


def _features(geoms, tooltips, tolerance: float) -> dict:
    drawn = display_geometry(geoms, tolerance, False, Stats())
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": g, "properties": {"t": t}}
            for g, t in zip(drawn, tooltips, strict=True)
            if g is not None
        ],
    }


def _area_text(area_m2: float) -> str:
    return f"{area_m2 / M2_PER_MU:,.1f} 亩 / {area_m2 / M2_PER_HA:,.2f} ha"


def _column_layers(col, text: dict, tolerance: float) -> list[dict]:
    land = col.availability.land
    area = land["area_m2"].to_numpy()
    layers = [
        {
            "kind": "available",
            "data": _features(
                land.geometry, [f"{text['available']}: {_area_text(a)}" for a in area], tolerance
            ),
        }
    ]
    if col.changes is not None and len(col.changes):
        for kind in ("gained", "lost"):
            part = col.changes[col.changes["change"] == kind]
            if not len(part):
                continue
            tips = [
                f"{text[kind]}: {a} → {b}, {_area_text(m2)}"
                for a, b, m2 in zip(
                    part["from_category"], part["to_category"], part["area_m2"], strict=True
                )
            ]
            layers.append({"kind": kind, "data": _features(part.geometry, tips, tolerance)})
    return layers


def comparison_map(
    comparison,
    *,
    lang: str = "zh",
    offline: bool = True,
    basemap: str = "none",
    simplify_m: float | None = None,
) -> folium.Map:
    """Draw a scenario comparison on one web map.

    Parameters
    ----------
    comparison : parkmap.Comparison
        The result of :func:`parkmap.compare`.
    lang : {"zh", "en"}, default "zh"
        Language of the interface.
    offline : bool, default True
        Inline every script and style (one self-contained file).
    basemap : str, default "none"
        As for :func:`parkmap.webmap`.
    simplify_m : float, optional
        Display simplification, metres (areas always come from the full geometry).

    Returns
    -------
    folium.Map
        Save it with :func:`parkmap.save_map`.

    Examples
    --------
    >>> import parkmap
    >>> from parkmap.scenarios import Scenario
    >>> park = parkmap.datasets.load("dianjiang")
    >>> water = Scenario("蓝线 50 m", availability={"constraints": {"buffer_m": {"water": 50}}})
    >>> m = comparison_map(parkmap.compare(park, [water], layout=False))
    >>> [c["label"] for c in m.parkmap_info["scenarios"]]
    ['基准', '蓝线 50 m']
    """
    text = _TEXT["zh" if lang == "zh" else "en"]
    tolerance = DEFAULT_SIMPLIFY_M if simplify_m is None else float(simplify_m)
    base = comparison.base
    m = webmap(
        base.park,
        layout=base.layout,
        basemap=basemap,
        offline=offline,
        lang=lang,
        simplify_m=simplify_m,
    )
    control = next((c for c in m._children.values() if isinstance(c, folium.LayerControl)), None)
    columns = []
    for col in comparison.columns:
        columns.append(
            {
                "label": col.label(lang),  # set as text in the page
                "label_html": esc(col.label(lang)),  # the layer control takes HTML
                "layers": _column_layers(col, text, tolerance),
            }
        )
    styles = {k: layer_style("compare", k).leaflet() for k in ("available", "gained", "lost")}
    data = {"columns": columns, "styles": styles, "labels": text}
    script = data_path("webmap_compare.js").read_text(encoding="utf-8")
    m.get_root().header.add_child(inline("script", script), name="parkmap_compare_js")
    ScenarioLayers(data, control.get_name() if control is not None else "null").add_to(m)
    m.parkmap_info = {
        **getattr(m, "parkmap_info", {}),
        "scenarios": [
            {"label": c["label"], "layers": [layer["kind"] for layer in c["layers"]]}
            for c in columns
        ],
    }
    return m
