"""The map's interface text in Chinese and English, and the display text of data values."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from parkmap.landuse import lookup_code
from parkmap.units import M2_PER_HA, M2_PER_MU
from parkmap.vocab import label as coded_label
from parkmap.vocab import text as text_label

__all__ = ["area_text", "area_texts", "blank", "coded", "esc", "landuse_text", "t", "text"]


def t(key: str, lang: str) -> str:
    """Interface text ``key`` in ``lang``.

    Parameters
    ----------
    key : str
        A key of the map's text table (``"area"``, ``"mu"``, ``"basemap_osm"`` …).
    lang : {"zh", "en"}
        The interface language.

    Returns
    -------
    str
        The Chinese text for ``"zh"``, else the English.
    """
    return text_label("map", key, lang)


#: HTML-escape plain text (:func:`html.escape`, quotes included).
esc = html.escape


def blank(value) -> bool:
    """Whether a data value is missing: None, NaN / NA, or blank text.

    Parameters
    ----------
    value : object
        A cell of a layer.

    Returns
    -------
    bool
    """
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text(value) -> str:
    """Display text of a data value ("" when missing).

    Parameters
    ----------
    value : object
        A cell of a layer.

    Returns
    -------
    str
        Floats with at most two decimals and thousands separators, others as ``str``.
    """
    if blank(value):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):,.2f}".rstrip("0").rstrip(".")
    return str(value)


def area_text(area_m2: float, lang: str) -> str:
    """An area in 亩 and 公顷, e.g. ``"450.0 亩 · 30.00 公顷"``.

    Parameters
    ----------
    area_m2 : float
        Area in square metres.
    lang : {"zh", "en"}
        Language of the unit names.

    Returns
    -------
    str
    """
    return (
        f"{area_m2 / M2_PER_MU:,.1f} {t('mu', lang)} · {area_m2 / M2_PER_HA:,.2f} {t('ha', lang)}"
    )


def area_texts(areas_m2, lang: str) -> list[str]:
    """:func:`area_text` of many areas at once.

    Parameters
    ----------
    areas_m2 : array-like of float
        Areas in square metres.
    lang : {"zh", "en"}
        Language of the unit names.

    Returns
    -------
    list of str
    """
    mu, ha = t("mu", lang), t("ha", lang)
    return [
        f"{a / M2_PER_MU:,.1f} {mu} · {a / M2_PER_HA:,.2f} {ha}"
        for a in np.asarray(areas_m2, dtype=float).tolist()
    ]


def coded(column: str, value, lang: str, *, both: bool = True) -> str:
    """A coded value (status, kind …): "已建 built" with ``both``, else in ``lang`` only.

    Parameters
    ----------
    column : str
        The column the value comes from (``"status"``, ``"kind"``, ``"zone"`` …).
    value : object
        The coded value.
    lang : {"zh", "en"}
        Language used when ``both`` is false.
    both : bool, default True
        Show the Chinese and English labels together (once when they are the same).

    Returns
    -------
    str
        "" for a missing value.
    """
    if blank(value):
        return ""
    zh, en = coded_label(column, value)
    if not both:
        return zh if lang == "zh" else en
    return zh if zh == en else f"{zh} {en}"


def landuse_text(code) -> str:
    """A land-use code with its Chinese and (in brackets) English class names.

    Parameters
    ----------
    code : object
        A code of the 2023 land-use classification (or an alias).

    Returns
    -------
    str
        The code and both names, or the value as text when the code is unknown.
    """
    found = lookup_code(code)
    if found is None:
        return text(code)
    return f"{found.code} {found.name_zh} ({found.name_en})"
