"""Importing planners' own data: bureau GIS files and CAD drawings into a Park.

:func:`import_park` reads Shapefile, GeoPackage (every layer), GeoJSON, GeoParquet,
KML, FlatGeobuf and DXF, finds out what each source holds (encoding, CRS, standard
field names), maps it onto the park layers, repairs what can be repaired and says so,
and builds a :class:`~parkmap.park.Park`. Nothing is guessed silently: a missing CRS
with several candidates, swapped axes, text that does not decode, or a file that cannot
be read each stop the import with one line naming the file, layer and feature. What
can be fixed without doubt (an invalid polygon, an empty geometry, a closed CAD
polyline) is fixed and listed in the :class:`ImportReport`.

Inputs are only ever opened for reading.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer

from parkmap import io
from parkmap.crs import WGS84, crs_label, gcj02_to_wgs84, to_crs
from parkmap.detect import (
    AREA_OF_USE_MARGIN_DEG,
    EncodingChoice,
    crs_candidates,
    dbf_record_count,
    dxf_encoding,
    extent_problem,
    garbled,
    shapefile_encoding,
)
from parkmap.errors import CRSError, DataFileError
from parkmap.fieldmap import (
    FieldMapping,
    LayerRule,
    auto_columns,
    auto_target,
    load_mapping,
    translate_landuse,
    translate_values,
)
from parkmap.park import Park, _choose_crs, _keep_kind
from parkmap.schema import LAYERS, LINE, POINT_OR_POLYGON, POLYGON, Problem, feature_ids

__all__ = [
    "FORMATS",
    "ImportReport",
    "SourceReport",
    "import_park",
    "read_park",
    "repair_geometries",
]

log = logging.getLogger("parkmap")

#: File suffixes parkmap imports, and the format each stands for.
FORMATS = {
    ".shp": "ESRI Shapefile",
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
    ".kml": "KML",
    ".dxf": "DXF",
    ".fgb": "FlatGeobuf",
}

#: Relative difference between a declared area (三调 TBMJ) and the geometry's area
#: above which the feature is reported.
AREA_MISMATCH_SHARE = 0.05

_FAMILIES = {"point": ("Point", "MultiPoint"), "line": LINE, "polygon": POLYGON}
_DXF_KEEP = {"Layer": "dxf_layer", "EntityHandle": "cad_handle", "Text": "cad_text"}
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(?:m|米|层|亩|m2|㎡|平方米)?\s*$", re.IGNORECASE)
_BOOL = {"true": True, "false": False, "1": True, "0": False, "是": True, "否": False,
         "y": True, "n": False, "yes": True, "no": False}  # fmt: skip


# -- report ---------------------------------------------------------------------------------
@dataclass
class SourceReport:
    """What was read from one source layer and where it went.

    Attributes
    ----------
    file : str
        The file.
    layer : str or None
        Layer in the file (GeoPackage / KML layer, DXF layer name).
    format : str
        File format.
    features : int
        Features read.
    kept : int
        Features that went into the park.
    target : str or None
        Park layer it became (None when skipped).
    encoding : str or None
        Text encoding used and how it was chosen.
    crs : str or None
        Source CRS and how it was known (file, --s-srs, mapping).
    columns : dict of str to str
        Source field → park column, for renamed fields.
    """

    file: str
    layer: str | None
    format: str
    features: int = 0
    kept: int = 0
    target: str | None = None
    encoding: str | None = None
    crs: str | None = None
    columns: dict[str, str] = field(default_factory=dict)

    def format_line(self) -> str:
        """One line: what was read, how, and where it went."""
        where = f"{self.file}" + (f", layer '{self.layer}'" if self.layer else "")
        parts = [f"{self.features} feature(s)"]
        if self.target is None:
            parts.append("skipped")
        else:
            parts.append(f"{self.kept} kept as '{self.target}'")
        if self.encoding:
            parts.append(f"encoding {self.encoding}")
        if self.crs:
            parts.append(f"CRS {self.crs}")
        if self.columns:
            parts.append("fields " + ", ".join(f"{s}→{t}" for s, t in self.columns.items()))
        return f"{where} ({self.format}): " + "; ".join(parts)


@dataclass
class ImportReport:
    """Everything an import found and did: sources read, repairs, drops, unknown codes.

    Attributes
    ----------
    sources : list of SourceReport
        One per source layer.
    problems : list of parkmap.schema.Problem
        Repairs, dropped features, unknown codes and other findings, each naming the
        file, layer and feature. Validation problems of the park are in
        :attr:`Park.problems`, not here.
    unknown_codes : dict of str to dict of str to int
        Per source (``file`` or ``file:layer``): land-use codes no table knows, with
        their feature counts.
    crs : str
        The park's CRS.
    """

    sources: list[SourceReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    crs: str = ""

    def lines(self) -> list[str]:
        """The report as lines: one per source, then one per problem."""
        return [s.format_line() for s in self.sources] + [str(p) for p in self.problems]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict:
        """The report as plain data (JSON-serialisable); stored in the park's metadata."""
        return {
            "crs": self.crs,
            "sources": [asdict(s) for s in self.sources],
            "problems": [asdict(p) for p in self.problems],
            "unknown_codes": self.unknown_codes,
        }


