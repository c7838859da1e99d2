import re

import pytest

from parkmap._data import read_table
from parkmap.landuse import landuse_classes, lookup_code


def test_table_is_consistent():
    classes = landuse_classes()
    assert classes["code"].is_unique
    parents = set(classes["parent"]) - {""}
    assert parents <= set(classes["code"])
    assert all(re.fullmatch(r"#[0-9A-F]{6}", h, re.IGNORECASE) for h in classes["hex"])
    # the four colours confirmed by independent sources
    assert classes.loc["1001", "hex"].upper() == "#BB9674"
    assert classes.loc["0701", "hex"].upper() == "#FFFF2D"
    assert classes.loc["09", "hex"].upper() == "#FF0000"
    assert classes.loc["1401", "hex"].upper() == "#00FF00"


def test_aliases_point_at_real_codes():
    aliases = read_table("landuse_aliases.csv")
    assert set(aliases["code"]) <= set(landuse_classes()["code"])


@pytest.mark.parametrize(
    ("given", "code", "scheme"),
    [
        ("100102", "100102", "2023"),
        ("1207", "1207", "2023"),
        ("M2", "100102", "gb50137"),
        ("m1", "100101", "gb50137"),
        ("G2", "1402", "gb50137"),
        (1001, "1001", "2023"),
    ],
)
def test_lookup(given, code, scheme):
    found = lookup_code(given)
    assert found is not None
    assert (found.code, found.scheme) == (code, scheme)


@pytest.mark.parametrize("given", ["9999", "", None, "X7", float("nan")])
def test_unknown_codes_are_not_guessed(given):
    assert lookup_code(given) is None
