import io
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from pyproj import Proj, Transformer

import parkmap
from parkmap._data import data_path
from parkmap.errors import DataFileError, OutputExistsError, ParkmapError
from parkmap.figures import _draw as figure_draw
from parkmap.figures import figure, save_figure, subpark_chart, waterfall_chart

A4 = (297 / 25.4, 210 / 25.4)


@pytest.fixture(scope="module")
def avail(dianjiang):
    return parkmap.availability(dianjiang)


@pytest.fixture(scope="module")
def prefab_layout(dianjiang, avail):
    return parkmap.layout(dianjiang, avail, subpark="sp-prefab")


@pytest.fixture(scope="module")
def sheets(dianjiang, avail, prefab_layout):
    return {
        "landuse": figure(dianjiang, "landuse"),
        "constraints": figure(dianjiang, "constraints", lang="en"),
        "availability": figure(dianjiang, "availability", result=avail),
        "layout": figure(dianjiang, "layout", subpark="sp-prefab", result=prefab_layout),
    }


def _png(fig, dpi=40):
    import matplotlib.image as mpimg

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    return mpimg.imread(buffer)


def _legend_texts(fig):
    panel = next(ax for ax in fig.axes if ax.get_gid() == "panel")
    return [t.get_text() for t in panel.get_legend().get_texts()]


def _legend_colour(fig, label):
    panel = next(ax for ax in fig.axes if ax.get_gid() == "panel")
    legend = panel.get_legend()
    for text, handle in zip(legend.get_texts(), legend.legend_handles, strict=True):
        if text.get_text() == label:
            return to_hex(handle.get_facecolor(), keep_alpha=False)
    raise KeyError(label)


@pytest.mark.parametrize("kind", ["landuse", "constraints", "availability", "layout"])
def test_every_kind_renders_a_full_sheet(sheets, kind):
    fig = sheets[kind]
    assert tuple(fig.get_size_inches()) == pytest.approx(A4)
    image = _png(fig)
    assert image.shape[:2] == (int(A4[1] * 40), int(A4[0] * 40))
    map_ax = next(ax for ax in fig.axes if ax.get_gid() == "map")
    assert map_ax.collections or map_ax.patches  # something drawn on the map
    not_white = (image[..., :3] < 0.97).any(axis=2).mean()
    assert not_white > 0.03, not_white
    colours = {tuple(c) for c in (image[..., :3] * 255).astype(int).reshape(-1, 3)[::7]}
    assert len(colours) > 20
    assert len(_legend_texts(fig)) >= 3
    notes = fig.parkmap["notes"]
    assert any("4545" in n for n in notes)  # the CRS
    assert any("parkmap.datasets.load('dianjiang')" in n for n in notes)  # the data source
    assert any(("示意模型" in n) or ("Illustrative" in n) for n in notes)


def test_landuse_legend_holds_the_2023_classes_in_their_colours(sheets, dianjiang):
    fig = sheets["landuse"]
    classes = pd.read_csv(data_path("landuse_2023.csv"), dtype=str).set_index("code")
    texts = _legend_texts(fig)
    for code in sorted(set(dianjiang["parcels"]["landuse_code"].astype(str))):
        label = f"{code} {classes.loc[code, 'name_zh']}"
        assert label in texts
        assert _legend_colour(fig, label) == classes.loc[code, "hex"].lower()


def test_constraints_legend_in_english(sheets):
    texts = _legend_texts(sheets["constraints"])
    assert "ecological protection red line" in texts
    assert "concentrated construction zone" in texts


