import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

import parkmap
from conftest import X0, Y0
from parkmap.errors import ValidationError
from parkmap.schema import LAYERS, validate_layers


def errors_of(problems, layer=None):
    return [p for p in problems if p.severity == "error" and (layer is None or p.layer == layer)]


def test_clean_park_has_no_problems(layers):
    assert validate_layers(layers) == []


def test_wrong_geometry_type(layers):
    roads = layers["subparks"].copy()
    roads.loc[0, "geometry"] = LineString([(X0, Y0), (X0 + 10, Y0 + 10)])
    layers["subparks"] = roads
    problems = errors_of(validate_layers(layers), "subparks")
    assert any("geometry is LineString, expected Polygon" in p.message for p in problems)
    assert problems[0].feature == "s1"


def test_missing_crs(layers):
    layers["roads"] = layers["roads"].set_crs(None, allow_override=True)
    park = parkmap.Park(layers)
    messages = [p.message for p in errors_of(park.problems, "roads")]
    assert any("no coordinate reference system" in m for m in messages)
    with pytest.raises(ValidationError, match="no coordinate reference system"):
        parkmap.area_report(park)


def test_unknown_landuse_code(layers):
    layers["parcels"].loc[1, "landuse_code"] = "9999"
    problems = errors_of(validate_layers(layers, source="x.gpkg"), "parcels")
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.feature, problem.column) == ("p2", "landuse_code")
    assert problem.format().startswith("x.gpkg: layer 'parcels', feature p2, column 'landuse_code'")


def test_alias_code_is_a_warning_and_translated(layers):
    layers["parcels"].loc[0, "landuse_code"] = "M2"
    park = parkmap.Park(layers)
    assert park.is_valid
    warnings = [p for p in park.problems if p.severity == "warning"]
    assert any("100102" in p.message for p in warnings)
    assert park["parcels"].loc[0, "landuse_code"] == "100102"
    assert layers["parcels"].loc[0, "landuse_code"] == "M2", "the input must not change"


def test_subpark_outside_every_cluster(layers):
    far = box(X0 + 10_000, Y0, X0 + 10_300, Y0 + 300)
    layers["subparks"].loc[0, "geometry"] = far
    problems = errors_of(validate_layers(layers), "subparks")
    assert any("outside every cluster" in p.message for p in problems)


def test_subpark_partly_outside(layers):
    layers["subparks"].loc[0, "geometry"] = box(X0 - 100, Y0 + 200, X0 + 300, Y0 + 400)
    problems = errors_of(validate_layers(layers), "subparks")
    assert any("partly outside the cluster (20,000 m², 25.0% of it)" in p.message for p in problems)


def test_invalid_geometry(layers):
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    layers["buildings"].loc[0, "geometry"] = bowtie
    problems = errors_of(validate_layers(layers), "buildings")
    assert any("invalid geometry (Self-intersection" in p.message for p in problems)


def test_empty_geometry_missing_column_bad_values(layers):
    roads = layers["roads"]
    roads.loc[0, "geometry"] = LineString()
    roads["red_line_m"] = roads["red_line_m"].astype(object)
    roads.loc[1, "red_line_m"] = "wide"
    roads.loc[1, "road_class"] = "motorway"
    layers["constraints"] = layers["constraints"].drop(columns="hard")
    layers["buildings"].loc[0, "storeys"] = 0
    problems = errors_of(validate_layers(layers))
    found = {(p.layer, p.feature, p.column, p.message.split(" (")[0]) for p in problems}
    assert ("roads", "r1", None, "empty or missing geometry") in found
    assert ("roads", "r2", "red_line_m", "not a number: 'wide'") in found
    assert any(
        p.column == "road_class" and "'motorway' is not one of" in p.message for p in problems
    )
    assert ("constraints", None, "hard", "required column is missing") in found
    assert any(p.column == "storeys" and "at least 1" in p.message for p in problems)


def test_duplicate_ids_and_fallback_ids(layers):
    layers["parcels"].loc[2, "id"] = "p1"
    problems = errors_of(validate_layers(layers), "parcels")
    assert sorted(p.feature for p in problems if p.message == "duplicate id") == ["p1", "p1"]
    projects = layers["projects"].drop(columns="id")
    projects.loc[1, "status"] = "dreaming"
    layers["projects"] = projects
    problems = errors_of(validate_layers(layers), "projects")
    assert problems[0].feature == "#2"


def test_every_problem_is_reported(layers):
    layers["parcels"].loc[:, "landuse_code"] = "bad"
    problems = errors_of(validate_layers(layers), "parcels")
    assert len(problems) == len(layers["parcels"])


def test_unknown_layer_is_kept_with_a_warning(layers):
    layers["trees"] = gpd.GeoDataFrame(geometry=[Point(X0, Y0)], crs="EPSG:4545")
    park = parkmap.Park(layers)
    assert park.is_valid
    assert "trees" in park
    assert any(p.layer == "trees" and p.severity == "warning" for p in park.problems)


def test_schema_declares_the_design_layers():
    assert list(LAYERS) == [
        "clusters",
        "boundary",
        "subparks",
        "roads",
        "buildings",
        "parcels",
        "constraints",
        "projects",
    ]
    assert LAYERS["roads"].column("red_line_m").kind == "number"
