"""Area units used in Chinese planning reports.

1 亩 (mu) is exactly 10000/15 m², so 15 亩 make one 公顷 (ha) and 1 500 亩 one km².
The conversion factors live in ``data/units.csv`` with their sources; the exact value
of the mu is also kept here as a fraction so that no rounding creeps in.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

__all__ = [
    "AREA_UNITS",
    "M2_PER_HA",
    "M2_PER_KM2",
    "M2_PER_MU",
    "area_units_frame",
    "convert_area",
    "m2_to_ha",
    "m2_to_km2",
    "m2_to_mu",
    "mu_to_m2",
]

#: Square metres in one 亩 (exactly 10000/15).
M2_PER_MU: float = float(Fraction(10000, 15))
#: Square metres in one 公顷 (hectare).
M2_PER_HA: float = 10_000.0
#: Square metres in one km².
M2_PER_KM2: float = 1_000_000.0

#: Square metres per unit, by unit key.
AREA_UNITS: dict[str, float] = {
    "m2": 1.0,
    "mu": M2_PER_MU,
    "ha": M2_PER_HA,
    "km2": M2_PER_KM2,
}


def convert_area(value_m2, unit: str):
    """Convert an area in m² to another unit.

    Parameters
    ----------
    value_m2 : float or array-like
        Area in square metres.
    unit : {"m2", "mu", "ha", "km2"}
        Target unit.

    Returns
    -------
    float or array-like
        The area in ``unit``.

    Examples
    --------
    >>> convert_area(10_000, "mu")
    15.0
    """
    try:
        factor = AREA_UNITS[unit]
    except KeyError:
        raise ValueError(f"unknown area unit {unit!r}; use one of {sorted(AREA_UNITS)}") from None
    if np.isscalar(value_m2):
        return float(value_m2) / factor
    return np.asarray(value_m2, dtype=float) / factor


def m2_to_mu(value_m2):
    """Square metres to 亩 (mu)."""
    return convert_area(value_m2, "mu")


def m2_to_ha(value_m2):
    """Square metres to 公顷 (ha)."""
    return convert_area(value_m2, "ha")


def m2_to_km2(value_m2):
    """Square metres to km²."""
    return convert_area(value_m2, "km2")


def mu_to_m2(value_mu):
    """亩 (mu) to square metres.

    Examples
    --------
    >>> mu_to_m2(15)
    10000.0
    """
    if np.isscalar(value_mu):
        return float(value_mu) * M2_PER_MU
    return np.asarray(value_mu, dtype=float) * M2_PER_MU


def area_units_frame(area_m2: pd.Series, prefix: str = "area") -> pd.DataFrame:
    """Spread a Series of areas in m² into m², 亩, 公顷 and km² columns.

    Parameters
    ----------
    area_m2 : pandas.Series
        Areas in square metres.
    prefix : str, default "area"
        Column prefix: ``<prefix>_m2``, ``<prefix>_mu``, ``<prefix>_ha``, ``<prefix>_km2``.

    Returns
    -------
    pandas.DataFrame
        Four float columns, unrounded.
    """
    values = area_m2.astype(float)
    return pd.DataFrame(
        {f"{prefix}_{unit}": values / factor for unit, factor in AREA_UNITS.items()},
        index=area_m2.index,
    )
