import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from parkmap.cli import cli


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def park_file(tmp_path, small_park):
    return str(small_park.save(tmp_path / "small.gpkg"))


def test_every_command_has_help_with_an_example(runner):
    for command in ["report", "layers", "check", "export"]:
        result = runner.invoke(cli, [command, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output
        assert f"parkmap {command}" in result.output


def test_report_formats(runner, park_file, tmp_path):
    table = runner.invoke(cli, ["report", "--data", park_file])
    assert table.exit_code == 0, table.output
    assert "EPSG:4545" in table.output
    data = json.loads(
        runner.invoke(cli, ["report", "--data", park_file, "--format", "json"]).output
    )
    assert data["tables"][0]["totals"][-1]["area_km2"] == pytest.approx(2.5)
    csv_out = runner.invoke(cli, ["report", "--data", park_file, "--format", "csv"]).output
    assert csv_out.splitlines()[0].startswith("table,row_type,key")
    md = runner.invoke(cli, ["report", "--data", park_file, "--format", "markdown", "--lang", "zh"])
    assert md.output.startswith("# 小园区 面积报告")
    xlsx = tmp_path / "r.xlsx"
    result = runner.invoke(
        cli, ["report", "--data", park_file, "--format", "xlsx", "--lang", "zh", "-o", str(xlsx)]
    )
    assert result.exit_code == 0
    assert "组团面积" in pd.read_excel(xlsx, sheet_name=None)


def test_xlsx_needs_output(runner, park_file):
    result = runner.invoke(cli, ["report", "--data", park_file, "--format", "xlsx"])
    assert result.exit_code == 2
    assert "-o FILE.xlsx" in result.output


def test_report_output_file_and_overwrite(runner, park_file, tmp_path):
    out = tmp_path / "r.md"
    args = ["report", "--data", park_file, "--format", "markdown", "-o", str(out)]
    assert runner.invoke(cli, args).exit_code == 0
    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    assert "exists; pass --overwrite" in again.output
    assert runner.invoke(cli, [*args, "--overwrite"]).exit_code == 0


def test_layers(runner, park_file):
    result = runner.invoke(cli, ["layers", "--data", park_file, "--json"])
    rows = {r["layer"]: r for r in json.loads(result.output)}
    assert rows["roads"]["features"] == 2
    assert rows["roads"]["crs"] == "EPSG:4545"


def test_check_clean_and_broken(runner, park_file, tmp_path, layers):
    ok = runner.invoke(cli, ["check", "--data", park_file])
    assert ok.exit_code == 0
    assert "0 error(s)" in ok.output
    import parkmap

    layers["parcels"].loc[1, "landuse_code"] = "9999"
    layers["subparks"].loc[0, "name_zh"] = None
    broken = tmp_path / "broken.gpkg"
    parkmap.Park(layers).save(broken)
    result = runner.invoke(cli, ["check", "--data", str(broken)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 2
    assert any("layer 'parcels', feature p2, column 'landuse_code'" in line for line in lines)
    report = runner.invoke(cli, ["report", "--data", str(broken)])
    assert report.exit_code == 1
    assert "validation error" in report.output
    assert "Traceback" not in report.output


def test_export(runner, park_file, tmp_path):
    out = tmp_path / "copy.gpkg"
    assert runner.invoke(cli, ["export", "--data", park_file, "-o", str(out)]).exit_code == 0
    again = runner.invoke(cli, ["export", "--data", park_file, "-o", str(out)])
    assert again.exit_code == 1
    shp = runner.invoke(cli, ["export", "--data", park_file, "-o", str(tmp_path / "x.shp")])
    assert shp.exit_code == 1
    assert "GeoPackage" in shp.output


def test_bad_input_is_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"garbage")
    script = Path(sys.executable).parent / "parkmap"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "parkmap.cli"]
    result = subprocess.run([*cmd, "report", "--data", str(bad)], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert str(bad) in result.stderr
    assert "Traceback" not in result.stderr
    usage = subprocess.run([*cmd, "report", "--format", "pdf"], capture_output=True, text=True)
    assert usage.returncode == 2


def test_debug_log_says_where_the_time_goes(park_file):
    done = subprocess.run(
        [sys.executable, "-m", "parkmap.cli", "-vv", "availability", "--data", park_file],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "DEBUG" in line]
    read = [line for line in lines if f"{park_file}: read " in line]
    assert len(read) == 1 and "checked (CRS, columns, geometry)" in read[0]
    phases = [line for line in lines if "availability: plan " in line]
    assert len(phases) == 1
    seconds = [float(word) for word in phases[0].replace(",", "").split() if word[0].isdigit()]
    assert len(seconds) == 3 and all(s >= 0 for s in seconds)
