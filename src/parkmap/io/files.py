"""Reading and writing park layers: GeoPackage, GeoJSON folders, atomic outputs.

:func:`read_park` reads a park file here, and hands anything else to the import
pipeline (:mod:`parkmap.io.importer`), which is loaded only then.

Bulk reads and writes go through pyogrio (geopandas' default engine). Inputs are only
ever opened for reading. Outputs are written to a temporary file beside the target and
moved into place when complete, so an interrupted run leaves no half-written file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from parkmap.errors import DataFileError, OutputExistsError
from parkmap.park import Park
from parkmap.schema import LAYERS

__all__ = [
    "METADATA_TABLE",
    "atomic_output",
    "check_output",
    "list_layers",
    "load_park",
    "read_geojson_dir",
    "read_geopackage",
    "read_park",
    "write_geopackage",
]

log = logging.getLogger("parkmap")

#: Name of the attribute table that holds park metadata in a GeoPackage.
METADATA_TABLE = "park_metadata"
#: GeoPackage 1.2 rather than GDAL's newest (1.4): QGIS and GDAL releases still in use
#: (GDAL < 3.7) warn that a 1.4 file "may only be partially supported".
GPKG_DATASET_OPTIONS = {"VERSION": "1.2"}
#: The QGIS styles table of a GeoPackage (``parkmap.io.styles.STYLE_TABLE``; a test keeps
#: them equal): not a park layer.
QGIS_STYLE_TABLE = "layer_styles"
#: Name of the metadata file in a folder of GeoJSON layers.
METADATA_FILE = "metadata.json"


def check_output(path: str | os.PathLike, overwrite: bool, *, option: str = "--overwrite") -> None:
    """Refuse to replace an existing output unless asked to.

    The one overwrite check of parkmap: the command line calls it before the work,
    :func:`atomic_output` before writing.

    Parameters
    ----------
    path : path-like
        The output file or folder; named in the message as given.
    overwrite : bool
        Whether replacing an existing ``path`` was asked for.
    option : str, default "--overwrite"
        How the caller asks for it, named in the message (``"overwrite=True"`` in Python).

    Raises
    ------
    parkmap.errors.OutputExistsError
        If ``path`` exists and ``overwrite`` is false.
    """
    if Path(path).exists() and not overwrite:
        raise OutputExistsError(f"{path}: exists; pass {option} to replace it")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write to; move it onto ``path`` on success.

    Parameters
    ----------
    path : path-like
        The final output file.
    overwrite : bool, default False
        Replace an existing file. Without it an existing ``path`` raises.

    Raises
    ------
    parkmap.errors.OutputExistsError
        If ``path`` exists and ``overwrite`` is false.
    """
    target = Path(path)
    check_output(target, overwrite)
    if not target.parent.exists():
        raise DataFileError(f"{target}: folder {target.parent} does not exist")
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f".part{target.suffix}", dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # drivers such as GPKG want to create the file themselves
    try:
        yield tmp
        tmp.replace(target)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            leftover.unlink(missing_ok=True)


def list_layers(path: str | os.PathLike) -> pd.DataFrame:
    """Layers of a vector file: name and geometry type (None for attribute tables)."""
    try:
        info = pyogrio.list_layers(path)
    except Exception as err:
        raise DataFileError(f"{path}: cannot open as a vector file ({short(err)})") from None
    return pd.DataFrame(info, columns=["name", "geometry_type"])


