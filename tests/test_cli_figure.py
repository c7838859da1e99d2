"""The report outputs on the command line: figure, report --format docx, styled GeoPackages."""

import pytest
from click.testing import CliRunner

from parkmap.cli import cli
from parkmap.io.styles import read_layer_styles

docx = pytest.importorskip("docx")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def park_file(tmp_path, small_park):
    return str(small_park.save(tmp_path / "small.gpkg"))


def test_figure_kinds_are_the_figure_modules():
    from parkmap.cli.figure import KINDS
    from parkmap.figures import KINDS as FIGURE_KINDS

    assert tuple(KINDS) == tuple(FIGURE_KINDS)


def test_figure_writes_a_pdf_and_refuses_to_overwrite(runner, park_file, tmp_path):
    out = tmp_path / "c.pdf"
    args = ["figure", "--data", park_file, "--kind", "constraints", "-o", str(out)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:5] == b"%PDF-"
    assert "1:" in result.output
    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    assert "exists" in again.output
    assert runner.invoke(cli, [*args, "--overwrite"]).exit_code == 0


def test_figure_help_has_an_example(runner):
    result = runner.invoke(cli, ["figure", "--help"])
    assert result.exit_code == 0
    assert "parkmap figure --kind" in result.output


def test_figure_layout_of_a_subpark_png(runner, park_file, tmp_path):
    out = tmp_path / "l.png"
    args = ["figure", "--data", park_file, "--kind", "layout", "--subpark", "s1"]
    result = runner.invoke(cli, [*args, "--dpi", "40", "--lang", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_allocation_figure_is_a_clear_user_error(runner, park_file, tmp_path, monkeypatch):

    monkeypatch.setattr("parkmap.figures.maps._allocate_function", lambda: None)
    args = ["figure", "--data", park_file, "--kind", "allocation", "-o", str(tmp_path / "a.png")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert "parkmap.allocate" in result.output


def test_report_docx_is_chinese_by_default(runner, park_file, tmp_path, monkeypatch):
    monkeypatch.setattr("parkmap.word_report.FIGURE_DPI", 40)
    out = tmp_path / "报告.docx"
    result = runner.invoke(cli, ["report", "--data", park_file, "--format", "docx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = docx.Document(out)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "一、面积统计"
    assert len(document.tables) > 5
    assert len(document.inline_shapes) == 6
    english = tmp_path / "report.docx"
    args = ["report", "--data", park_file, "--format", "docx", "--lang", "en", "-o", str(english)]
    assert runner.invoke(cli, args).exit_code == 0
    headings = [p.text for p in docx.Document(english).paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. Areas"


def test_report_docx_needs_output(runner, park_file):
    result = runner.invoke(cli, ["report", "--data", park_file, "--format", "docx"])
    assert result.exit_code == 2
    assert "-o FILE.docx" in result.output


def test_every_geopackage_command_writes_qgis_styles(runner, park_file, tmp_path):
    exported = tmp_path / "e.gpkg"
    assert runner.invoke(cli, ["export", "--data", park_file, "-o", str(exported)]).exit_code == 0
    assert "parcels" in set(read_layer_styles(exported)["f_table_name"])
    available = tmp_path / "a.gpkg"
    args = ["availability", "--data", park_file, "-o", str(available)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "available_land" in set(read_layer_styles(available)["f_table_name"])
    laid_out = tmp_path / "l.gpkg"
    args = ["layout", "--data", park_file, "-o", str(laid_out)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert {"plots", "buildings"} <= set(read_layer_styles(laid_out)["f_table_name"])
    imported = tmp_path / "i.gpkg"
    result = runner.invoke(cli, ["import", park_file, "-o", str(imported)])
    assert result.exit_code == 0, result.output
    assert "clusters" in set(read_layer_styles(imported)["f_table_name"])
