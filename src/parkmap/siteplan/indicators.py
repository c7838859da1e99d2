"""Control-indicator checks: FAR, building coverage, admin share, green ratio, investment.

The indicators of 《工业项目建设用地控制指标》 (2008, 国土资发〔2008〕24号) are:

- **FAR** (容积率) = floor area ÷ plot area, where a storey higher than
  ``storey_double_count_height_m`` (8 m) counts twice (see :func:`far_floor_area`);
- **building coverage** (建筑系数) = (buildings + structures + open storage yards) ÷ plot
  area;
- **admin share** (行政办公及生活服务设施用地所占比重) = admin and living land ÷ plot area;
- **green ratio** (绿地率) = green space ÷ plot area, an upper bound;
- **investment intensity** (投资强度) = fixed-asset investment ÷ plot area, here in
  万元/亩; the 2008 values were never found, so it is checked only when a user-supplied
  table gives ``investment_min_wan_per_mu`` and the investment is known.

All of them must hold at the same time. The thresholds are data: the packaged ruleset
``cn_gy_2008`` (``data/indicators_cn_gy_2008.csv`` and ``data/indicators_globals.csv``)
or a table the user supplies for local rules (:func:`indicator_rules`).

Every check yields a **margin** in the indicator's own unit: positive means the plot
passes with that much room, negative means it fails by that much. A FAR of 0.62 against
a minimum of 0.70 has ``far_margin = -0.08``.

The layout's indicator tables that apply these checks (per plot, per sub-park, the
summary) are in :mod:`parkmap.siteplan.summary`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from parkmap._data import read_table
from parkmap.errors import RulesError

__all__ = [
    "INDICATORS",
    "IndicatorRules",
    "check_indicators",
    "far_floor_area",
    "indicator_rules",
]

log = logging.getLogger("parkmap")


@dataclass(frozen=True)
class _Indicator:
    key: str  # value column
    threshold: str  # threshold column
    bound: str  # "min" or "max"
    name_zh: str
    name_en: str
    unit: str


#: The checked indicators: value column, bound, names and unit.
INDICATORS: tuple[_Indicator, ...] = (
    _Indicator("far", "far_min", "min", "容积率", "FAR", ""),
    _Indicator("far", "far_max", "max", "容积率", "FAR", ""),
    _Indicator("coverage", "coverage_min", "min", "建筑系数", "building coverage", "fraction"),
    _Indicator(
        "admin_share",
        "admin_share_max",
        "max",
        "行政办公及生活服务设施用地比重",
        "admin share",
        "fraction",
    ),
    _Indicator("green_ratio", "green_ratio_max", "max", "绿地率", "green ratio", "fraction"),
    _Indicator(
        "investment_wan_per_mu",
        "investment_min_wan_per_mu",
        "min",
        "投资强度",
        "investment intensity",
        "万元/亩",
    ),
)

#: Threshold columns a rules table may carry per industry.
THRESHOLD_COLUMNS = tuple(ind.threshold for ind in INDICATORS)
_TEXT_COLUMNS = (
    "ruleset",
    "code_edition",
    "code",
    "name_zh",
    "name_en",
    "code_2017",
    "name_2017_zh",
    "source",
    "confidence",
)
#: Thresholds whose columns appear only when the ruleset sets them for some row.
_OPTIONAL_THRESHOLDS = ("far_max", "investment_min_wan_per_mu")
_GLOBAL_KEYS = ("coverage_min", "admin_share_max", "green_ratio_max")
#: Code of a rules-table row that applies to every industry without a row of its own.
ANY_CODE = "*"


@dataclass(frozen=True)
class IndicatorRules:
    """A versioned set of control-indicator thresholds.

    Attributes
    ----------
    ruleset : str
        Its name (``cn_gy_2008`` for the packaged 2008 national table).
    code_edition : str
        The edition of the industry codes its rows are keyed by (``GB/T 4754-2002``).
    table : pandas.DataFrame
        One row per industry code (index ``code``, text), columns
        :data:`THRESHOLD_COLUMNS` (NaN where the ruleset sets nothing), names, sources.
    storey_double_count_height_m : float
        A storey higher than this counts twice in FAR.
    source : str
        Where the rules were read from.
    unverified : tuple of str
        Threshold columns the ruleset names but whose values were not verified (empty
        in the packaged table): reported as not checked, never passed or failed.
    """

    ruleset: str
    code_edition: str
    table: pd.DataFrame
    storey_double_count_height_m: float
    source: str
    unverified: tuple[str, ...] = ()

    def thresholds(self, code) -> dict[str, float]:
        """The thresholds that apply to industry ``code`` (NaN where none applies).

        A code without its own row gets the ``*`` row (the ruleset's globals); its FAR
        is then unchecked unless that row sets one.
        """
        key = "" if code is None or (not isinstance(code, str) and pd.isna(code)) else str(code)
        key = key.strip()
        row = self.table.loc[key] if key in self.table.index else self.table.loc[ANY_CODE]
        return {column: float(row[column]) for column in THRESHOLD_COLUMNS}

    def has_code(self, code) -> bool:
        """Whether the ruleset has a row of its own for industry ``code``."""
        return code is not None and str(code).strip() in self.table.index


def _numbers(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    for column in THRESHOLD_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan
            continue
        text = frame[column].astype(str).str.strip()
        values = pd.to_numeric(text.where(text != "", None), errors="coerce")
        bad = values.isna() & (text != "") & (text.str.lower() != "nan")
        if bad.any():
            row = bad.idxmax()
            raise RulesError(
                f"{where}: column '{column}', code {frame.at[row, 'code']!r}: "
                f"{frame.at[row, column]!r} is not a number"
            )
        if (values < 0).any():
            row = (values < 0).idxmax()
            raise RulesError(
                f"{where}: column '{column}', code {frame.at[row, 'code']!r}: must be ≥ 0"
            )
        frame[column] = values.astype(float)
    return frame


def _packaged_globals() -> tuple[dict[str, float], float]:
    table = read_table("indicators_globals.csv")
    values = dict(zip(table["key"], table["value"].astype(float), strict=True))
    return {key: values[key] for key in _GLOBAL_KEYS}, values["storey_double_count_height_m"]


def indicator_rules(path: str | os.PathLike | None = None) -> IndicatorRules:
    """Load a control-indicator ruleset.

    Parameters
    ----------
    path : path-like, optional
        A CSV table of local rules. Required columns: ``code`` (industry code, as text)
        and at least one threshold column of ``far_min``, ``far_max``,
        ``coverage_min``, ``admin_share_max``, ``green_ratio_max`` (fractions: 0.30 =
        30 %) or ``investment_min_wan_per_mu`` (万元/亩). Optional: ``ruleset``,
        ``code_edition``, ``name_zh``, ``name_en``, ``source``, ``confidence``. A row with
        code ``*`` applies to industries without a row. Empty cells take the packaged
        2008 global values (coverage ≥ 30 %, admin share ≤ 7 %, green ratio ≤ 20 %).
        Default: the packaged 2008 national ruleset ``cn_gy_2008``.

    Returns
    -------
    IndicatorRules

    Raises
    ------
    parkmap.errors.RulesError
        On a missing file, an unknown column, a missing ``code``, a repeated code or a
        value that is not a non-negative number.

    Examples
    --------
    >>> rules = indicator_rules()
    >>> rules.ruleset, rules.thresholds("37")["far_min"]
    ('cn_gy_2008', 0.7)
    """
    globals_, double_height = _packaged_globals()
    if str(path) == "cn_gy_2023" and not Path(path).is_file():
        return _rules_2023(double_height)
    if path is None or (str(path) == "cn_gy_2008" and not Path(path).is_file()):
        where = "data/indicators_cn_gy_2008.csv"
        table = read_table("indicators_cn_gy_2008.csv")
    else:
        where = str(path)
        if not Path(path).is_file():
            raise RulesError(f"{where}: no such rules file")
        try:
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (ValueError, UnicodeDecodeError) as err:
            raise RulesError(f"{where}: not a readable UTF-8 CSV table ({err})") from None
        table.columns = [str(c).strip() for c in table.columns]
        unknown = [c for c in table.columns if c not in (*THRESHOLD_COLUMNS, *_TEXT_COLUMNS)]
        if unknown:
            raise RulesError(
                f"{where}: unknown column(s) {', '.join(map(repr, unknown))}; "
                f"allowed: code, {', '.join(THRESHOLD_COLUMNS)}, and text columns "
                f"{', '.join(c for c in _TEXT_COLUMNS if c != 'code')}"
            )
        if "code" not in table.columns:
            raise RulesError(f"{where}: no 'code' column (the industry code of each row)")
        if not any(c in table.columns for c in THRESHOLD_COLUMNS):
            raise RulesError(f"{where}: no threshold column ({', '.join(THRESHOLD_COLUMNS)})")
    table["code"] = table["code"].astype(str).str.strip()
    if (table["code"] == "").any():
        raise RulesError(f"{where}: row {int((table['code'] == '').idxmax()) + 2}: empty code")
    repeated = table["code"][table["code"].duplicated()]
    if len(repeated):
        raise RulesError(f"{where}: code {repeated.iloc[0]!r} appears more than once")
    table = _numbers(table, where)
    if ANY_CODE not in set(table["code"]):
        star = {"code": ANY_CODE, "name_en": "any other industry", "name_zh": "其他行业"}
        table = pd.concat([table, pd.DataFrame([star])], ignore_index=True)
    for key, value in globals_.items():
        table[key] = table[key].fillna(value)
    ruleset = _first(table, "ruleset", "local" if path is not None else "cn_gy_2008")
    edition = _first(table, "code_edition", "GB/T 4754-2002")
    return IndicatorRules(
        ruleset=ruleset,
        code_edition=edition,
        table=table.set_index("code"),
        storey_double_count_height_m=double_height,
        source=where,
    )


def _rules_2023(double_height: float) -> IndicatorRules:
    """The 2023 ruleset: its structure and codes; every value not verified (empty).

    The FAR of a 2023 check would count storeys over ``double_height`` twice as in 2008
    (not verified for 2023); no FAR threshold is shipped, so none is checked.
    """
    table = _numbers(read_table("indicators_cn_gy_2023.csv"), "data/indicators_cn_gy_2023.csv")
    star = {"code": ANY_CODE, "name_en": "any other industry", "name_zh": "其他行业"}
    table = pd.concat([table, pd.DataFrame([star])], ignore_index=True)
    glob = read_table("indicators_cn_gy_2023_globals.csv")
    unverified = []
    for key, value, category in zip(glob["key"], glob["value"], glob["category"], strict=True):
        if key not in THRESHOLD_COLUMNS or category not in ("mandatory", "recommended"):
            continue
        if key != "far_min":  # FAR minima are per industry, in the table
            table[key] = float(value) if value else np.nan
        if not value:
            unverified.append(key)
    return IndicatorRules(
        ruleset="cn_gy_2023",
        code_edition="GB/T 4754-2017",
        table=table.set_index("code"),
        storey_double_count_height_m=double_height,
        source="data/indicators_cn_gy_2023.csv",
        unverified=tuple(unverified),
    )


def _first(table: pd.DataFrame, column: str, default: str) -> str:
    if column not in table.columns:
        return default
    values = [v for v in table[column].dropna().astype(str) if v.strip()]
    return values[0] if values else default


def far_floor_area(
    footprint_m2,
    storeys,
    ground_storey_height_m,
    storey_height_m,
    *,
    double_count_height_m: float = 8.0,
):
    """Floor area that counts in FAR: every storey higher than the limit counts twice.

    Parameters
    ----------
    footprint_m2 : float or array-like
        Footprint area of each building, m² (every storey taken to have this area).
    storeys : int or array-like
        Number of storeys.
    ground_storey_height_m : float or array-like
        Height of the ground storey, m.
    storey_height_m : float or array-like
        Height of each upper storey, m.
    double_count_height_m : float, default 8.0
        A storey strictly higher than this counts twice (2008 rule).

    Returns
    -------
    numpy.ndarray
        FAR floor area in m².

    Examples
    --------
    >>> float(far_floor_area(1000.0, 1, 10.0, 10.0)[0])   # a 10 m single-storey shed
    2000.0
    >>> float(far_floor_area(1000.0, 4, 6.0, 5.4)[0])
    4000.0
    """
    footprint = np.atleast_1d(np.asarray(footprint_m2, dtype=float))
    n = np.atleast_1d(np.asarray(storeys, dtype=float))
    ground = np.atleast_1d(np.asarray(ground_storey_height_m, dtype=float))
    upper = np.atleast_1d(np.asarray(storey_height_m, dtype=float))
    weight_ground = np.where(ground > double_count_height_m, 2.0, 1.0)
    weight_upper = np.where(upper > double_count_height_m, 2.0, 1.0)
    return footprint * (weight_ground + np.maximum(n - 1.0, 0.0) * weight_upper)


def _fmt(value: float, unit: str) -> str:
    if unit == "fraction":
        return f"{value * 100:.1f}%"
    return f"{value:.2f}"


def check_indicators(
    frame: pd.DataFrame, rules: IndicatorRules | str | os.PathLike | None = None
) -> pd.DataFrame:
    """Check indicator values against a ruleset: thresholds, pass/fail and margins.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per plot (or sub-park) with ``far``, ``coverage``, ``admin_share``,
        ``green_ratio`` (fractions), ``industry_code`` (in the ruleset's code edition)
        and optionally ``investment_wan_per_mu`` (NaN where the investment is unknown).
    rules : IndicatorRules or path-like, optional
        The ruleset (default: the packaged 2008 national ruleset).

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` with, for each indicator the ruleset sets, its threshold
        (``far_min``, ``far_max``, ``coverage_min``, ``admin_share_max``,
        ``green_ratio_max``, ``investment_min_wan_per_mu``), ``<threshold>_ok``
        (True/False, NA where unchecked) and ``<threshold>_margin`` (positive: room
        left; negative: failing by that much), plus ``unchecked`` / ``n_unchecked`` (the
        thresholds that could not be checked: a missing value or no threshold for the
        industry code), ``compliant`` (every indicator checked and passing) and
        ``failures`` / ``failures_zh`` (one phrase per failing indicator, e.g.
        ``"FAR 0.62 < 0.70 (short by 0.08)"``).

    Examples
    --------
    >>> import pandas as pd
    >>> plots = pd.DataFrame({"far": [0.62], "coverage": [0.4], "admin_share": [0.05],
    ...                       "green_ratio": [0.1], "industry_code": ["37"]})
    >>> out = check_indicators(plots)
    >>> round(float(out.loc[0, "far_min_margin"]), 2), out.loc[0, "failures"]
    (-0.08, 'FAR 0.62 < 0.70 (short by 0.08)')
    """
    if not isinstance(rules, IndicatorRules):
        rules = indicator_rules(rules)
    out = frame.copy()
    if "investment_wan_per_mu" not in out.columns:
        out["investment_wan_per_mu"] = np.nan
    codes = out["industry_code"] if "industry_code" in out.columns else pd.Series(None, out.index)
    unknown = sorted({str(c) for c in codes.dropna() if not rules.has_code(c)})
    if unknown:
        log.warning(
            "industry code(s) %s not in ruleset %s (%s codes): FAR not checked for them",
            ", ".join(unknown),
            rules.ruleset,
            rules.code_edition,
        )
    limits = pd.DataFrame(
        [rules.thresholds(c) for c in codes], index=out.index, columns=list(THRESHOLD_COLUMNS)
    )
    all_ok = pd.Series(True, index=out.index)
    unchecked: list[list[str]] = [[] for _ in range(len(out))]
    failures: list[list[str]] = [[] for _ in range(len(out))]
    failures_zh: list[list[str]] = [[] for _ in range(len(out))]
    for ind in INDICATORS:
        column = ind.threshold
        limit = limits[column]
        if limit.isna().all() and column in _OPTIONAL_THRESHOLDS:
            continue
        value = pd.to_numeric(out[ind.key], errors="coerce").astype(float)
        margin = value - limit if ind.bound == "min" else limit - value
        checked = margin.notna()
        ok = (margin >= -1e-12).where(checked).astype("boolean")
        out[column] = limit
        out[f"{column}_ok"] = ok
        out[f"{column}_margin"] = margin
        all_ok &= ok.fillna(True).astype(bool)
        for i in np.flatnonzero(~checked.to_numpy()):
            unchecked[i].append(column)
        sign = "<" if ind.bound == "min" else ">"
        word = "short by" if ind.bound == "min" else "over by"
        word_zh = "不足" if ind.bound == "min" else "超出"
        for i, (v, lim, m) in enumerate(zip(value, limit, margin, strict=True)):
            if pd.notna(m) and m < -1e-12:
                v_s, l_s, m_s = _fmt(v, ind.unit), _fmt(lim, ind.unit), _fmt(-m, ind.unit)
                failures[i].append(f"{ind.name_en} {v_s} {sign} {l_s} ({word} {m_s})")
                failures_zh[i].append(f"{ind.name_zh} {v_s} {sign} {l_s}（{word_zh} {m_s}）")
    out["unchecked"] = [", ".join(u) for u in unchecked]
    out["n_unchecked"] = [len(u) for u in unchecked]
    # a plot is compliant only when every indicator was computed and passes: an
    # indicator that could not be computed never counts as passing
    out["compliant"] = all_ok.to_numpy() & (out["n_unchecked"].to_numpy() == 0)
    out["failures"] = ["; ".join(f) for f in failures]
    out["failures_zh"] = ["；".join(f) for f in failures_zh]
    out["binding"], out["binding_zh"] = _binding(out, limits, rules)
    return out


def _binding(out: pd.DataFrame, limits: pd.DataFrame, rules: IndicatorRules):
    """Per row, the checked indicator with the least room relative to its threshold."""
    en, zh = [], []
    checked = [ind for ind in INDICATORS if f"{ind.threshold}_margin" in out.columns]
    names = {ind.threshold: ind.name_en for ind in INDICATORS}
    for i in range(len(out)):
        best, best_rel = None, np.inf
        for ind in checked:
            margin = out[f"{ind.threshold}_margin"].iloc[i]
            limit = limits[ind.threshold].iloc[i]
            if pd.isna(margin) or pd.isna(limit):
                continue
            rel = margin / abs(limit) if limit else margin
            if rel < best_rel:
                best, best_rel = ind, rel
        if best is None:
            missing = ", ".join(dict.fromkeys(names[k] for k in rules.unverified))
            en.append(f"none checked ({rules.ruleset}: {missing or 'no threshold'} not verified)")
            zh.append(f"未校核（{rules.ruleset} 指标值未核实）")
            continue
        sign = "≥" if best.bound == "min" else "≤"
        limit = _fmt(limits[best.threshold].iloc[i], best.unit)
        margin = _fmt(out[f"{best.threshold}_margin"].iloc[i], best.unit)
        en.append(f"{best.name_en} {sign} {limit} ({rules.ruleset}; margin {margin})")
        zh.append(f"{best.name_zh} {sign} {limit}（{rules.ruleset}；余量 {margin}）")
    return en, zh