def short(err: Exception) -> str:
    """The first line of an exception's message (its type name when it has none)."""
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _read_layer(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    where = f"{path}" + (f", layer '{layer}'" if layer else "")
    try:
        # GDAL's Arrow stream: half the time of the row-by-row read, the same columns
        return gpd.read_file(path, layer=layer, engine="pyogrio", use_arrow=True)
    except Exception as err:
        raise DataFileError(f"{where}: cannot read ({short(err)})") from None


def _layer_crs(path: Path, layers: list[str]) -> str | None:
    """The CRS of the first of ``layers`` as GDAL names it (None if it cannot say)."""
    try:
        return pyogrio.read_info(path, layer=layers[0])["crs"] if layers else None
    except Exception:  # the read that follows reports what is wrong with the file
        return None


def _read_layers(sources: list[tuple[Path, str | None]], crs=None) -> list[gpd.GeoDataFrame]:
    """The layers ``(file, layer name)``, several at once on two threads.

    GDAL reads, Arrow's conversion to pandas and shapely's parsing of the geometries
    release the GIL, so two layers read side by side take little more than the larger.
    Meanwhile this thread prepares the WGS84 transformer of ``crs`` (the layers' CRS),
    which the park's CRS checks need next (:func:`parkmap._transform.prepare_lonlat`).
    """
    if len(sources) < 2:
        return [_read_layer(path, name) for path, name in sources]
    from concurrent.futures import ThreadPoolExecutor

    from parkmap._transform import prepare_lonlat

    with ThreadPoolExecutor(2) as pool:
        reading = [pool.submit(_read_layer, *source) for source in sources]
        prepare_lonlat(crs)
        return [layer.result() for layer in reading]


def read_geopackage(
    path: str | os.PathLike, layers: list[str] | None = None
) -> tuple[dict[str, gpd.GeoDataFrame], dict]:
    """Read the spatial layers and the metadata table of a GeoPackage.

    Parameters
    ----------
    path : path-like
        The GeoPackage.
    layers : list of str, optional
        Only these layers (default: every spatial layer).

    Returns
    -------
    layers : dict of str to geopandas.GeoDataFrame
    metadata : dict
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file")
    available = list_layers(path)
    spatial = [
        str(r.name)
        for r in available.itertuples()
        if pd.notna(r.geometry_type) and r.name != METADATA_TABLE
    ]
    wanted = spatial if layers is None else list(layers)
    missing = [name for name in wanted if name not in spatial]
    if missing:
        raise DataFileError(
            f"{path}: no layer {', '.join(map(repr, missing))} (has: {', '.join(spatial)})"
        )
    layers_read = _read_layers([(path, name) for name in wanted], _layer_crs(path, wanted))
    result = dict(zip(wanted, layers_read, strict=True))
    metadata: dict = {}
    if METADATA_TABLE in set(available["name"]):
        table = pyogrio.read_dataframe(path, layer=METADATA_TABLE)
        for row in table.itertuples(index=False):
            try:
                metadata[str(row.key)] = json.loads(row.value)
            except (TypeError, ValueError):
                raise DataFileError(
                    f"{path}, layer '{METADATA_TABLE}', key {row.key!r}: value is not JSON"
                ) from None
    return result, metadata


def read_geojson_dir(path: str | os.PathLike) -> tuple[dict[str, gpd.GeoDataFrame], dict]:
    """Read a folder holding one ``<layer>.geojson`` per layer and an optional metadata.json."""
    path = Path(path)
    if not path.is_dir():
        raise DataFileError(f"{path}: not a folder")
    files = sorted(path.glob("*.geojson"))
    layers = dict(
        zip([f.stem for f in files], _read_layers([(f, None) for f in files]), strict=True)
    )
    if not layers:
        raise DataFileError(f"{path}: no .geojson layers in this folder")
    metadata: dict = {}
    meta_file = path / METADATA_FILE
    if meta_file.is_file():
        try:
            metadata = json.loads(meta_file.read_text(encoding="utf-8"))
        except ValueError as err:
            raise DataFileError(f"{meta_file}: not valid JSON ({err})") from None
    return layers, metadata


def write_geopackage(
    path: str | os.PathLike,
    layers: dict[str, gpd.GeoDataFrame],
    metadata: dict | None = None,
    *,
    overwrite: bool = False,
    styles: Mapping[str, str] | bool = True,
) -> Path:
    """Write layers (and a metadata table) to a new GeoPackage, atomically.

    Every layer parkmap knows a style for also gets its QGIS default style (QML and
    SLD, the web map's colours and labels) in the ``layer_styles`` table, so the file
    opens styled in QGIS (:mod:`parkmap.io.styles`).

    Parameters
    ----------
    path : path-like
        Output ``.gpkg`` file.
    layers : dict of str to geopandas.GeoDataFrame
        One GeoPackage layer per entry, full column names, CRS kept.
    metadata : dict, optional
        Written as the attribute table ``park_metadata`` (key, JSON value).
    overwrite : bool, default False
        Replace an existing file.
    styles : bool or mapping of str to str, default True
        Write QGIS styles; a mapping names the ``layer_symbology.csv`` row of layers
        whose style is not their name (a layout's ``buildings``: ``layout_buildings``).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    target = Path(path)
    if target.suffix.lower() != ".gpkg":
        raise DataFileError(f"{target}: a park is written as a GeoPackage; use a .gpkg name")
    with atomic_output(target, overwrite=overwrite) as tmp:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", **GPKG_DATASET_OPTIONS)
        if metadata:
            table = pd.DataFrame(
                {
                    "key": list(metadata),
                    "value": [json.dumps(v, ensure_ascii=False) for v in metadata.values()],
                }
            )
            pyogrio.write_dataframe(table, tmp, layer=METADATA_TABLE, driver="GPKG")
        if styles is not False and layers:
            from parkmap.io.styles import add_layer_styles  # only when writing

            add_layer_styles(tmp, keys=dict(styles) if isinstance(styles, Mapping) else None)
    return target


def load_park(path: str | os.PathLike, *, crs=None, layers: list[str] | None = None) -> Park:
    """Read a park from a GeoPackage or a folder of GeoJSON layers.

    Parameters
    ----------
    path : path-like
        A ``.gpkg`` file, or a folder with one ``<layer>.geojson`` per layer and an
        optional ``metadata.json``.
    crs : CRS-like, optional
        The park's metric CRS (see :class:`parkmap.Park`).
    layers : list of str, optional
        Read only these layers of a GeoPackage.

    Returns
    -------
    Park

    Raises
    ------
    parkmap.errors.DataFileError
        If the path is missing or is not a park file.
    """
    path = Path(path)
    started = time.perf_counter()
    if path.is_dir():
        found, metadata = read_geojson_dir(path)
    elif path.suffix.lower() == ".gpkg":
        found, metadata = read_geopackage(path, layers)
    elif not path.exists():
        raise DataFileError(f"{path}: no such file or folder")
    else:
        raise DataFileError(
            f"{path}: a park is a GeoPackage (.gpkg) or a folder of .geojson layers; "
            "use `parkmap import` for other formats"
        )
    read = time.perf_counter()
    park = Park(found, crs=crs, metadata=metadata, source=str(path))
    log.debug(
        "%s: read %.2f s, checked (CRS, columns, geometry) %.2f s",
        path,
        read - started,
        time.perf_counter() - read,
    )
    return park


def _is_park(path: Path) -> bool:
    """Whether ``path`` is a park as parkmap writes it (GeoPackage or GeoJSON folder)."""
    if path.is_dir():
        stems = {p.stem for p in path.glob("*.geojson")}
        return bool(stems) and stems <= set(LAYERS)
    if path.suffix.lower() != ".gpkg" or not path.is_file():
        return False
    names = set(list_layers(path)["name"]) - {QGIS_STYLE_TABLE}
    return METADATA_TABLE in names or (bool(names) and names <= set(LAYERS))


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
        return load_park(path, crs=crs, layers=layers)
    from parkmap.io.importer import import_park  # the import pipeline, only when needed

    park, report = import_park(path, crs=crs, **import_options)
    for line in report.lines():
        log.info("%s", line)
    if layers is not None:
        log.warning("layers=%r ignored: it selects layers of a park GeoPackage only", layers)
    return park
