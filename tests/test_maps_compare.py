"""The web map of a scenario comparison (and, in headless Chromium, its swipe control)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import parkmap
from conftest import XSS_IMG, XSS_SCRIPT
from parkmap.maps import CHROMIUM_ARGS
from parkmap.maps.compare import comparison_map
from parkmap.scenarios import Scenario

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = Scenario(
    XSS_SCRIPT,
    name_en=XSS_IMG,
    availability={"constraints": {"buffer_m": {"permanent_basic_farmland": 50}}},
)


@pytest.fixture(scope="module")
def comparison_html(tmp_path_factory):
    from conftest import small_layers

    park = parkmap.Park(small_layers(), metadata={"name_zh": "小园区"})
    result = parkmap.compare(park, [HOSTILE], allocation=False)
    m = comparison_map(result, lang="en")
    path = parkmap.save_map(m, tmp_path_factory.mktemp("map") / "compare.html")
    return result, m, path


def test_one_group_per_column_with_the_changes(comparison_html):
    result, m, path = comparison_html
    info = m.parkmap_info["scenarios"]
    assert [c["layers"] for c in info] == [["available"], ["available", "lost"]]
    html = path.read_text(encoding="utf-8")
    found = re.search(r"parkmapCompare\.setup\([^,]+,\s*[^,]+,\s*(\{.*?\})\);\n", html, re.S)
    data = json.loads(found.group(1))
    lost = data["columns"][1]["layers"][1]["data"]["features"]
    assert len(lost) == len(result.scenarios[0].changes.query("change == 'lost'"))
    # names reach the page as script-safe JSON (set as text) or HTML-escaped, never as markup
    outside = html.replace(found.group(1), "")
    assert XSS_SCRIPT not in outside and XSS_IMG not in outside
    assert "</script" not in found.group(1) and data["columns"][1]["label"] == XSS_IMG
    assert "https://" not in html.split("parkmapCompare")[0][-2000:]  # inline, offline


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_swipe_in_a_browser(comparison_html):
    sync_api = pytest.importorskip("playwright.sync_api")
    _, _, path = comparison_html
    errors, dialogs, requests = [], [], []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

        def route(r):
            url = r.request.url
            if url.startswith("file:") or url.startswith("data:"):
                r.continue_()
            else:
                requests.append(url)
                r.abort()

        page.route("**/*", route)
        page.goto(path.as_uri())
        page.wait_for_selector(".parkmap-swipe")
        clip = "document.querySelector('.leaflet-parkmap-scenario-1-pane').style.clip"
        before = page.evaluate(clip)
        page.fill(".parkmap-swipe input[type=range]", "0.2")
        page.dispatch_event(".parkmap-swipe input[type=range]", "input")
        after = page.evaluate(clip)
        left = page.evaluate("document.querySelector('.parkmap-swipe-line').style.left")
        overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        browser.close()
    assert errors == [] and dialogs == [] and requests == []
    assert before.startswith("rect(") and before != after and left == "200px"
    assert any(XSS_IMG in text for text in overlays)  # shown as text, never run
