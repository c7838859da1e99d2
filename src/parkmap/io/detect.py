"""What a file without metadata holds: its text encoding and its coordinate system.

Files handed over by land bureaus and designers often lack the metadata that says how to
read them: a Shapefile without ``.cpg`` (text in GBK) or without ``.prj`` (coordinates
in Gauss-Kruger metres), a CAD drawing whose code page is not declared. This module
looks at the bytes and the numbers and says what they can be. It never decides alone:
an encoding is chosen only when the bytes decode cleanly in exactly the way reported,
and a missing CRS yields a ranked list of candidates for the user to confirm.

Encodings are detected by strict decoding, not statistically: the bytes are either
valid UTF-8, or valid GB18030 (the superset of GBK / cp936 that Chinese GIS software
writes), or neither. Short attribute texts (a few place names) are too short for a
statistical detector such as ``charset-normalizer`` to be sure, while strict decoding
is exact on them: text in GBK is practically never valid UTF-8.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer

from parkmap.crs import WGS84, cgcs2000_gk3_epsg, in_china
from parkmap.errors import DataFileError

__all__ = [
    "AREA_OF_USE_MARGIN_DEG",
    "CRSCandidate",
    "EncodingChoice",
    "bytes_encoding",
    "crs_candidates",
    "dbf_record_count",
    "dxf_encoding",
    "extent_problem",
    "garbled",
    "import_command",
    "shapefile_encoding",
]


def import_command(paths, *options: str, output: str = "park.gpkg") -> str:
    """The ``parkmap import`` command line that reads ``paths`` with ``options``.

    Advice in messages is this full command line, runnable as printed whatever command
    read the files (``parkmap report --data raw.shp`` has no import options).

    Examples
    --------
    >>> import_command(["地类图斑.shp"], "--encoding gbk")
    'parkmap import 地类图斑.shp --encoding gbk -o park.gpkg'
    >>> import_command(["my data/roads.shp"], "--s-srs EPSG:4524")
    "parkmap import 'my data/roads.shp' --s-srs EPSG:4524 -o park.gpkg"
    """
    import shlex

    files = [str(p) if re.fullmatch(r"[\w@%+=:,./-]+", str(p)) else shlex.quote(str(p))
             for p in paths]  # fmt: skip
    return " ".join(["parkmap import", *files, *options, "-o", output])


#: Extra degrees allowed around a CRS's area of use before coordinates count as absurd.
AREA_OF_USE_MARGIN_DEG = 3.0

# Gauss-Kruger northings found in China, m (degree coordinates: parkmap.crs.in_china).
_GK_NORTHING = (300_000.0, 6_100_000.0)

_CODEPAGE_ALIASES = {
    "936": "cp936",
    "ansi_936": "cp936",
    "54936": "gb18030",
    "65001": "utf-8",
    "utf8": "utf-8",
    "1252": "cp1252",
    "ansi_1252": "cp1252",
    "950": "cp950",
    "ansi_950": "cp950",
}


@dataclass(frozen=True)
class EncodingChoice:
    """The text encoding used to read a file, and how it was chosen.

    Attributes
    ----------
    encoding : str
        Python / iconv codec name (``"utf-8"``, ``"gb18030"``, ``"cp936"`` …).
    how : str
        ``"given"`` (by the user), ``".cpg file"``, ``"DXF header"``, ``"detected"``
        or ``"ASCII only"``.
    """

    encoding: str
    how: str

    def __str__(self) -> str:
        return f"{self.encoding} ({self.how})"


def _codec(name: str) -> str:
    """Normalise a code-page name (``936``, ``ANSI_936``, ``GBK``) to a Python codec name."""
    key = name.strip().lower().replace("-", "_").replace(" ", "")
    key = _CODEPAGE_ALIASES.get(key, _CODEPAGE_ALIASES.get(key.replace("_", ""), key))
    try:
        return codecs.lookup(key).name
    except LookupError:
        raise DataFileError(f"unknown text encoding {name!r}") from None


def bytes_encoding(data: bytes) -> str | None:
    """Which encoding a run of bytes is written in: ``"ascii"``, ``"utf-8"``, ``"gb18030"``.

    Parameters
    ----------
    data : bytes
        Attribute text as stored in the file.

    Returns
    -------
    str or None
        None when the bytes are neither UTF-8 nor GB18030 (GBK).

    Examples
    --------
    >>> bytes_encoding("工业用地".encode("gbk")), bytes_encoding("工业用地".encode())
    ('gb18030', 'utf-8')
    """
    if data.isascii():
        return "ascii"
    for codec in ("utf-8", "gb18030"):
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return None


def _dbf_text(path: Path) -> tuple[bytes, int, int]:
    """Field names and record bytes of a .dbf, the record count in the header and on disk."""
    raw = path.read_bytes()
    if len(raw) < 32:
        raise DataFileError(f"{path}: truncated .dbf file ({len(raw)} bytes)")
    n_records, header_len, record_len = struct.unpack("<IHH", raw[4:12])
    complete = (len(raw) - header_len) // record_len if record_len else 0
    return raw[32:header_len] + raw[header_len:], n_records, max(0, complete)


def dbf_record_count(path: str | os.PathLike) -> tuple[int, int]:
    """Records a .dbf header announces and records actually present in the file."""
    _, announced, present = _dbf_text(Path(path))
    return announced, min(announced, present)


def _describe(codec: str) -> str:
    return {"gb18030": "GBK/GB18030", "cp936": "GBK (cp936)", "utf-8": "UTF-8"}.get(codec, codec)


def shapefile_encoding(path: str | os.PathLike, encoding: str | None = None) -> EncodingChoice:
    """Choose the text encoding of a Shapefile and check that its text decodes with it.

    The order is: the ``encoding`` given by the user, the ``.cpg`` file beside the
    Shapefile, then detection from the bytes of the ``.dbf``. Whatever is chosen must
    decode every text byte of the ``.dbf`` (field names and values) strictly; anything
    else would write garbled text, so it raises instead.

    Parameters
    ----------
    path : path-like
        The ``.shp`` file (its ``.dbf`` and ``.cpg`` are found beside it).
    encoding : str, optional
        The encoding named by the user.

    Returns
    -------
    EncodingChoice

    Raises
    ------
    parkmap.errors.DataFileError
        If the text does not decode with the declared or given encoding, or is neither
        UTF-8 nor GB18030 when nothing is declared.
    """
    shp = Path(path)
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.is_file()), None)
    if dbf is None:
        raise DataFileError(f"{shp}: no .dbf file beside it; a Shapefile needs its .dbf")
    text, _, _ = _dbf_text(dbf)
    found = bytes_encoding(text)
    cpg = next((p for p in (shp.with_suffix(".cpg"), shp.with_suffix(".CPG")) if p.is_file()), None)
    if encoding is not None:
        choice = EncodingChoice(_codec(encoding), "given")
    elif cpg is not None:
        declared = cpg.read_text(encoding="ascii", errors="replace").strip()
        choice = EncodingChoice(_codec(declared), ".cpg file")
    elif found is None:
        raise DataFileError(
            f"{dbf}: text is neither UTF-8 nor GBK/GB18030 and there is no .cpg file; "
            f"name the encoding: {import_command([shp], '--encoding <codec>')}"
        )
    elif found == "ascii":
        return EncodingChoice("utf-8", "ASCII only")
    else:
        return EncodingChoice(found, "detected")
    try:
        text.decode(choice.encoding)
    except UnicodeDecodeError:
        hint = f"it reads as {_describe(found)}" if found and found != "ascii" else "no clue"
        fix = f"--encoding {found}" if found and found != "ascii" else "--encoding <codec>"
        raise DataFileError(
            f"{dbf}: text is not {_describe(choice.encoding)} as the {choice.how} says "
            f"({hint}); if that is right: {import_command([shp], fix)}"
        ) from None
    return choice


_DXF_VAR = re.compile(rb"\$(ACADVER|DWGCODEPAGE)\s*\r?\n\s*\d+\s*\r?\n([^\r\n]*)")


def dxf_encoding(
    path: str | os.PathLike, encoding: str | None = None
) -> tuple[EncodingChoice, bool]:
    """Text encoding of a DXF drawing, and whether it has a HEADER section.

    Drawings from AutoCAD 2007 on are UTF-8 whatever ``$DWGCODEPAGE`` says; older
    ones use the declared code page (``ANSI_936`` = GBK in China). Drawings without a
    header declare nothing. Either way the bytes must decode with the result.

    Parameters
    ----------
    path : path-like
        The ``.dxf`` file.
    encoding : str, optional
        The encoding named by the user.

    Returns
    -------
    choice : EncodingChoice
    has_header : bool
        Whether the file declares its variables (GDAL honours ``DXF_ENCODING`` only then).
    """
    path = Path(path)
    raw = path.read_bytes()
    head = dict(
        (k.decode(), v.strip().decode("ascii", "replace"))
        for k, v in _DXF_VAR.findall(raw[:200_000])
    )
    has_header = b"HEADER" in raw[:2000]
    found = bytes_encoding(raw)
    if encoding is not None:
        choice = EncodingChoice(_codec(encoding), "given")
    elif head.get("ACADVER", "AC1000") >= "AC1021" and found in ("ascii", "utf-8"):
        choice = EncodingChoice("utf-8", "DXF header (AutoCAD 2007 or later)")
    elif "DWGCODEPAGE" in head and head["DWGCODEPAGE"].upper() != "ANSI_1252":
        choice = EncodingChoice(_codec(head["DWGCODEPAGE"]), "DXF header")
    elif found is None:
        raise DataFileError(
            f"{path}: text is neither UTF-8 nor GBK/GB18030 and the drawing declares no "
            f"code page; name the encoding: {import_command([path], '--encoding <codec>')}"
        )
    else:
        choice = EncodingChoice("utf-8" if found == "ascii" else found, "detected")
    try:
        raw.decode(choice.encoding)
    except UnicodeDecodeError:
        fix = f"--encoding {found or '<codec>'}"
        raise DataFileError(
            f"{path}: text is not {_describe(choice.encoding)} as the {choice.how} says"
            + (f" (it reads as {_describe(found)})" if found else "")
            + f"; name the encoding: {import_command([path], fix)}"
        ) from None
    return choice, has_header


_MOJIBAKE_LATIN = re.compile(r"[\u00c0-\u00ff][\u0080-\u00bf]|[\u0080-\u009f]")


def garbled(text: str) -> str | None:
    """Why a text looks garbled (wrongly decoded), or None when it looks fine.

    Catches the replacement character U+FFFD, C1 control characters and the Latin-1
    pattern that UTF-8 or GBK text takes when read with the wrong code page.

    Examples
    --------
    >>> garbled("工业用地") is None
    True
    >>> garbled("工业用地".encode("gbk").decode("latin-1"))
    "looks like GBK/GB18030 read as Latin-1 ('工业用地')"
    """
    if "\ufffd" in text:
        return "holds the replacement character U+FFFD (text decoded with a wrong encoding)"
    if not _MOJIBAKE_LATIN.search(text):
        return None
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return None
    for codec in ("utf-8", "gb18030"):
        try:
            fixed = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if re.search(r"[\u4e00-\u9fff]", fixed):
            return f"looks like {_describe(codec)} read as Latin-1 ({fixed!r})"
    return None


# -- coordinate systems ---------------------------------------------------------------------
@dataclass(frozen=True)
class CRSCandidate:
    """A coordinate reference system that fits a file's coordinates.

    Attributes
    ----------
    epsg : int
        EPSG code.
    name : str
        CRS name.
    reason : str
        Why it fits.
    """

    epsg: int
    name: str
    reason: str

    def __str__(self) -> str:
        return f"EPSG:{self.epsg} ({self.name}; {self.reason})"


@lru_cache(maxsize=128)
def _crs_name(epsg: int) -> str:
    return CRS.from_epsg(epsg).name


def _candidate(epsg: int, reason: str) -> CRSCandidate:
    return CRSCandidate(epsg, _crs_name(epsg), reason)


@lru_cache(maxsize=64)
def _to_wgs84(epsg: int) -> Transformer:
    return Transformer.from_crs(CRS.from_epsg(epsg), WGS84, always_xy=True)


def _centre_lonlat(bounds, epsg: int) -> tuple[float, float]:
    x0, y0, x1, y1 = bounds
    lon, lat = _to_wgs84(epsg).transform((x0 + x1) / 2, (y0 + y1) / 2)
    return float(lon), float(lat)


def crs_candidates(bounds, *, near: tuple[float, float] | None = None) -> list[CRSCandidate]:
    """Coordinate systems that could hold coordinates with these bounds, best first.

    Recognised: longitude/latitude degrees in China (CGCS2000 EPSG:4490 and WGS84
    EPSG:4326, which differ by less than a metre); CGCS2000 3-degree Gauss-Kruger with
    the zone number in front of the easting (e.g. 36 433 000 → zone 36, EPSG:4524) or
    6-degree zones (13–23, EPSG:4491–4501); and 3-degree Gauss-Kruger without the
    prefix, where every zone whose area of use holds the data fits (EPSG:4534–4554) and
    only other data can tell which.
    Xi'an 1980 and Beijing 1954 grids use the same numbers; they are named in the
    reasons, never chosen.

    Parameters
    ----------
    bounds : sequence of 4 float
        ``(xmin, ymin, xmax, ymax)`` of the data.
    near : (float, float), optional
        Longitude and latitude of other data of the same park; unprefixed zones are
        ranked by their distance to it.

    Returns
    -------
    list of CRSCandidate
        Empty when nothing fits.

    Examples
    --------
    >>> [c.epsg for c in crs_candidates((36_433_000, 3_355_000, 36_435_000, 3_356_000))]
    [4524]
    """
    x0, y0, x1, y1 = (float(v) for v in bounds)
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        return []
    if in_china(x0, y0, x1, y1):
        why = "longitude/latitude degrees in China"
        return [_candidate(4490, why), _candidate(4326, why + "; within 1 m of CGCS2000")]
    if not (_GK_NORTHING[0] <= y0 and y1 <= _GK_NORTHING[1]):
        return []
    zone, zone_end = int(x0 // 1_000_000), int(x1 // 1_000_000)
    if zone == zone_end and 13 <= zone <= 45 and zone != 24:
        within = x0 - zone * 1_000_000
        if 100_000 <= within <= 900_000:
            if zone >= 25:
                epsg, alt = 4513 + zone - 25, f"Xi'an 1980 EPSG:{2349 + zone - 25}"
                central = 3 * zone
            else:
                epsg, alt = 4491 + zone - 13, "Xi'an 1980 or Beijing 1954"
                central = 6 * zone - 3
            reason = (
                f"eastings start with zone number {zone}, CM {central}E; "
                f"{alt} uses the same numbers"
            )
            return [_candidate(epsg, reason)]
    if x0 >= 100_000 and x1 <= 900_000:
        epsgs = list(range(4534, 4555))
        # only zones whose area of use holds the data: the advice must import as printed
        inside = [c for c in epsgs if _in_area_of_use((x0, y0, x1, y1), c)]
        epsgs = inside or epsgs
        if near is not None:
            best = cgcs2000_gk3_epsg(near[0])

            def distance(code: int) -> float:
                lon, lat = _centre_lonlat((x0, y0, x1, y1), code)
                return math.hypot(lon - near[0], lat - near[1])

            epsgs.sort(key=lambda code: (code != best, distance(code)))
            reason = "eastings without zone prefix; ranked by distance to the other sources"
        else:
            reason = "eastings without zone prefix: any 3-degree zone fits; name the zone"
        return [_candidate(code, reason) for code in epsgs]
    return []


def _in_area_of_use(bounds, epsg: int) -> bool:
    """Whether the centre of ``bounds`` (in EPSG:``epsg``) lies in that CRS's area of use."""
    area = CRS.from_epsg(epsg).area_of_use
    if area is None:
        return True
    lon, lat = _centre_lonlat(bounds, epsg)
    m = AREA_OF_USE_MARGIN_DEG
    return area.west - m <= lon <= area.east + m and area.south - m <= lat <= area.north + m