class _Collector:
    """Collects problems for one source layer."""

    def __init__(self, report: ImportReport, file: str, layer: str) -> None:
        self.report, self.file, self.layer = report, file, layer

    def add(self, message: str, feature=None, column=None, severity: str = "warning") -> None:
        self.report.problems.append(
            Problem(severity, self.layer, message, feature, column, self.file)
        )

    def features(self, ids: Iterable, message: str, limit: int = 20) -> None:
        ids = list(ids)
        for fid in ids[:limit]:
            self.add(message, fid)
        if len(ids) > limit:
            self.add(f"{message} (and {len(ids) - limit} more features)")


# -- reading --------------------------------------------------------------------------------
@dataclass
class _Source:
    path: Path
    layer: str | None
    gdf: gpd.GeoDataFrame
    fmt: str
    encoding: EncodingChoice | None = None
    dxf_layer: str | None = None

    @property
    def label(self) -> str:
        return self.layer or self.path.stem


class _GdalErrors(logging.Handler):
    """Catches the GDAL errors fiona logs while a feature is read."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _gdal_errors() -> Iterator[_GdalErrors]:
    handler = _GdalErrors()
    logger = logging.getLogger("fiona._env")
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _short(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _broken_features(path: Path, layer: str | None, encoding: str | None) -> list[tuple[str, str]]:
    """Walk a layer feature by feature with fiona; (feature, problem) for each unreadable one."""
    import fiona

    broken: list[tuple[str, str]] = []
    kwargs = {"encoding": encoding} if encoding else {}
    with _gdal_errors() as errors, fiona.open(path, layer=layer, **kwargs) as src:
        records = iter(src)
        number = 0
        while True:
            errors.messages.clear()
            try:
                next(records)
            except StopIteration:
                break
            except Exception as err:  # fiona stops at a record it cannot parse
                broken.append((f"#{number + 1}", _short(err)))
                break
            number += 1
            if errors.messages:
                broken.append((f"#{number}", errors.messages[0]))
    return broken


def _read_layer(path: Path, layer: str | None, encoding: str | None = None) -> gpd.GeoDataFrame:
    where = f"{path}" + (f", layer '{layer}'" if layer else "")
    try:
        return pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except Exception as err:
        problem = _short(err)
    with contextlib.suppress(Exception):
        broken = _broken_features(path, layer, encoding)
        if broken:
            feature, why = broken[0]
            raise DataFileError(f"{where}, feature {feature}: cannot be read ({why})")
    raise DataFileError(f"{where}: cannot be read; the file is truncated or corrupt ({problem})")


def _read_shapefile(path: Path, encoding: str | None) -> list[_Source]:
    for suffix in (".shx", ".dbf"):
        if (
            not path.with_suffix(suffix).is_file()
            and not path.with_suffix(suffix.upper()).is_file()
        ):
            raise DataFileError(f"{path}: the {suffix} file of this Shapefile is missing")
    choice = shapefile_encoding(path, encoding)
    dbf = (
        path.with_suffix(".dbf") if path.with_suffix(".dbf").is_file() else path.with_suffix(".DBF")
    )
    announced, present = dbf_record_count(dbf)
    if present < announced:
        raise DataFileError(
            f"{dbf}, feature #{present + 1}: the .dbf is truncated "
            f"({present} of {announced} records present)"
        )
    gdf = _read_layer(path, None, choice.encoding)
    missing = shapely.is_missing(gdf.geometry.array)
    if missing.any():  # null shapes are legal, but GDAL also returns them for corrupt records
        broken = _broken_features(path, None, choice.encoding)
        if broken:
            feature, why = broken[0]
            more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
            raise DataFileError(
                f"{path}, feature {feature}: cannot be read ({why}){more}; "
                "the .shp is truncated or corrupt"
            )
    return [_Source(path, None, gdf, "ESRI Shapefile", choice)]


@contextlib.contextmanager
def _dxf_config(encoding: str | None) -> Iterator[None]:
    before = pyogrio.get_gdal_config_option("DXF_ENCODING")
    pyogrio.set_gdal_config_options({"DXF_ENCODING": encoding})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"DXF_ENCODING": before})


def _read_dxf(path: Path, encoding: str | None) -> list[_Source]:
    choice, has_header = dxf_encoding(path, encoding)
    with _dxf_config(choice.encoding.upper() if has_header else None):
        gdf = _read_layer(path, None)
    if not has_header:  # GDAL read the text as ISO-8859-1, which round-trips every byte
        for col in _text_columns(gdf):
            gdf[col] = gdf[col].map(
                lambda v: v.encode("latin-1").decode(choice.encoding) if isinstance(v, str) else v
            )
    gdf = gdf[[c for c in _DXF_KEEP if c in gdf.columns] + [gdf.geometry.name]]
    gdf = gdf.rename(columns=_DXF_KEEP)
    sources = []
    for name, part in gdf.groupby("dxf_layer", sort=False, dropna=False):
        name = None if pd.isna(name) else str(name)
        sources.append(
            _Source(path, name, part.reset_index(drop=True), "DXF", choice, dxf_layer=name)
        )
    if not sources:
        sources.append(_Source(path, None, gdf, "DXF", choice))
    return sources


def _read_parquet(path: Path) -> list[_Source]:
    try:
        import pyarrow  # noqa: F401
    except ImportError as err:
        raise ImportError(
            "reading GeoParquet needs pyarrow: pip install 'parkmap[parquet]'"
        ) from err
    try:
        gdf = gpd.read_parquet(path)
    except Exception as err:
        raise DataFileError(f"{path}: cannot be read as GeoParquet ({_short(err)})") from None
    return [_Source(path, None, gdf, "GeoParquet")]


def _read_source_file(path: Path, encoding: str | None) -> list[_Source]:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataFileError(
            f"{path}: unsupported format {path.suffix or '(no suffix)'} "
            f"(parkmap imports {', '.join(sorted(FORMATS))})"
        )
    if not path.is_file():
        raise DataFileError(f"{path}: no such file")
    if fmt == "ESRI Shapefile":
        return _read_shapefile(path, encoding)
    if fmt == "DXF":
        return _read_dxf(path, encoding)
    if fmt == "GeoParquet":
        return _read_parquet(path)
    layers = io.list_layers(path)
    spatial = [str(r.name) for r in layers.itertuples() if r.geometry_type is not None]
    spatial = [n for n in spatial if n != io.METADATA_TABLE]
    if not spatial:
        raise DataFileError(f"{path}: no spatial layer in this file")
    single = len(spatial) == 1 and fmt != "GPKG"
    return [
        _Source(path, None if single else name, _read_layer(path, name), fmt) for name in spatial
    ]


def _expand(sources: Sequence[str | os.PathLike] | str | os.PathLike) -> list[Path]:
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    paths: list[Path] = []
    for item in sources:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in FORMATS)
            if not found:
                raise DataFileError(f"{path}: no file parkmap can import in this folder")
            paths.extend(found)
        elif not path.exists():
            raise DataFileError(f"{path}: no such file or folder")
        else:
            paths.append(path)
    if not paths:
        raise DataFileError("nothing to import: give at least one file")
    return paths


# -- geometry -------------------------------------------------------------------------------
def _family(types: pd.Series) -> pd.Series:
    out = pd.Series(None, index=types.index, dtype=object)
    for name, members in _FAMILIES.items():
        out[types.isin(members)] = name
    return out


def _target_family(target: str) -> str | None:
    schema = LAYERS.get(target)
    if schema is None:
        return None
    if schema.geometry == POINT_OR_POLYGON:
        return "point_or_polygon"
    return {POLYGON: "polygon", LINE: "line"}.get(schema.geometry)


def _closed_lines_to_polygons(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closed LineStrings with at least 4 points as Polygons; mask of those converted."""
    is_line = shapely.get_type_id(geoms) == 1
    closed = np.zeros(len(geoms), dtype=bool)
    closed[is_line] = shapely.is_closed(geoms[is_line]) & (
        shapely.get_num_coordinates(geoms[is_line]) >= 4
    )
    out = geoms.copy()
    for i in np.flatnonzero(closed):
        out[i] = shapely.Polygon(shapely.get_coordinates(geoms[i]))
    return out, closed


