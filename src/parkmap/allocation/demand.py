"""Land demand of a project pipeline: how many 亩 each project needs, and where it may go.

A project's demand is its ``land_mu`` when given, else its investment divided by the
investment intensity that applies to its industry (:meth:`AllocationRules.intensity_for`).
Its allowed sub-parks are the one it names, else every sub-park whose crosswalk rows
take its GB/T 4754-2017 division. Projects that cannot enter the solver (no demand, no
sub-park, already holding land, needing none) get a ``state`` and a ``reason`` here.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from parkmap.allocation.rules import AllocationRules
from parkmap.errors import DataFileError

__all__ = ["DEMAND_COLUMNS", "project_demand", "read_projects", "subpark_divisions"]

#: Columns of the demand table, in order.
DEMAND_COLUMNS = (
    "id",
    "name_zh",
    "name_en",
    "status",
    "tier",
    "rank",
    "investment_yi",
    "industry_code",
    "named_subpark",
    "demand_mu",
    "demand_source",
    "intensity_wan_per_mu",
    "intensity_source",
    "upper_mu",
    "allowed_subparks",
    "far_min",
    "investment_min_wan_per_mu",
    "held_mu",
    "state",
    "reason",
)

_M2_PER_MU = 10_000 / 15


def read_projects(path: str | os.PathLike) -> pd.DataFrame:
    """Read a project list from Excel (``.xlsx``) or CSV, every cell as text first.

    Columns as in the ``projects`` layer (``id``, ``name_zh``, ``status``,
    ``investment_yi``, ``land_mu``, ``subpark``) plus the optional ``industry_code``,
    ``priority`` and ``name_en``.

    Raises
    ------
    parkmap.errors.DataFileError
        When the file is missing, of another kind, or lacks ``id`` / ``name_zh`` /
        ``status``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str)
        elif suffix in (".csv", ".txt"):
            frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
        else:
            raise DataFileError(f"{path}: a project list must be .xlsx or .csv")
    except FileNotFoundError as err:
        raise DataFileError(f"{path}: no such file") from err
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in ("id", "name_zh", "status") if c not in frame.columns]
    if missing:
        raise DataFileError(f"{path}: missing column(s) {', '.join(missing)}")
    for column in ("investment_yi", "land_mu", "priority"):
        if column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce")
            bad = values.isna() & frame[column].notna() & (frame[column].str.strip() != "")
            if bad.any():
                row = frame.loc[bad.idxmax()]
                raise DataFileError(
                    f"{path}: project {row['id']}, column {column!r}: "
                    f"{row[column]!r} is not a number"
                )
            frame[column] = values
    return frame


def _text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text or None


