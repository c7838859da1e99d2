import json
import re
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import box

import parkmap
import parkmap.landuse
from conftest import X0, XSS_IMG, Y0, hostile_park, small_layers
from parkmap.cli import cli
from parkmap.crs import WGS84, wgs84_to_gcj02
from parkmap.errors import BasemapError, OutputExistsError
from parkmap.maps import DataLayer as _DataLayer
from parkmap.maps import map_styles


def render(m) -> str:
    return m.get_root().render()


def layer_data(m, key: str) -> dict:
    """The GeoJSON embedded for the overlay ``key``."""
    for group in m._children.values():
        for child in getattr(group, "_children", {}).values():
            if isinstance(child, _DataLayer) and json.loads(child.section) == key:
                return json.loads(child.data.replace("<\\/", "</"))
    raise KeyError(key)


def layer_styles(m, key: str) -> list[dict]:
    for group in m._children.values():
        for child in getattr(group, "_children", {}).values():
            if isinstance(child, _DataLayer) and json.loads(child.section) == key:
                return json.loads(child.styles)
    raise KeyError(key)


@pytest.fixture(scope="module")
def small_html():
    park = parkmap.Park(small_layers(), metadata={"name_zh": "小园区", "name_en": "Small park"})
    m = parkmap.webmap(park, basemap="none", offline=True)
    return m, render(m)


def test_every_layer_is_a_toggle_and_the_layer_control_comes_last(small_html):
    m, page = small_html
    names = m.parkmap_info["layers"]
    assert names[:3] == ["组团", "城镇开发边界", "园中园"]
    assert "管控 · 永久基本农田" in names and "管控 · 林地" in names
    assert "地块 · 100102 二类工业用地" in names and "地块 · 1402 防护绿地" in names
    assert {"道路(红线宽度)", "建筑", "项目"} <= set(names)
    overlays = re.search(r"overlays\s*:\s*\{(.*?)\}", page, re.S).group(1)
    assert [json.loads(k) for k in re.findall(r'("[^"]*")\s*:', overlays)] == names
    controls = [type(c).__name__ for c in m._children.values() if type(c).__name__ != "FitBounds"]
    # the layer control comes last but for the phone layout, which collapses it
    assert controls[-2:] == ["LayerControl", "PhoneLayout"]
    assert page.index("L.control.layers(") > page.rindex("parkmap.layer(")


def test_legend_scale_fullscreen_measure_and_panel(small_html):
    _, page = small_html
    assert "parkmap.setup(" in page
    setup = re.search(r"parkmap\.setup\([^,]+, (\{.*?\})\);\n", page, re.S).group(1)
    options = json.loads(setup.replace("<\\/", "</"))
    legend = options["legend"]
    labels = ["城镇集中建设区", "城镇弹性发展区", "主干路", "支路", "已建", "规划", "永久基本农田"]
    for label in labels:
        assert label in legend
    assert "地块状态(边框)" in legend  # shared parcel-status outline section
    # land-use colours come from landuse_2023.csv
    colours = parkmap.landuse.landuse_classes()["hex"]
    fills = {s["fillColor"] for s in layer_styles(small_html[0], "parcels:100102")}
    assert fills == {colours["100102"]}
    # hatching for constraints: an SVG pattern referenced by the fill
    assert 'id="parkmap-hatch-permanent_basic_farmland"' in options["patterns"]
    assert "url(#parkmap-hatch-permanent_basic_farmland)" in legend
    panel = options["panel"]
    assert "面积汇总" in panel and "阀门园" in panel and "亩" in panel
    assert "1 亩 = 10000/15" in panel
    assert set(options["labels"]) >= {"fullscreen", "measure", "area"}


def test_popups_carry_names_areas_status_landuse_and_investment(small_html):
    m, _ = small_html
    subpark = layer_data(m, "subparks")["features"][0]["properties"]
    assert "阀门园" in subpark["p"] and "Valve park" in subpark["p"]
    # 600 m x 500 m = 300 000 m² = 450 亩 = 30 公顷
    assert "450.0 亩 · 30.00 公顷" in subpark["p"]
    assert "100102 二类工业用地" in subpark["p"]
    parcel = layer_data(m, "parcels:100102")["features"][0]["properties"]
    assert "已建 built" in parcel["p"] and "112.5 亩" in parcel["p"]
    project = layer_data(m, "projects")["features"][0]["properties"]
    assert "2.50 亿元" in project["p"] and "120.0 亩" in project["p"]
    assert "阀门园 (Valve park)" in project["p"]  # sub-park id resolved to its names
    road = layer_data(m, "roads")["features"][0]["properties"]
    assert "30 m" in road["p"] and "主干路 trunk road" in road["p"]


