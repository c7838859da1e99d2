"""Sample parks shipped inside the package, available offline after ``pip install``.

The only one so far is ``"dianjiang"``: an illustrative model of the Dianjiang County
(Chongqing) transformation demonstration industrial park, built from public
descriptions. It is *not* surveyed data; every feature says its source and confidence,
and ``geodata/README.md`` in the repository gives the provenance.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from parkmap.io.files import load_park
from parkmap.park import Park

__all__ = ["available", "dianjiang", "get_path", "load"]

_DESCRIPTIONS = {
    "dianjiang": "Dianjiang transformation demonstration park (Chongqing), illustrative model",
}


def available() -> list[str]:
    """Names of the sample parks."""
    return sorted(_DESCRIPTIONS)


def get_path(name: str) -> Path:
    """Folder of GeoJSON layers of a sample park.

    Raises
    ------
    ValueError
        If ``name`` is not a sample park; the message lists the names.

    Examples
    --------
    >>> get_path("dianjiang").name
    'dianjiang'
    """
    if name not in _DESCRIPTIONS:
        raise ValueError(f"no sample park {name!r}; available: {', '.join(available())}")
    return Path(__file__).resolve().parent / name


@cache
def _load_cached(name: str) -> Park:
    return load_park(get_path(name))


def load(name: str = "dianjiang") -> Park:
    """Load a sample park (a fresh copy each call, safe to modify).

    Parameters
    ----------
    name : str, default "dianjiang"
        One of :func:`available`.

    Returns
    -------
    Park
        In the park's metric CRS (Dianjiang: EPSG:4545).
    """
    get_path(name)  # raise the friendly error before caching
    return _load_cached(name).copy()


def dianjiang() -> Park:
    """The embedded Dianjiang park (same as ``load("dianjiang")``)."""
    return load("dianjiang")
