"""What a file really is, when GDAL does not open it, and what JSON files say about CRS.

* A DataV GeoAtlas / AMap boundary is often saved as a bare JSON array of GeoJSON
  Features, which GDAL does not open: :func:`read_feature_array` reads it as a
  FeatureCollection.
* A GeoJSON file without a ``crs`` member is in WGS84 *by the standard* (RFC 7946), not
  by a declaration of the file: :func:`geojson_declares_crs` tells the two apart, and
  :func:`gcj02_markers` finds the attributes of AMap / DataV data, whose coordinates
  are usually GCJ-02 (so ``--from-gcj02`` applies).
* :func:`describe_unreadable` names what a file is when no reader applies (an HTML
  page, a ZIP archive, a JSON file that is not GeoJSON …), instead of GDAL's advice to
  "prefix the path with '<DRIVER>:'".
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd

from parkmap.errors import DataFileError

__all__ = [
    "describe_unreadable",
    "gcj02_markers",
    "geojson_declares_crs",
    "is_feature_array",
    "read_feature_array",
]

#: Attribute names found in DataV GeoAtlas boundaries and AMap exports.
_GCJ_FIELDS = ("adcode", "acroutes", "citycode", "amap_id", "poiid", "typecode")
_HEAD = 65536


def _head(path: Path, size: int = _HEAD) -> bytes:
    with Path(path).open("rb") as f:
        return f.read(size)


def _first_char(data: bytes) -> str:
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text[:1].decode("ascii", errors="replace")


def is_feature_array(path) -> bool:
    """Whether a JSON file is a top-level array whose first item is a GeoJSON Feature."""
    head = _head(Path(path))
    if _first_char(head[:4096]) != "[":
        return False
    return re.search(rb'"type"\s*:\s*"Feature"', head) is not None


def read_feature_array(path) -> gpd.GeoDataFrame:
    """Read a JSON array of GeoJSON Features (DataV / AMap boundaries).

    Parameters
    ----------
    path : path-like
        A ``.json`` file whose top level is ``[{"type": "Feature", ...}, ...]``.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326 (the GeoJSON convention; the coordinates may in fact be GCJ-02,
        see :func:`gcj02_markers`). Nested property values (lists, objects) are kept
        as JSON text.

    Raises
    ------
    parkmap.errors.DataFileError
        If the file is not such an array.
    """
    path = Path(path)
    try:
        items = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataFileError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(items, list):
        raise DataFileError(f"{path}: not a JSON array of GeoJSON Features")
    bad = [
        i
        for i, f in enumerate(items)
        if not (isinstance(f, dict) and f.get("type") == "Feature" and "geometry" in f)
    ]
    if bad:
        raise DataFileError(
            f"{path}, item #{bad[0] + 1}: not a GeoJSON Feature; parkmap reads a JSON array "
            "only when every item is a Feature"
        )
    for feature in items:
        props = feature.get("properties") or {}
        feature["properties"] = {
            k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
            for k, v in props.items()
        }
    return gpd.GeoDataFrame.from_features(items, crs="EPSG:4326")


def geojson_declares_crs(path) -> bool:
    """Whether a GeoJSON file carries a (pre-RFC 7946) ``crs`` member.

    Only the start of the file is read; the ``crs`` member of the files that have one
    comes before the features.
    """
    head = _head(Path(path))
    return re.search(rb'"crs"\s*:\s*\{', head) is not None


def gcj02_markers(columns) -> list[str]:
    """The attribute names that mark DataV / AMap data (coordinates likely GCJ-02)."""
    names = {str(c).lower(): str(c) for c in columns}
    return [names[f] for f in _GCJ_FIELDS if f in names]


def describe_unreadable(path) -> str:
    """What a file is, in words a planner can act on, when no GIS reader opens it.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    str
        For example ``"an HTML page (a web page saved instead of the data)"``.
    """
    path = Path(path)
    data = _head(path, 4096)
    if not data:
        return "an empty file"
    lower = data.lstrip().lower()
    first = _first_char(data)
    if data.startswith(b"PK\x03\x04"):
        return "a ZIP archive: unpack it and import the files inside"
    if data.startswith(b"%PDF"):
        return "a PDF document, not map data"
    if data[:4] in (b"\x89PNG", b"GIF8") or data[:3] == b"\xff\xd8\xff":
        return "an image, not map data"
    if lower.startswith((b"<!doctype html", b"<html")):
        return "an HTML page (a web page saved instead of the data)"
    if first in "[{":
        try:
            value = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError, OSError):
            return "a JSON file that is not valid JSON (truncated or damaged)"
        if isinstance(value, list):
            kinds = {type(v).__name__ for v in value[:50]}
            return (
                f"a JSON array of {len(value)} item(s) ({', '.join(sorted(kinds))}) without "
                "GeoJSON geometry"
            )
        if isinstance(value, dict):
            keys = ", ".join(list(value)[:6])
            return f"a JSON object without GeoJSON geometry (keys: {keys})"
    return "not a format parkmap recognises"
