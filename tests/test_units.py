from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from parkmap import units
from parkmap._data import read_table


def test_mu_is_exactly_ten_thousand_fifteenths():
    assert Fraction(units.M2_PER_MU).limit_denominator(100) == Fraction(10000, 15)
    assert units.m2_to_mu(10_000) == pytest.approx(15.0, rel=1e-15)
    assert units.m2_to_mu(1_000_000) == pytest.approx(1500.0, rel=1e-15)
    assert units.mu_to_m2(1500) == pytest.approx(1_000_000.0, rel=1e-15)


def test_units_agree_with_the_shipped_table():
    table = read_table("units.csv").set_index("unit")
    for unit, factor in units.AREA_UNITS.items():
        exact = Fraction(table.loc[unit, "exact"])
        assert factor == pytest.approx(float(exact), rel=1e-15)


def test_convert_arrays_and_unknown_unit():
    values = np.array([0.0, 666.0 + 2 / 3, 1e6])
    np.testing.assert_allclose(units.convert_area(values, "mu"), [0.0, 1.0, 1500.0])
    with pytest.raises(ValueError, match="unknown area unit"):
        units.convert_area(1.0, "acre")


def test_area_units_frame_spreads_columns():
    frame = units.area_units_frame(pd.Series([1e6, 5e5]))
    assert list(frame.columns) == ["area_m2", "area_mu", "area_ha", "area_km2"]
    assert frame["area_ha"].tolist() == [100.0, 50.0]
    assert frame["area_mu"].iloc[1] == pytest.approx(750.0)
