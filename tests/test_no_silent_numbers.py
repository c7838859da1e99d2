"""No silent wrong number: each class of failure of issue 11, on data built here.

Expected areas come from independent computations: geodesic areas on the WGS84
ellipsoid (``pyproj.Geod``) or plain shapely on the original geometries.
"""

import json
import pickle

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

import parkmap
from parkmap.errors import CRSError, ValidationError
from parkmap.land.frames import first_area
from parkmap.land.rules import AvailabilityRules, load_rules
from parkmap.siteplan.indicators import check_indicators

GEOD = Geod(ellps="WGS84")


def geodesic(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in gdf.to_crs(4326).geometry])


@pytest.fixture(scope="module")
def dianjiang():
    return parkmap.datasets.load("dianjiang")


def _park(layers, dianjiang, **kwargs):
    meta = {k: v for k, v in dianjiang.metadata.items() if k not in ("crs", "notes")}
    return parkmap.Park(layers, metadata=meta, **kwargs)


# -- areas in a CRS that distorts them -------------------------------------------------------
@pytest.fixture(scope="module")
def mercator_park(dianjiang):
    return _park({n: dianjiang[n].to_crs(3857) for n in dianjiang}, dianjiang)


def test_web_mercator_layers_are_measured_in_the_gk_zone(mercator_park, dianjiang):
    assert mercator_park.crs.to_epsg() == 4545
    truth = geodesic(dianjiang["clusters"])
    naive = dianjiang["clusters"].to_crs(3857).area.to_numpy()
    assert naive.sum() / truth.sum() == pytest.approx(1.345, abs=0.005)  # the old error
    np.testing.assert_allclose(mercator_park["clusters"].area, truth, rtol=2.5e-3)
    (note,) = mercator_park.notes
    assert "EPSG:3857" in note and "EPSG:4545" in note and "+34." in note


def test_the_crs_note_reaches_every_output(mercator_park):
    result = parkmap.availability(mercator_park)
    note = mercator_park.notes[0]
    assert note in json.loads(result.render("json"))["notes"]
    assert note in result.render("table")
    report = parkmap.area_report(mercator_park, with_availability=False)
    assert note in json.loads(report.render("json"))["notes"]
    assert note in report.render("markdown")
    html = parkmap.webmap(mercator_park, availability=result).get_root().render()
    assert "EPSG:3857" in html


def test_an_explicit_crs_that_distorts_areas_is_refused(dianjiang):
    with pytest.raises(CRSError, match=r"^EPSG:3857 .* scales areas by .*use EPSG:4545") as info:
        _park(dict(dianjiang.layers), dianjiang, crs=3857)
    assert "\n" not in str(info.value)


def test_notes_survive_save_and_read(mercator_park, tmp_path):
    saved = mercator_park.save(tmp_path / "p.gpkg")
    again = parkmap.read_park(saved)
    assert again.notes == mercator_park.notes


# -- skipped waterfall steps ------------------------------------------------------------------
def test_a_missing_boundary_is_stated_in_every_output(dianjiang):
    park = _park({n: dianjiang[n] for n in ("clusters", "subparks", "parcels")}, dianjiang)
    result = parkmap.availability(park)
    notes = json.loads(result.render("json"))["notes"]
    skipped = [n for n in notes if "not computed" in n]
    assert [n.split("'")[1] for n in skipped] == ["outside_boundary", "constraints", "roads"]
    assert all(n in result.render("table") for n in skipped)
    html = parkmap.webmap(park, availability=result, lang="en").get_root().render()
    assert "outside_boundary" in html
    # nothing was subtracted by the skipped steps
    total = result.total
    assert total["outside_boundary_m2"] == total["constraints_m2"] == total["roads_m2"] == 0


