"""The standards tables in ``parkmap/data`` against the printed tables they cite.

Each expected table below is typed here as the source prints it (rows and columns in the
source's own order), independently of the long-form CSV files, and the CSV files are
checked cell by cell against it. Sources (see ``data/README.md`` for the source ids):

* GB 50016-2014 (2018) table 3.4.1 and table 5.2.2: ``GB50016-OCR`` (text and tables
  extracted from the official PDF, pp. 40-41 and 80);
* GB 55037-2022 3.2.1, 3.4.1, 3.4.2: ``GB55037-OCR``;
* 《重庆市城市规划管理技术规定》 (渝府令第318号) arts. 15, 23-25, 37, 46, 48, 51, 55, 57, 68,
  74, 77, 79: ``CQ318-full``;
* 2008 control indicators: ``lnsss-2008-table`` and ``jinchutou-2008-table``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import parkmap

DATA = Path(parkmap.__file__).parent / "data"


def table(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


def number(text: str) -> float:
    return float(text) if text != "" else math.nan


# -- GB 50016 table 3.4.1, as printed ---------------------------------------------------
# Columns of the printed table (other building): 甲 单多层一二级 | 乙 单多层一二级, 三级,
# 高层一二级 | 丙丁戊 单多层一二级, 三级, 四级, 高层一二级 | 民用 单多层一二级, 三级, 四级,
# 高层一类, 二类. None: the table has no value in that cell.
COLUMNS_341 = [
    "A_12",
    "B_12",
    "B_3",
    "B_H",
    "CDE_12",
    "CDE_3",
    "CDE_4",
    "CDE_H",
    "civil_12",
    "civil_3",
    "civil_4",
    "civil_H1",
    "civil_H2",
]
ROWS_341 = {
    "甲 单多层 一二级": [12, 12, 14, 13, 12, 14, 16, 13, 25, 25, 25, 50, 50],
    "乙 单多层 一二级": [12, 10, 12, 13, 10, 12, 14, 13, 25, 25, 25, 50, 50],
    "乙 单多层 三级": [14, 12, 14, 15, 12, 14, 16, 15, 25, 25, 25, 50, 50],
    "乙 高层 一二级": [13, 13, 15, 13, 13, 15, 17, 13, 25, 25, 25, 50, 50],
    "丙 单多层 一二级": [12, 10, 12, 13, 10, 12, 14, 13, 10, 12, 14, 20, 15],
    "丙 单多层 三级": [14, 12, 14, 15, 12, 14, 16, 15, 12, 14, 16, 25, 20],
    "丙 单多层 四级": [16, 14, 16, 17, 14, 16, 18, 17, 14, 16, 18, None, None],
    "丙 高层 一二级": [13, 13, 15, 13, 13, 15, 17, 13, 13, 15, 17, 20, 15],
    "丁戊 单多层 一二级": [12, 10, 12, 13, 10, 12, 14, 13, 10, 12, 14, 15, 13],
    "丁戊 单多层 三级": [14, 12, 14, 15, 12, 14, 16, 15, 12, 14, 16, 18, 15],
    "丁戊 单多层 四级": [16, 14, 16, 17, 14, 16, 18, 17, 14, 16, 18, None, None],
    "丁戊 高层 一二级": [13, 13, 15, 13, 13, 15, 17, 13, 13, 15, 17, 15, 13],
}
# Table 5.2.2 (civil ↔ civil): 高层 / 单多层 一二级 / 三级.
CIVIL_522 = {("H", "H"): 13, ("H", "12"): 9, ("H", "3"): 11, ("12", "12"): 6, ("12", "3"): 7}
CIVIL_522[("3", "3")] = 8


def printed_row(fire_class: str) -> str:
    hazard, _, grade = fire_class.partition("_")
    storeys = "高层" if grade == "H" else "单多层"
    grade_zh = {"12": "一二级", "3": "三级", "4": "四级", "H": "一二级"}[grade]
    group = {"A": "甲", "B": "乙", "C": "丙", "D": "丁戊", "E": "丁戊"}[hazard]
    return f"{group} {storeys} {grade_zh}"


def printed_column(fire_class: str) -> str:
    hazard, _, grade = fire_class.partition("_")
    if hazard == "civil":
        return "civil_H1" if grade == "H" else f"civil_{grade}"
    return f"{'CDE' if hazard in 'CDE' else hazard}_{grade}"


def expected_spacing(a: str, b: str) -> float | None:
    """Spacing between two classes, from the printed tables and note 1 of 3.4.1."""
    if a.startswith("civil") and b.startswith("civil"):
        ga, gb = a.split("_")[1], b.split("_")[1]
        return CIVIL_522.get((ga, gb), CIVIL_522.get((gb, ga)))
    if a.startswith("civil"):
        a, b = b, a
    value = ROWS_341[printed_row(a)][COLUMNS_341.index(printed_column(b))]
    if all(c.startswith("E_") and not c.endswith("_H") for c in (a, b)):
        value -= 2  # note 1: between single/multi-storey 戊类 factories
    return value


@pytest.fixture(scope="module")
def spacing() -> pd.DataFrame:
    return table("fire_spacing.csv")


def test_fire_classes_cover_every_row_of_the_printed_table():
    classes = table("fire_classes.csv")
    assert classes["fire_class"].is_unique
    factory = classes[classes["hazard"] != "civil"]
    assert {printed_row(c) for c in factory["fire_class"]} == set(ROWS_341)
    assert set(classes["hazard"]) == {"A", "B", "C", "D", "E", "civil"}
    assert set(classes["highrise"]) == {"true", "false"}


def test_fire_spacing_matches_tables_3_4_1_and_5_2_2_cell_by_cell(spacing):
    classes = table("fire_classes.csv")["fire_class"].tolist()
    pairs = set(zip(spacing["this_class"], spacing["other_class"], strict=True))
    assert len(pairs) == len(spacing) == len(classes) ** 2
    for row in spacing.itertuples(index=False):
        expected = expected_spacing(row.this_class, row.other_class)
        if expected is None:
            assert row.spacing_m == "" and row.confidence == "not provided", row
        else:
            assert number(row.spacing_m) == expected, row


def test_fire_spacing_is_symmetric(spacing):
    value = {(r.this_class, r.other_class): r.spacing_m for r in spacing.itertuples(index=False)}
    for (a, b), v in value.items():
        assert value[(b, a)] == v, (a, b)


def test_audit_findings_are_in_the_fire_table(spacing):
    """The audit's examples: office (civil) 25 m to 甲/乙, 6 m to an office, 戊-戊 8 m."""
    value = {
        (r.this_class, r.other_class): number(r.spacing_m) for r in spacing.itertuples(index=False)
    }
    assert value[("civil_12", "A_12")] == value[("civil_12", "B_12")] == 25
    assert value[("civil_12", "C_12")] == 10
    assert value[("civil_12", "civil_12")] == 6
    assert value[("E_12", "E_12")] == 8
    assert value[("D_12", "D_12")] == value[("C_12", "E_12")] == 10
    assert value[("B_3", "C_12")] == 12 and value[("B_H", "C_4")] == 17


