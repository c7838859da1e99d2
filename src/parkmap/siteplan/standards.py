"""Planning standards of the layout: plot options, building templates, fire spacing, setbacks.

The values are data (``data/layout_defaults.csv``, ``data/building_templates.csv``;
fire spacing in ``data/fire_spacing.csv`` through :mod:`parkmap.siteplan.fire`, road
setbacks in ``data/road_setbacks.csv`` through :mod:`parkmap.siteplan.profiles`); this
module reads and checks them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import pandas as pd

from parkmap._data import read_table
from parkmap.errors import RulesError
from parkmap.siteplan import fire, profiles

__all__ = [
    "DEFAULT_TEMPLATES",
    "OFFICE_TEMPLATE",
    "BuildingTemplate",
    "PlotOptions",
    "building_templates",
    "fire_spacing_m",
    "road_setback_m",
    "template",
]


#: Default factory template(s).
DEFAULT_TEMPLATES = ("multi_storey_factory",)
#: Template of the office block.
OFFICE_TEMPLATE = "office"


@dataclass(frozen=True)
class PlotOptions:
    """Plot subdivision and building-placement settings (defaults: ``layout_defaults.csv``).

    Every field is documented, with its source, in ``data/layout_defaults.csv``.
    Build one with :meth:`from_defaults`, which validates the values.
    """

    plot_area_min_mu: float
    plot_area_target_mu: float
    plot_area_max_mu: float
    plot_width_min_m: float
    frontage_min_m: float
    frontage_tolerance_m: float
    branch_road_red_line_m: float
    branch_road_spacing_m: float
    boundary_setback_min_m: float
    highrise_height_m: float
    green_share_of_open_land: float
    admin_share_use: float
    admin_land_apron_m: float
    placement_step_m: float

    @classmethod
    def from_defaults(cls, **overrides: float) -> PlotOptions:
        """The packaged defaults, with ``overrides`` (same names as the fields).

        Raises
        ------
        parkmap.errors.RulesError
            On an unknown name or a value out of range.
        """
        table = read_table("layout_defaults.csv")
        values = dict(zip(table["key"], table["value"].astype(float), strict=True))
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise RulesError(
                f"unknown plot option(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}"
            )
        for key, value in overrides.items():
            try:
                values[key] = float(value)
            except (TypeError, ValueError):
                raise RulesError(f"plot option {key}: {value!r} is not a number") from None
        options = cls(**{name: values[name] for name in names})
        options._check()
        return options

    def _check(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not math.isfinite(value) or value < 0:
                raise RulesError(f"plot option {f.name}: must be a number ≥ 0, got {value!r}")
        if not 0 < self.plot_area_min_mu <= self.plot_area_target_mu <= self.plot_area_max_mu:
            raise RulesError(
                "plot options: need 0 < plot_area_min_mu ≤ plot_area_target_mu ≤ "
                f"plot_area_max_mu, got {self.plot_area_min_mu:g}, "
                f"{self.plot_area_target_mu:g}, {self.plot_area_max_mu:g}"
            )
        for name in ("green_share_of_open_land", "admin_share_use"):
            if getattr(self, name) > 1:
                raise RulesError(f"plot option {name}: a fraction between 0 and 1")
        if self.branch_road_spacing_m <= 2 * self.branch_road_red_line_m:
            raise RulesError(
                "plot options: branch_road_spacing_m must exceed twice branch_road_red_line_m"
            )
        if self.placement_step_m <= 0 or self.branch_road_red_line_m <= 0:
            raise RulesError("plot options: placement_step_m and branch_road_red_line_m > 0")

    @property
    def row_depth_max_m(self) -> float:
        """Deepest row of plots: half the clear width between parallel roads."""
        return (self.branch_road_spacing_m - self.branch_road_red_line_m) / 2

    def as_dict(self) -> dict[str, float]:
        """The options as a plain dict."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class BuildingTemplate:
    """A building type placed by the layout (see ``data/building_templates.csv``).

    Attributes
    ----------
    template : str
        Its name.
    role : {"factory", "office"}
        Factories fill plots; the office block is sized to the admin share.
    kind : str
        The ``buildings.kind`` value (``standard_factory``, ``factory``, ``office``).
    width_m, length_m : float
        Footprint, m (``length_m`` is the longest an office grows to).
    length_min_m : float
        Shortest office block, m (equal to ``length_m`` for factories).
    storeys : int
        Number of storeys.
    ground_storey_height_m, storey_height_m : float
        Height of the ground storey and of each upper storey, m.
    fire_class : str
        Class in ``fire_classes.csv`` as a single/multi-storey building (``C_12``: 丙类,
        grade one/two; ``civil_12``: a civil building, such as the office block).
    """

    template: str
    role: str
    kind: str
    name_zh: str
    name_en: str
    width_m: float
    length_m: float
    length_min_m: float
    storeys: int
    ground_storey_height_m: float
    storey_height_m: float
    fire_class: str
    source: str = "parkmap-choice"
    confidence: str = "R"

    @property
    def height_m(self) -> float:
        """Total height, m."""
        return self.ground_storey_height_m + (self.storeys - 1) * self.storey_height_m

    def effective_fire_class(self, highrise_height_m: float) -> str:
        """Its class, high-rise (``<hazard>_H``) when multi-storey and over the limit."""
        if self.storeys > 1 and self.height_m > highrise_height_m:
            return f"{self.fire_class.partition('_')[0]}_H"
        return self.fire_class


