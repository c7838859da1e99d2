"""Rendering tables: the one place that turns parkmap's result tables into text.

Every result (the area report, the availability waterfall, the layout, and those to
come) renders through these helpers, so captions, headings, CJK-aligned terminal
tables, Markdown, CSV, the JSON header and the cleaning of missing values look and
behave the same everywhere. The results compose their tables; this module knows how
a table, a caption or a JSON header is written, not what is in it.
"""

from __future__ import annotations

import io as _io
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from parkmap._data import package_version
from parkmap.vocab import labels

if TYPE_CHECKING:
    import pandas as pd

# numpy, pandas and the units are imported where they are used, so that the command
# line can read the format names without loading them.

__all__ = [
    "FORMATS",
    "TEXT_FORMATS",
    "Renderable",
    "caption_block",
    "clean_json",
    "crs_line",
    "csv_text",
    "format_area",
    "generator",
    "grid",
    "heading",
    "illustrative_line",
    "json_header",
    "json_records",
    "note_lines",
    "render",
    "result_header",
    "unit_name",
]

#: Text formats every result renders to.
TEXT_FORMATS = ("table", "csv", "markdown", "json")

#: Formats of the area report: the text formats and an Excel workbook.
FORMATS = (*TEXT_FORMATS, "xlsx")

#: Decimals shown for each area unit.
AREA_DECIMALS = {"m2": 0, "mu": 2, "ha": 2, "km2": 4}


class Renderable(Protocol):
    """A result that can be rendered: ``to_text``, ``to_csv`` and ``to_dict``."""

    def to_text(self, lang: str = "en", fmt: str = "table") -> str: ...  # noqa: D102

    def to_csv(self, lang: str = "en") -> str: ...  # noqa: D102

    def to_dict(self) -> dict: ...  # noqa: D102


def generator() -> str:
    """The ``generator`` string written into every output: ``parkmap <version>``."""
    return f"parkmap {package_version()}"


def unit_name(unit: str, lang: str = "en") -> str:
    """Display name of an area unit (``m2``, ``mu``, ``ha``, ``km2``) in ``lang``.

    Examples
    --------
    >>> unit_name("ha", "zh")
    '公顷'
    """
    zh, en = labels("unit")[unit]
    return zh if lang == "zh" else en


def format_area(value_m2: float, unit: str = "m2") -> str:
    """An area in m² as text in ``unit``, rounded as reports round it (empty if missing).

    Examples
    --------
    >>> format_area(6666.67, "mu")
    '10.00'
    """
    import pandas as pd

    from parkmap.units import AREA_UNITS

    if value_m2 is None or pd.isna(value_m2):
        return ""
    return f"{float(value_m2) / AREA_UNITS[unit]:,.{AREA_DECIMALS[unit]}f}"


def crs_line(crs: str, crs_name: str, lang: str = "en") -> str:
    """The caption line that names the CRS areas are computed in, and the mu."""
    if lang == "zh":
        return f"面积在 {crs} ({crs_name}) 投影坐标系中计算；1 亩 = 10000/15 平方米。"
    return f"Areas computed in {crs} ({crs_name}); 1 mu = 10000/15 m²."


def illustrative_line(lang: str = "en") -> str:
    """The caption line that warns the data are an illustrative model."""
    if lang == "zh":
        return "注意：示意模型，依据公开资料推断，非测绘数据。"
    return "Note: an illustrative model inferred from public descriptions, not surveyed data."


def note_lines(notes: Iterable[str], lang: str = "en") -> list[str]:
    """Caption lines for the assumptions a result rests on (skipped steps, defaults …).

    Examples
    --------
    Notes are translated through the ``note`` labels (:func:`parkmap.vocab.note_text`);
    one without a template is shown as it is.

    >>> note_lines(["no boundary layer"], "zh")
    ['说明：no boundary layer']
    """
    from parkmap.vocab import note_text

    notes = list(notes)

    prefix = "说明：" if lang == "zh" else "Note: "
    return [f"{prefix}{note_text(note, lang)}" for note in notes]


def json_header(
    *,
    name_zh: str,
    name_en: str,
    illustrative: bool,
    data_source,
    crs: str,
    crs_name: str,
    notes: Iterable[str] = (),
) -> dict:
    """The JSON fields every parkmap result opens with: generator, park, CRS, units, notes.

    ``notes`` lists every assumption the figures rest on (a step that could not be
    computed, a value inferred or defaulted); it is always present, empty or not, in
    English (the stable form to match on); ``notes_zh`` holds the same notes in Chinese
    where the ``note`` labels have a template (:func:`parkmap.vocab.note_text`).
    """
    from parkmap.vocab import note_text

    notes = list(notes)

    from parkmap.units import M2_PER_MU

    return {
        "generator": generator(),
        "park": {
            "name_zh": name_zh,
            "name_en": name_en,
            "illustrative": illustrative,
            "data_source": data_source,
        },
        "crs": crs,
        "crs_name": crs_name,
        "units": {"m2_per_mu": M2_PER_MU, "m2_per_ha": 10_000.0, "m2_per_km2": 1_000_000.0},
        "notes": list(notes),
        "notes_zh": [note_text(n, "zh") for n in notes],
    }


