"""``parkmap compare``."""

from __future__ import annotations

import json

import pyogrio
from click.testing import CliRunner

import parkmap
from parkmap.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write_park_and_scenario(tmp_path, small_park):
    park = small_park.save(tmp_path / "park.gpkg")
    scenario = tmp_path / "farmland.toml"
    scenario.write_text(
        '[scenario]\nname = "农田退让50米"\n'
        "[availability.constraints.buffer_m]\npermanent_basic_farmland = 50\n",
        encoding="utf-8",
    )
    return park, scenario


def test_compare_json_gpkg_and_map(tmp_path, small_park):
    park, scenario = write_park_and_scenario(tmp_path, small_park)
    out, html = tmp_path / "c.gpkg", tmp_path / "c.html"
    result = run(
        "compare",
        "--data",
        str(park),
        str(scenario),
        "--format",
        "json",
        "-o",
        str(out),
        "--map",
        str(html),
        "--no-allocation",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["name"] for s in data["scenarios"]] == ["基准", "农田退让50米"]
    direct = parkmap.availability(
        small_park, parkmap.load_rules().replace(buffer_m={"permanent_basic_farmland": 50})
    )
    assert data["scenarios"][1]["availability"]["available_m2"] == direct.total["available_m2"]
    layers = [n for n, _ in pyogrio.list_layers(out)]
    assert "farmland_changes" in layers and "base_available_land" in layers
    assert html.stat().st_size > 10_000
    again = run("compare", "--data", str(park), str(scenario), "-o", str(out))
    assert again.exit_code == 1 and "--overwrite" in again.stderr


def test_compare_errors_are_one_line(tmp_path, small_park):
    park, _ = write_park_and_scenario(tmp_path, small_park)
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\n[layout]\nplot_mu = -1\n', encoding="utf-8")
    result = run("compare", "--data", str(park), str(bad))
    assert result.exit_code == 1
    assert "bad.toml" in result.stderr and "layout.plot_mu" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert run("compare", "no_such_scenario").exit_code == 1
    assert run("compare", "flex_zone_not_approved", "--format", "xlsx").exit_code == 2
    assert run("compare").exit_code == 2


def test_compare_shipped_scenario_by_name_in_xlsx(tmp_path):
    out = tmp_path / "c.xlsx"
    result = run(
        "compare", "flex_zone_not_approved", "--no-layout", "--format", "xlsx", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
