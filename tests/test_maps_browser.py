"""The offline map in a real browser: headless Chromium (Debian's) driven by Playwright.

Every request that is not the map file itself or a ``data:`` URI is aborted and
recorded, so these tests also prove that the offline file needs no network.
"""

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

import parkmap
from conftest import XSS_IMG, XSS_SCRIPT, hostile_park, small_layers
from parkmap.crs import WGS84
from parkmap.maps import CHROMIUM_ARGS

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "needs Debian's chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the test extra)")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        yield browser
        browser.close()


class Opened:
    """A page showing one map file, with its console errors, dialogs and requests."""

    def __init__(self, browser, path: Path) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 860})
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_selector(".leaflet-control-layers")

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route) -> None:
        url = route.request.url
        self.requests.append(url)
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def only_layer(self, name: str) -> None:
        """Untick every overlay in the layer control but ``name``."""
        for label in self.page.locator(".leaflet-control-layers-overlays label").all():
            box = label.locator("input")
            wanted = label.inner_text().strip() == name
            if box.is_checked() != wanted:
                box.click()

    def pixel(self, lon: float, lat: float) -> tuple[float, float]:
        """Page pixel of a WGS84 point."""
        name = self.map_name
        point = self.page.evaluate(
            f"() => {{ const p = {name}.latLngToContainerPoint([{lat}, {lon}]);"
            f" const r = {name}.getContainer().getBoundingClientRect();"
            " return [p.x + r.left, p.y + r.top]; }"
        )
        return point[0], point[1]


def write_map(tmp_path: Path, park, **kwargs) -> tuple[Path, object]:
    m = parkmap.webmap(park, basemap=kwargs.pop("basemap", "none"), offline=True, **kwargs)
    path = parkmap.save_map(m, tmp_path / "map.html")
    return path, m


@pytest.fixture(scope="module")
def dianjiang_page(browser, tmp_path_factory, dianjiang):
    path, m = write_map(tmp_path_factory.mktemp("map"), dianjiang)
    opened = Opened(browser, path)
    opened.map_name = m.get_name()
    opened.info = m.parkmap_info
    yield opened
    opened.page.close()


def test_offline_map_draws_every_layer_with_no_network(dianjiang_page):
    page = dianjiang_page.page
    drawn = page.locator("path.leaflet-interactive").count()
    assert drawn >= dianjiang_page.info["features"] * 0.95  # SVG paths (a few may be tiny)
    listed = [
        label.inner_text().strip()
        for label in page.locator(".leaflet-control-layers-overlays label").all()
    ]
    assert listed == dianjiang_page.info["layers"]
    assert all(box.is_checked() for box in page.locator(".leaflet-control-layers input").all())
    assert dianjiang_page.blocked == []
    assert all(url.startswith(("file:", "data:")) for url in dianjiang_page.requests)
    assert dianjiang_page.errors == []


def test_legend_panel_and_controls_show(dianjiang_page):
    page = dianjiang_page.page
    legend = page.locator(".parkmap-legend")
    assert legend.is_visible() and "城镇集中建设区" in legend.inner_text()
    panel = page.locator(".parkmap-panel")
    assert panel.is_visible() and "面积汇总" in panel.inner_text()
    assert page.locator(".leaflet-control-scale").is_visible()
    assert page.locator(".parkmap-fullscreen a").is_visible()
    assert page.locator(".parkmap-measure a").is_visible()
    # hatch patterns resolve: a constraint path is filled with an SVG pattern
    assert page.locator("path[fill^='url(#parkmap-hatch-']").count() > 0


def test_legend_follows_the_layer_toggles(dianjiang_page):
    page = dianjiang_page.page
    section = page.locator(".parkmap-legend [data-legend='boundary']")
    assert section.is_visible()
    dianjiang_page.only_layer("园中园")
    assert not section.is_visible()
    assert page.locator(".parkmap-legend [data-legend='subparks']").is_visible()
    dianjiang_page.only_layer("城镇开发边界")
    assert section.is_visible()


def test_hovering_a_subpark_shows_its_tooltip(dianjiang_page, dianjiang):
    page = dianjiang_page.page
    dianjiang_page.only_layer("园中园")
    subpark = dianjiang["subparks"].iloc[0]
    inside = gpd.GeoSeries([subpark.geometry.representative_point()], crs=dianjiang.crs)
    point = inside.to_crs(WGS84).iloc[0]
    page.mouse.move(*dianjiang_page.pixel(point.x, point.y))
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible", timeout=3000)
    assert subpark["name_zh"] in tooltip.inner_text()
    assert "亩" in tooltip.inner_text()


