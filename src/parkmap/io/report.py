"""What an import read and did: per-source reports and the collected problems."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from parkmap.schema import Problem

__all__ = ["ImportReport", "SourceReport"]


@dataclass
class SourceReport:
    """What was read from one source layer and where it went.

    Attributes
    ----------
    file : str
        The file.
    layer : str or None
        Layer in the file (GeoPackage / KML layer, DXF layer name).
    format : str
        File format.
    features : int
        Features read.
    kept : int
        Features that went into the park.
    target : str or None
        Park layer it became (None when skipped).
    encoding : str or None
        Text encoding used and how it was chosen.
    crs : str or None
        Source CRS and how it was known (file, --s-srs, mapping).
    columns : dict of str to str
        Source field → park column, for renamed fields.
    """

    file: str
    layer: str | None
    format: str
    features: int = 0
    kept: int = 0
    target: str | None = None
    encoding: str | None = None
    crs: str | None = None
    columns: dict[str, str] = field(default_factory=dict)

    def format_line(self) -> str:
        """One line: what was read, how, and where it went."""
        where = f"{self.file}" + (f", layer '{self.layer}'" if self.layer else "")
        parts = [f"{self.features} feature(s)"]
        if self.target is None:
            parts.append("skipped")
        else:
            parts.append(f"{self.kept} kept as '{self.target}'")
        if self.encoding:
            parts.append(f"encoding {self.encoding}")
        if self.crs:
            parts.append(f"CRS {self.crs}")
        if self.columns:
            parts.append("fields " + ", ".join(f"{s}→{t}" for s, t in self.columns.items()))
        return f"{where} ({self.format}): " + "; ".join(parts)


@dataclass
class ImportReport:
    """Everything an import found and did: sources read, repairs, drops, unknown codes.

    Attributes
    ----------
    sources : list of SourceReport
        One per source layer.
    problems : list of parkmap.schema.Problem
        Repairs, dropped features, unknown codes and other findings, each naming the
        file, layer and feature. Validation problems of the park are in
        :attr:`Park.problems`, not here.
    unknown_codes : dict of str to dict of str to int
        Per source (``file`` or ``file:layer``): land-use codes no table knows, with
        their feature counts.
    crs : str
        The park's CRS.
    """

    sources: list[SourceReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    crs: str = ""
    #: What was inferred or assumed (statuses from survey codes, defaults, GCJ-02 hints):
    #: the park keeps them in its notes, so every output states them.
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as lines: one per source, then one per problem."""
        return (
            [s.format_line() for s in self.sources]
            + [f"note: {n}" for n in self.notes]
            + [str(p) for p in self.problems]
        )

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict:
        """The report as plain data (JSON-serialisable); stored in the park's metadata.

        File paths are shown relative to the working directory, or as bare file names
        when they lie elsewhere: a park file that is shared names no local folder.
        """
        sources = [{**asdict(s), "file": shown_path(s.file)} for s in self.sources]
        problems = []
        for p in self.problems:
            row = asdict(p)
            if row.get("source"):
                row["source"] = shown_path(row["source"])
            problems.append(row)
        return {
            "crs": self.crs,
            "sources": sources,
            "problems": problems,
            "unknown_codes": self.unknown_codes,
            "notes": list(self.notes),
        }


def shown_path(path: str) -> str:
    """``path`` relative to the working directory, or its file name when outside it.

    Examples
    --------
    >>> shown_path("/somewhere/else/地类图斑.shp")
    '地类图斑.shp'
    """
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return Path(path).name


class Collector:
    """Collects problems for one source layer into an :class:`ImportReport`."""

    def __init__(self, report: ImportReport, file: str, layer: str) -> None:
        self.report, self.file, self.layer = report, file, layer

    def add(self, message: str, feature=None, column=None, severity: str = "warning") -> None:
        self.report.problems.append(
            Problem(severity, self.layer, message, feature, column, self.file)
        )

    def features(self, ids: Iterable, message: str, limit: int = 20) -> None:
        ids = list(ids)
        for fid in ids[:limit]:
            self.add(message, fid)
        if len(ids) > limit:
            self.add(f"{message} (and {len(ids) - limit} more features)")