def test_notes_follow_the_language_of_the_output(dianjiang, tmp_path):
    from click.testing import CliRunner

    from parkmap.cli import cli

    park = _park({n: dianjiang[n] for n in ("clusters", "subparks", "parcels")}, dianjiang)
    path = park.save(tmp_path / "no_boundary.gpkg")
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, ["availability", "--data", str(path), *args])
        assert result.exit_code == 0, result.output
        return result.output

    en, zh = run("--lang", "en"), run("--lang", "zh")
    assert "Note: step 'outside_boundary' not computed: the park has no boundary layer" in en
    assert "未计算" not in en
    assert "说明：未计算“开发边界外”一步：园区没有 boundary 图层" in zh
    assert "说明：未计算“刚性管控”一步" in zh and "说明：未计算“道路红线”一步" in zh
    assert "not computed" not in zh
    doc = json.loads(run("--format", "json", "--lang", "zh"))
    assert [n.split("'")[1] for n in doc["notes"]] == ["outside_boundary", "constraints", "roads"]
    assert len(doc["notes_zh"]) == 3 and all(n.startswith("未计算") for n in doc["notes_zh"])
    # the map panel says the same in the map's language
    result = parkmap.availability(park)
    html_zh = parkmap.webmap(park, availability=result, lang="zh").get_root().render()
    assert "未计算“开发边界外”一步" in html_zh


def test_a_note_without_a_template_is_shown_as_it_is():
    from parkmap.vocab import labels, note_text

    assert note_text("something new happened", "zh") == "something new happened"
    for key, (zh, en) in labels("note").items():  # every template has both languages
        assert zh and en, key
        assert en.count("{") == en.count("}") and zh.count("{") == zh.count("}"), key


def test_every_note_template_translates_what_it_describes():
    """Each English template, filled with values, comes back as its Chinese template."""
    import re

    from parkmap.vocab import labels, note_text

    field = re.compile(r"\{(\w+)(?::(\w+))?\}")
    for key, (zh, en) in labels("note").items():
        if any(group for _, group in field.findall(zh)):
            continue  # values shown through a label group: tested with their notes
        names = list(dict.fromkeys(name for name, _ in field.findall(en)))
        values = {name: f"<{i}>" for i, name in enumerate(names)}
        filled = field.sub(lambda m, v=values: v[m.group(1)], en)
        expected = field.sub(lambda m, v=values: v[m.group(1)], zh)
        assert note_text(filled, "zh") == expected, key


def test_scenario_notes_read_in_chinese():
    from parkmap.scenarios.engine import ALLOCATION_NO_LAYOUT, ALLOCATION_OFF
    from parkmap.vocab import note_text

    assert note_text(ALLOCATION_OFF, "zh").startswith("项目配置：未运行")
    assert note_text(ALLOCATION_NO_LAYOUT, "zh").startswith("项目配置：未运行")


def test_the_embedded_park_has_no_skipped_step(dianjiang):
    assert json.loads(parkmap.availability(dianjiang).render("json"))["notes"] == []


# -- overlapping sub-parks --------------------------------------------------------------------
def test_overlapping_subparks_are_an_error_with_the_real_area(dianjiang):
    subparks = dianjiang["subparks"].copy()
    a, b = subparks.geometry.iloc[0], subparks.geometry.iloc[1]
    grown = shapely.union(a, shapely.buffer(shapely.point_on_surface(b), 120.0))
    subparks.loc[subparks.index[0], "geometry"] = grown
    layers = dict(dianjiang.layers, subparks=subparks)
    park = _park(layers, dianjiang)
    overlaps = [p for p in park.errors if "overlaps" in p.message]
    assert len(overlaps) == 1
    ids = subparks["id"].tolist()
    assert overlaps[0].feature == ids[0] and ids[1] in overlaps[0].message
    expected = shapely.area(shapely.intersection(grown, b))  # by hand
    assert f"{expected:,.0f} m²" in overlaps[0].message
    with pytest.raises(ValidationError):
        parkmap.availability(park)