def test_nominal_scale_holds_on_paper(sheets):
    for fig in sheets.values():
        ax = next(a for a in fig.axes if a.get_gid() == "map")
        width_mm = ax.get_position().width * fig.get_size_inches()[0] * 25.4
        x0, x1 = ax.get_xlim()
        assert (x1 - x0) * 1000 / width_mm == pytest.approx(fig.parkmap["scale"], rel=1e-9)
        height_mm = ax.get_position().height * fig.get_size_inches()[1] * 25.4
        y0, y1 = ax.get_ylim()
        assert (y1 - y0) * 1000 / height_mm == pytest.approx(fig.parkmap["scale"], rel=1e-9)
    assert sheets["landuse"].parkmap["scale"] == 100_000
    assert sheets["layout"].parkmap["scale"] < sheets["landuse"].parkmap["scale"]


def test_north_arrow_is_true_north(sheets, dianjiang):
    fig = sheets["landuse"]
    x0, x1, y0, y1 = fig.parkmap["extent"]
    lon, lat = Transformer.from_crs(dianjiang.crs, 4326, always_xy=True).transform(
        (x0 + x1) / 2, (y0 + y1) / 2
    )
    convergence = Proj(dianjiang.crs).get_factors(lon, lat).meridian_convergence
    assert fig.parkmap["north_angle_deg"] == pytest.approx(-convergence, abs=1e-3)


def test_scale_bar_is_matplotlib_scalebar(sheets):
    from matplotlib_scalebar.scalebar import ScaleBar

    ax = next(a for a in sheets["landuse"].axes if a.get_gid() == "map")
    assert any(isinstance(a, ScaleBar) for a in ax.artists)


def test_layout_sheet_shows_plots_and_buildings(sheets, prefab_layout):
    texts = _legend_texts(sheets["layout"])
    assert "规划地块" in texts and "规划建筑" in texts
    assert f"{len(prefab_layout.plots)}" in " ".join(sheets["layout"].parkmap["notes"])


def test_availability_legend_gives_the_waterfall_areas(sheets, avail):
    texts = _legend_texts(sheets["availability"])
    available_ha = avail.total["available_m2"] / 10_000
    assert any(t.startswith("可用 ") and f"{available_ha:,.1f} 公顷" in t for t in texts)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
