"""Availability rules: the shipped defaults, user files, and one-line errors."""

from __future__ import annotations

import pytest

import parkmap
from parkmap.errors import RulesError
from parkmap.land.rules import CATEGORIES, STEPS, load_rules


def test_defaults_are_the_waterfall_of_the_design():
    rules = load_rules()
    assert rules.order == STEPS
    assert CATEGORIES[-1] == "available"
    assert {"ecological_red_line", "permanent_basic_farmland"} <= set(rules.hard_kinds)
    assert {"cropland", "forest"} <= set(rules.conditional_kinds)
    assert rules.min_area_mu == 3 and rules.min_width_m == 20
    assert rules.min_area_m2 == pytest.approx(2000.0)
    assert rules.source == "built-in defaults"  # never the install path
    assert "supplied" in rules.committed_parcel_statuses


def test_user_file_overrides_only_its_keys(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text(
        "[fragments]\nmin_area_mu = 0\nmin_width_m = 0\n[constraints.buffer_m]\nwater = 50\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert rules.min_area_mu == 0 and rules.min_width_m == 0
    assert rules.buffer_m["water"] == 50
    assert rules.buffer_m["forest"] == 0  # default kept
    assert rules.hard_kinds == load_rules().hard_kinds
    assert rules.source == str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[fragments]\nmin_area = 3\n", "unknown key 'fragments.min_area'"),
        ("[fragment]\nmin_area_mu = 3\n", "unknown key 'fragment'"),
        ("[fragments]\nmin_width_m = -1\n", "fragments.min_width_m: expected a number >= 0"),
        ("[fragments]\nmin_width_m = 'wide'\n", "fragments.min_width_m: expected a number"),
        ("[roads]\nstatuses = ['paved']\n", "roads.statuses: 'paved' is not one of"),
        ("[constraints.buffer_m]\nlava = 3\n", "unknown key 'constraints.buffer_m.lava'"),
        ("[constraints]\nhard_kinds = ['forest']\n", "both hard and conditional"),
        (
            "order = ['fragments', 'outside_boundary', 'constraints', 'roads', 'built', "
            "'committed']\n",
            "'fragments' must come last",
        ),
        ("order = ['roads', 'fragments']\n", "missing outside_boundary"),
        ("version = 2\n", "only version 1"),
        ("[fragments\n", "not valid TOML"),
    ],
)
def test_bad_rules_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(RulesError, match="no such rules file"):
        load_rules(tmp_path / "nope.toml")


def test_replace_checks_and_merges_buffers():
    rules = parkmap.load_rules()
    tighter = rules.replace(buffer_m={"water": 80})
    assert tighter.buffer_m["water"] == 80
    assert tighter.buffer_m["cropland"] == 0
    assert tighter.source.endswith("(modified)")
    with pytest.raises(RulesError, match="unknown rule"):
        rules.replace(min_area=1)
    with pytest.raises(RulesError, match="min_area_mu"):
        rules.replace(min_area_mu=-1)


def test_as_dict_round_trips_through_toml(tmp_path):
    rules = load_rules().replace(min_area_mu=5, buffer_m={"water": 40})
    lines = []
    data = rules.as_dict()
    lines.append(f"version = {data['version']}")
    lines.append(f"order = {data['order']}")

    def toml(value) -> str:  # lists and tables of numbers, as TOML
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{k} = {v}" for k, v in value.items()) + " }"
        return repr(value)

    for section in ("boundary", "roads", "built", "committed", "fragments"):
        lines.append(f"[{section}]")
        lines += [f"{k} = {toml(v)}" for k, v in data[section].items()]
    lines.append("[constraints]")
    lines.append(f"hard_kinds = {data['constraints']['hard_kinds']}")
    lines.append(f"conditional_kinds = {data['constraints']['conditional_kinds']}")
    for table in ("buffer_m", "control_line_m"):
        lines.append(f"[constraints.{table}]")
        lines += [f"{k} = {v}" for k, v in data["constraints"][table].items()]
    path = tmp_path / "rt.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    again = load_rules(path)
    assert again.as_dict() == data


def test_control_lines_are_the_chongqing_profile_values():
    """constraints.control_line_m equals data/control_lines_cq318.csv, feature by feature."""
    import pandas as pd

    from parkmap._data import data_path

    table = pd.read_csv(data_path("control_lines_cq318.csv"))
    expected = {
        f: float(d)
        for f, d in zip(table["feature"], table["distance_m"], strict=True)
        if not f.startswith(("expressway", "national_road", "provincial_road"))
    }
    assert dict(parkmap.load_rules().control_line_m) == expected
    rules = parkmap.load_rules().replace(control_line_m={"power_220kv": 20})
    assert rules.control_line_m["power_220kv"] == 20 and rules.control_line_m["pylon"] == 10


def test_highway_band_is_art_48():
    import pandas as pd

    from parkmap._data import data_path

    table = pd.read_csv(data_path("control_lines_cq318.csv")).set_index("feature")
    assert dict(parkmap.load_rules().road_control_band_m) == {
        "highway": float(table.at["expressway", "distance_m"])
    }
    with pytest.raises(RulesError, match="control_band_m"):
        parkmap.load_rules().replace(road_control_band_m={"highway": -1})