def extent_problem(bounds, crs) -> str | None:
    """Why coordinates with these bounds cannot be in ``crs``, or None when they can.

    Checks that the data fall inside the CRS's area of use (with a margin of
    :data:`AREA_OF_USE_MARGIN_DEG`), and says when swapping x and y would fix it (the
    usual mistake: latitude first, or northing first).

    Parameters
    ----------
    bounds : sequence of 4 float
        ``(xmin, ymin, xmax, ymax)`` in ``crs``.
    crs : CRS-like

    Returns
    -------
    str or None
        A message starting with ``"axes swapped"`` when x and y look exchanged.
    """
    crs = CRS.from_user_input(crs)

    def fits(b) -> bool:
        x0, y0, x1, y1 = (float(v) for v in b)
        if crs.is_geographic and (abs(y0) > 90 or abs(y1) > 90 or abs(x0) > 180 or abs(x1) > 180):
            return False
        area = crs.area_of_use
        if area is None:
            return True
        to_wgs = Transformer.from_crs(crs, WGS84, always_xy=True)
        xs = np.array([x0, x1, x0, x1, (x0 + x1) / 2])
        ys = np.array([y0, y0, y1, y1, (y0 + y1) / 2])
        with np.errstate(all="ignore"):
            lon, lat = to_wgs.transform(xs, ys)
        m = AREA_OF_USE_MARGIN_DEG
        return bool(
            np.all(np.isfinite(lon))
            and np.all(np.isfinite(lat))
            and np.all((lon >= area.west - m) & (lon <= area.east + m))
            and np.all((lat >= area.south - m) & (lat <= area.north + m))
        )

    if fits(bounds):
        return None
    x0, y0, x1, y1 = bounds
    label = f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.name
    if fits((y0, x0, y1, x1)):
        what = "latitude/longitude" if crs.is_geographic else "northing/easting"
        return (
            f"axes swapped: x {x0:.6g}…{x1:.6g}, y {y0:.6g}…{y1:.6g} are {what} in the "
            f"wrong order for {label}"
        )
    hint = crs_candidates(bounds)
    also = f"; the numbers fit {hint[0]}" if hint and hint[0].epsg != crs.to_epsg() else ""
    return (
        f"coordinates x {x0:.6g}…{x1:.6g}, y {y0:.6g}…{y1:.6g} lie outside the area of "
        f"use of {label} ({crs.name}){also}"
    )