def test_measure_tool_reports_length_and_area_in_mu(dianjiang_page):
    page = dianjiang_page.page
    dianjiang_page.only_layer("")  # nothing under the clicks
    page.locator(".parkmap-measure a").click()
    box = page.locator(".leaflet-container").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in [(0, 0), (120, 0), (120, 120)]:
        page.mouse.click(x + dx, y + dy)
    page.mouse.dblclick(x, y + 120)
    text = page.locator(".parkmap-measure-panel").inner_text()
    assert "亩" in text and "公顷" in text and ("m" in text)
    assert dianjiang_page.errors == []


def test_hostile_names_show_as_text_and_run_nothing(browser, tmp_path):
    park = hostile_park()
    path, m = write_map(tmp_path, park)
    opened = Opened(browser, path)
    opened.map_name = m.get_name()
    page = opened.page
    opened.only_layer("园中园")
    inside = gpd.GeoSeries([park["subparks"].geometry.iloc[0].centroid], crs=park.crs)
    point = inside.to_crs(WGS84).iloc[0]
    x, y = opened.pixel(point.x, point.y)
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible", timeout=3000)
    assert XSS_IMG in tooltip.inner_text()
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible", timeout=3000)
    assert XSS_SCRIPT in popup.inner_text()
    assert page.locator(".leaflet-tooltip img, .leaflet-popup img, .parkmap-panel img").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    assert XSS_IMG in page.title()
    page.wait_for_timeout(300)
    assert opened.dialogs == [] and opened.errors == [] and opened.blocked == []
    page.close()


def test_unreachable_tiles_leave_a_working_map(browser, tmp_path):
    path, m = write_map(tmp_path, parkmap.Park(small_layers()), basemap="osm")
    opened = Opened(browser, path)
    page = opened.page
    page.wait_for_timeout(300)
    assert page.locator("path.leaflet-interactive").count() >= m.parkmap_info["features"]
    assert opened.blocked and all("tile.openstreetmap.org" in u for u in opened.blocked)
    tile_errors = [e for e in opened.errors if "ERR_FAILED" not in e]
    assert tile_errors == []
    page.close()


# -- large layers: compact, on a canvas ------------------------------------------------------
def _county_park(nx: int = 50, ny: int = 50, side_m: float = 20.0) -> parkmap.Park:
    """The small park with its parcels replaced by a grid of nx * ny squares (2,500)."""
    from shapely import box as shapely_box

    from conftest import X0, Y0

    layers = small_layers()
    x = X0 + 1000 + side_m * (np.arange(nx * ny) % nx)
    y = Y0 + side_m * (np.arange(nx * ny) // nx)
    n = nx * ny
    parcels = gpd.GeoDataFrame(
        {
            "id": [f"q{i}" for i in range(n)],
            "landuse_code": "100102",
            "status": np.where(np.arange(n) % 3 == 0, "built", "available"),
            "project": [XSS_IMG if i == 0 else "" for i in range(n)],
        },
        geometry=shapely_box(x, y, x + side_m, y + side_m),
        crs=layers["parcels"].crs,
    )
    layers["parcels"] = parcels
    return parkmap.Park(layers)


@pytest.fixture(scope="module")
def county_page(browser, tmp_path_factory):
    path, m = write_map(tmp_path_factory.mktemp("county"), _county_park())
    opened = Opened(browser, path)
    opened.map_name = m.get_name()
    opened.info = m.parkmap_info
    opened.path = path
    yield opened
    opened.page.close()


def test_a_large_layer_is_drawn_on_a_canvas_with_browser_built_popups(county_page):
    page = county_page.page
    assert county_page.errors == [] and county_page.blocked == []
    # the 2,500 parcels are one canvas, not 2,500 SVG paths; the small layers stay SVG
    assert page.locator("canvas").count() == 1
    assert page.locator("path.leaflet-interactive").count() < 30
    assert "2,500" in page.locator(".parkmap-note").inner_text()
    html = county_page.path.read_text(encoding="utf-8")
    assert "parkmapCompact.layer(" in html and html.count("parkmap-title") < 100
    # click the middle of parcel q1 (X0 + 1020 .. 1040, Y0 .. Y0 + 20): its popup
    from conftest import X0, Y0

    lon, lat = (
        gpd.GeoSeries.from_xy([X0 + 1030], [Y0 + 10], crs="EPSG:4545").to_crs(WGS84)[0].coords[0]
    )
    page.evaluate(f"() => {county_page.map_name}.setView([{lat}, {lon}], 19, {{animate: false}})")
    page.wait_for_timeout(300)
    x, y = county_page.pixel(lon, lat)
    page.mouse.click(x, y)
    page.wait_for_timeout(400)  # a popup it replaced fades out in 200 ms
    popup = page.locator(".leaflet-popup-content")
    assert popup.count() == 1
    shown = popup.inner_text()
    assert "q1" in shown and "100102" in shown
    # 20 m x 20 m = 400 m² = 0.6 亩 = 0.04 公顷, computed here independently
    assert f"{400 / (10000 / 15):,.1f} 亩" in shown and "0.04 公顷" in shown


def test_the_browser_decodes_binary_coordinates_as_python_does(county_page):
    from parkmap.maps.compact import decode_geometry, encode_geometry

    # far-apart vertices at 1e-8 degree: deltas past 2**31 quanta, in 5-byte varints
    geoms = [shapely.box(100.0, 20.0, 100.001, 20.001), shapely.Point(-170.0, -40.0)]
    data = encode_geometry(geoms, decimals=8, binary=True)
    lon = county_page.page.evaluate(
        "g => Array.from(parkmapCompact.decode(g).xy).filter((v, i) => i % 2 === 0)"
        ".map(x => (x - 0.5) * 360)",
        data,
    )
    want = np.concatenate([ring[:, 0] for f in decode_geometry(data) for p in f for ring in p])
    assert np.allclose(lon, want, rtol=0, atol=1e-9)


def test_compact_popups_show_data_as_text(county_page):
    page = county_page.page
    from conftest import X0, Y0

    lon, lat = (
        gpd.GeoSeries.from_xy([X0 + 1010], [Y0 + 10], crs="EPSG:4545").to_crs(WGS84)[0].coords[0]
    )
    page.evaluate(f"() => {county_page.map_name}.setView([{lat}, {lon}], 19, {{animate: false}})")
    page.wait_for_timeout(300)
    x, y = county_page.pixel(lon, lat)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_timeout(400)
    popup = page.locator(".leaflet-popup-content")
    assert popup.count() == 1
    assert XSS_IMG in popup.inner_text()  # the hostile project name, as text
    assert page.locator(".leaflet-popup-content img").count() == 0
    assert county_page.dialogs == []
    assert not page.evaluate("() => window.__pwned === 1")


# -- the phone layout ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def phone_page(browser, tmp_path_factory, dianjiang):
    path, _ = write_map(tmp_path_factory.mktemp("phone"), dianjiang)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort()
        ),
    )
    page.goto(path.as_uri())
    page.wait_for_selector(".leaflet-control-layers")
    page.errors = errors
    yield page
    context.close()


