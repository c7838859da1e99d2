"""Source readers: one per file format, GDAL error capture, DXF encoding, source expansion.

Every layer of a GeoPackage or KML file and every CAD layer of a DXF drawing becomes a
:class:`Source` of its own. Inputs are only ever opened for reading; a file that cannot
be read stops the import with one line naming the file, layer and (where it can be
found) the broken feature.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from parkmap.errors import DataFileError
from parkmap.io.detect import EncodingChoice, dbf_record_count, dxf_encoding, shapefile_encoding
from parkmap.io.files import METADATA_TABLE, list_layers, short

__all__ = ["FORMATS", "Source", "expand", "read_source_file", "text_columns"]

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

_DXF_KEEP = {"Layer": "dxf_layer", "EntityHandle": "cad_handle", "Text": "cad_text"}


@dataclass
class Source:
    """One source layer as read: its file, layer name, features, format and encoding."""

    path: Path
    layer: str | None
    gdf: gpd.GeoDataFrame
    fmt: str
    encoding: EncodingChoice | None = None
    dxf_layer: str | None = None

    @property
    def label(self) -> str:
        """The name of the source layer in messages: its layer, else the file's stem."""
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
                broken.append((f"#{number + 1}", short(err)))
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
        problem = short(err)
    broken: list[tuple[str, str]] = []
    with contextlib.suppress(Exception):  # fiona may not open what pyogrio could not read
        broken = _broken_features(path, layer, encoding)
    if broken:
        feature, why = broken[0]
        raise DataFileError(f"{where}, feature {feature}: cannot be read ({why})")
    raise DataFileError(f"{where}: cannot be read; the file is truncated or corrupt ({problem})")


def _read_shapefile(path: Path, encoding: str | None) -> list[Source]:
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
    return [Source(path, None, gdf, "ESRI Shapefile", choice)]


@contextlib.contextmanager
def _dxf_config(encoding: str | None) -> Iterator[None]:
    before = pyogrio.get_gdal_config_option("DXF_ENCODING")
    pyogrio.set_gdal_config_options({"DXF_ENCODING": encoding})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"DXF_ENCODING": before})


def _read_dxf(path: Path, encoding: str | None) -> list[Source]:
    choice, has_header = dxf_encoding(path, encoding)
    with _dxf_config(choice.encoding.upper() if has_header else None):
        gdf = _read_layer(path, None)
    if not has_header:  # GDAL read the text as ISO-8859-1, which round-trips every byte
        for col in text_columns(gdf):
            gdf[col] = gdf[col].map(
                lambda v: v.encode("latin-1").decode(choice.encoding) if isinstance(v, str) else v
            )
    gdf = gdf[[c for c in _DXF_KEEP if c in gdf.columns] + [gdf.geometry.name]]
    gdf = gdf.rename(columns=_DXF_KEEP)
    sources = []
    for name, part in gdf.groupby("dxf_layer", sort=False, dropna=False):
        name = None if pd.isna(name) else str(name)
        sources.append(
            Source(path, name, part.reset_index(drop=True), "DXF", choice, dxf_layer=name)
        )
    if not sources:
        sources.append(Source(path, None, gdf, "DXF", choice))
    return sources


def _read_parquet(path: Path) -> list[Source]:
    try:
        import pyarrow  # noqa: F401
    except ImportError as err:
        raise ImportError(
            "reading GeoParquet needs pyarrow: pip install 'parkmap[parquet]'"
        ) from err
    try:
        gdf = gpd.read_parquet(path)
    except Exception as err:
        raise DataFileError(f"{path}: cannot be read as GeoParquet ({short(err)})") from None
    return [Source(path, None, gdf, "GeoParquet")]


def read_source_file(path: Path, encoding: str | None) -> list[Source]:
    """Read every source layer of one file (Shapefile, DXF, GeoParquet, or any OGR format)."""
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
    layers = list_layers(path)
    spatial = [str(r.name) for r in layers.itertuples() if pd.notna(r.geometry_type)]
    spatial = [n for n in spatial if n != METADATA_TABLE]
    if not spatial:
        raise DataFileError(f"{path}: no spatial layer in this file")
    single = len(spatial) == 1 and fmt != "GPKG"
    return [
        Source(path, None if single else name, _read_layer(path, name), fmt) for name in spatial
    ]


def expand(sources: Sequence[str | os.PathLike] | str | os.PathLike) -> list[Path]:
    """The files to import: the given files, and the importable files of given folders."""
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


def text_columns(gdf: gpd.GeoDataFrame) -> list:
    """Columns that may hold text (object or string dtype), not the geometry."""
    return [
        c
        for c in gdf.columns
        if c != gdf.geometry.name
        and (pd.api.types.is_object_dtype(gdf[c]) or pd.api.types.is_string_dtype(gdf[c]))
    ]
