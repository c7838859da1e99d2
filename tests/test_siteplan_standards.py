"""parkmap.siteplan.fire and .profiles, checked against the printed tables typed here."""

from __future__ import annotations

import itertools

import pytest

from parkmap.errors import RulesError
from parkmap.siteplan import fire, profiles

# 渝府令318号 art. 23 / art. 24 and the Q&A copy, as printed (rows by height band).
ART_23 = {60: (3, 5, 7), 100: (5, 7, 9), 999: (7, 9, 11)}
ART_24 = {60: (5, 7, 9), 100: (7, 9, 11), 999: (9, 11, 13)}
ALT = {60: (2, 3, 5), 100: (3, 5, 7), 999: (5, 7, 9)}


def printed(table: dict, height_m: float, width_m: float, bands: tuple) -> int:
    row = next(v for h, v in sorted(table.items()) if height_m <= h)
    lo, hi = bands
    return row[0] if width_m < lo else row[1] if width_m < hi else row[2]


def printed_alt(height_m: float, width_m: float) -> int:
    row = next(v for h, v in sorted(ALT.items()) if height_m <= h)
    return row[0] if width_m <= 16 else row[1] if width_m <= 32 else row[2]


HEIGHTS = [3.0, 22.2, 60.0, 60.5, 100.0, 100.5, 250.0]
WIDTHS = [7.0, 16.0, 16.5, 25.9, 26.0, 32.0, 32.5, 39.9, 40.0, 60.0]


def test_road_setbacks_by_height_and_width_band():
    cq, alt = profiles.profile("cq318"), profiles.profile("cq_alt_110ask")
    for h, w in itertools.product(HEIGHTS, WIDTHS):
        assert cq.road_setback_m(h, w) == printed(ART_23, h, w, (26, 40)), (h, w)
        assert cq.road_setback_m(h, w, kind="corner") == printed(ART_24, h, w, (26, 40))
        assert alt.road_setback_m(h, w) == printed_alt(h, w), (h, w)


def test_boundary_setbacks_half_spacing_of_art_15():
    cq = profiles.profile("cq318")
    for h in (4.0, 8.0, 10.0, 16.0, 22.2, 24.0):
        assert cq.boundary_setback_m(h, 72) == max(0.5 * h, 4.0)
        assert cq.boundary_setback_m(h, 24, face="gable") == 4.0
    assert cq.boundary_setback_m(30.0, 60) == 13.0
    assert cq.boundary_setback_m(50.0, 61) == 25.0
    with pytest.raises(RulesError, match="gable"):
        cq.boundary_setback_m(45.0, 20, face="gable")


def test_fire_class_by_hazard_grade_and_height():
    assert fire.fire_class("丙", height_m=22.2, storeys=4) == "C_12"
    assert fire.fire_class("丙", height_m=24.0, storeys=5) == "C_12"  # not over 24 m
    assert fire.fire_class("C", height_m=24.1, storeys=5) == "C_H"
    assert fire.fire_class("C", height_m=30.0, storeys=1) == "C_12"  # single storey
    assert fire.fire_class("戊", grade="3") == "E_3"
    assert fire.fire_class("civil", height_m=19.5, storeys=5) == "civil_12"
    assert fire.fire_class("民用", height_m=30.0, storeys=8) == "civil_H"
    with pytest.raises(RulesError, match="unknown fire hazard"):
        fire.fire_class("X")
    with pytest.raises(RulesError, match="no fire class"):
        fire.fire_class("A", grade="3")


def test_fire_spacing_office_is_civil():
    s = fire.fire_spacing_m
    assert s("civil_12", "A_12") == s("B_12", "civil_12") == 25.0
    assert s("civil_12", "C_12") == 10.0
    assert s("civil_12", "C_12", support_building=True) == 6.0
    assert s("civil_12", "B_12", support_building=True) == 25.0  # note 1: 丙丁戊 only
    assert s("C_12", "C_12", support_building=True) == 10.0  # not a civil building
    assert s("civil_12", "civil_12") == 6.0
    with pytest.raises(RulesError, match="no spacing"):
        s("civil_H", "C_4")
    with pytest.raises(RulesError, match="known"):
        s("CDE_12", "C_12")


def test_fire_lanes_gb55037_3_4_2():
    lanes = fire.needs_fire_lanes
    assert lanes("C_12", 3000.1) and not lanes("C_12", 3000.0)
    assert lanes("A_12", 3456.0) and lanes("B_3", 3456.0)
    assert not lanes("D_12", 10_000.0) and not lanes("E_4", 10_000.0)
    assert lanes("D_H", 500.0) and lanes("C_H", 500.0)
    assert not lanes("civil_H", 5000.0)


def test_profiles_and_rulesets():
    assert profiles.default_profile("dianjiang") == "cq318"
    assert profiles.profile("cq318").value("entrance_clear_trunk_m") == 70.0
    assert profiles.profile("cq318").control_lines.at["expressway", "distance_m"] == 66.0
    assert "渝府令第318号" in profiles.profile("cq318").describe("zh")
    with pytest.raises(RulesError, match="unknown standards profile"):
        profiles.profile("beijing")
    assert profiles.ruleset_info()["ruleset"] == "cn_gy_2008"
    assert "not verified" in profiles.ruleset_info("cn_gy_2023")["values"]
    with pytest.raises(RulesError, match="packaged"):
        profiles.ruleset_info("cn_gy_1999")
