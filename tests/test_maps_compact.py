"""The compact encoding of large map layers, checked against the source geometries."""

import numpy as np
import pytest
import shapely

from parkmap.maps.compact import (
    decode_geometry,
    decode_varints,
    encode_column,
    encode_geometry,
    encode_layer,
    encode_varints,
)


def _rings(geom):
    """Each ring of each part of a geometry as it should come back (closing vertex off)."""
    out = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            rings = [part.exterior, *part.interiors]
            out.append([np.asarray(r.coords)[:-1] for r in rings])
        else:
            out.append([np.asarray(part.coords)])
    return out


@pytest.fixture
def mixed():
    return np.array(
        [
            shapely.Polygon(
                [(107.1, 30.2), (107.2, 30.2), (107.2, 30.3), (107.1, 30.3)],
                [[(107.12, 30.22), (107.14, 30.22), (107.14, 30.24)]],
            ),
            shapely.MultiPolygon(
                [shapely.box(107.3, 30.3, 107.31, 30.31), shapely.box(107.4, 30.4, 107.41, 30.41)]
            ),
            None,
            shapely.LineString([(107.0, 30.0), (107.0000004, 30.1), (107.2, 30.0)]),
            shapely.Point(107.5, 30.5),
            shapely.MultiLineString(
                [[(107.0, 30.0), (107.1, 30.0)], [(107.2, 30.2), (107.3, 30.3)]]
            ),
            shapely.Polygon(),
        ],
        dtype=object,
    )


def test_geometry_round_trip_to_a_micro_degree(mixed):
    data = encode_geometry(mixed)
    decoded = decode_geometry(data)
    assert len(decoded) == len(mixed) == data["n"]
    for geom, parts in zip(mixed, decoded, strict=True):
        if geom is None or geom.is_empty:
            assert parts == []
            continue
        expected = _rings(geom)
        assert len(parts) == len(expected)
        for got_part, want_part in zip(parts, expected, strict=True):
            assert len(got_part) == len(want_part)
            for got, want in zip(got_part, want_part, strict=True):
                assert got.shape == want.shape
                # rounded to 1e-6 degree, as the GeoJSON path does
                assert np.abs(got - np.round(want, 6)).max() < 1e-9


def test_counts_are_written_once_when_uniform():
    boxes = shapely.box(np.arange(5.0), 0.0, np.arange(5.0) + 0.5, 0.5)
    data = encode_geometry(boxes)
    assert data["v"] == 4 and data["r"] == 1 and data["p"] == 1 and data["k"] == 2
    assert len(data["c"]) == 5 * 4 * 2  # closing vertex dropped
    assert data["c"][:2] == [0, 0]  # the first delta is from the origin
    assert data["o"] == [500000, 0]  # box() starts at the lower-right corner


def test_geometry_collections_are_refused():
    collection = shapely.GeometryCollection([shapely.Point(0, 0)])
    with pytest.raises(ValueError, match="points, lines and polygons"):
        encode_geometry(np.array([collection], dtype=object))


def test_columns_dictionary_plain_and_numbers():
    repeated = encode_column(["built", "available", "built", None, "built", "available"])
    assert repeated == {"u": ["built", "available", ""], "i": [0, 1, 0, 2, 0, 1]}
    unique = encode_column(["p1", "p2", "p3"])
    assert unique == {"s": ["p1", "p2", "p3"]}
    assert encode_column([None, "", None]) == {"c": ""}  # one value in every row
    numbers = encode_column([1.234, float("nan"), 3.0], decimals=1)
    assert numbers == {"n": [1.2, None, 3.0]}


def test_layer_keeps_text_as_data(mixed):
    hostile = "<img src=x onerror=alert(1)>"
    n = len(mixed)
    data = encode_layer(
        mixed,
        style_index=[0] * n,
        title=[hostile] * n,
        rows=[("名称", [hostile] * n)],
    )
    assert data["s"] == 0 and data["n"] == n
    # the text is sent as it is: the browser puts it in text nodes, never in innerHTML
    assert data["a"]["t"] == {"c": hostile}
    assert data["rows"][0][0] == "名称"


def test_binary_coordinates_round_trip(mixed):
    plain, binary = encode_geometry(mixed), encode_geometry(mixed, binary=True)
    assert isinstance(binary["c"], str) and len(binary["c"]) < len(str(plain["c"]))
    for a, b in zip(decode_geometry(plain), decode_geometry(binary), strict=True):
        for part_a, part_b in zip(a, b, strict=True):
            for ring_a, ring_b in zip(part_a, part_b, strict=True):
                assert np.array_equal(ring_a, ring_b)


def test_varints_take_any_int64_delta():
    values = np.array([0, -1, 1, 63, -64, 64, 2**31, -(2**31) - 5, 2**53, -(2**53)])
    assert decode_varints(encode_varints(values)).tolist() == values.tolist()
    assert encode_varints(np.array([0, 1, -1])) == "AAIB"  # one byte each


def test_layer_indices_are_varints_and_a_repeated_column_is_referenced(mixed):
    n = len(mixed)
    ids = [f"p{i}" for i in range(n)]
    status = ["built", "available"] * (n // 2) + ["built"] * (n % 2)
    data = encode_layer(
        mixed,
        style_index=[i % 2 for i in range(n)],
        title=ids,
        rows=[("编号", ids), ("状态", status)],
    )
    assert data["rows"][0][1] == {"a": "t"}  # the id row is the title column
    coded = data["rows"][1][1]
    assert coded["u"] == ["built", "available"]
    assert decode_varints(coded["i"]).tolist() == [status.index(s) for s in status]
    assert decode_varints(data["s"]).tolist() == [i % 2 for i in range(n)]