def result_header(
    result: Any,
    *,
    schema_version: int,
    crs: str,
    crs_name: str,
    notes: Iterable[str] = (),
) -> dict:
    """``schema_version``, then the :func:`json_header` fields of a result's park.

    ``result`` is any result that carries its park's ``park_name_zh``, ``park_name_en``,
    ``illustrative`` and ``data_source``; every parkmap JSON output opens with this.
    """
    return {
        "schema_version": schema_version,
        **json_header(
            name_zh=result.park_name_zh,
            name_en=result.park_name_en,
            illustrative=result.illustrative,
            data_source=result.data_source,
            crs=crs,
            crs_name=crs_name,
            notes=notes,
        ),
    }


def json_records(frame: pd.DataFrame) -> list[dict]:
    """The rows of a table as JSON-ready records (:func:`clean_json` on each row).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> json_records(pd.DataFrame({"a": [1.5, np.nan], "b": ["x", None]}))
    [{'a': 1.5, 'b': 'x'}, {'a': None, 'b': None}]
    """
    return [clean_json(row) for row in frame.to_dict(orient="records")]


def clean_json(value: Any) -> Any:
    """A value made JSON-ready: numpy scalars to Python, NaN and NA to ``None``.

    Dictionaries, lists and tuples are cleaned recursively.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> clean_json({"a": np.float64("nan"), "b": [np.int64(2), 1.5], "c": pd.NA})
    {'a': None, 'b': [2, 1.5], 'c': None}
    """
    import numpy as np
    import pandas as pd

    if isinstance(value, dict):
        return {k: clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    ):
        return None
    return value


def heading(title: str, fmt: str, level: int = 2) -> str:
    """A section heading: Markdown ``##`` or the title underlined to its display width."""
    from wcwidth import wcswidth

    if fmt == "markdown":
        return f"{'#' * level} {title}"
    return f"{title}\n{'=' * wcswidth(title)}"


def caption_block(caption: str, fmt: str) -> str:
    """The caption that opens a rendering: in Markdown, its first line is the title."""
    if fmt != "markdown":
        return caption
    first, *rest = caption.splitlines()
    return f"# {first}\n\n" + "\n".join(f"{line}  " for line in rest)


def grid(
    rows: Iterable[Sequence[Any]],
    headers: Sequence[str],
    fmt: str,
    *,
    n_left: int | None = 1,
    align: Sequence[str] | None = None,
) -> str:
    """A table as aligned text (``fmt="table"``) or a Markdown pipe table.

    Chinese characters count as two columns wide, so columns line up in a terminal.
    The first ``n_left`` columns are left-aligned, the rest right-aligned; ``align``
    gives each column's alignment instead; with neither, tabulate's own alignment is
    kept. Cells are shown as given (no number parsing).
    """
    from tabulate import tabulate

    tablefmt = "pipe" if fmt == "markdown" else "simple"
    options: dict[str, Any] = {}
    if align is not None:
        options["colalign"] = list(align)
    elif n_left is not None:
        options["colalign"] = ["left"] * n_left + ["right"] * (len(headers) - n_left)
    return tabulate(
        [list(r) for r in rows],
        headers=list(headers),
        tablefmt=tablefmt,
        disable_numparse=True,
        **options,
    )


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as CSV text (no index, Unix line ends)."""
    buffer = _io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def render(
    result: Renderable,
    fmt: str,
    lang: str,
    formats: Sequence[str] = TEXT_FORMATS,
) -> str:
    """Render a result as text in ``fmt``.

    ``table`` and ``markdown`` go to ``result.to_text(lang, fmt)``, ``csv`` to
    ``result.to_csv(lang)``, ``json`` to ``result.to_dict()`` (indented, non-ASCII
    kept).

    Raises
    ------
    ValueError
        If ``fmt`` is not a text format of ``formats``; a binary format of the result
        (``xlsx``) is named with the method that writes it.
    """
    if fmt in ("table", "markdown"):
        return result.to_text(lang, fmt)
    if fmt == "csv":
        return result.to_csv(lang)
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt in formats:
        raise ValueError(f"format {fmt!r} is a file, not text: write it with a path (to_{fmt})")
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(formats)}")
