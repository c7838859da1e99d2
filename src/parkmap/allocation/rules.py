"""Allocation rules: status order, land-demand intensity, sub-park crosswalk, groups, solver.

The defaults ship as ``parkmap/data/allocation_rules.toml``, each value with a comment
naming its source. A user passes their own file (same layout, any subset of keys: the
rest keeps the default). Unknown keys and bad values raise
:class:`parkmap.errors.RulesError` with one line naming the file and the key. The
tables the rules point to (``investment_intensity.csv``, ``subpark_industries.csv``)
are read here too, so the engine sees plain data.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from parkmap.errors import DataFileError, RulesError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["AllocationRules", "allocation_rules"]

DEFAULT_RULES_FILE = "allocation_rules.toml"
#: Project statuses the rules may order (the ``projects.status`` vocabulary).
STATUSES = ("under_construction", "signed", "negotiating", "producing")

# (section, key) -> (field, kind); kind: "statuses", "fraction", "number", "count",
# "text", "bool"
_KEYS: dict[tuple[str, str], tuple[str, str]] = {
    ("priority", "status_order"): ("status_order", "statuses"),
    ("priority", "rank_bonus"): ("rank_bonus", "number"),
    ("demand", "county_intensity_wan_per_mu"): ("county_intensity_wan_per_mu", "number"),
    ("demand", "intensity_table"): ("intensity_table", "text"),
    ("demand", "region"): ("region", "text"),
    ("demand", "fallback_region"): ("fallback_region", "text"),
    ("subparks", "crosswalk"): ("crosswalk", "text"),
    ("subparks", "named_subpark_overrides_industry"): ("named_overrides", "bool"),
    ("groups", "slack_fraction"): ("slack_fraction", "number"),
    ("groups", "slack_min_mu"): ("slack_min_mu", "number"),
    ("groups", "min_contact_m"): ("min_contact_m", "number"),
    ("groups", "enumeration_limit"): ("enumeration_limit", "count"),
    ("groups", "candidate_budget"): ("candidate_budget", "count"),
    ("solver", "time_limit_s"): ("time_limit_s", "number"),
    ("solver", "mip_rel_gap"): ("mip_rel_gap", "number"),
}


def _data_file(name: str) -> Path:
    return Path(str(resources.files("parkmap") / "data" / name))


@dataclass(frozen=True)
class AllocationRules:
    """The rules of a project allocation (see ``data/allocation_rules.toml``).

    Attributes
    ----------
    status_order : tuple of str
        Statuses in the order they are served (lexicographic priority).
    rank_bonus : float
        Extra weight per 亩 of the planner's first-ranked project within a status.
    county_intensity_wan_per_mu : float
        The county's own investment intensity, 万元/亩; 0 when not set.
    intensity : pandas.DataFrame
        The intensity table (``region``, ``division``, ``intensity_wan_per_mu``,
        ``source``, ``confidence`` ...).
    region, fallback_region : str
        Regions of the intensity table used first and for divisions the first lacks.
    crosswalk : pandas.DataFrame
        Sub-park to GB/T 4754-2017 divisions (``subpark``, ``subpark_name_zh``,
        ``division``, ``fit``, ``source``, ``confidence``).
    named_overrides : bool
        Whether a project's named sub-park wins over the crosswalk.
    slack_fraction, slack_min_mu : float
        A group may exceed the demand by ``max(slack_fraction × demand, slack_min_mu)`` 亩.
    min_contact_m : float
        Shared boundary, m, for two plots to count as touching.
    enumeration_limit : int
        Connected groups listed per sub-park before growing groups instead.
    candidate_budget : int
        Candidate groups kept in all (each project keeps at least 10).
    time_limit_s, mip_rel_gap : float
        Solver time limit, s, and the relative gap at which it may stop.
    source : str
        The file the rules came from (``packaged defaults`` or a path).
    """

    status_order: tuple[str, ...]
    rank_bonus: float
    county_intensity_wan_per_mu: float
    intensity: pd.DataFrame
    region: str
    fallback_region: str
    crosswalk: pd.DataFrame
    named_overrides: bool
    slack_fraction: float
    slack_min_mu: float
    min_contact_m: float
    enumeration_limit: int
    candidate_budget: int
    time_limit_s: float
    mip_rel_gap: float
    source: str

    def per_project(self, projects: int) -> int:
        """Candidate groups each of ``projects`` projects keeps."""
        return max(10, self.candidate_budget // max(projects, 1))

    def upper_mu(self, demand_mu: float) -> float:
        """The largest group area, 亩, a project of ``demand_mu`` may receive."""
        return demand_mu + max(self.slack_fraction * demand_mu, self.slack_min_mu)

    def intensity_for(self, division: str | None) -> tuple[float, str] | None:
        """Intensity (万元/亩) and a one-line origin for a GB/T 4754-2017 division.

        The county value wins when set; then the region's row for the division, then
        its ``*`` row, then the fallback region's. None when nothing applies.
        """
        if self.county_intensity_wan_per_mu > 0:
            return self.county_intensity_wan_per_mu, "county value from the rules"
        table = self.intensity
        for region in (self.region, self.fallback_region):
            rows = table[table["region"] == region]
            for key in (division, "*"):
                hit = rows[rows["division"] == key] if key else rows.iloc[0:0]
                if len(hit):
                    row = hit.iloc[0]
                    origin = f"{region} ({row['source']}, {row['confidence']})"
                    return float(row["intensity_wan_per_mu"]), origin
        return None

    def as_dict(self) -> dict:
        """The scalar rules, for JSON output and metadata."""
        return {
            "source": self.source,
            "status_order": list(self.status_order),
            "rank_bonus": self.rank_bonus,
            "county_intensity_wan_per_mu": self.county_intensity_wan_per_mu,
            "region": self.region,
            "fallback_region": self.fallback_region,
            "named_subpark_overrides_industry": self.named_overrides,
            "slack_fraction": self.slack_fraction,
            "slack_min_mu": self.slack_min_mu,
            "min_contact_m": self.min_contact_m,
            "enumeration_limit": self.enumeration_limit,
            "candidate_budget": self.candidate_budget,
            "time_limit_s": self.time_limit_s,
            "mip_rel_gap": self.mip_rel_gap,
        }


def _read_toml(path: Path, where: str) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as err:
        raise RulesError(f"{where}: no such rules file") from err
    except tomllib.TOMLDecodeError as err:
        raise RulesError(f"{where}: not valid TOML: {err}") from err


def _flatten(doc: Mapping, where: str) -> dict[str, object]:
    values: dict[str, object] = {}
    for section, body in doc.items():
        if section == "version":
            continue
        if not isinstance(body, Mapping):
            raise RulesError(f"{where}: unknown key {section!r}")
        for key, value in body.items():
            if (section, key) not in _KEYS:
                raise RulesError(f"{where}: unknown key [{section}] {key!r}")
            name, kind = _KEYS[(section, key)]
            values[name] = _check(value, kind, f"{where}: [{section}] {key}")
    return values


def _check(value, kind: str, where: str):
    if kind == "statuses":
        if not isinstance(value, list) or not value:
            raise RulesError(f"{where}: expected a non-empty list of statuses")
        bad = [v for v in value if v not in STATUSES]
        if bad or len(set(value)) != len(value):
            raise RulesError(f"{where}: {bad or value} not distinct statuses of {STATUSES}")
        return tuple(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise RulesError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind == "text":
        if not isinstance(value, str) or not value.strip():
            raise RulesError(f"{where}: expected a text value, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise RulesError(f"{where}: expected a number ≥ 0, got {value!r}")
    if kind == "count":
        if int(value) != value or value < 1:
            raise RulesError(f"{where}: expected a whole number ≥ 1, got {value!r}")
        return int(value)
    return float(value)


def _table(name: str, base: Path | None, required: tuple[str, ...]) -> pd.DataFrame:
    path = Path(name)
    if not path.is_absolute():
        path = (base / path) if base is not None and (base / path).is_file() else _data_file(name)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError as err:
        raise DataFileError(f"{path}: no such table (named in the allocation rules)") from err
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise DataFileError(f"{path}: missing column(s) {', '.join(missing)}")
    return table


def allocation_rules(path: str | os.PathLike | None = None) -> AllocationRules:
    """Load allocation rules: the packaged defaults, overridden by a user's TOML file.

    Parameters
    ----------
    path : path-like, optional
        A TOML file with any subset of the keys of ``data/allocation_rules.toml``.
        Table names in it are looked up beside the file first, then in the package.

    Returns
    -------
    AllocationRules

    Raises
    ------
    parkmap.errors.RulesError
        On a missing or malformed file, an unknown key or a bad value.
    parkmap.errors.DataFileError
        When a table the rules name is missing or lacks a required column.

    Examples
    --------
    >>> rules = allocation_rules()
    >>> rules.status_order[:2], rules.upper_mu(100.0)
    (('under_construction', 'signed'), 150.0)
    """
    values = _flatten(_read_toml(_data_file(DEFAULT_RULES_FILE), DEFAULT_RULES_FILE), "defaults")
    base = None
    source = "packaged defaults"
    if path is not None:
        where = os.fspath(path)
        values.update(_flatten(_read_toml(Path(path), where), where))
        base, source = Path(path).parent, where
    if values["mip_rel_gap"] > 1:
        raise RulesError(f"{source}: [solver] mip_rel_gap must be at most 1")
    intensity = _table(
        str(values.pop("intensity_table")),
        base,
        ("region", "division", "intensity_wan_per_mu", "source", "confidence"),
    )
    numbers = pd.to_numeric(intensity["intensity_wan_per_mu"], errors="coerce")
    if numbers.isna().any() or (numbers <= 0).any():
        bad = intensity.loc[numbers.isna() | (numbers <= 0), "division"].iloc[0]
        raise DataFileError(f"intensity table: division {bad!r}: intensity must be a number > 0")
    regions = set(intensity["region"])
    for key in ("region", "fallback_region"):
        if values[key] not in regions:
            raise RulesError(
                f"{source}: [demand] {key} {values[key]!r} is not a region of the intensity "
                f"table ({', '.join(sorted(regions))})"
            )
    crosswalk = _table(
        str(values.pop("crosswalk")),
        base,
        ("subpark", "subpark_name_zh", "division", "fit", "source", "confidence"),
    )
    return AllocationRules(intensity=intensity, crosswalk=crosswalk, source=source, **values)
