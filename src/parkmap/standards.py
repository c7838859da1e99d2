"""Planning standards read from the data files: fire classes, spacing, lanes, setbacks.

Every number comes from a CSV file in ``parkmap/data`` that cites its source and grades
its confidence (``data/README.md``):

- **Fire code** (GB 50016-2014 (2018) tables 3.4.1 and 5.2.2, GB 55037-2022 3.4.2):
  ``fire_classes.csv``, ``fire_spacing.csv``, ``fire_rules.csv``. A building's class
  follows from its hazard (甲 … 戊, or civil), its fire-resistance grade and its height
  (:func:`fire_class`); the spacing between two classes is :func:`fire_spacing_m`; which
  buildings need fire lanes along both long sides is :func:`needs_fire_lanes`.
- **Local profiles** (``standards_profiles.csv``): the Chongqing rules of 渝府令第318号
  (``cq318``, the default for Dianjiang) and the alternative art. 23 table
  (``cq_alt_110ask``). A :class:`Profile` gives road setbacks by building height and road
  width (art. 23, corners art. 24), plot-boundary setbacks (art. 25), control-line
  buffers (arts. 46, 48, 51, 55, 57, 68) and the single values (arts. 37, 74, 79).
- **Indicator rulesets** (``indicator_rulesets.csv``): which control-indicator edition is
  current, which is the default and how far its numbers are verified
  (:func:`ruleset_info`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from parkmap._data import read_table
from parkmap.errors import RulesError

__all__ = [
    "Profile",
    "default_profile",
    "fire_class",
    "fire_classes",
    "fire_rule",
    "fire_spacing_m",
    "needs_fire_lanes",
    "profile",
    "profiles",
    "ruleset_info",
]

HAZARDS = ("A", "B", "C", "D", "E", "civil")
_HAZARD_ZH = {"甲": "A", "乙": "B", "丙": "C", "丁": "D", "戊": "E", "民用": "civil"}


def _float(text: str) -> float:
    return float(text) if str(text).strip() != "" else math.nan


# -- fire code ----------------------------------------------------------------------------
def fire_classes() -> pd.DataFrame:
    """The fire classes of ``fire_classes.csv``, indexed by ``fire_class``.

    Examples
    --------
    >>> fire_classes().loc["civil_12", "hazard"]
    'civil'
    """
    return read_table("fire_classes.csv").set_index("fire_class")


@cache
def _spacing_table() -> dict[tuple[str, str], tuple[float, str]]:
    table = read_table("fire_spacing.csv")
    return {
        (r.this_class, r.other_class): (_float(r.spacing_m), r.clause)
        for r in table.itertuples(index=False)
    }


@cache
def _rules() -> dict[str, str]:
    table = read_table("fire_rules.csv")
    return dict(zip(table["key"], table["value"], strict=True))


def fire_rule(key: str) -> float:
    """A single value of ``fire_rules.csv`` as a number (``fire_lane_width_min_m`` …).

    Examples
    --------
    >>> fire_rule("fire_lane_width_min_m"), fire_rule("support_building_spacing_m")
    (4.0, 6.0)
    """
    try:
        return float(_rules()[key])
    except KeyError:
        raise RulesError(
            f"fire_rules.csv has no key {key!r}; known: {', '.join(_rules())}"
        ) from None


def fire_class(hazard: str, *, grade: str = "12", height_m: float = 0.0, storeys: int = 1) -> str:
    """The class of a building in ``fire_classes.csv``.

    Parameters
    ----------
    hazard : str
        Fire hazard of the production (``A`` … ``E`` or 甲 … 戊) or ``civil`` (民用, e.g. an
        office block, which GB 50016 3.4.1 note 1 treats as a civil building).
    grade : {"12", "3", "4"}
        Fire-resistance grade (``12`` = 一/二级).
    height_m : float
        Building height, m.
    storeys : int
        Number of storeys. A building of more than one storey taller than
        ``highrise_height_m`` (24 m, GB 50016 2.1.1) is high-rise (grade one/two).

    Raises
    ------
    parkmap.errors.RulesError
        On an unknown hazard or a grade the table has no row for.

    Examples
    --------
    >>> fire_class("丙", height_m=22.2, storeys=4), fire_class("C", height_m=25.0, storeys=5)
    ('C_12', 'C_H')
    >>> fire_class("civil", height_m=19.5, storeys=5)
    'civil_12'
    """
    key = _HAZARD_ZH.get(str(hazard).strip(), str(hazard).strip())
    if key not in HAZARDS:
        raise RulesError(f"unknown fire hazard {hazard!r}; use one of {', '.join(HAZARDS)}")
    highrise = storeys > 1 and height_m > fire_rule("highrise_height_m")
    name = f"{key}_H" if highrise else f"{key}_{grade}"
    if name not in fire_classes().index:
        raise RulesError(
            f"no fire class {name!r} (hazard {hazard!r}, grade {grade!r}); known: "
            + ", ".join(fire_classes().index)
        )
    return name


def fire_spacing_m(class_a: str, class_b: str, *, support_building: bool = False) -> float:
    """Fire separation between two buildings, m (GB 50016 tables 3.4.1 and 5.2.2).

    Parameters
    ----------
    class_a, class_b : str
        Classes of ``fire_classes.csv``.
    support_building : bool
        True when one of them is a civil building put up to serve the other, a 丙/丁/戊
        factory of the same plot: then 6 m (3.4.1 note 1) instead of the table value.

    Raises
    ------
    parkmap.errors.RulesError
        On an unknown class, or a pair the table gives no value for.

    Examples
    --------
    >>> fire_spacing_m("C_12", "C_12"), fire_spacing_m("E_12", "E_12")
    (10.0, 8.0)
    >>> fire_spacing_m("civil_12", "A_12"), fire_spacing_m("civil_12", "civil_12")
    (25.0, 6.0)
    >>> fire_spacing_m("civil_12", "C_12", support_building=True)
    6.0
    """
    try:
        value, _ = _spacing_table()[(class_a, class_b)]
    except KeyError:
        raise RulesError(
            f"no fire spacing for classes {class_a!r} / {class_b!r}; known: "
            + ", ".join(fire_classes().index)
        ) from None
    if math.isnan(value):
        raise RulesError(f"GB 50016 table 3.4.1 gives no spacing for {class_a} / {class_b}")
    if support_building:
        hazards = {class_a.split("_")[0], class_b.split("_")[0]}
        if "civil" in hazards and hazards & {"C", "D", "E"}:
            return fire_rule("support_building_spacing_m")
    return value


def needs_fire_lanes(fire_class_: str, footprint_m2: float) -> bool:
    """Whether GB 55037-2022 3.4.2 asks for fire lanes along both long sides.

    Every high-rise factory, and single/multi-storey 甲, 乙 and 丙类 factories with a
    footprint over ``fire_lane_footprint_min_m2`` (3 000 m²).

    Examples
    --------
    >>> needs_fire_lanes("C_12", 36 * 96), needs_fire_lanes("C_12", 24 * 72)
    (True, False)
    >>> needs_fire_lanes("E_H", 1000.0), needs_fire_lanes("D_12", 5000.0)
    (True, False)
    """
    hazard, _, grade = fire_class_.partition("_")
    if hazard == "civil":
        return False
    if grade == "H":
        return True
    hazards = _rules()["fire_lane_hazards"].split(";")
    return hazard in hazards and footprint_m2 > fire_rule("fire_lane_footprint_min_m2")


# -- local profiles -----------------------------------------------------------------------
def profiles() -> pd.DataFrame:
    """The local rule profiles of ``standards_profiles.csv``, indexed by ``profile``."""
    return read_table("standards_profiles.csv").set_index("profile")


@dataclass(frozen=True)
class Profile:
    """A named set of local planning rules (see ``data/standards_profiles.csv``).

    Attributes
    ----------
    name : str
        Profile id (``cq318``, ``cq_alt_110ask``).
    name_zh, name_en, status, source, confidence : str
        Its description, legal status, source ids and confidence tag.
    road_setbacks : pandas.DataFrame
        Rows of ``road_setbacks.csv`` it uses (road and corner setbacks).
    boundary_setbacks : pandas.DataFrame
        Rows of ``boundary_setbacks.csv`` it uses.
    control_lines : pandas.DataFrame
        Control-line buffers by feature (``distance_m``), indexed by ``feature``.
    values : dict
        Single values by key (``plot_area_max_m2``, ``entrance_clear_trunk_m`` …) with
        their articles in ``articles``.
    """

    name: str
    name_zh: str
    name_en: str
    status: str
    source: str
    confidence: str
    road_setbacks: pd.DataFrame = field(repr=False)
    boundary_setbacks: pd.DataFrame = field(repr=False)
    control_lines: pd.DataFrame = field(repr=False)
    values: dict = field(repr=False)
    articles: dict = field(repr=False)

    def road_setback_m(self, height_m: float, road_width_m: float, *, kind: str = "road") -> float:
        """Smallest distance from a building to a road red line, m (art. 23 / art. 24).

        Examples
        --------
        >>> cq = profile("cq318")
        >>> cq.road_setback_m(22.2, 16), cq.road_setback_m(22.2, 36), cq.road_setback_m(22.2, 40)
        (3.0, 5.0, 7.0)
        >>> alt = profile("cq_alt_110ask")
        >>> cq.road_setback_m(22.2, 16, kind="corner"), alt.road_setback_m(22.2, 16)
        (5.0, 2.0)
        """
        table = self.road_setbacks[self.road_setbacks["kind"] == kind]
        for r in table.itertuples(index=False):
            h_lo, h_hi = _float(r.height_min_m), _float(r.height_max_m)
            w_lo, w_hi = _float(r.width_min_m), _float(r.width_max_m)
            if not (height_m > h_lo or h_lo == 0) or (height_m > h_hi):
                continue
            if r.width_bounds == "[)":
                fits = road_width_m >= w_lo and not road_width_m >= w_hi
            else:
                fits = (road_width_m > w_lo or w_lo == 0) and not road_width_m > w_hi
            if fits:
                return float(r.setback_m)
        raise RulesError(
            f"profile {self.name}: no {kind} setback for height {height_m} m, road {road_width_m} m"
        )

    def boundary_setback_m(
        self, height_m: float, face_width_m: float, *, face: str = "main"
    ) -> float:
        """Smallest distance from a building face to a non-road plot edge, m (art. 25).

        Examples
        --------
        >>> cq = profile("cq318")
        >>> cq.boundary_setback_m(22.2, 72), cq.boundary_setback_m(22.2, 24, face="gable")
        (11.1, 4.0)
        >>> cq.boundary_setback_m(10.0, 96), cq.boundary_setback_m(30.0, 50)
        (5.0, 13.0)
        """
        table = self.boundary_setbacks[self.boundary_setbacks["face"] == face]
        for r in table.itertuples(index=False):
            h_lo, h_hi = _float(r.height_min_m), _float(r.height_max_m)
            f_lo, f_hi = _float(r.face_width_min_m), _float(r.face_width_max_m)
            if height_m > h_hi or not (height_m > h_lo or h_lo == 0):
                continue
            if face_width_m > f_hi or not (face_width_m > f_lo or f_lo == 0):
                continue
            return max(float(r.height_factor) * height_m, float(r.setback_min_m))
        raise RulesError(
            f"profile {self.name}: no {face}-face boundary setback for height {height_m} m "
            f"(art. 15 gives gable values up to 40 m only)"
        )

    def value(self, key: str) -> float:
        """A single value of the profile as a number (``plot_area_max_m2`` …)."""
        try:
            return float(self.values[key])
        except KeyError:
            raise RulesError(f"profile {self.name} has no value {key!r}") from None

    def describe(self, lang: str = "en") -> str:
        """One line naming the profile, its status and confidence, for report notes."""
        if lang == "zh":
            return f"地方规定：{self.name_zh}（{self.name}；可信度 {self.confidence}）"
        return (
            f"Local rules: {self.name_en} ({self.name}; {self.status}; "
            f"confidence {self.confidence})"
        )


@cache
def profile(name: str = "cq318") -> Profile:
    """Load a local rule profile by name.

    Raises
    ------
    parkmap.errors.RulesError
        If no profile of that name is packaged.

    Examples
    --------
    >>> profile("cq318").value("plot_area_max_m2")
    80000.0
    """
    table = profiles()
    if name not in table.index:
        raise RulesError(f"unknown standards profile {name!r}; known: {', '.join(table.index)}")
    row = table.loc[name]
    setbacks = read_table("road_setbacks.csv")
    boundary = read_table("boundary_setbacks.csv")
    lines = read_table(row["control_lines"]).set_index("feature")
    lines["distance_m"] = lines["distance_m"].astype(float)
    single = read_table(row["values"]).set_index("key")
    return Profile(
        name=name,
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        status=row["status"],
        source=row["source"],
        confidence=row["confidence"],
        road_setbacks=setbacks[setbacks["profile"] == row["road_setbacks"]].reset_index(drop=True),
        boundary_setbacks=boundary[boundary["profile"] == row["boundary_setbacks"]].reset_index(
            drop=True
        ),
        control_lines=lines,
        values={k: v for k, v in single["value"].items() if _is_number(v)},
        articles=single["article"].to_dict(),
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def default_profile(park_name: str) -> str | None:
    """The profile a park uses by default (``standards_profiles.csv`` ``default_for``).

    Examples
    --------
    >>> default_profile("dianjiang"), default_profile("elsewhere")
    ('cq318', None)
    """
    table = profiles()
    hits = [p for p, parks in table["default_for"].items() if park_name in parks.split(";")]
    return hits[0] if hits else None


# -- indicator rulesets -------------------------------------------------------------------
def ruleset_info(name: str | None = None) -> dict[str, str]:
    """Status, code edition and confidence of a packaged indicator ruleset.

    ``name=None`` gives the default ruleset.

    Examples
    --------
    >>> info = ruleset_info()
    >>> info["ruleset"], info["status"]
    ('cn_gy_2008', 'superseded (by the 2023 revision)')
    >>> ruleset_info("cn_gy_2023")["status"]
    'current'
    """
    table = read_table("indicator_rulesets.csv")
    if name is None:
        table = table[table["default"] == "true"]
    else:
        table = table[table["ruleset"] == name]
        if table.empty:
            known = ", ".join(read_table("indicator_rulesets.csv")["ruleset"])
            raise RulesError(f"unknown indicator ruleset {name!r}; packaged: {known}")
    return table.iloc[0].to_dict()
