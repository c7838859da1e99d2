"""A project list (项目清单) in Excel or CSV as the ``projects`` layer.

Investment-promotion offices keep their pipeline in a spreadsheet: one row per project
with its name, status, investment, land and either coordinates or the sub-park it
belongs to. Column headers are recognised by keyword (``data/project_list_columns.csv``,
first matching row wins), with the unit a header names (万元, 公顷, 平方米) converted to
the park's units (亿元, 亩). Rows without coordinates are kept with their sub-park; the
importer places them at the sub-park's centre and says so (:func:`place_at_subparks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parkmap._data import read_table
from parkmap.errors import DataFileError

__all__ = ["ProjectList", "place_at_subparks", "read_project_list", "unplaced_projects"]

TABLE_SUFFIXES = (".xlsx", ".xlsm", ".csv")


@dataclass
class ProjectList:
    """A project list read as a point layer.

    Attributes
    ----------
    gdf : geopandas.GeoDataFrame
        Park columns (``name_zh``, ``status``, ``investment_yi``, ``land_mu``,
        ``subpark``); geometry missing on rows without coordinates. CRS EPSG:4326 when
        the coordinates are degrees, else none (the importer asks for ``--s-srs``).
    columns : dict
        Source header → park column.
    notes : list of str
        Units converted and assumptions made.
    """

    gdf: gpd.GeoDataFrame
    columns: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _read_rows(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() == ".csv":
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    return pd.read_csv(path, encoding=encoding, dtype=object)
                except UnicodeDecodeError:
                    continue
            raise DataFileError(f"{path}: text is neither UTF-8 nor GBK")
        return pd.read_excel(path, sheet_name=0, dtype=object)
    except DataFileError:
        raise
    except Exception as err:
        text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DataFileError(f"{path}: cannot be read as a project list ({text})") from None


def _match_headers(headers: list[str]) -> dict[str, tuple[str, float | None, str]]:
    table = read_table("project_list_columns.csv")
    found: dict[str, tuple[str, float | None, str]] = {}
    taken: set[str] = set()
    for header in headers:
        low = str(header).strip().lower()
        for row in table.itertuples(index=False):
            if row.keyword.lower() in low:
                if row.column not in taken:
                    factor = float(row.factor) if row.factor else None
                    found[header] = (row.column, factor, row.note)
                    taken.add(row.column)
                break
    return found


def read_project_list(path) -> ProjectList:
    """Read a project list from ``.xlsx`` or ``.csv``.

    Parameters
    ----------
    path : path-like
        The spreadsheet; its first sheet is read.

    Returns
    -------
    ProjectList

    Raises
    ------
    parkmap.errors.DataFileError
        If the file cannot be read, has no name column, or a row has neither
        coordinates nor a sub-park.
    """
    path = Path(path)
    rows = _read_rows(path).dropna(how="all").reset_index(drop=True)
    matched = _match_headers([str(c) for c in rows.columns])
    columns = {h: c for h, (c, _, _) in matched.items()}
    if "name_zh" not in columns.values():
        raise DataFileError(
            f"{path}: no project-name column (headers: {', '.join(map(str, rows.columns))}); "
            "name it 项目名称 or name"
        )
    out = pd.DataFrame(index=rows.index)
    notes: list[str] = []
    for header, (column, factor, note) in matched.items():
        values = rows[header]
        if column in ("investment_yi", "land_mu", "lon", "lat"):
            values = pd.to_numeric(values, errors="coerce")
            if factor is not None and factor != 1:
                values = values * factor
                notes.append(f"{header}: converted to {column} ({note})")
            elif note and "read as" in note:
                notes.append(f"{header}: {note}")
        out[column] = values
    lon = out.pop("lon") if "lon" in out else pd.Series(np.nan, index=out.index)
    lat = out.pop("lat") if "lat" in out else pd.Series(np.nan, index=out.index)
    has_xy = lon.notna() & lat.notna()
    geometry = np.full(len(out), None, dtype=object)
    geometry[has_xy.to_numpy()] = shapely.points(lon[has_xy].to_numpy(), lat[has_xy].to_numpy())
    subpark = out["subpark"] if "subpark" in out else pd.Series(None, index=out.index)
    lost = ~has_xy & subpark.isna()
    if lost.any():
        first = int(np.flatnonzero(lost.to_numpy())[0])
        raise DataFileError(
            f"{path}, row {first + 2} ({out['name_zh'].iloc[first]}): neither coordinates "
            "nor a sub-park; give one of them"
        )
    degrees = bool(has_xy.any()) and bool(
        lon[has_xy].between(-180, 180).all() and lat[has_xy].between(-90, 90).all()
    )
    crs = "EPSG:4326" if degrees or not has_xy.any() else None
    out["id"] = [f"{path.stem}-{i + 1}" for i in range(len(out))]
    out["source"] = path.name
    gdf = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs)
    return ProjectList(gdf, columns, notes)


def place_at_subparks(
    projects: gpd.GeoDataFrame, subparks: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoDataFrame, str | None]:
    """Give projects without a position the centre of their sub-park.

    The sub-park is matched on its ``id`` or its ``name_zh``; the point is the
    sub-park's representative point (always inside it). A ``position`` column records
    ``coordinates`` or ``sub-park centre`` per project.

    Parameters
    ----------
    projects : geopandas.GeoDataFrame
        The projects layer, in the park's CRS.
    subparks : geopandas.GeoDataFrame or None
        The subparks layer in the same CRS.

    Returns
    -------
    projects : geopandas.GeoDataFrame
    note : str or None
        ``"2 project(s) without coordinates drawn at the centre of their sub-park"``.

    Raises
    ------
    parkmap.errors.DataFileError
        If a project without a position names a sub-park that does not exist.
    """
    missing = projects.geometry.isna() | projects.geometry.is_empty
    out = projects.copy()
    out["position"] = np.where(missing, "sub-park centre", "coordinates")
    if not missing.any():
        return out, None
    if subparks is None or not len(subparks):
        name = out.loc[missing, "name_zh"].iloc[0]
        raise DataFileError(
            f"project {name!r} has no coordinates and there is no subparks layer to place it in"
        )
    centres = subparks.geometry.representative_point()
    by_key = {}
    if "id" in subparks:
        by_key.update({str(k): p for k, p in zip(subparks["id"], centres, strict=True)})
    if "name_zh" in subparks:
        by_key.update({str(k): p for k, p in zip(subparks["name_zh"], centres, strict=True)})
    keys = out.loc[missing, "subpark"].astype(str).str.strip()
    unknown = keys[~keys.isin(by_key)]
    if len(unknown):
        idx = unknown.index[0]
        raise DataFileError(
            f"project {out.loc[idx, 'name_zh']!r}: sub-park {unknown.iloc[0]!r} is not in the "
            f"subparks layer (known: {', '.join(sorted(by_key))})"
        )
    out.loc[missing, out.geometry.name] = gpd.GeoSeries(
        [by_key[k] for k in keys], index=keys.index, crs=out.crs
    )
    return out, (
        f"{int(missing.sum())} project(s) without coordinates drawn at the centre of their sub-park"
    )


def unplaced_projects(src, rule, report) -> gpd.GeoDataFrame:
    """The rows of a project list without coordinates, their values translated.

    They skip the geometry checks of the import (they have no geometry yet) and are
    placed at their sub-park's centre once the park's layers are assembled.
    """
    from parkmap.io.columns import apply_schema
    from parkmap.io.report import Collector

    held = src.gdf[src.gdf.geometry.isna()].copy()
    ids = pd.Series(held["id"].astype(str).to_numpy(), index=held.index)
    apply_schema(held, "projects", rule, {}, Collector(report, str(src.path), src.label), ids)
    if "source" not in held.columns:
        held["source"] = src.path.name
    return held