def test_roads_are_drawn_at_their_red_line_width(small_html):
    m, _ = small_html
    feature = layer_data(m, "roads")["features"][0]
    drawn = gpd.GeoSeries([shapely.geometry.shape(feature["geometry"])], crs=WGS84)
    area = drawn.to_crs("EPSG:4545").area.iloc[0]
    # 2 km x 30 m right-of-way (within the 1e-6 degree rounding of the page)
    assert area == pytest.approx(2000 * 30, rel=5e-3)


def test_every_data_value_is_escaped():
    page = render(parkmap.webmap(hostile_park(), basemap="none", offline=True))
    assert XSS_IMG not in page
    assert "<img src=x" not in page
    assert "window.__pwned=1</script>" not in page
    assert "<b onmouseover" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "A &amp; B &#x27;quoted&#x27; &quot;double&quot;" in page
    # the page title is escaped too
    assert "<title>&lt;img" in page


def test_offline_html_has_no_external_script_or_style():
    page = render(
        parkmap.webmap(parkmap.Park(small_layers()), basemap="none", offline=True, lang="en")
    )
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=", page, re.I)
    assert not re.search(r"url\(\s*['\"]?(?!data:|#)", page)  # only data: URIs and #patterns
    assert "@import" not in page
    assert "L.map(" in page and "leaflet-control-layers" in page  # Leaflet is inside
    assert "data:image/png;base64," in page  # its layer-control icon too


def test_online_html_loads_leaflet_only(small_html):
    page = render(parkmap.webmap(parkmap.Park(small_layers()), basemap="osm"))
    sources = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page)
    assert len(sources) == 1 and "leaflet" in sources[0]
    assert "tile.openstreetmap.org" in page


def test_amap_shifts_features_to_gcj02_and_says_so(dianjiang):
    plain = parkmap.webmap(dianjiang, basemap="none", simplify_m=0)
    amap = parkmap.webmap(dianjiang, basemap="amap", simplify_m=0)
    a = np.array(layer_data(plain, "projects")["features"][0]["geometry"]["coordinates"])
    b = np.array(layer_data(amap, "projects")["features"][0]["geometry"]["coordinates"])
    east_m = (b[0] - a[0]) * 111_320 * np.cos(np.radians(a[1]))
    north_m = (b[1] - a[1]) * 110_574
    # WGS84 lies ~421 m west and ~291 m north of GCJ-02 near Dianjiang (facts/geography.md)
    assert 380 < east_m < 480 and -330 < north_m < -250
    assert 450 < np.hypot(east_m, north_m) < 580
    assert np.allclose(b, np.round(wgs84_to_gcj02(*a), 6), atol=2e-6)
    page = render(amap)
    assert "GCJ-02" in page and "autonavi" in page
    assert "GCJ-02" not in render(plain)


def test_tianditu_needs_a_key(monkeypatch):
    park = parkmap.Park(small_layers())
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(BasemapError, match="TIANDITU_KEY"):
        parkmap.webmap(park, basemap="tianditu")
    monkeypatch.setenv("TIANDITU_KEY", "abc123")
    page = render(parkmap.webmap(park, basemap="tianditu"))
    assert "tk=abc123" in page and "vec_w" in page and "cva_w" in page
    page = render(parkmap.webmap(park, basemap="tianditu", tianditu_key="fromarg9"))
    assert "tk=fromarg9" in page


def test_custom_and_bad_basemaps():
    park = parkmap.Park(small_layers())
    url = "http://tiles.intranet/{z}/{x}/{y}.png"
    assert url in render(parkmap.webmap(park, basemap=url, offline=True))
    with pytest.raises(BasemapError, match=r"\{z\}"):
        parkmap.webmap(park, basemap="google")
    with pytest.raises(BasemapError, match="only http"):
        parkmap.webmap(park, basemap="javascript:alert(1)//{z}{x}{y}")
    page = render(parkmap.webmap(park, basemap="none"))
    assert "tile.openstreetmap.org" not in page


def test_simplification_keeps_areas_and_shrinks_the_drawing():
    layers = small_layers()
    # a wiggly sub-park outline: 4 000 vertices, 0.3 m of noise
    t = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
    ring = np.column_stack(
        [X0 + 500 + 250 * np.cos(t), Y0 + 450 + 200 * np.sin(t) + 0.3 * np.sin(400 * t)]
    )
    layers["subparks"] = layers["subparks"].set_geometry([shapely.Polygon(ring)], crs="EPSG:4545")
    park = parkmap.Park(layers)
    full = parkmap.webmap(park, basemap="none", simplify_m=0)
    light = parkmap.webmap(park, basemap="none", simplify_m=1)
    assert light.parkmap_info["vertices_drawn"] < full.parkmap_info["vertices_drawn"] / 5
    popup = layer_data(light, "subparks")["features"][0]["properties"]["p"]
    assert popup == layer_data(full, "subparks")["features"][0]["properties"]["p"]
    drawn = shapely.geometry.shape(layer_data(light, "subparks")["features"][0]["geometry"])
    drawn_m2 = gpd.GeoSeries([drawn], crs=WGS84).to_crs("EPSG:4545").area.iloc[0]
    assert drawn_m2 == pytest.approx(park["subparks"].area.iloc[0], rel=2e-3)
    with pytest.raises(ValueError, match="simplify_m"):
        parkmap.webmap(park, simplify_m=-1)


