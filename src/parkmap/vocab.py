"""The vocabulary: every Chinese and English label parkmap shows, read from the data files.

Two tables hold them:

- ``data/vocabulary.csv``: the coded values of park columns (``status``, ``kind``,
  ``road_class``, ``zone``), which the importer also uses to recognise Chinese values;
- ``data/labels.csv``: the labels of parkmap's own outputs, by ``group`` (``category``
  of the availability waterfall, ``level`` of its rows, area ``unit``, column headers of
  each report, map texts ...).

Every module that shows a label asks this one, so a label is fixed in one place.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

from parkmap._data import read_table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["display_names", "label", "labels", "note_text", "text"]

Pair = tuple[str, str]


@cache
def _coded() -> Mapping[tuple[str, str], Pair]:
    table = read_table("vocabulary.csv")
    return MappingProxyType(
        {(r.column, r.value): (r.name_zh, r.name_en) for r in table.itertuples(index=False)}
    )


@cache
def labels(group: str) -> Mapping[str, Pair]:
    """The (Chinese, English) labels of one group of ``labels.csv``, by key.

    Raises
    ------
    KeyError
        If ``labels.csv`` has no such group.

    Examples
    --------
    >>> labels("unit")["mu"]
    ('亩', 'mu')
    """
    table = read_table("labels.csv")
    rows = table[table["group"] == group]
    if rows.empty:
        raise KeyError(f"labels.csv has no group {group!r}")
    pairs = zip(rows["name_zh"], rows["name_en"], strict=True)
    return MappingProxyType(dict(zip(rows["key"], pairs, strict=True)))


def text(group: str, key: str, lang: str = "en") -> str:
    """One label of ``labels.csv`` in ``lang`` (``zh`` or ``en``).

    Examples
    --------
    >>> text("category", "roads", "zh")
    '道路红线'
    """
    zh, en = labels(group)[key]
    return zh if lang == "zh" else en


_FIELD = re.compile(r"\{(\w+)(?::(\w+))?\}")


@cache
def _note_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    """The ``note`` group of ``labels.csv``: English template as a regex, Chinese template."""
    patterns = []
    for zh, en in labels("note").values():
        parts, last = [], 0
        for m in _FIELD.finditer(en):
            parts += [re.escape(en[last : m.start()]), f"(?P<{m.group(1)}>.*?)"]
            last = m.end()
        parts.append(re.escape(en[last:]))
        patterns.append((re.compile("".join(parts), re.DOTALL), zh))
    return tuple(patterns)


def note_text(note: str, lang: str = "en") -> str:
    """A note (an assumption stated under a table, in JSON ``notes``, on a map) in ``lang``.

    Notes are made in English; the ``note`` group of ``labels.csv`` holds each kind of
    note as an English template and its Chinese one, ``{field}`` marking the parts that
    vary (``{field:group}`` in the Chinese template: the value's label of that group). A
    note no template matches is shown as it is.

    Examples
    --------
    >>> note = ("step 'roads' not computed: the park has no roads layer, so none of its "
    ...         "land is subtracted and it counts as available")
    >>> note_text(note, "zh")
    '未计算“道路红线”一步：园区没有 roads 图层，该步不扣减任何用地，这部分用地计为可用'
    >>> note_text(note, "en") == note
    True
    """
    if lang != "zh":
        return note
    for pattern, zh in _note_patterns():
        match = pattern.fullmatch(note)
        if match is None:
            continue
        found = match.groupdict()
        return _FIELD.sub(functools.partial(_fill, values=found), zh)
    return note


def _fill(field: re.Match, values: dict[str, str]) -> str:
    """The value of one ``{field}`` or ``{field:group}`` of a Chinese note template."""
    value = values.get(field.group(1)) or ""
    group = field.group(2)
    if group and value in labels(group):
        return labels(group)[value][0]
    return value


def label(column: str, value) -> Pair:
    """Chinese and English display labels of a coded value of a park column.

    A value the vocabulary does not know is shown as it is, in both languages.

    Examples
    --------
    >>> label("status", "under_construction")
    ('在建', 'under construction')
    >>> label("status", "mystery")
    ('mystery', 'mystery')
    """
    import pandas as pd

    value_text = "" if pd.isna(value) else str(value)
    return _coded().get((column, value_text), (value_text, value_text))


def display_names(gdf, fallback: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Chinese and English display names of a layer's features.

    Each language falls back on the other; where both are missing, on ``fallback``
    (e.g. the feature ids), else on an empty string.
    """
    import pandas as pd

    empty = pd.Series(None, index=gdf.index, dtype=object)
    zh = gdf["name_zh"].astype(object) if "name_zh" in gdf else empty
    en = gdf["name_en"].astype(object) if "name_en" in gdf else zh
    zh = zh.where(zh.notna(), en)
    en = en.where(en.notna(), zh)
    if fallback is not None:
        ids = pd.Series(fallback, index=gdf.index, dtype=object)
        zh, en = zh.where(zh.notna(), ids), en.where(en.notna(), ids)
    return zh.fillna(""), en.fillna("")
