"""The 2023 land/sea-use classification (用地用海分类) and the codes accepted on input.

The classes, their names and map colours live in ``data/landuse_2023.csv``; codes of
the 2020 trial edition and of GB 50137-2011 that translate to a 2023 code live in
``data/landuse_aliases.csv``. Both files carry their sources and confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from parkmap._data import read_table

__all__ = ["CodeLookup", "code_problems", "landuse_classes", "lookup_code"]


@dataclass(frozen=True)
class CodeLookup:
    """Result of looking up a land-use code given on input.

    Attributes
    ----------
    code : str
        The 2023 code.
    name_zh, name_en : str
        The 2023 class name.
    hex : str
        Display colour ``#RRGGBB``.
    scheme : str
        ``"2023"`` when the input was a 2023 code, else the alias scheme
        (``"trial_2020"``, ``"gb50137"``).
    """

    code: str
    name_zh: str
    name_en: str
    hex: str
    scheme: str


def landuse_classes() -> pd.DataFrame:
    """The 2023 classes as a DataFrame indexed by code (all columns text)."""
    return read_table("landuse_2023.csv").set_index("code", drop=False)


@lru_cache(maxsize=1)
def _lookup_tables() -> tuple[dict[str, CodeLookup], dict[str, str]]:
    classes = read_table("landuse_2023.csv")
    by_code = {
        row.code: CodeLookup(row.code, row.name_zh, row.name_en, row.hex, "2023")
        for row in classes.itertuples(index=False)
    }
    aliases = read_table("landuse_aliases.csv")
    alias_map: dict[str, str] = {}
    for row in aliases.itertuples(index=False):
        if row.code in by_code and row.alias_code and row.alias_code not in by_code:
            alias_map.setdefault(row.alias_code.upper(), f"{row.scheme}|{row.code}")
    return by_code, alias_map


def lookup_code(value) -> CodeLookup | None:
    """Look up a land-use code: a 2023 code, or a 2020-trial / GB 50137 alias.

    Parameters
    ----------
    value : str or int
        The code as found in the data (``"100102"``, ``"M2"``, ``1001``).

    Returns
    -------
    CodeLookup or None
        The 2023 class, or None when the code is unknown (never guessed).

    Examples
    --------
    >>> lookup_code("1001").name_en
    'industrial land'
    >>> lookup_code("M2").code
    '100102'
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # numeric column read as float
        text = text[:-2]
    by_code, alias_map = _lookup_tables()
    if text in by_code:
        return by_code[text]
    target = alias_map.get(text.upper())
    if target is None:
        return None
    scheme, code = target.split("|", 1)
    found = by_code[code]
    return CodeLookup(found.code, found.name_zh, found.name_en, found.hex, scheme)


def code_problems(values: pd.Series) -> list[tuple[object, object, CodeLookup | None]]:
    """The values of a column that are not 2023 codes as written, in row order.

    Each distinct value is looked up once (a county's 10^5 parcels have a few dozen
    codes); blank and missing values are skipped.

    Parameters
    ----------
    values : pandas.Series
        A land-use code column.

    Returns
    -------
    list of (index, value, CodeLookup or None)
        The row's index label, its value and its look-up: None for an unknown code, else
        the 2023 class an alias (2020 trial, GB 50137, or a code with spaces) stands for.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    found = [lookup_code(u) for u in uniques]
    flagged = np.array(
        [
            str(u).strip() != "" and (f is None or f.scheme != "2023" or f.code != str(u).strip())
            for u, f in zip(uniques, found, strict=True)
        ]
        + [False],
        dtype=bool,
    )
    return [
        (values.index[i], values.iloc[i], found[codes[i]]) for i in np.flatnonzero(flagged[codes])
    ]