def test_old_fire_table_agrees_with_the_full_table(spacing):
    """The six lumped classes of fire_spacing_gb50016.csv are rows of the full table."""
    old = table("fire_spacing_gb50016.csv")
    rename = {"CDE_12": "C_12", "CDE_3": "C_3", "CDE_4": "C_4", "highrise_12": "C_H"}
    full = {(r.this_class, r.other_class): r.spacing_m for r in spacing.itertuples(index=False)}
    for r in old.itertuples(index=False):
        a, b = rename.get(r.this_class, r.this_class), rename.get(r.other_class, r.other_class)
        assert number(full[(a, b)]) == float(r.spacing_m)


def test_fire_rules_cite_their_clauses():
    rules = table("fire_rules.csv").set_index("key")
    assert float(rules.at["support_building_spacing_m", "value"]) == 6
    assert float(rules.at["fire_lane_width_min_m", "value"]) == 4
    assert float(rules.at["fire_lane_footprint_min_m2", "value"]) == 3000
    assert rules.at["fire_lane_hazards", "value"].split(";") == ["A", "B", "C"]
    assert float(rules.at["highrise_height_m", "value"]) == 24
    assert rules.at["fire_lane_footprint_min_m2", "clause"] == "GB 55037-2022 3.4.2"


# -- Chongqing, 渝府令318号 ---------------------------------------------------------------
# Art. 23 and art. 24, as printed: rows H ≤ 60, 60 < H ≤ 100, H > 100; columns
# W < 26, 26 ≤ W < 40, W ≥ 40.
ART_23 = [[3, 5, 7], [5, 7, 9], [7, 9, 11]]
ART_24 = [[5, 7, 9], [7, 9, 11], [9, 11, 13]]
# The Q&A copy (110ask): columns W ≤ 16, 16 < W ≤ 32, W > 32.
ALT_110ASK = [[2, 3, 5], [3, 5, 7], [5, 7, 9]]
HEIGHTS = [(0, 60), (60, 100), (100, None)]