def repair_geometries(
    gdf: gpd.GeoDataFrame, family: str | None = None, *, ids: pd.Series | None = None
) -> tuple[gpd.GeoDataFrame, dict[str, list]]:
    """Drop empty geometries and repair invalid ones, keeping one geometry family.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Features to clean; not modified.
    family : {"polygon", "line"}, optional
        The geometry family the result must have: after repair, parts of other
        families (the lines a bow-tie's repair may leave) are removed. None keeps
        whatever the repair returns.
    ids : pandas.Series, optional
        Names of the features in the findings (default: the ``id`` column, else
        ``#<row>``), indexed like ``gdf``.

    Returns
    -------
    cleaned : geopandas.GeoDataFrame
        Only non-empty, valid geometries; the index of the input is kept.
    findings : dict
        ``"empty"``: ids of features dropped for a null or empty geometry;
        ``"repaired"``: (id, reason) of features repaired with ``shapely.make_valid``;
        ``"collapsed"``: ids of features whose repair left nothing of ``family``.

    Notes
    -----
    The invariants, checked by property-based tests: every kept geometry is valid and
    non-empty and of ``family``; a valid input geometry is returned unchanged; every
    input feature is either kept or listed.

    Examples
    --------
    >>> from shapely.geometry import Polygon
    >>> bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> fixed, found = repair_geometries(gpd.GeoDataFrame(geometry=[bowtie]), "polygon")
    >>> fixed.geometry[0].geom_type, round(fixed.geometry[0].area, 2), found["repaired"][0][0]
    ('MultiPolygon', 0.5, '#1')
    """
    ids = feature_ids(gdf) if ids is None else ids
    geoms = gdf.geometry.array
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    findings: dict[str, list] = {"empty": list(ids[empty]), "repaired": [], "collapsed": []}
    out = gdf.loc[~empty].copy()
    geoms = np.asarray(out.geometry.array, dtype=object)
    invalid = ~shapely.is_valid(geoms)
    collapsed = np.zeros(len(geoms), dtype=bool)
    for i in np.flatnonzero(invalid):
        reason = shapely.is_valid_reason(geoms[i])
        fixed = shapely.make_valid(geoms[i])
        if family is not None:
            fixed = _keep_kind(fixed, family == "polygon")
        if fixed.is_empty:
            collapsed[i] = True
            continue
        geoms[i] = fixed
        findings["repaired"].append((ids[out.index[i]], reason))
    findings["collapsed"] = list(ids[out.index[collapsed]])
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=gdf.crs))
    return out.loc[~collapsed], findings