def test_touching_subparks_are_not_reported():
    left = shapely.box(0, 0, 100, 100)
    right = shapely.box(100, 0, 200, 100)
    sliver = shapely.box(99.999, 0, 200, 100)  # 0.1 m² overlap: digitising noise
    from parkmap.schema import validate_layers

    for other in (right, sliver):
        layers = {
            "clusters": gpd.GeoDataFrame(
                {"name_zh": ["c"]}, geometry=[shapely.box(0, 0, 200, 100)], crs=4545
            ),
            "subparks": gpd.GeoDataFrame(
                {"name_zh": ["a", "b"], "industry": ["x", "y"], "landuse_code": ["1001"] * 2},
                geometry=[left, other],
                crs=4545,
            ),
        }
        assert not [p for p in validate_layers(layers) if "overlaps" in p.message]


# -- "the first area wins" --------------------------------------------------------------------
def test_first_area_is_the_first_in_layer_order():
    rng = np.random.default_rng(11)
    nested = np.array([shapely.box(-i, -i, 10 + i, 10 + i) for i in range(30)], dtype=object)
    areas = nested[rng.permutation(30)]
    targets = shapely.buffer(shapely.points(rng.uniform(0, 10, (2000, 2))), 0.01)
    got = first_area(targets, areas)
    points = shapely.point_on_surface(targets)
    expected = [next(i for i, a in enumerate(areas) if a.intersects(p)) for p in points]
    np.testing.assert_array_equal(got, expected)
    assert (first_area(shapely.buffer(shapely.points([[100.0, 100.0]]), 1), areas) == -1).all()


# -- containment measured in metres, not degrees ----------------------------------------------
def test_containment_in_degrees_is_measured_in_metres(dianjiang):
    from parkmap.schema import validate_layers

    moved = dianjiang["subparks"].iloc[[0]].copy()
    moved["geometry"] = moved.translate(xoff=60_000)  # 60 km east of every cluster
    problems = validate_layers(
        {"clusters": dianjiang["clusters"].to_crs(4326), "subparks": moved.to_crs(4326)}
    )
    outside = [p for p in problems if "outside every cluster" in p.message]
    assert len(outside) == 1 and outside[0].severity == "error"
    area = float(outside[0].message.split("(")[1].split(" m²")[0].replace(",", ""))
    assert area == pytest.approx(geodesic(moved)[0], rel=3e-3)


# -- one immutable set of rule defaults -------------------------------------------------------
def test_rules_have_one_set_of_defaults_and_are_immutable():
    rules = AvailabilityRules()
    assert rules == load_rules() and hash(rules) == hash(load_rules())
    assert rules.hard_kinds and rules.min_area_mu == 3 and rules.min_width_m == 20
    assert rules.source == "built-in defaults"
    with pytest.raises(TypeError):
        rules.buffer_m["water"] = 999  # type: ignore[index]
    assert pickle.loads(pickle.dumps(rules)) == rules
    changed = AvailabilityRules(min_area_mu=0)
    assert changed.hard_kinds == rules.hard_kinds and changed.min_area_mu == 0
    assert changed.source == "built-in defaults (modified)"


# -- unchecked indicators ---------------------------------------------------------------------
def test_an_indicator_that_cannot_be_computed_is_not_a_pass():
    plots = pd.DataFrame(
        {
            "far": [1.2, np.nan, 1.2],
            "coverage": [0.5, 0.5, 0.5],
            "admin_share": [0.05, 0.05, 0.05],
            "green_ratio": [0.1, 0.1, 0.1],
            "industry_code": ["37", "37", "99"],  # 99: no FAR threshold in the ruleset
        }
    )
    out = check_indicators(plots)
    assert out["n_unchecked"].tolist() == [0, 1, 1]
    assert out["unchecked"].tolist() == ["", "far_min", "far_min"]
    assert out["compliant"].tolist() == [True, False, False]