def _number(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def subpark_divisions(subparks: pd.DataFrame, rules: AllocationRules, indicator) -> dict:
    """GB/T 4754-2017 divisions each sub-park takes: ``{id: (set, how)}``.

    ``how`` says where the set comes from: ``crosswalk`` (a row of the crosswalk
    table matching the sub-park's id and Chinese name) or ``own code`` (the sub-park's
    ``industry_code`` through the indicator table's 2017 column), or ``none``.
    """
    cross = rules.crosswalk
    out = {}
    for _, row in subparks.iterrows():
        sid = str(row["id"])
        rows = cross[(cross["subpark"] == sid) & (cross["subpark_name_zh"] == row.get("name_zh"))]
        if len(rows):
            out[sid] = ({str(d) for d in rows["division"]}, "crosswalk")
            continue
        code = _text(row.get("industry_code"))
        out[sid] = (_own_divisions(code, indicator), "own code") if code else (set(), "none")
    return out


def _own_divisions(code: str, indicator) -> set[str]:
    if "2017" in str(indicator.code_edition) or code not in indicator.table.index:
        return {code}
    mapped = str(indicator.table.loc[code].get("code_2017", "") or "")
    return {c.strip() for c in mapped.split(";") if c.strip()} or {code}


def division_threshold(division: str | None, indicator, column: str) -> tuple[float, bool]:
    """The strictest ``column`` threshold for a 2017 division, and whether it was ambiguous.

    A 2002-keyed ruleset is read through its ``code_2017`` column: a 2017 division fed
    by several 2002 rows takes the highest minimum (flagged ambiguous).
    """
    if division is None:
        return float("nan"), False
    table = indicator.table
    if "2017" in str(indicator.code_edition) or "code_2017" not in table.columns:
        return float(indicator.thresholds(division)[column]), False
    hits = [
        code
        for code, mapped in table["code_2017"].items()
        if division in {c.strip() for c in str(mapped or "").split(";")}
    ]
    values = sorted({float(table.loc[c, column]) for c in hits} - {float("nan")})
    values = [v for v in values if not np.isnan(v)]
    if not values:
        return float(indicator.thresholds(None)[column]), False
    return max(values), len(values) > 1


def _ranks(priority: np.ndarray) -> np.ndarray:
    """0 for the first-ranked project of a status ... 1 for unranked ones."""
    ranked = ~np.isnan(priority)
    out = np.ones(len(priority))
    if ranked.any():
        order = pd.Series(priority[ranked]).rank(method="dense").to_numpy()
        out[ranked] = (order - 1) / max(order.max(), 1)
    return out


def project_demand(
    projects: pd.DataFrame,
    subparks: pd.DataFrame,
    statuses: tuple[str, ...],
    rules: AllocationRules,
    indicator,
    held_m2: dict[str, float],
) -> tuple[pd.DataFrame, list[str]]:
    """The demand table of the projects with the given statuses, and its notes.

    Parameters
    ----------
    projects : pandas.DataFrame
        The ``projects`` layer or an imported list.
    subparks : pandas.DataFrame
        The park's ``subparks`` layer (``id``, ``name_zh``, ``industry_code``).
    statuses : tuple of str
        Statuses to allocate, in any order (the rules' order decides priority).
    rules : AllocationRules
    indicator : IndicatorRules
        The control-indicator ruleset (FAR and investment minimums by industry).
    held_m2 : dict
        Land, m², the park's parcels already tie to a project id.
    """
    frame = projects.reset_index(drop=True)
    status = frame["status"].astype(str).str.strip()
    chosen = frame[status.isin(statuses)].copy()
    chosen["status"] = chosen["status"].astype(str).str.strip()
    order = {s: i for i, s in enumerate(rules.status_order)}
    divisions = subpark_divisions(subparks, rules, indicator)
    known_subparks = set(divisions)
    invest_yi = _number(chosen, "investment_yi")
    land_mu = _number(chosen, "land_mu")
    priority = _number(chosen, "priority")
    rows = []
    notes: list[str] = []

    @cache
    def far_of(code):
        return division_threshold(code, indicator, "far_min")

    @cache
    def invest_of(code):
        if "investment_min_wan_per_mu" not in indicator.table.columns:
            return np.nan
        return division_threshold(code, indicator, "investment_min_wan_per_mu")[0]

    ranks = np.ones(len(chosen))
    for st in set(chosen["status"]):
        mask = (chosen["status"] == st).to_numpy()
        ranks[mask] = _ranks(priority[mask])
    for k, (_, row) in enumerate(chosen.iterrows()):
        pid = _text(row.get("id")) or f"#{k + 1}"
        code = _text(row.get("industry_code"))
        named = _text(row.get("subpark"))
        rec = {
            "id": pid,
            "name_zh": _text(row.get("name_zh")),
            "name_en": _text(row.get("name_en")),
            "status": row["status"],
            "tier": order.get(row["status"], len(order)),
            "rank": float(ranks[k]),
            "investment_yi": invest_yi[k],
            "industry_code": code,
            "named_subpark": named,
            "demand_mu": np.nan,
            "demand_source": "none",
            "intensity_wan_per_mu": np.nan,
            "intensity_source": None,
            "held_mu": held_m2.get(pid, 0.0) / _M2_PER_MU,
            "state": "candidate",
            "reason": "",
        }
        _demand(rec, land_mu[k], rules)
        rec["upper_mu"] = rules.upper_mu(rec["demand_mu"]) if rec["demand_mu"] > 0 else np.nan
        _allowed(rec, divisions, known_subparks, rules)
        rec["far_min"], ambiguous = far_of(code)
        if ambiguous:
            notes.append(
                f"{pid}: division {code} maps to several 2008 FAR rows; the highest minimum "
                f"({rec['far_min']:g}) is used"
            )
        rec["investment_min_wan_per_mu"] = invest_of(code)
        _intensity_cap(rec)
        _settle(rec)
        rows.append(rec)
    table = pd.DataFrame(rows, columns=list(DEMAND_COLUMNS))
    return table, notes


def _demand(rec: dict, land_mu: float, rules: AllocationRules) -> None:
    if not np.isnan(land_mu):
        rec["demand_mu"], rec["demand_source"] = float(land_mu), "given"
        return
    invest = rec["investment_yi"]
    if np.isnan(invest):
        rec["state"], rec["reason"] = "unplaceable", "no land_mu and no investment"
        return
    if invest <= 0:
        rec["state"], rec["reason"] = "unplaceable", "no land_mu and zero investment"
        return
    found = rules.intensity_for(rec["industry_code"])
    if found is None:
        rec["state"], rec["reason"] = "unplaceable", "no investment intensity for its industry"
        return
    intensity, origin = found
    rec["intensity_wan_per_mu"], rec["intensity_source"] = intensity, origin
    rec["demand_mu"] = invest * 1e4 / intensity
    rec["demand_source"] = "from investment"


def _allowed(rec: dict, divisions: dict, known: set, rules: AllocationRules) -> None:
    named, code = rec["named_subpark"], rec["industry_code"]
    if named is not None:
        if named not in known:
            rec["allowed_subparks"] = []
            _fail(rec, f"names sub-park {named!r}, which the park does not have")
            return
        fits = code is not None and code in divisions[named][0]
        if fits or rules.named_overrides:
            rec["allowed_subparks"] = [named]
            if not fits and rec["state"] == "candidate":
                rec["reason"] = f"named sub-park; industry {code or '(none)'} not in its crosswalk"
            return
        rec["allowed_subparks"] = []
        _fail(rec, f"industry {code or '(none)'} does not fit its named sub-park {named}")
        return
    if code is None:
        rec["allowed_subparks"] = []
        _fail(rec, "neither a sub-park nor an industry code")
        return
    allowed = sorted(sid for sid, (codes, _) in divisions.items() if code in codes)
    rec["allowed_subparks"] = allowed
    if not allowed:
        _fail(rec, f"no sub-park takes industry {code}")


def _fail(rec: dict, reason: str) -> None:
    if rec["state"] == "candidate":
        rec["state"], rec["reason"] = "unplaceable", reason


def _intensity_cap(rec: dict) -> None:
    minimum = rec["investment_min_wan_per_mu"]
    if np.isnan(minimum) or minimum <= 0 or np.isnan(rec["investment_yi"]):
        return
    cap = rec["investment_yi"] * 1e4 / minimum
    if rec["demand_mu"] > cap:
        _fail(rec, f"its investment meets the intensity minimum on {cap:.1f} 亩 at most")
    elif not np.isnan(rec["upper_mu"]):
        rec["upper_mu"] = min(rec["upper_mu"], cap)


def _settle(rec: dict) -> None:
    if rec["state"] != "candidate":
        return
    if rec["held_mu"] > 0:
        rec["state"] = "holds_land"
        rec["reason"] = f"holds {rec['held_mu']:.1f} 亩 of parcels already"
    elif rec["demand_mu"] == 0:
        rec["state"], rec["reason"] = "no_land_needed", "needs no new land (land_mu = 0)"