def building_templates() -> pd.DataFrame:
    """The packaged building templates (one row each, with source and confidence).

    Examples
    --------
    >>> row = building_templates().loc["multi_storey_factory"]
    >>> float(row["width_m"]), float(row["length_m"]), int(row["storeys"])
    (24.0, 72.0, 4)
    """
    table = read_table("building_templates.csv")
    for column in ("width_m", "length_m", "length_min_m", "ground_storey_height_m"):
        table[column] = table[column].astype(float)
    table["storey_height_m"] = table["storey_height_m"].astype(float)
    table["storeys"] = table["storeys"].astype(int)
    return table.set_index("template")


def template(value) -> BuildingTemplate:
    """A building template by name (a :class:`BuildingTemplate` is returned as it is).

    Parameters
    ----------
    value : str or BuildingTemplate
        A template name of ``data/building_templates.csv``, or a template.

    Returns
    -------
    BuildingTemplate

    Raises
    ------
    parkmap.errors.RulesError
        On an unknown name.
    """
    if isinstance(value, BuildingTemplate):
        return value
    table = building_templates()
    if value not in table.index:
        raise RulesError(
            f"unknown building template {value!r}; known: {', '.join(table.index)} "
            "(or pass a parkmap.siteplan.BuildingTemplate)"
        )
    row = table.loc[value]
    values = {}
    for f in dataclasses.fields(BuildingTemplate):
        if f.name != "template":
            kind = {"int": int, "float": float}.get(str(f.type), str)
            values[f.name] = kind(row[f.name])
    return BuildingTemplate(template=str(value), **values)


def fire_spacing_m(class_a: str, class_b: str, *, support_building: bool = False) -> float:
    """Fire separation between two buildings, GB 50016 tables 3.4.1 and 5.2.2, m.

    See :func:`parkmap.siteplan.fire.fire_spacing_m` (``support_building``: an office and
    a 丙/丁/戊 factory of the same plot keep 6 m, 3.4.1 note 1).

    Examples
    --------
    >>> fire_spacing_m("C_12", "C_12"), fire_spacing_m("C_12", "C_H")
    (10.0, 13.0)
    >>> fire_spacing_m("civil_12", "A_12"), fire_spacing_m("civil_12", "civil_12")
    (25.0, 6.0)
    """
    return fire.fire_spacing_m(class_a, class_b, support_building=support_building)


def road_setback_m(height_m: float, road_width_m: float, *, profile: str = "cq318") -> float:
    """Setback of a building from a road's red line, by a profile's table, m.

    The default profile is 渝府令第318号 art. 23: bands by road width < 26 / 26–40 / ≥ 40 m
    and by height ≤ 60 / ≤ 100 / > 100 m (see :func:`parkmap.siteplan.profiles.profile`).

    Examples
    --------
    >>> road_setback_m(22.2, 16), road_setback_m(22.2, 36), road_setback_m(22.2, 40)
    (3.0, 5.0, 7.0)
    >>> road_setback_m(22.2, 16, profile="cq_alt_110ask")
    2.0
    """
    return profiles.profile(profile).road_setback_m(height_m, road_width_m)