def lookup(frame: pd.DataFrame, height_m: float, width_m: float) -> float:
    """An independent reading of the band columns: heights (lo, hi], widths by bounds."""
    hits = []
    for r in frame.itertuples(index=False):
        h_lo, h_hi = number(r.height_min_m), number(r.height_max_m)
        w_lo, w_hi = number(r.width_min_m), number(r.width_max_m)
        in_h = height_m > h_lo and (math.isnan(h_hi) or height_m <= h_hi)
        if r.width_bounds == "[)":
            in_w = width_m >= w_lo and (math.isnan(w_hi) or width_m < w_hi)
        else:
            assert r.width_bounds == "(]"
            in_w = (width_m > w_lo or w_lo == 0) and (math.isnan(w_hi) or width_m <= w_hi)
        if in_h and in_w:
            hits.append(float(r.setback_m))
    assert len(hits) == 1, (height_m, width_m, hits)
    return hits[0]


@pytest.mark.parametrize(
    ("profile", "kind", "printed", "widths"),
    [
        ("cq318", "road", ART_23, [(10, 25.99), (26, 39.99), (40, 80)]),
        ("cq318", "corner", ART_24, [(10, 25.99), (26, 39.99), (40, 80)]),
        ("cq_alt_110ask", "road", ALT_110ASK, [(10, 16), (16.01, 32), (32.01, 80)]),
    ],
)
def test_road_setbacks_match_the_printed_article(profile, kind, printed, widths):
    frame = table("road_setbacks.csv")
    frame = frame[(frame["profile"] == profile) & (frame["kind"] == kind)]
    assert len(frame) == 9
    for i, (h_lo, h_hi) in enumerate(HEIGHTS):
        for height in (h_lo + 0.1, h_hi if h_hi else 150.0):
            for j, band in enumerate(widths):
                for width in band:
                    assert lookup(frame, height, width) == printed[i][j], (height, width)


def test_the_two_art_23_copies_differ_where_the_audit_says():
    frame = table("road_setbacks.csv")
    cq = frame[(frame["profile"] == "cq318") & (frame["kind"] == "road")]
    alt = frame[frame["profile"] == "cq_alt_110ask"]
    # Dianjiang's 16 m branch road: 3 m vs 2 m; a 36 m trunk road: 5 m vs 5 m; 45 m: 7 vs 5.
    assert (lookup(cq, 22.2, 16), lookup(alt, 22.2, 16)) == (3, 2)
    assert (lookup(cq, 22.2, 36), lookup(alt, 22.2, 36)) == (5, 5)
    assert (lookup(cq, 22.2, 45), lookup(alt, 22.2, 45)) == (7, 5)


def test_boundary_setbacks_follow_art_15_for_non_residential_buildings():
    frame = table("boundary_setbacks.csv")
    frame = frame[frame["profile"] == "cq318"]

    def setback(face: str, height_m: float, face_width_m: float) -> float:
        rows = [
            r
            for r in frame.itertuples(index=False)
            if r.face == face
            and number(r.height_min_m) < height_m
            and (r.height_max_m == "" or height_m <= number(r.height_max_m))
            and number(r.face_width_min_m) < face_width_m
            and (r.face_width_max_m == "" or face_width_m <= number(r.face_width_max_m))
        ]
        assert len(rows) == 1, (face, height_m, face_width_m)
        r = rows[0]
        return max(float(r.height_factor) * height_m, float(r.setback_min_m))

    # Art. 15 非居住建筑: (一) 0.5 H and ≥ 4 m up to 24 m; (二) 13 m for faces ≤ 60 m, else
    # 0.5 H and ≥ 15 m; (三) 15 / 50 m above 100 m; (四) gables 4 m (≤ 24 m), 8 m (≤ 40 m).
    assert setback("main", 22.2, 72) == pytest.approx(11.1)
    assert setback("main", 6.0, 40) == 4
    assert setback("main", 30, 60) == 13
    assert setback("main", 40, 61) == 20 and setback("main", 26, 61) == 15
    assert setback("main", 120, 50) == 15 and setback("main", 120, 70) == 50
    assert setback("gable", 22.2, 24) == 4 and setback("gable", 30, 24) == 8


def test_chongqing_control_lines_and_profile_values():
    lines = table("control_lines_cq318.csv").set_index("feature")["distance_m"].astype(float)
    printed = {
        "expressway": 66,
        "expressway_ramp": 50,
        "national_road": 30,
        "provincial_road": 25,
        "power_1_10kv": 5,
        "power_35_110kv": 10,
        "power_220kv": 15,
        "power_500kv": 30,
        "pylon": 10,
        "railway_high_speed": 50,
        "railway_trunk": 30,
        "railway_branch": 15,
        "river_secondary": 20,
        "river_main_tributary": 10,
        "gully": 5,
        "oil_gas_pipeline": 5,
        "water_in_plot": 10,
    }
    assert lines.to_dict() == printed
    profile = table("profile_cq318.csv").set_index("key")
    values = {
        "plot_area_max_m2": ("80000", "74"),
        "entrance_clear_trunk_m": ("70", "79 (三)"),
        "entrance_clear_secondary_m": ("50", "79 (三)"),
        "entrance_clear_branch_m": ("30", "79 (三)"),
        "standard_factory_unit_min_m2": ("300", "37"),
        "crowd_entrance_setback_m": ("15", "23"),
    }
    for key, (value, article) in values.items():
        assert (profile.at[key, "value"], profile.at[key, "article"]) == (value, article)


