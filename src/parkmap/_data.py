"""Access to the data files shipped inside the package (``parkmap/data``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["data_path", "package_version", "read_table"]

#: The package's data folder (beside this module; parkmap is never imported from a zip,
#: and ``importlib.resources`` alone takes 30 ms to import).
_DATA = Path(__file__).resolve().parent / "data"


def data_path(name: str) -> Path:
    """Path of a file in ``parkmap/data``.

    Raises
    ------
    FileNotFoundError
        If the package does not ship a file of that name.
    """
    path = _DATA / name
    if not path.is_file():
        raise FileNotFoundError(f"parkmap ships no data file {name!r} (looked in {path.parent})")
    return path


@cache
def _read_table_cached(name: str) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(data_path(name), dtype=str, keep_default_na=False)


def read_table(name: str) -> pd.DataFrame:
    """Read a CSV table from ``parkmap/data`` with every column as text.

    Empty cells come back as empty strings, never NaN, so codes such as ``"01"`` keep
    their leading zeros. The caller converts numeric columns it needs. A copy is
    returned, so callers may modify it.
    """
    return _read_table_cached(name).copy()


@cache
def package_version() -> str:
    """The installed version of parkmap, from the package metadata (``pyproject.toml``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("parkmap")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"
