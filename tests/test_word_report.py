import shutil
import subprocess

import pytest
import shapely

import parkmap
from parkmap.errors import DataFileError, OutputExistsError
from parkmap.word_report import TABLE_STYLE, markdown_blocks, word_report

docx = pytest.importorskip("docx")

M2_PER_MU = 10000 / 15


@pytest.fixture(scope="module")
def avail(dianjiang):
    return parkmap.availability(dianjiang)


@pytest.fixture(scope="module")
def zh_report(dianjiang, avail, tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "报告.docx"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("parkmap.word_report.FIGURE_DPI", 50)  # small pictures: a fast test
        word_report(path, dianjiang, subpark="sp-prefab", availability=avail)
    return path


def _table_with(document, first_header, cell_text):
    for table in document.tables:
        if table.rows[0].cells[0].text == first_header and any(
            row.cells[0].text == cell_text for row in table.rows
        ):
            return table
    raise AssertionError(f"no table with header {first_header!r} and row {cell_text!r}")


def test_word_report_opens_with_tables_and_pictures(zh_report):
    document = docx.Document(zh_report)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings == [
        "一、面积统计",
        "二、用地可用性",
        "三、地块与厂房布局指标",
        "四、图集",
        "五、坐标系与数据来源",
    ]
    assert len(document.tables) >= 14
    assert {t.style.name for t in document.tables} == {TABLE_STYLE}
    # two charts and four map sheets
    assert len(document.inline_shapes) == 6
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert sum(c.startswith("图 ") for c in captions) == 6
    assert sum(c.startswith("表 ") for c in captions) == len(document.tables)
    # landscape section for the maps, then portrait again
    sections = document.sections
    assert any(s.page_width > s.page_height for s in sections)
    assert sections[-1].page_width < sections[-1].page_height


def test_cluster_areas_match_shapely(zh_report, dianjiang):
    document = docx.Document(zh_report)
    clusters = dianjiang["clusters"]
    for name, geom in zip(clusters["name_zh"], clusters.geometry, strict=True):
        table = _table_with(document, "名称", name)
        headers = [c.text for c in table.rows[0].cells]
        row = next(r for r in table.rows if r.cells[0].text == name)
        mu = row.cells[headers.index("面积(亩)")].text
        ha = row.cells[headers.index("面积(公顷)")].text
        area = shapely.area(geom)
        assert mu == f"{area / M2_PER_MU:,.2f}"
        assert ha == f"{area / 10_000:,.2f}"


def test_availability_and_layout_tables(zh_report, avail):
    document = docx.Document(zh_report)
    waterfall = _table_with(document, "类别", "可用")
    row = next(r for r in waterfall.rows if r.cells[0].text == "可用")
    assert row.cells[2].text == f"{avail.total['available_m2'] / M2_PER_MU:,.2f}"
    layout_summary = _table_with(document, "指标", "地块数")
    assert len(layout_summary.rows) > 5
    text = "\n".join(p.text for p in document.paragraphs)
    assert "布局仅计算了园中园:sp-prefab" in text
    assert "EPSG:4545" in text
    assert "示意模型" in text


def test_english_report_without_figures(dianjiang, avail, tmp_path):
    path = word_report(
        tmp_path / "report.docx",
        dianjiang,
        lang="en",
        subpark="sp-prefab",
        availability=avail,
        figures=False,
    )
    document = docx.Document(path)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. Areas"
    assert len(document.inline_shapes) == 0
    with pytest.raises(OutputExistsError):
        word_report(path, dianjiang, figures=False)
    with pytest.raises(DataFileError, match="docx"):
        word_report(tmp_path / "report.doc", dianjiang)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_libreoffice_opens_it(zh_report, tmp_path):
    # a real word processor lays the report out: the PDF it prints holds the Chinese
    # headings as text and the six pictures
    out = subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), zh_report],
        capture_output=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    (pdf,) = tmp_path.glob("*.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for heading in ("一、面积统计", "二、用地可用性", "五、坐标系与数据来源"):
        assert heading in text
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
    assert len(images.stdout.splitlines()) - 2 >= 6  # two header lines, then one per image


def test_markdown_blocks_reads_the_text_reports_tables(dianjiang):
    report = parkmap.area_report(dianjiang, with_availability=False)
    blocks = markdown_blocks(report.render("markdown", "en"))
    tables = [b for b in blocks if b.kind == "table"]
    assert len(tables) == len(report.tables) + (1 if report.headline else 0)
    first = tables[0]
    assert first.headers[0] == "name"
    assert first.right[0] is False and first.right[-1] is True
    assert all(len(r) == len(first.headers) for r in first.rows)