def test_profiles_name_their_tables_and_dianjiang_defaults_to_cq318():
    profiles = table("standards_profiles.csv").set_index("profile")
    setbacks = set(table("road_setbacks.csv")["profile"])
    boundary = set(table("boundary_setbacks.csv")["profile"])
    for name, row in profiles.iterrows():
        assert row["road_setbacks"] in setbacks, name
        assert row["boundary_setbacks"] in boundary, name
        assert (DATA / row["control_lines"]).is_file(), name
    assert profiles.index[profiles["default_for"] == "dianjiang"].tolist() == ["cq318"]


# -- indicators -------------------------------------------------------------------------
FAR_2008 = {  # 2002 code: FAR minimum, as printed in the 2008 table
    "13": 1.0, "14": 1.0, "15": 1.0, "16": 1.0, "17": 0.8, "18": 1.0, "19": 1.0, "20": 0.8,
    "21": 0.8, "22": 0.8, "23": 0.8, "24": 1.0, "25": 0.5, "26": 0.6, "27": 0.7, "28": 0.8,
    "29": 0.8, "30": 1.0, "31": 0.7, "32": 0.6, "33": 0.6, "34": 0.7, "35": 0.7, "36": 0.7,
    "37": 0.7, "39": 0.7, "40": 1.0, "41": 1.0, "42": 1.0, "43": 0.7,
}  # fmt: skip


def test_2008_far_table_and_the_41_crosswalk():
    frame = table("indicators_cn_gy_2008.csv").set_index("code")
    assert frame["far_min"].astype(float).to_dict() == FAR_2008
    assert frame.at["41", "code_2017"].split(";") == ["40", "34"]
    assert (frame["code_edition"] == "GB/T 4754-2002").all()


def test_2023_ruleset_ships_no_unverified_number():
    far = table("indicators_cn_gy_2023.csv")
    assert far["code"].tolist() == [str(c) for c in range(13, 44)]
    assert (far["code_edition"] == "GB/T 4754-2017").all()
    assert (far["far_min"] == "").all()
    assert far["confidence"].str.contains("not verified").all()
    glob = table("indicators_cn_gy_2023_globals.csv").set_index("key")
    assert (glob["value"] == "").all()
    mandatory = set(glob.index[glob["category"] == "mandatory"])
    assert mandatory == {"far_min", "coverage_min", "admin_share_max"}
    recommended = set(glob.index[glob["category"] == "recommended"])
    assert "investment_min_wan_per_mu" in recommended and "output_min_wan_per_mu" in recommended


def test_ruleset_registry_marks_2008_superseded():
    rulesets = table("indicator_rulesets.csv").set_index("ruleset")
    assert rulesets.at["cn_gy_2008", "status"].startswith("superseded")
    assert rulesets.at["cn_gy_2023", "status"] == "current"
    assert "not verified" in rulesets.at["cn_gy_2023", "values"]
    assert rulesets.index[rulesets["default"] == "true"].tolist() == ["cn_gy_2008"]


def test_survey_table_has_gbt21010_0604():
    survey = table("landuse_survey_gbt21010.csv").set_index("survey_code")
    assert survey.at["0604", "code"] == "1101"
    assert survey.index.is_unique


# -- data quality -----------------------------------------------------------------------
STANDARDS_TABLES = [
    "fire_classes.csv",
    "fire_spacing.csv",
    "fire_spacing_gb50016.csv",
    "fire_rules.csv",
    "road_setbacks.csv",
    "boundary_setbacks.csv",
    "control_lines_cq318.csv",
    "profile_cq318.csv",
    "standards_profiles.csv",
    "indicator_rulesets.csv",
    "indicators_cn_gy_2008.csv",
    "indicators_globals.csv",
    "indicators_cn_gy_2023.csv",
    "indicators_cn_gy_2023_globals.csv",
    "setbacks_chongqing.csv",
]


@pytest.mark.parametrize("name", STANDARDS_TABLES)
def test_every_row_has_a_source_and_no_recollection(name):
    frame = table(name)
    assert (frame["source"].str.strip() != "").all(), name
    tags = frame["confidence"].str.replace(r"\(.*?\)", "", regex=True)
    assert not tags.str.contains(r"\bR\b").any(), frame[tags.str.contains(r"\bR\b")]
    assert not frame["source"].str.contains("compiler-R").any(), name