# -- column handling ------------------------------------------------------------------------
def _apply_columns(gdf: gpd.GeoDataFrame, columns: dict[str, str], note: _Collector):
    """Rename source fields to park columns; returns the frame and {field: column}."""
    renamed: dict[str, str] = {}
    for target, source in columns.items():
        if source not in gdf.columns:
            fields = ", ".join(map(str, gdf.columns.drop(gdf.geometry.name)))
            note.add(f"mapped field {source!r} is not in this source (fields: {fields})",
                     severity="error")  # fmt: skip
        elif source != target:
            renamed[source] = target
    clashes = {c: f"{c}_src" for c in renamed.values() if c in gdf.columns and c not in renamed}
    return gdf.rename(columns={**clashes, **renamed}), renamed


def _coerce_number(gdf: gpd.GeoDataFrame, col: str, ids: pd.Series, note: _Collector) -> None:
    values = gdf[col]
    if pd.api.types.is_numeric_dtype(values):
        return
    out, bad = [], []
    for idx, value in values.items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            out.append(np.nan)
            continue
        match = _NUMBER.match(str(value))
        if match is None:
            bad.append((ids[idx], value))
            out.append(np.nan)
        else:
            out.append(float(match.group(1)))
    for fid, value in bad[:20]:
        note.add(f"not a number: {value!r}; left empty", fid, col, severity="error")
    if len(bad) > 20:
        note.add(f"{len(bad) - 20} more values that are not numbers", None, col, "error")
    gdf[col] = pd.Series(out, index=values.index, dtype=float)


def _coerce_bool(gdf: gpd.GeoDataFrame, col: str) -> None:
    def one(value):
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return value
        return _BOOL.get(str(value).strip().casefold(), value)

    gdf[col] = gdf[col].map(one)


def _text_columns(gdf: gpd.GeoDataFrame) -> list:
    """Columns that may hold text (object or string dtype), not the geometry."""
    return [
        c
        for c in gdf.columns
        if c != gdf.geometry.name
        and (pd.api.types.is_object_dtype(gdf[c]) or pd.api.types.is_string_dtype(gdf[c]))
    ]


def _check_text(src: _Source, gdf: gpd.GeoDataFrame) -> None:
    text = set(_text_columns(gdf))
    ids = feature_ids(gdf)
    where = f"{src.path}, layer '{src.label}'"
    for col in gdf.columns:
        if garbled(str(col)):
            raise DataFileError(
                f"{where}, field {col!r}: name is garbled text ({garbled(str(col))})"
            )
        if col not in text:
            continue
        for idx, value in gdf[col].items():
            if isinstance(value, str) and (why := garbled(value)):
                raise DataFileError(
                    f"{where}, feature {ids[idx]}, column '{col}': garbled text {value!r} "
                    f"({why}); name the encoding with --encoding"
                )


def _landuse(gdf, rule: LayerRule, scheme: str | None, ids, note, src, report) -> None:
    has_code, has_name = "landuse_code" in gdf.columns, "landuse_name" in gdf.columns
    if not (has_code or has_name):
        return
    scheme = rule.landuse_scheme or scheme or "planning"
    codes = gdf["landuse_code"] if has_code else None
    names = gdf["landuse_name"] if has_name else None
    result = translate_landuse(codes, names, scheme=scheme)
    if has_code:
        gdf["landuse_code_src"] = codes.astype(object)
    gdf["landuse_code"] = result.codes
    gdf["landuse_scheme"] = result.scheme
    label = "三调 (GB/T 21010)" if scheme == "survey" else "2023 / 2020-trial / GB 50137"
    for message in result.notes.values():
        note.add(message, None, "landuse_code")
    if result.unknown:
        key = f"{src.path.name}:{src.label}" if src.layer else src.path.name
        report.unknown_codes[key] = dict(result.unknown)
        source_values = codes if codes is not None else names
        for code, count in result.unknown.items():
            where = [ids[i] for i, v in source_values.items() if str(v).strip() == code][:5]
            note.add(
                f"unknown {label} land-use code {code!r} on {count} feature(s) "
                f"(e.g. {', '.join(where)}); not translated, left empty",
                None,
                "landuse_code",
                severity="error",
            )


