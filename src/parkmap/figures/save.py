"""Writing figures to PNG, SVG or PDF files, atomically."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure

from parkmap.errors import DataFileError
from parkmap.io import atomic_output

__all__ = ["DEFAULT_DPI", "FIGURE_FORMATS", "save_figure"]

#: File types a figure is written as, by suffix.
FIGURE_FORMATS = ("png", "svg", "pdf")
#: Resolution of PNG files, dots per inch (print quality).
DEFAULT_DPI = 200


def save_figure(
    fig: Figure, path: str | os.PathLike, *, dpi: int = DEFAULT_DPI, overwrite: bool = False
) -> Path:
    """Write a figure as PNG, SVG or PDF (chosen by the file's suffix).

    PDF and SVG keep text and shapes as vectors (fonts embedded as TrueType, so the
    Chinese text stays selectable); ``dpi`` sets the resolution of PNG files.

    Raises
    ------
    parkmap.errors.DataFileError
        For another suffix.
    parkmap.errors.OutputExistsError
        If the file exists and ``overwrite`` is false.
    """
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in FIGURE_FORMATS:
        raise DataFileError(f"{target}: a figure is written as {', '.join(FIGURE_FORMATS)}")
    metadata = {"Creator": "parkmap"} if fmt in ("pdf", "svg") else {"Software": "parkmap"}
    import matplotlib

    # TrueType (Type 42) fonts in PDF: text stays text; SVG text is drawn as paths so
    # the file shows the same without the CJK font installed.
    with (
        matplotlib.rc_context({"pdf.fonttype": 42, "svg.fonttype": "path"}),
        atomic_output(target, overwrite=overwrite) as tmp,
    ):
        fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata)
    return target
