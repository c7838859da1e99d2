"""Parcel status inferred from the land-survey class (三调 / GB/T 21010 DLBM).

Land-survey layers (the 三调 ``DLTB`` parcels) describe what the land *is*, not a
planning status, so they carry no ``status`` column. The survey class answers the
question parkmap needs: construction land of the three statutory categories (建设用地,
GB/T 21010-2017 table of the 三大类) is built; agricultural and unused land is open,
subject to the constraints (basic farmland, ecological red line) applied later. The
class-by-class table with sources is ``data/survey_status_gbt21010.csv``.

Codes are matched exactly, then as a 三调 ``K`` code (可调整地类,
``data/survey_adjustable_k.csv``: cultivated land turned into orchard, forest, sown pasture
or a fish pond with the plough layer intact, read as its base class and counted), then
without another trailing letter suffix (``1104A``), then at level 1 (two digits) where the
level-1 class is all of one category. Only the unique codes are looked up, so the cost
does not grow with the number of parcels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parkmap._data import read_table

__all__ = [
    "StatusInference",
    "adjustable_codes",
    "adjustable_note",
    "base_of_adjustable",
    "infer_missing_status",
    "infer_status",
    "status_table",
]

_SUFFIX = re.compile(r"^(\d{4})[A-Z]+$")
#: A 三调 可调整地类 code: four digits and ``K`` (``0201K``).
_K_CODE = re.compile(r"^(\d{4})K$")


def status_table() -> pd.DataFrame:
    """The survey class → land class and status table (``survey_status_gbt21010.csv``)."""
    return read_table("survey_status_gbt21010.csv")


def adjustable_codes() -> pd.DataFrame:
    """The 三调 ``K`` codes (可调整地类) with their base class (``survey_adjustable_k.csv``)."""
    return read_table("survey_adjustable_k.csv")


def base_of_adjustable(code) -> str | None:
    """The base class of a 三调 ``K`` code (``"0201K"`` → ``"0201"``), None for other codes.

    A ``K`` code missing from the table (not one of the 三调 work classification) is read
    as its four digits too; :func:`adjustable_note` names it.

    Examples
    --------
    >>> base_of_adjustable("0201K"), base_of_adjustable("0201"), base_of_adjustable("05H1")
    ('0201', None, None)
    """
    match = _K_CODE.match(str(code).strip().upper())
    return match.group(1) if match else None


def adjustable_note(counts: dict[str, int], where: str = "") -> str | None:
    """One line for reports on the features that carry 三调 ``K`` codes, or None.

    Parameters
    ----------
    counts : dict of str to int
        ``K`` code → number of features.
    where : str
        The source, named at the start of the line.

    Examples
    --------
    >>> print(adjustable_note({"0201K": 3}))  # doctest: +ELLIPSIS
    3 feature(s) carry a 三调 K code (0201K ×3): 可调整地类, cultivated land turned ...
    """
    if not counts:
        return None
    known = set(adjustable_codes()["survey_code"])
    listed = ", ".join(f"{c} ×{n}" for c, n in sorted(counts.items()))
    odd = sorted(c for c in counts if c not in known)
    extra = (
        f"; {', '.join(odd)}: not a K code of the 三调 work classification, read the same way"
        if odd
        else ""
    )
    head = f"{where}: " if where else ""
    return (
        f"{head}{sum(counts.values())} feature(s) carry a 三调 K code ({listed}): 可调整地类, "
        "cultivated land turned into orchard, forest, pasture or pond with the plough layer "
        "intact (it may be returned to cultivation); read as the base class without the K, "
        f"agricultural land (table survey_adjustable_k.csv){extra}"
    )


@dataclass(frozen=True)
class StatusInference:
    """Statuses inferred from survey codes.

    Attributes
    ----------
    status : pandas.Series
        ``built`` / ``available`` per feature; missing where the code is unknown.
    inferred : int
        Number of features given a status.
    by_status : dict
        Count of features per inferred status.
    unknown : dict
        Source codes that could not be classified, with their counts.
    adjustable : dict
        三调 ``K`` codes (可调整地类) read as their base class, with their counts.
    """

    status: pd.Series
    inferred: int
    by_status: dict = field(default_factory=dict)
    unknown: dict = field(default_factory=dict)
    adjustable: dict = field(default_factory=dict)

    def note(self, field_name: str = "DLBM") -> str:
        """One line for reports: ``status inferred from DLBM for 120 features (…)``."""
        parts = ", ".join(f"{n} {s}" for s, n in sorted(self.by_status.items()))
        k = sum(self.adjustable.values())
        k_part = f"; {k} with a K code (可调整地类) read as their base class" if k else ""
        return (
            f"status inferred from {field_name} for {self.inferred} feature(s) ({parts}): "
            "construction land of GB/T 21010 is built, other land open subject to the "
            f"constraints (table survey_status_gbt21010.csv){k_part}"
        )


def _lookup(code: str, table: dict[str, str]) -> str | None:
    if code in table:
        return table[code]
    base = base_of_adjustable(code)
    if base is not None and base in table:
        return table[base]
    match = _SUFFIX.match(code)
    if match and match.group(1) in table:
        return table[match.group(1)]
    if len(code) >= 2 and code[:2] in table and not code[:2].isalpha():
        return table[code[:2]]
    return None


def infer_status(codes: pd.Series) -> StatusInference:
    """Infer the parcel status from 三调 / GB/T 21010 land-survey codes.

    Parameters
    ----------
    codes : pandas.Series
        Survey codes as found in the source (``DLBM``); numbers are read as text and a
        lost leading zero is restored (``101`` → ``0101``).

    Returns
    -------
    StatusInference

    Examples
    --------
    >>> result = infer_status(pd.Series(["0601", "0201K", "1201", "9999"]))
    >>> result.status.tolist()
    ['built', 'available', 'available', nan]
    >>> result.unknown, result.adjustable
    ({'9999': 1}, {'0201K': 1})
    """
    table = status_table()
    lookup = dict(zip(table["survey_code"], table["status"], strict=True))
    text = codes.astype("string").str.strip().str.upper()
    text = text.where(~text.str.fullmatch(r"\d{3}[A-Z]*", na=False), "0" + text)
    uniques = pd.unique(text.dropna())
    mapped = {u: _lookup(str(u), lookup) for u in uniques}
    status = text.map(mapped).astype(object)
    status = status.where(status.notna(), np.nan)
    counts = text.value_counts()
    unknown = {str(u): int(counts[u]) for u, s in mapped.items() if s is None and u != ""}
    by_status = {str(k): int(v) for k, v in status.value_counts().items()}
    adjustable = {
        str(u): int(counts[u])
        for u, s in mapped.items()
        if s is not None and base_of_adjustable(u) is not None
    }
    return StatusInference(status, int(status.notna().sum()), by_status, unknown, adjustable)


def infer_missing_status(gdf, field_name: str, where: str) -> str | None:
    """Fill a survey parcel layer's missing ``status`` from ``landuse_code_src``, in place.

    A status the source or the mapping gives is kept; only missing ones are inferred.

    Returns
    -------
    str or None
        The note ``"<where>: status inferred from DLBM for N feature(s) …"``, or None
        when nothing was inferred.
    """
    codes = gdf["landuse_code_src"] if "landuse_code_src" in gdf.columns else None
    if codes is None:
        return None
    if "status" not in gdf.columns:
        gdf["status"] = None
    missing = gdf["status"].isna()
    if not missing.any():
        return None
    result = infer_status(codes[missing])
    gdf.loc[missing, "status"] = result.status
    if not result.inferred:
        return None
    return f"{where}: {result.note(field_name)}"
