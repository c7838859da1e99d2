"""Compact encoding of large map layers: quantised geometry and attribute columns.

A layer of 10^5 features cannot be sent to the browser as GeoJSON with one
pre-rendered popup per feature (the file passes 100 MB and the page draws one SVG path
per feature). For large layers the page instead gets one compact object per layer,
decoded by ``data/webmap_compact.js`` and drawn with Leaflet's canvas renderer:

- **geometry**: longitudes and latitudes as integers at ``10**-decimals`` degrees (the
  same 1e-6 degree rounding, about 0.1 m, as the GeoJSON path), delta-encoded along the
  whole layer, with the closing vertex of each polygon ring dropped; the counts of
  vertices per ring, rings per part and parts per feature follow (a count that is the
  same for every element is written once). In a map the deltas are written as
  zig-zag LEB128 varints in base64 (``binary=True``): about 2 bytes a number instead
  of 5 characters of an array literal, which the browser parses and compiles far more
  slowly than it decodes the bytes;
- **attributes**: one column per popup field, each either a list of distinct values
  and one index per feature (text with few distinct values: statuses, land-use
  classes) or the plain values (identifiers, numbers). Popups and tooltips are built in
  the browser from these columns as DOM text nodes, so no data value is ever parsed as
  HTML.

Only the drawing is quantised: every area shown is computed in Python from the full
geometry in the park's metric CRS.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely

__all__ = [
    "compact_data",
    "decode_geometry",
    "decode_varints",
    "encode_column",
    "encode_geometry",
    "encode_layer",
    "encode_varints",
]

#: Geometry kinds of a compact layer, by shapely type id of the parts.
_KIND = {0: 0, 1: 1, 2: 1, 3: 2}  # point, line (linestring, linearring), polygon


def _counts(values: np.ndarray) -> int | list[int]:
    """A list of counts, or the count itself when every element has the same."""
    values = np.asarray(values, dtype=np.int64)
    if len(values) and (values == values[0]).all():
        return int(values[0])
    return values.tolist()


def encode_varints(values: np.ndarray) -> str:
    """Signed integers as zig-zag LEB128 varints, in base64.

    Each number takes 7 bits a byte, the high bit set on every byte but its last;
    ``-1, 1, -2, 2`` are written ``1, 2, 3, 4`` (zig-zag), so small deltas of either
    sign take one or two bytes. ``data/webmap_compact.js`` decodes them.

    Examples
    --------
    >>> encode_varints(np.array([0, -1, 1, 64, -300]))
    'AAECgAHXBA=='
    >>> decode_varints("AAECgAHXBA==").tolist()
    [0, -1, 1, 64, -300]
    """
    values = np.asarray(values, dtype=np.int64)
    zigzag = ((values << 1) ^ (values >> 63)).astype(np.uint64)
    width = np.ones(len(zigzag), dtype=np.int64)
    for k in range(1, 10):
        width += zigzag >= np.uint64(1 << (7 * k))
    start = np.cumsum(width) - width
    out = np.zeros(int(width.sum()), dtype=np.uint8)
    for k in range(int(width.max()) if len(width) else 0):
        at = width > k
        group = (zigzag[at] >> np.uint64(7 * k)) & np.uint64(0x7F)
        more = np.where(width[at] > k + 1, 0x80, 0).astype(np.uint64)
        out[start[at] + k] = (group | more).astype(np.uint8)
    return base64.b64encode(out.tobytes()).decode("ascii")


def decode_varints(text: str) -> np.ndarray:
    """Decode :func:`encode_varints` (as the browser does); used by the tests."""
    raw = np.frombuffer(base64.b64decode(text), dtype=np.uint8).astype(np.uint64)
    last = np.flatnonzero(raw < 0x80)
    first = np.concatenate([[0], last[:-1] + 1]).astype(np.int64)
    position = np.arange(len(raw)) - np.repeat(first, last - first + 1)
    number = np.repeat(np.arange(len(last)), last - first + 1)
    zigzag = np.zeros(len(last), dtype=np.uint64)
    shift = np.uint64(7) * position.astype(np.uint64)
    np.add.at(zigzag, number, (raw & np.uint64(0x7F)) << shift)
    return (zigzag >> np.uint64(1)).astype(np.int64) ^ -(zigzag & np.uint64(1)).astype(np.int64)


def encode_geometry(geoms: Sequence, *, decimals: int = 6, binary: bool = False) -> dict:
    """Encode lon/lat geometries as delta-coded integers.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        Points, lines, polygons or their multi-part versions, in degrees (WGS84 or
        GCJ-02), one per feature; missing or empty geometries are allowed.
    decimals : int, default 6
        Decimal places kept (6: 1e-6 degree, about 0.1 m).
    binary : bool, default False
        Write ``c`` as one base64 string of varints (:func:`encode_varints`) instead of
        a list of integers.

    Returns
    -------
    dict
        ``n`` (features), ``q`` (the quantum, ``10**-decimals``), ``o`` (the first
        vertex, in quanta), ``c`` (x, y deltas in quanta, interleaved), ``v`` (vertices
        per ring), ``r`` (rings per part), ``k`` (kind per part: 0 point, 1 line, 2
        polygon) and ``p`` (parts per feature); ``v``, ``r``, ``k`` and ``p`` are single
        numbers when they are the same throughout.

    Raises
    ------
    ValueError
        For a geometry collection.
    """
    geoms = np.asarray(geoms, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if (shapely.get_type_id(geoms) == 7).any():
        raise ValueError("compact map layers take points, lines and polygons only")
    parts, owner = shapely.get_parts(np.where(keep, geoms, None), return_index=True)
    types = shapely.get_type_id(parts)
    kind = np.vectorize(_KIND.get, otypes=[np.int64])(types) if len(types) else types
    polygon = kind == 2
    # rings in part order: a polygon's rings, a line or point as one "ring"
    rings, ring_part = shapely.get_rings(parts[polygon], return_index=True)
    ring_part = np.flatnonzero(polygon)[ring_part]
    ring_geoms = np.concatenate([rings, parts[~polygon]])
    ring_part = np.concatenate([ring_part, np.flatnonzero(~polygon)])
    order = np.argsort(ring_part, kind="stable")
    ring_geoms, ring_part = ring_geoms[order], ring_part[order]
    coords, ring_of = shapely.get_coordinates(ring_geoms, return_index=True)
    n_rings = len(ring_geoms)
    per_ring = np.bincount(ring_of, minlength=n_rings)
    # drop the closing vertex of polygon rings (the browser closes them)
    closed = polygon[ring_part]
    last = np.cumsum(per_ring) - 1
    drop = np.zeros(len(coords), dtype=bool)
    drop[last[closed & (per_ring > 0)]] = True
    coords = coords[~drop]
    per_ring = per_ring - closed.astype(np.int64)
    scale = 10.0**decimals
    quanta = np.round(coords * scale).astype(np.int64)
    origin = quanta[0] if len(quanta) else np.zeros(2, dtype=np.int64)
    deltas = np.diff(quanta, axis=0, prepend=origin[None, :]) if len(quanta) else quanta
    return {
        "n": len(geoms),
        "q": 10.0**-decimals,
        "o": origin.tolist(),
        "c": encode_varints(deltas.ravel()) if binary else deltas.ravel().tolist(),
        "v": _counts(per_ring),
        "r": _counts(np.bincount(ring_part, minlength=len(parts))),
        "k": _counts(kind),
        "p": _counts(np.bincount(owner, minlength=len(geoms))),
    }


def _expand(value: int | list[int], n: int) -> np.ndarray:
    return np.full(n, value, dtype=np.int64) if isinstance(value, int) else np.asarray(value)


def decode_geometry(data: dict) -> list[list[list[np.ndarray]]]:
    """Decode :func:`encode_geometry` (as the browser does): features, parts, rings.

    Each ring is an ``(n, 2)`` array of lon/lat in degrees, polygon rings without their
    closing vertex. Used by the tests to check the encoding against the source.
    """
    q = data["q"]
    c = data["c"]
    deltas = decode_varints(c) if isinstance(c, str) else np.asarray(c, dtype=np.int64)
    xy = np.cumsum(deltas.reshape(-1, 2), axis=0)
    xy = (xy + np.asarray(data["o"], dtype=np.int64)) * q if len(xy) else xy.astype(float)
    per_feature = _expand(data["p"], data["n"])
    per_part = _expand(data["r"], int(per_feature.sum()))
    per_ring = _expand(data["v"], int(per_part.sum()))
    ends = np.cumsum(per_ring)
    rings = [xy[e - n : e] for e, n in zip(ends, per_ring, strict=True)]
    part_ends = np.cumsum(per_part)
    parts = [rings[e - n : e] for e, n in zip(part_ends, per_part, strict=True)]
    feature_ends = np.cumsum(per_feature)
    return [parts[e - n : e] for e, n in zip(feature_ends, per_feature, strict=True)]


def encode_column(values: Sequence, *, decimals: int | None = None, binary: bool = False) -> dict:
    """Encode one attribute column.

    Parameters
    ----------
    values : sequence
        Text (missing values become ``""``, which the browser leaves out of popups) or
        numbers (with ``decimals``).
    decimals : int, optional
        Numbers: round to this many decimal places (``None``: the values are text).
    binary : bool, default False
        Write the indices ``i`` as one base64 string of varints (:func:`encode_varints`).

    Returns
    -------
    dict
        ``{"n": [...]}`` for numbers (NaN becomes null), ``{"c": value}`` for text that
        is the same in every row (an empty ``source`` column), ``{"u": distinct, "i":
        indices}`` for text with at most half as many distinct values as rows,
        otherwise ``{"s": [...]}``.
    """
    if decimals is not None:
        numbers = np.round(np.asarray(values, dtype=float), decimals)
        return {"n": [None if np.isnan(x) else x for x in numbers.tolist()]}
    text = pd.Series(values, dtype=object).where(pd.notna(pd.Series(values, dtype=object)), "")
    text = text.astype(str)
    codes, uniques = pd.factorize(text, sort=False)
    if len(uniques) == 1 and len(text) > 1:
        return {"c": str(uniques[0])}
    if len(uniques) * 2 <= len(text):
        return {"u": uniques.tolist(), "i": encode_varints(codes) if binary else codes.tolist()}
    return {"s": text.tolist()}


def encode_layer(
    geoms: Sequence,
    *,
    style_index: Sequence[int],
    title: Sequence,
    subtitle: Sequence | None = None,
    short: Sequence | None = None,
    rows: Sequence[tuple[str, Sequence]] = (),
    radius: Sequence[float] | None = None,
    decimals: int = 6,
) -> dict:
    """One compact layer: geometry, style per feature, tooltip and popup columns.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        In degrees, one per feature.
    style_index : sequence of int
        Index of each feature's style in the layer's list of styles.
    title, subtitle, short : sequence of str
        Per feature: the popup and tooltip title, the subtitle (shown when it differs
        from the title) and the tooltip's last line.
    rows : sequence of (label, values)
        The popup's table: a label and one value per feature (empty values are left
        out, as in the GeoJSON path).
    radius : sequence of float, optional
        Circle radius in pixels (points).
    decimals : int, default 6
        Coordinate decimal places.

    Returns
    -------
    dict
        ``g`` (see :func:`encode_geometry`), ``n`` (features), ``s`` (style indices, a
        single index or varints), ``a`` (title, subtitle, short columns), ``rows``
        (label and column pairs; a column the same as one of ``a`` is written
        ``{"a": key}``: the identifier row repeats the title) and optionally ``rad``.
        Text indices are varints (:func:`encode_column` with ``binary=True``).
    """
    n = len(geoms)
    columns = {"t": encode_column(title, binary=True)}
    if subtitle is not None:
        columns["st"] = encode_column(subtitle, binary=True)
    if short is not None:
        columns["sh"] = encode_column(short, binary=True)

    def row_column(values) -> dict:
        encoded = encode_column(values, binary=True)
        if "c" not in encoded:
            for key, other in columns.items():
                if other == encoded:
                    return {"a": key}
        return encoded

    styles = np.asarray(style_index, dtype=np.int64)
    counts = _counts(styles) if n else 0
    out = {
        "g": encode_geometry(geoms, decimals=decimals, binary=True),
        "n": n,
        "s": counts if isinstance(counts, int) else encode_varints(styles),
        "a": columns,
        "rows": [[str(label), row_column(values)] for label, values in rows],
    }
    if radius is not None:
        out["rad"] = encode_column(radius, decimals=1)
    return out


def compact_data(overlay, lonlat: Sequence) -> dict:
    """The compact layer of an overlay whose text is in columns.

    Parameters
    ----------
    overlay : parkmap.maps.overlays.Overlay
        An overlay with :attr:`~parkmap.maps.overlays.Overlay.columns`.
    lonlat : sequence of shapely geometries
        Its geometries as drawn (degrees, rounded).

    Returns
    -------
    dict
        See :func:`encode_layer`.
    """
    columns = overlay.columns
    return encode_layer(
        lonlat,
        style_index=overlay.style_index,
        title=columns["title"],
        subtitle=columns["subtitle"],
        short=columns["short"],
        rows=list(columns["rows"].items()),
        radius=overlay.radius,
    )