def _apply_schema(gdf, target: str, rule: LayerRule, defaults: dict, note, ids) -> None:
    schema = LAYERS.get(target)
    for col, value in {**defaults, **rule.defaults}.items():
        if col not in gdf.columns:
            gdf[col] = value
        else:
            gdf[col] = gdf[col].where(gdf[col].notna(), value)
    for col, table in rule.values.items():
        if col in gdf.columns:
            gdf[col] = translate_values(gdf[col], col, table)
    if schema is None:
        return
    for column in schema.columns:
        if column.name not in gdf.columns:
            continue
        if column.kind in ("number", "integer"):
            _coerce_number(gdf, column.name, ids, note)
        elif column.kind == "bool":
            _coerce_bool(gdf, column.name)
        elif column.allowed is not None and column.name not in rule.values:
            gdf[column.name] = translate_values(gdf[column.name], column.name)


# -- CRS ------------------------------------------------------------------------------------
def _swap_xy(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out[gdf.geometry.name] = shapely.transform(gdf.geometry.array, lambda xy: xy[:, ::-1])
    return out


def _from_gcj02(gdf: gpd.GeoDataFrame, where: str) -> gpd.GeoDataFrame:
    crs = CRS.from_user_input(gdf.crs)
    if not crs.is_geographic:
        raise CRSError(
            f"{where}: --from-gcj02 needs longitude/latitude degrees, but the source is in "
            f"{crs_label(crs)}; GCJ-02 data are never projected"
        )
    out = gdf.to_crs(WGS84) if crs != WGS84 else gdf.copy()

    def convert(xy: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    out[out.geometry.name] = shapely.transform(out.geometry.array, convert)
    return out.set_crs(WGS84, allow_override=True)


def _outside_area(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Mask of features whose centre lies outside the CRS's area of use (with margin)."""
    crs = CRS.from_user_input(gdf.crs)
    area = crs.area_of_use
    bounds = shapely.bounds(gdf.geometry.array)
    x, y = (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2
    if crs.is_geographic:
        lon, lat = x, y
        bad = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    else:
        with np.errstate(all="ignore"):
            lon, lat = Transformer.from_crs(crs, WGS84, always_xy=True).transform(x, y)
        bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if area is not None:
        m = AREA_OF_USE_MARGIN_DEG
        with np.errstate(invalid="ignore"):
            bad |= (lon < area.west - m) | (lon > area.east + m)
            bad |= (lat < area.south - m) | (lat > area.north + m)
    return bad


def _check_coordinates(gdf, src: _Source, swap_xy: bool, note: _Collector, ids) -> gpd.GeoDataFrame:
    where = f"{src.path}, layer '{src.label}'"
    coords_ok = np.array(
        [np.isfinite(shapely.get_coordinates(g)).all() for g in gdf.geometry.array], dtype=bool
    )
    if not coords_ok.all():
        note.features(ids[gdf.index[~coords_ok]], "coordinates are not finite numbers; dropped")
        gdf = gdf.loc[coords_ok]
    if len(gdf) == 0:
        return gdf
    problem = extent_problem(gdf.total_bounds, gdf.crs)
    if problem and problem.startswith("axes swapped"):
        if not swap_xy:
            raise CRSError(f"{where}: {problem}")
        gdf = _swap_xy(gdf)
        note.add("x and y swapped (--swap-xy): the coordinates were latitude first")
        problem = extent_problem(gdf.total_bounds, gdf.crs)
    if problem:
        outside = _outside_area(gdf)
        if outside.all():
            raise CRSError(f"{where}: {problem}")
        note.features(
            ids[gdf.index[outside]],
            f"absurd coordinates, far outside the area of use of {crs_label(gdf.crs)}; dropped",
        )
        gdf = gdf.loc[~outside]
    return gdf


def _no_crs_error(pending: list[_Source], near: tuple[float, float] | None) -> CRSError:
    src = pending[0]
    where = f"{src.path}" + (f", layer '{src.layer}'" if src.layer else "")
    finite = src.gdf.geometry[~(src.gdf.geometry.is_empty | src.gdf.geometry.isna())]
    bounds = finite.total_bounds if len(finite) else [np.nan] * 4
    more = f" (and {len(pending) - 1} more source(s) without one)" if len(pending) > 1 else ""
    rng = f"x {bounds[0]:.8g}…{bounds[2]:.8g}, y {bounds[1]:.8g}…{bounds[3]:.8g}"
    found = crs_candidates(bounds, near=near)
    if not found:
        if bounds[1] > 90 and abs(bounds[0]) <= 90:
            hint = "x and y look swapped (latitude first); name the CRS and pass --swap-xy"
        else:
            hint = "no known CRS fits these numbers; name it"
        return CRSError(f"{where}: no coordinate reference system{more}; {rng}: {hint} (--s-srs)")
    first = found[0]
    others = ", ".join(f"EPSG:{c.epsg}" for c in found[1:6])
    also = f"; other candidates: {others}{' …' if len(found) > 6 else ''}" if others else ""
    return CRSError(
        f"{where}: no coordinate reference system (no .prj?){more}; {rng} fit {first}"
        f"{also}; pass --s-srs EPSG:{first.epsg} if that is right"
    )


# -- the import -----------------------------------------------------------------------------
def _sanitise(name: str) -> str:
    return re.sub(r"[^\w]+", "_", name).strip("_") or "layer"


def _rule(src: _Source, mapping: FieldMapping | None) -> LayerRule:
    rule = mapping.rule_for(src.path.name, src.layer) if mapping else None
    return rule if rule is not None else LayerRule()


def _target(src: _Source, rule: LayerRule, field_layer: str | None) -> tuple[str, dict]:
    if rule.target:
        return rule.target, {}
    target, defaults = auto_target(src.dxf_layer, src.layer, src.path.stem)
    if target in (None, "-"):
        target = field_layer or None
    if target in (None, "-"):
        name = src.path.stem + (f"_{src.layer}" if src.layer and src.layer != src.path.stem else "")
        return _sanitise(name), {}
    return target, defaults


def _source_ids(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Feature names for messages: the id, else the CAD entity handle, else ``#row``."""
    ids = feature_ids(gdf)
    if "id" not in gdf.columns and "cad_handle" in gdf.columns:
        handles = gdf["cad_handle"].astype(object)
        ids = ids.where(handles.isna(), "handle " + handles.astype(str))
    return ids


def _prepare(src, rule, target, defaults, crs_how, swap_xy, gcj, report) -> gpd.GeoDataFrame:
    """Clean one source layer (CRS already set) and map it onto the target layer."""
    file, label = str(src.path), src.label
    note = _Collector(report, file, label)
    gdf = src.gdf.copy()
    _check_text(src, gdf)
    auto, _, scheme = auto_columns([str(c) for c in gdf.columns])
    if target not in LAYERS:
        auto = {}  # a layer kept under its own name keeps its own fields
    used = set(rule.columns.values())
    columns = {c: f for c, f in auto.items() if f not in used and c not in rule.columns}
    columns.update(rule.columns)
    gdf, renamed = _apply_columns(gdf, columns, note)
    ids = _source_ids(gdf)
    if gdf.geometry.has_z.any():
        gdf = gdf.set_geometry(shapely.force_2d(gdf.geometry.array))
        note.add("Z coordinates dropped (plans are 2D)")
    family = _target_family(target)
    if src.fmt == "DXF":
        converted, closed = _closed_lines_to_polygons(np.asarray(gdf.geometry.array, dtype=object))
        if family in ("polygon", "point_or_polygon", None) and closed.any():
            gdf = gdf.set_geometry(gpd.GeoSeries(converted, index=gdf.index, crs=gdf.crs))
            note.add(f"{int(closed.sum())} closed polyline(s) read as polygons")
    cleaned, found = repair_geometries(gdf, family if family in _FAMILIES else None, ids=ids)
    note.features(found["empty"], "empty or null geometry; dropped")
    for fid, reason in found["repaired"][:20]:
        note.add(f"invalid geometry ({reason}) repaired with make_valid", fid)
    if len(found["repaired"]) > 20:
        note.add(f"{len(found['repaired']) - 20} more invalid geometries repaired")
    note.features(
        found["collapsed"], f"geometry collapsed when repaired (no {family} left); dropped"
    )
    gdf = cleaned
    if len(gdf):
        gdf = _check_coordinates(gdf, src, swap_xy, note, ids)
    if gcj and len(gdf):
        gdf = _from_gcj02(gdf, f"{file}, layer '{label}'")
        note.add("converted from GCJ-02 (AMap / Tencent) to WGS84")
    fam = _family(gdf.geometry.geom_type)
    allowed = {"point_or_polygon": {"point", "polygon"}}.get(family, {family})
    if family is not None and len(gdf):
        wrong = ~fam.isin(allowed)
        if wrong.any():
            what = "open polyline" if src.fmt == "DXF" and family == "polygon" else "feature"
            types = "/".join(sorted(set(gdf.geom_type[wrong])))
            note.features(
                ids[gdf.index[wrong]],
                f"mixed geometry types: {what} ({types}) in {family} layer '{target}'; left out",
            )
            gdf = gdf.loc[~wrong]
    elif len(set(fam.dropna())) > 1:
        note.add(f"mixed geometry types ({', '.join(sorted(set(fam.dropna())))}) in one layer")
    gdf = gdf.copy()
    ids = ids[gdf.index]
    if target in LAYERS and LAYERS[target].landuse_columns:
        _landuse(gdf, rule, scheme, ids, note, src, report)
    _apply_schema(gdf, target, rule, defaults, note, ids)
    if "source" not in gdf.columns:
        gdf["source"] = src.path.name + (f":{src.layer}" if src.layer else "")
    if "id" in gdf.columns:
        dup = ids[ids.duplicated(keep=False) & gdf["id"].notna()]
        for fid in sorted(set(dup)):
            note.add(f"duplicate id ({int((dup == fid).sum())} features)", fid, "id", "error")
    report.sources.append(
        SourceReport(
            file,
            src.layer,
            src.fmt,
            len(src.gdf),
            len(gdf),
            target,
            str(src.encoding) if src.encoding else None,
            f"{crs_label(src.gdf.crs)} ({crs_how})" if src.gdf.crs is not None else None,
            renamed,
        )
    )
    return gdf


def _check_declared_area(layers: dict[str, gpd.GeoDataFrame], report: ImportReport) -> None:
    for name, gdf in layers.items():
        if "area_declared_m2" not in gdf.columns or not len(gdf):
            continue
        declared = pd.to_numeric(gdf["area_declared_m2"], errors="coerce")
        actual = gdf.geometry.area
        off = (declared > 0) & ((actual - declared).abs() > AREA_MISMATCH_SHARE * declared)
        ids = feature_ids(gdf)
        for idx in gdf.index[off][:20]:
            report.problems.append(
                Problem(
                    "warning",
                    name,
                    f"declared area {declared[idx]:,.0f} m² differs from the mapped area "
                    f"{actual[idx]:,.0f} m² by more than {AREA_MISMATCH_SHARE:.0%}",
                    ids[idx],
                    "area_declared_m2",
                    str(gdf["source"][idx]) if "source" in gdf.columns else None,
                )
            )


def import_park(
    sources: Sequence[str | os.PathLike] | str | os.PathLike,
    *,
    mapping: str | os.PathLike | FieldMapping | None = None,
    s_srs=None,
    from_gcj02: bool = False,
    encoding: str | None = None,
    swap_xy: bool = False,
    crs=None,
    metadata: dict | None = None,
) -> tuple[Park, ImportReport]:
    """Import planners' files (GIS layers, CAD drawings) into a park.

    Parameters
    ----------
    sources : path-like or sequence of path-like
        Files (``.shp``, ``.gpkg``, ``.geojson``/``.json``, ``.parquet``, ``.kml``,
        ``.dxf``, ``.fgb``) or folders of them. Every layer of a GeoPackage or KML file
        and every CAD layer of a DXF drawing is a source layer of its own.
    mapping : path-like or FieldMapping, optional
        A field-mapping TOML file (see :func:`parkmap.fieldmap.load_mapping`). Source
        layers it does not match are recognised automatically.
    s_srs : CRS-like, optional
        CRS of the sources that have none (a Shapefile without ``.prj``, a DXF). A CRS
        declared by a file is honoured; a mapping entry's ``s_srs`` overrides both.
    from_gcj02 : bool, default False
        The sources are GCJ-02 longitude/latitude (digitised on AMap or Tencent maps):
        convert them to WGS84 before projecting. Sources without a CRS are then taken
        as GCJ-02 degrees.
    encoding : str, optional
        Text encoding of Shapefiles and DXF drawings (default: ``.cpg``, the drawing's
        header, or detected from the bytes).
    swap_xy : bool, default False
        Swap x and y of the sources whose coordinates are detected as swapped (latitude
        first); without it such a source stops the import.
    crs : CRS-like, optional
        The park's metric CRS (default: the mapping's ``[park] crs``, else derived as
        in :class:`~parkmap.park.Park`).
    metadata : dict, optional
        Park metadata (name …); the mapping's ``[park]`` table fills what is not given.

    Returns
    -------
    park : Park
        The park, validated (see ``park.problems``); its metadata holds the import
        report under ``"import"``.
    report : ImportReport
        Sources read, repairs, dropped features, unknown codes.

    Raises
    ------
    parkmap.errors.DataFileError
        A file cannot be read (missing, unsupported, truncated, corrupt, undecodable
        text): the message names the file, layer and feature.
    parkmap.errors.CRSError
        A source has no CRS and none was given (the message lists the candidates), or
        its coordinates are swapped or absurd.
    parkmap.errors.RulesError
        The mapping file is invalid.

    Examples
    --------
    >>> import parkmap
    >>> park, report = parkmap.import_park(["地类图斑.shp", "设计.dxf"],
    ...                                    s_srs="EPSG:4524")  # doctest: +SKIP
    >>> print(report)  # doctest: +SKIP
    """
    if mapping is not None and not isinstance(mapping, FieldMapping):
        mapping = load_mapping(mapping)
    report = ImportReport()
    loaded: list[tuple[_Source, LayerRule]] = []
    for path in _expand(sources):
        rule_encoding = None
        if mapping is not None:
            rule_encoding = next(
                (r.encoding for r in mapping.rules if r.encoding and r.matches(path.name, None)),
                None,
            )
        for src in _read_source_file(path, rule_encoding or encoding):
            rule = _rule(src, mapping)
            if rule.skip:
                report.sources.append(
                    SourceReport(str(src.path), src.layer, src.fmt, len(src.gdf), 0, None)
                )
                continue
            loaded.append((src, rule))
    if not loaded:
        raise DataFileError("nothing imported: every source layer was skipped")

    given = to_crs(s_srs) if s_srs is not None else None
    how: dict[int, str] = {}
    pending: list[_Source] = []
    for src, rule in loaded:
        gcj = rule.from_gcj02 if rule.from_gcj02 is not None else from_gcj02
        if rule.s_srs:
            src.gdf = src.gdf.set_crs(to_crs(rule.s_srs), allow_override=True)
            how[id(src)] = f"mapping {rule.origin}"
        elif src.gdf.crs is not None:
            how[id(src)] = "declared by the file"
        elif given is not None:
            src.gdf = src.gdf.set_crs(given)
            how[id(src)] = "--s-srs"
        elif (
            gcj
            and len(src.gdf)
            and crs_candidates(src.gdf.total_bounds)[:1]
            and (crs_candidates(src.gdf.total_bounds)[0].epsg == 4490)
        ):
            src.gdf = src.gdf.set_crs(WGS84)
            how[id(src)] = "GCJ-02 degrees (--from-gcj02)"
        elif len(src.gdf) == 0:
            how[id(src)] = "none (empty layer)"
        else:
            pending.append(src)
    if pending:
        located = [s.gdf for s, _ in loaded if s.gdf.crs is not None and len(s.gdf)]
        near = None
        if located:
            b = np.array([g.to_crs(WGS84).total_bounds for g in located])
            near = ((b[:, 0].min() + b[:, 2].max()) / 2, (b[:, 1].min() + b[:, 3].max()) / 2)
        raise _no_crs_error(pending, near)

    prepared: dict[str, list[gpd.GeoDataFrame]] = {}
    for src, rule in loaded:
        gcj = rule.from_gcj02 if rule.from_gcj02 is not None else from_gcj02
        field_layer = auto_columns([str(c) for c in src.gdf.columns])[1]
        target, defaults = _target(src, rule, field_layer)
        note = _Collector(report, str(src.path), src.label)
        if len(src.gdf) == 0:
            note.add("empty layer: no features")
        gdf = _prepare(src, rule, target, defaults, how[id(src)], swap_xy, gcj, report)
        if src.gdf.crs is None and len(gdf) == 0:
            continue
        prepared.setdefault(target, []).append(gdf)

    meta = {**(mapping.park if mapping else {}), **(metadata or {})}
    park_crs = crs if crs is not None else meta.pop("crs", None)
    meta.setdefault("name_zh", _expand(sources)[0].stem)
    frames = {t: [g for g in gs if g.crs is not None] for t, gs in prepared.items()}
    frames = {t: gs for t, gs in frames.items() if gs}
    if not any(len(g) for gs in frames.values() for g in gs):
        raise DataFileError("nothing imported: every source layer is empty")
    chosen = _choose_crs({t: gs[0] for t, gs in frames.items() if len(gs[0])} or
                         {t: gs[0] for t, gs in frames.items()}, park_crs)  # fmt: skip
    layers = {
        target: gpd.GeoDataFrame(
            pd.concat([g.to_crs(chosen) for g in gs], ignore_index=True), crs=chosen
        )
        for target, gs in frames.items()
    }
    report.crs = chosen.to_string()
    _check_declared_area(layers, report)
    meta["import"] = report.to_dict()
    label = ", ".join(str(p) for p in _expand(sources))
    park = Park(layers, crs=chosen, metadata=meta, source=label)
    for problem in report.problems:
        log.info("%s", problem)
    return park, report


def _is_park(path: Path) -> bool:
    """Whether ``path`` is a park as parkmap writes it (GeoPackage or GeoJSON folder)."""
    if path.is_dir():
        stems = {p.stem for p in path.glob("*.geojson")}
        return bool(stems) and stems <= set(LAYERS)
    if path.suffix.lower() != ".gpkg" or not path.is_file():
        return False
    names = set(io.list_layers(path)["name"])
    return io.METADATA_TABLE in names or (bool(names) and names <= set(LAYERS))


def read_park(
    path: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    crs=None,
    layers: list[str] | None = None,
    **import_options,
) -> Park:
    """Read a park: a parkmap GeoPackage or GeoJSON folder, or any files to import.

    A GeoPackage that parkmap wrote (or whose layers are all park layers) and a folder
    of ``<layer>.geojson`` files are read as they are. Anything else (a bureau
    Shapefile, a DXF drawing, a GeoPackage of survey layers, several files) goes
    through :func:`import_park`, whose report is logged.

    Parameters
    ----------
    path : path-like or sequence of path-like
        The park, or the files to import.
    crs : CRS-like, optional
        The park's metric CRS.
    layers : list of str, optional
        Only these layers of a park GeoPackage.
    **import_options
        ``mapping``, ``s_srs``, ``from_gcj02``, ``encoding``, ``swap_xy`` of
        :func:`import_park`; giving any of them imports even a park file.

    Returns
    -------
    Park
    """
    single = isinstance(path, (str, os.PathLike))
    if single and not import_options and _is_park(Path(path)):
        return Park.read(path, crs=crs, layers=layers)
    park, report = import_park(path, crs=crs, **import_options)
    for line in report.lines():
        log.info("%s", line)
    if layers is not None:
        log.warning("layers=%r ignored: it selects layers of a park GeoPackage only", layers)
    return park