def _covered_share(page) -> float:
    """Share of the viewport under the map's controls (boxes may overlap: an upper bound)."""
    return page.evaluate(
        """() => {
          const boxes = [...document.querySelectorAll('.leaflet-control')]
            .map(el => el.getBoundingClientRect());
          const area = boxes.reduce((sum, r) => sum + r.width * r.height, 0);
          return area / (window.innerWidth * window.innerHeight);
        }"""
    )


def test_on_a_phone_the_map_comes_first(phone_page):
    page = phone_page
    assert page.errors == []
    assert page.locator(".folium-map.parkmap-phone").count() == 1
    # layer control as a button, panel, legend and notes as closed sheets
    assert page.locator(".leaflet-control-layers-expanded").count() == 0
    assert page.locator(".leaflet-control-layers-toggle").is_visible()
    for sheet in page.locator("details.parkmap-sheet").all():
        assert sheet.get_attribute("open") is None
    assert page.locator("details.parkmap-sheet").count() >= 2
    assert _covered_share(page) < 0.2
    # touch targets of at least 44 CSS px
    for selector in (".leaflet-control-zoom-in", ".leaflet-control-layers-toggle"):
        size = page.locator(selector).bounding_box()
        assert size["width"] >= 44 and size["height"] >= 44
    for summary in page.locator("details.parkmap-sheet > summary").all():
        assert summary.bounding_box()["height"] >= 44


def test_phone_sheets_open_one_at_a_time_on_a_tap(phone_page):
    page = phone_page
    legend = page.locator(".parkmap-legend details.parkmap-sheet")
    panel = page.locator(".parkmap-panel details.parkmap-sheet")
    legend.locator(":scope > summary").tap()
    assert legend.get_attribute("open") is not None
    assert "城镇集中建设区" in legend.inner_text()
    panel.locator(":scope > summary").tap()
    assert panel.get_attribute("open") is not None
    # opening one closed the other (in its "toggle" handler: the event is dispatched
    # after the tap, so wait for it; a loaded machine runs it after the next query)
    sync_api.expect(legend).not_to_have_attribute("open", re.compile(".*"))
    page.locator(".leaflet-control-layers-toggle").tap()
    assert page.locator(".leaflet-control-layers-expanded").count() == 1
    sync_api.expect(panel).not_to_have_attribute("open", re.compile(".*"))