def test_pdf_converts_with_pdftoppm(sheets, tmp_path):
    pdf = save_figure(sheets["constraints"], tmp_path / "c.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    out = subprocess.run(
        ["pdftoppm", "-png", "-r", "20", str(pdf), str(tmp_path / "page")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    pages = list(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    import matplotlib.image as mpimg

    image = mpimg.imread(pages[0])
    assert (image[..., :3] < 0.97).any(axis=2).mean() > 0.03


def test_svg_and_png_files(sheets, tmp_path):
    svg = save_figure(sheets["landuse"], tmp_path / "l.svg")
    assert ET.parse(svg).getroot().tag.endswith("svg")
    png = save_figure(sheets["landuse"], tmp_path / "l.png", dpi=30)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(OutputExistsError):
        save_figure(sheets["landuse"], png)
    with pytest.raises(DataFileError, match="png"):
        save_figure(sheets["landuse"], tmp_path / "l.gif")


def test_paper_and_orientation(dianjiang):
    fig = figure(dianjiang, "constraints", paper="A3", orientation="portrait", title="T")
    assert tuple(fig.get_size_inches()) == pytest.approx((297 / 25.4, 420 / 25.4))
    assert fig.parkmap["title"] == "T"
    with pytest.raises(ValueError, match="paper"):
        figure(dianjiang, "constraints", paper="B5")
    with pytest.raises(ValueError, match="kind"):
        figure(dianjiang, "roads")


def test_unknown_subpark(dianjiang):
    with pytest.raises(DataFileError, match="no sub-park"):
        figure(dianjiang, "landuse", subpark="nowhere")


def test_allocation_needs_the_allocation_engine(dianjiang, monkeypatch):
    monkeypatch.setattr("parkmap.figures.maps._allocate_function", lambda: None)
    with pytest.raises(ParkmapError, match=r"parkmap\.allocate"):
        figure(dianjiang, "allocation")


def test_without_a_cjk_font_it_warns_and_draws_english(dianjiang, monkeypatch):
    monkeypatch.setattr("parkmap.figures._fonts.cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="no CJK font"):
        fig = figure(dianjiang, "constraints", lang="zh")
    assert fig.parkmap["lang"] == "en"
    assert any("No CJK font" in n for n in fig.parkmap["notes"])
    assert "ecological protection red line" in _legend_texts(fig)


def test_waterfall_chart_adds_up(avail):
    fig = waterfall_chart(avail)
    bars = {key: (bottom, height) for key, bottom, height in fig.parkmap["bars"]}
    total = avail.total
    gross = total["gross_m2"]
    assert bars["gross"] == (0.0, pytest.approx(gross))
    taken = sum(total[f"{c}_m2"] for c in avail.categories if c != "available")
    assert bars["free"][0] + bars["free"][1] == pytest.approx(gross - taken)
    assert bars["conditional"][1] == pytest.approx(total["conditional_m2"])
    # every bar is drawn, and the last category ends where the available land starts
    ax = fig.axes[0]
    assert len(ax.patches) == len(bars)
    assert bars["fragments"][0] == pytest.approx(total["available_m2"])


def test_subpark_chart_matches_the_table(avail):
    fig = subpark_chart(avail, lang="en")
    rows = fig.parkmap["rows"]
    table = avail.table[avail.table["level"] == "subpark"]
    assert len(rows) == len(table)
    assert sum(f + c for _, f, c in rows) == pytest.approx(table["available_m2"].sum())
    assert sum(c for _, _, c in rows) == pytest.approx(table["conditional_m2"].sum())
    names = [r[0] for r in rows]
    assert any(n.startswith("Western smart valve base") for n in names)


def test_area_text_uses_exact_mu():
    assert figure_draw._area(10_000 * 15, "en") == "15.0 ha / 225 mu"
    assert np.isclose(10_000 * 15 / (10000 / 15), 225)


@pytest.fixture(scope="module")
def allocation(dianjiang, prefab_layout):
    if not hasattr(parkmap, "allocate"):
        pytest.skip("this version has no allocation engine")
    return parkmap.allocate(dianjiang, prefab_layout)


def test_allocation_sheet_colours_projects_like_the_web_map(dianjiang, allocation):
    fig = figure(dianjiang, "allocation", subpark="sp-prefab", result=allocation)
    texts = _legend_texts(fig)
    plots = allocation.plots
    free_mu = plots[plots["project"].isna()].geometry.area.sum() / (10000 / 15)
    if free_mu:
        assert any(t.startswith("未分配地块") for t in texts)
    placed = [p for p in dict.fromkeys(plots["project"]) if isinstance(p, str) and p]
    for project in placed[:3]:
        mask = plots["project"] == project
        name = plots.loc[mask, "project_name"].iloc[0] or project
        mu = plots[mask].geometry.area.sum() / (10000 / 15)
        label = f"{name} {mu:,.0f} 亩"
        assert label in texts
        styles = pd.read_csv(data_path("map_styles.csv"), dtype=str, keep_default_na=False)
        key = str(placed.index(project) % 12)
        row = styles[(styles["layer"] == "allocation") & (styles["key"] == key)].iloc[0]
        assert _legend_colour(fig, label) == row["fill_color"].lower()
    headline = allocation.summary.get("headline_zh")
    assert headline in fig.parkmap["notes"]


def test_balance_chart_matches_the_balance(allocation):
    from parkmap.figures import balance_chart

    fig = balance_chart(allocation, lang="en")
    rows = fig.parkmap["rows"]
    assert len(rows) == len(allocation.balance)
    assert sum(r[1] for r in rows) == pytest.approx(allocation.balance["supply_mu"].sum())
    assert sum(r[3] for r in rows) == pytest.approx(allocation.balance["allocated_mu"].sum())
    assert len(fig.axes[0].patches) == 3 * len(rows)