def test_availability_and_layout_are_drawn_when_given():
    park = parkmap.Park(small_layers())
    land = gpd.GeoDataFrame(
        {"cluster": ["c1", "c1"], "subpark": ["s1", None], "area_m2": [75_000.0, 30_000.0]},
        geometry=[box(X0 + 500, Y0 + 200, X0 + 800, Y0 + 450), box(X0 + 1200, Y0 + 600, 1, 1)],
        crs="EPSG:4545",
    )
    layout = SimpleNamespace(
        plots=gpd.GeoDataFrame(geometry=[box(X0 + 500, Y0 + 200, X0 + 650, Y0 + 450)], crs=4545),
        buildings=gpd.GeoDataFrame(
            {"kind": ["standard_factory"]},
            geometry=[box(X0 + 520, Y0 + 220, X0 + 600, Y0 + 260)],
            crs="EPSG:4545",
        ),
    )
    m = parkmap.webmap(park, SimpleNamespace(land=land, table=None), layout, lang="en")
    assert {"Available land", "Layout plots", "Layout buildings"} <= set(m.parkmap_info["layers"])
    page = render(m)
    assert "Available land by sub-park" in page
    props = layer_data(m, "available")["features"][0]["properties"]
    assert "112.5 mu" in props["p"] and "Valve park" in props["p"]  # area_m2 column used
    assert "outside sub-parks" in page


@pytest.mark.skipif(not hasattr(parkmap, "availability"), reason="parkmap.availability not built")
def test_maps_the_real_availability(small_park):
    result = parkmap.availability(small_park)
    m = parkmap.webmap(small_park, result, basemap="none")
    assert "可用地" in m.parkmap_info["layers"]
    assert len(layer_data(m, "available")["features"]) == len(result.land)


def test_save_map_is_atomic_and_refuses_to_overwrite(tmp_path, small_html):
    m, _ = small_html
    path = parkmap.save_map(m, tmp_path / "m.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(OutputExistsError):
        parkmap.save_map(m, path)
    parkmap.save_map(m, path, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["m.html"]


def test_styles_file_has_a_source_for_every_row():
    styles = map_styles()
    assert (styles["source"] != "").all()
    kinds = set(styles.loc[styles["layer"] == "constraints", "key"])
    assert kinds == set(parkmap.schema.CONSTRAINT_KINDS)
    assert set(parkmap.schema.ROAD_CLASSES) <= set(styles.loc[styles["layer"] == "roads", "key"])


def test_cli_map(tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    help_text = runner.invoke(cli, ["map", "--help"]).output
    assert "Example" in help_text and "parkmap map" in help_text.split("Example")[-1]
    result = runner.invoke(cli, ["map", "--offline", "--basemap", "none"])
    assert result.exit_code == 0, result.output
    assert "dianjiang_map.html" in result.output and "MB" in result.output
    assert (tmp_path / "dianjiang_map.html").stat().st_size > 100_000
    again = runner.invoke(cli, ["map"])
    assert again.exit_code == 1 and "--overwrite" in again.output
    shown = runner.invoke(cli, ["map", "--availability", "--basemap", "none", "-o", "a.html"])
    assert shown.exit_code == 0, shown.output
    assert "可用地(按园中园)" in (tmp_path / "a.html").read_text(encoding="utf-8")
    missing = runner.invoke(cli, ["map", "--basemap", "tianditu", "-o", "t.html"])
    assert missing.exit_code == 1 and "TIANDITU_KEY" in missing.output
    assert not (tmp_path / "t.html").exists()


def test_a_map_too_large_for_a_browser_is_refused_with_a_hint(monkeypatch, tmp_path):
    import parkmap.maps.assemble as assemble
    from parkmap.errors import MapTooLargeError

    park = parkmap.Park(small_layers())
    drawn = sum(len(g) for g in park.layers.values())
    monkeypatch.setattr(assemble, "MAX_MAP_FEATURES", drawn - 1)
    with pytest.raises(MapTooLargeError, match=f"{drawn:,} features.*draw part of the park"):
        parkmap.webmap(park, basemap="none")
    # the command line says it in one line, exit 1, and writes nothing
    data = tmp_path / "small.gpkg"
    park.save(data)
    out = tmp_path / "small.html"
    done = CliRunner().invoke(
        cli, ["map", "--data", str(data), "-o", str(out), "--basemap", "none"]
    )
    assert done.exit_code == 1 and "more than a browser can open" in done.output
    assert not out.exists()
