"""Local planning rules (profiles) and the control-indicator rulesets.

A **profile** (``data/standards_profiles.csv``) is a named set of local rules. ``cq318``,
《重庆市城市规划管理技术规定》 (渝府令第318号), is the default for Dianjiang: road setbacks by
road width and building height from the red line (art. 23; corners art. 24),
plot-boundary setbacks (art. 25, the half-spacing of art. 15), control-line buffers
(arts. 46, 48, 51, 55, 57, 68) and single values (arts. 23, 37, 74, 77, 79).
``cq_alt_110ask`` is the other copy of the art. 23 table, kept as a named alternative.

The **ruleset registry** (``data/indicator_rulesets.csv``) says which control-indicator
edition is current, which is the default, and how far its numbers are verified
(:func:`ruleset_info`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache, cached_property

import pandas as pd

from parkmap._data import read_table
from parkmap.errors import RulesError

__all__ = [
    "Profile",
    "crosswalk_2002_2017",
    "default_profile",
    "fallback_admin_share",
    "profile",
    "profiles",
    "ruleset_info",
]


def _float(text: str) -> float:
    return float(text) if str(text).strip() != "" else math.nan


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
        key = ("road", kind, height_m, road_width_m)
        if key not in self._memo:
            self._memo[key] = self._road_setback_m(height_m, road_width_m, kind)
        return self._memo[key]

    @cached_property
    def _memo(self) -> dict:
        """Setbacks already looked up, by (table, kind, height, width).

        A layout asks the same few thousand times (once per building, face and road).
        """
        return {}

    def _road_setback_m(self, height_m: float, road_width_m: float, kind: str) -> float:
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
        key = ("boundary", face, height_m, face_width_m)
        if key not in self._memo:
            self._memo[key] = self._boundary_setback_m(height_m, face_width_m, face)
        return self._memo[key]

    def _boundary_setback_m(self, height_m: float, face_width_m: float, face: str) -> float:
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


def default_profile(*names: str) -> str | None:
    """The profile a park uses by default (``standards_profiles.csv`` ``default_for``).

    ``names`` are the park's names (id, English, Chinese); a profile is the default when
    one of its ``default_for`` keys appears in one of them (case-insensitive).

    Examples
    --------
    >>> default_profile("Dianjiang transformation demonstration industrial park")
    'cq318'
    >>> default_profile("elsewhere") is None
    True
    """
    texts = [str(n).casefold() for n in names if n]
    for name, keys in profiles()["default_for"].items():
        for key in filter(None, keys.split(";")):
            if any(key.casefold() in text for text in texts):
                return name
    return None


# -- indicator rulesets -------------------------------------------------------------------
@cache
def crosswalk_2002_2017() -> dict[str, list[str]]:
    """GB/T 4754-2002 division → GB/T 4754-2017 division(s), main one first.

    From the ``code_2017`` column of ``indicators_cn_gy_2008.csv``.

    Examples
    --------
    >>> crosswalk_2002_2017()["35"], crosswalk_2002_2017()["41"]
    (['34'], ['40', '34'])
    """
    table = read_table("indicators_cn_gy_2008.csv")
    return {c: v.split(";") for c, v in zip(table["code"], table["code_2017"], strict=True)}


def fallback_admin_share() -> float:
    """The 2008 admin-share limit (``indicators_globals.csv``), to size offices by."""
    table = read_table("indicators_globals.csv").set_index("key")
    return float(table.at["admin_share_max", "value"])


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
