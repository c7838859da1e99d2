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
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from parkmap.errors import DataFileError
from parkmap.io.detect import (
    EncodingChoice,
    dbf_record_count,
    dxf_encoding,
    import_command,
    shapefile_encoding,
)
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
    ".gdb": "OpenFileGDB",
    ".pbf": "OSM",
    ".osm": "OSM",
    ".xlsx": "project list",
    ".xlsm": "project list",
    ".csv": "project list",
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
    #: File Geodatabase feature dataset holding the layer (named in messages).
    dataset: str | None = None
    #: Park layer the reader already knows the source is (OSM, project lists).
    target: str | None = None
    #: How the CRS is known, when not declared by the file (GeoJSON: by the standard).
    crs_how: str | None = None
    #: What the reader inferred or assumed, for every output.
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The source layer in messages: ``dataset/layer``, its layer, else the file's stem."""
        if self.dataset and self.layer:
            return f"{self.dataset}/{self.layer}"
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


def _gdb_datasets(path: Path) -> dict[str, str]:
    """Feature class → feature dataset of a File Geodatabase (from its GDB_Items table)."""
    try:
        items = pyogrio.read_dataframe(
            path, layer="GDB_Items", read_geometry=False, columns=["Name", "Path"],
            LIST_ALL_TABLES="YES",
        )  # fmt: skip
    except Exception:  # an older geodatabase without the table: no dataset names
        return {}
    out = {}
    for name, where in zip(items["Name"], items["Path"], strict=True):
        parts = [p for p in str(where).split("\\") if p]
        if len(parts) == 2:
            out[str(name)] = parts[0]
    return out


def _read_filegdb(path: Path) -> list[Source]:
    layers = list_layers(path)
    spatial = [str(r.name) for r in layers.itertuples() if r.geometry_type is not None]
    if not spatial:
        raise DataFileError(f"{path}: no feature class in this File Geodatabase")
    datasets = _gdb_datasets(path)
    return [
        Source(path, name, _read_layer(path, name), "OpenFileGDB", dataset=datasets.get(name))
        for name in spatial
    ]


def _read_osm(path: Path) -> list[Source]:
    from parkmap.io.osm import read_osm

    result = read_osm(path)
    sources = [Source(path, name, gdf, "OSM", target=name) for name, gdf in result.layers.items()]
    sources[0].notes.extend(result.notes)
    return sources


def _read_project_list(path: Path) -> list[Source]:
    from parkmap.io.projects import read_project_list

    result = read_project_list(path)
    return [Source(path, None, result.gdf, "project list", target="projects", notes=result.notes)]


def _read_geojson(path: Path) -> list[Source] | None:
    """A DataV / AMap JSON array of Features; None when the file is ordinary GeoJSON."""
    from parkmap.io.sniff import is_feature_array, read_feature_array

    if not is_feature_array(path):
        return None
    gdf = read_feature_array(path)
    note = (
        f"{path.name}: a JSON array of {len(gdf)} GeoJSON Feature(s) (DataV / AMap style), "
        "read as a FeatureCollection"
    )
    src = Source(path, None, gdf, "GeoJSON", notes=[note])
    _geojson_notes(src)
    return [src]


def _geojson_notes(src: Source) -> None:
    """The CRS wording of GeoJSON, and the GCJ-02 hint for AMap / DataV attributes."""
    from parkmap.io.sniff import gcj02_markers, geojson_declares_crs

    if src.fmt != "GeoJSON" or src.gdf.crs is None:
        return
    if not geojson_declares_crs(src.path):
        src.crs_how = "WGS84 by the GeoJSON standard (RFC 7946), not declared by the file"
    markers = gcj02_markers(src.gdf.columns)
    if markers:
        src.notes.append(
            f"{src.path.name}: has AMap / DataV attributes ({', '.join(markers)}), so its "
            "coordinates are probably GCJ-02, about 500 m off WGS84 in China; if so, import "
            f"it again with: {import_command([src.path], '--from-gcj02')}"
        )


def read_source_file(path: Path, encoding: str | None) -> list[Source]:
    """Read every source layer of one file (Shapefile, DXF, File Geodatabase, OSM …)."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataFileError(
            f"{path}: unsupported format {path.suffix or '(no suffix)'} "
            f"(parkmap imports {', '.join(sorted(FORMATS))})"
        )
    if fmt == "OpenFileGDB":
        if not path.is_dir():
            raise DataFileError(f"{path}: no such File Geodatabase folder")
        return _read_filegdb(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file")
    if fmt == "ESRI Shapefile":
        return _read_shapefile(path, encoding)
    if fmt == "DXF":
        return _read_dxf(path, encoding)
    if fmt == "GeoParquet":
        return _read_parquet(path)
    if fmt == "OSM":
        return _read_osm(path)
    if fmt == "project list":
        return _read_project_list(path)
    if fmt == "GeoJSON" and (array := _read_geojson(path)) is not None:
        return array
    try:
        layers = list_layers(path)
    except DataFileError:
        from parkmap.io.sniff import describe_unreadable

        raise DataFileError(
            f"{path}: not a GIS file parkmap can read: it is {describe_unreadable(path)} "
            f"(parkmap imports {', '.join(sorted(FORMATS))})"
        ) from None
    spatial = [str(r.name) for r in layers.itertuples() if pd.notna(r.geometry_type)]
    spatial = [n for n in spatial if n != METADATA_TABLE]
    if not spatial:
        raise DataFileError(f"{path}: no spatial layer in this file")
    single = len(spatial) == 1 and fmt != "GPKG"
    sources = [
        Source(path, None if single else name, _read_layer(path, name), fmt) for name in spatial
    ]
    for src in sources:
        _geojson_notes(src)
    return sources


def _importable(path: Path) -> bool:
    """Whether a file found in a folder is imported: tables only when named as project lists."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None or path.name.startswith((".", "~$")):
        return False
    if fmt == "project list":
        from parkmap.io.fieldmap import auto_target

        return auto_target(path.stem)[0] == "projects"
    return True


def expand(sources: Sequence[str | os.PathLike] | str | os.PathLike) -> list[Path]:
    """The files to import: the given files, and the importable files of given folders."""
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    paths: list[Path] = []
    for item in sources:
        path = Path(item)
        if path.is_dir() and path.suffix.lower() != ".gdb":
            found = sorted(p for p in path.iterdir() if _importable(p))
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
