"""Domain errors raised by parkmap.

Every error subclasses a built-in exception so that generic handlers still catch it,
and carries a message that names the file, layer and feature concerned and what to do.
The CLI turns these into one-line messages with exit status 1.
"""

from __future__ import annotations

__all__ = [
    "BasemapError",
    "CRSError",
    "DataFileError",
    "MapTooLargeError",
    "OutputExistsError",
    "ParkmapError",
    "RulesError",
    "ValidationError",
]


class ParkmapError(Exception):
    """Base class of every error parkmap raises on purpose."""


class DataFileError(ParkmapError, ValueError):
    """An input file cannot be read, or holds something parkmap cannot use."""


class CRSError(ParkmapError, ValueError):
    """A layer has no coordinate reference system, or one unsuitable for the task."""


class RulesError(ParkmapError, ValueError):
    """A rules or standards file has unknown keys or bad values."""


class BasemapError(ParkmapError, ValueError):
    """A web-map basemap cannot be used as asked (unknown name, missing key, bad URL)."""


class MapTooLargeError(ParkmapError, ValueError):
    """A web map would draw more features than a browser can open; draw part of the park."""


class OutputExistsError(ParkmapError, FileExistsError):
    """An output file exists and ``overwrite`` was not asked for."""


class ValidationError(ParkmapError, ValueError):
    """A park has validation errors and cannot be computed on.

    Parameters
    ----------
    problems : list of parkmap.schema.Problem
        Every problem found (errors and warnings).
    source : str, optional
        The file or description of the park, used in the message.
    """

    def __init__(self, problems: list, source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        errors = [p for p in self.problems if p.severity == "error"]
        where = f"{source}: " if source else ""
        first = errors[0].format() if errors else "no details"
        data = f" --data {source}" if source and ", " not in source else ""
        more = (
            f" (and {len(errors) - 1} more; run `parkmap check{data}`)" if len(errors) > 1 else ""
        )
        super().__init__(f"{where}park has {len(errors)} validation error(s): {first}{more}")
