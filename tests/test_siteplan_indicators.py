"""Control-indicator checks: FAR with the 8 m rule, thresholds, margins, local rule tables."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

import parkmap
import parkmap.siteplan
from parkmap.errors import RulesError
from parkmap.siteplan import far_floor_area


def test_far_floor_area_counts_storeys_over_8_m_twice():
    # exactly 8 m is not "over 8 m"; 8.01 m is
    assert far_floor_area(100.0, 1, 8.0, 8.0)[0] == 100.0
    assert far_floor_area(100.0, 1, 8.01, 8.01)[0] == 200.0
    # ground storey 9 m (double), three upper storeys of 5 m
    assert far_floor_area(100.0, 4, 9.0, 5.0)[0] == 500.0
    # a custom limit
    assert far_floor_area(100.0, 2, 6.0, 6.0, double_count_height_m=5.0)[0] == 400.0


def test_packaged_ruleset():
    rules = parkmap.siteplan.indicator_rules()
    assert rules.ruleset == "cn_gy_2008"
    assert rules.code_edition == "GB/T 4754-2002"
    auto = rules.thresholds("37")
    assert auto["far_min"] == pytest.approx(0.7)
    assert auto["coverage_min"] == pytest.approx(0.30)
    assert auto["admin_share_max"] == pytest.approx(0.07)
    assert auto["green_ratio_max"] == pytest.approx(0.20)
    assert np.isnan(auto["investment_min_wan_per_mu"])  # values never found: not shipped
    assert rules.thresholds("40")["far_min"] == pytest.approx(1.0)
    assert rules.storey_double_count_height_m == 8.0


def frame(**values) -> pd.DataFrame:
    base = {"far": 1.2, "coverage": 0.45, "admin_share": 0.05, "green_ratio": 0.10}
    base.update(values)
    base.setdefault("industry_code", "37")
    return pd.DataFrame([base])


def test_passing_plot_has_positive_margins():
    out = parkmap.siteplan.check_indicators(frame())
    row = out.iloc[0]
    assert bool(row["compliant"]) and row["failures"] == ""
    assert row["far_min_margin"] == pytest.approx(0.5)
    assert row["coverage_min_margin"] == pytest.approx(0.15)
    assert row["admin_share_max_margin"] == pytest.approx(0.02)
    assert row["green_ratio_max_margin"] == pytest.approx(0.10)
    assert "investment_min_wan_per_mu_ok" not in out.columns  # nothing to check against


def test_failing_plot_says_which_indicator_and_by_how_much():
    out = parkmap.siteplan.check_indicators(
        frame(far=0.62, coverage=0.25, admin_share=0.08, green_ratio=0.25)
    )
    row = out.iloc[0]
    assert not bool(row["compliant"])
    assert row["far_min_margin"] == pytest.approx(-0.08)
    assert row["coverage_min_margin"] == pytest.approx(-0.05)
    assert row["admin_share_max_margin"] == pytest.approx(-0.01)
    assert row["green_ratio_max_margin"] == pytest.approx(-0.05)
    assert not row["far_min_ok"] and not row["coverage_min_ok"]
    assert row["failures"] == (
        "FAR 0.62 < 0.70 (short by 0.08); building coverage 25.0% < 30.0% (short by 5.0%); "
        "admin share 8.0% > 7.0% (over by 1.0%); green ratio 25.0% > 20.0% (over by 5.0%)"
    )
    assert "容积率 0.62 < 0.70（不足 0.08）" in row["failures_zh"]


def test_unknown_industry_code_leaves_far_unchecked(caplog):
    with caplog.at_level(logging.WARNING, logger="parkmap"):
        out = parkmap.siteplan.check_indicators(frame(far=0.01, industry_code="99"))
    assert "99" in caplog.text
    assert pd.isna(out.loc[0, "far_min_ok"])
    # the other indicators pass, but an unchecked FAR is never a pass
    assert out.loc[0, "unchecked"] == "far_min" and out.loc[0, "n_unchecked"] == 1
    assert not bool(out.loc[0, "compliant"])


def write(tmp_path, text: str):
    path = tmp_path / "local.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_table_with_local_values_and_defaults(tmp_path):
    path = write(
        tmp_path,
        "code,far_min,far_max,coverage_min,investment_min_wan_per_mu,name_zh\n"
        "35,1.2,3.0,0.40,300,通用设备\n"
        "*,0.9,,,,其他\n",
    )
    rules = parkmap.siteplan.indicator_rules(path)
    assert rules.ruleset == "local" and rules.source == str(path)
    valves = rules.thresholds("35")
    assert valves["far_min"] == 1.2 and valves["far_max"] == 3.0
    assert valves["coverage_min"] == 0.40
    assert valves["admin_share_max"] == pytest.approx(0.07)  # empty: packaged global
    assert rules.thresholds("13")["far_min"] == 0.9  # the * row
    plots = frame(far=3.5, coverage=0.42, industry_code="35", investment_wan_per_mu=250.0)
    plots = pd.concat([plots, frame(far=1.5, industry_code="35")], ignore_index=True)
    out = parkmap.siteplan.check_indicators(plots, path)
    assert out.loc[0, "far_max_margin"] == pytest.approx(-0.5)
    assert out.loc[0, "investment_min_wan_per_mu_margin"] == pytest.approx(-50.0)
    assert "investment intensity 250.00 < 300.00 (short by 50.00)" in out.loc[0, "failures"]
    assert pd.isna(out.loc[1, "investment_min_wan_per_mu_ok"])  # investment unknown
    # passing every computed indicator, but the investment could not be checked
    assert out.loc[1, "unchecked"] == "investment_min_wan_per_mu"
    assert not bool(out.loc[1, "compliant"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,far_minimum\n35,1\n", "unknown column"),
        ("name_zh,far_min\nx,1\n", "no 'code' column"),
        ("code,name_zh\n35,x\n", "no threshold column"),
        ("code,far_min\n35,abc\n", "'abc' is not a number"),
        ("code,far_min\n35,-1\n", "must be ≥ 0"),
        ("code,far_min\n35,1\n35,2\n", "appears more than once"),
    ],
)
def test_bad_user_tables_are_refused(tmp_path, text, message):
    with pytest.raises(RulesError, match=message):
        parkmap.siteplan.indicator_rules(write(tmp_path, text))


def test_missing_rules_file(tmp_path):
    with pytest.raises(RulesError, match="no such rules file"):
        parkmap.siteplan.indicator_rules(tmp_path / "nope.csv")
