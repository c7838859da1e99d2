"""Land availability: how much land is still available, where, and in which sub-park.

Availability is a *waterfall*. Every square metre of the gross area is counted once, in
the first category that claims it, in the order of the rules file (default):

1. ``outside_boundary``: outside the development boundary (its ``boundary.zones``);
2. ``constraints``: hard constraints with their buffers (ecological red line, permanent
   basic farmland, water and its blue line, steep slope), and boundary zones not for
   building (特别用途区);
3. ``roads``: road rights-of-way, each centreline buffered by half its red-line width;
4. ``built``: built parcels and the footprints of existing buildings;
5. ``committed``: parcels supplied, committed or reserved for a signed project;
6. ``fragments``: pieces left over that are smaller than ``min_area_mu`` or narrower
   than ``min_width_m`` (a morphological opening);
7. ``available``: the rest.

Beside them, ``conditional`` is the part of the available land that needs a procedure
first (ordinary cropland or forest needing conversion approval, soft constraints, the
flexible-growth zone 弹性发展区). It is part of ``available``, reported so that it is
never silently counted as free land: unconditionally available = available −
conditional.

The gross area is the park's clusters (组团). A park without clusters is worked parcel by
parcel: each parcel is its own gross area, its own status claims it whole (built,
committed), and the table holds the total (and the sub-parks, by where each parcel
lies).
"""

from __future__ import annotations

import io as _io
import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from tabulate import tabulate
from wcwidth import wcswidth

from parkmap import __version__
from parkmap._geometry import right_of_way
from parkmap._waterfall import (
    ClaimLayer,
    Step,
    WaterfallResult,
    claim_layer,
    dimensions_m,
    run_waterfall,
    tile,
)
from parkmap.errors import DataFileError
from parkmap.io import write_geopackage
from parkmap.park import Park
from parkmap.report import (
    UNIT_NAMES,
    crs_line,
    format_area,
    illustrative_line,
    json_header,
    render_text,
)
from parkmap.rules import CATEGORIES, AvailabilityRules, load_rules
from parkmap.schema import Problem, feature_ids
from parkmap.units import AREA_UNITS, M2_PER_MU

if TYPE_CHECKING:
    import dask_geopandas
    import distributed

__all__ = ["CATEGORY_NAMES", "ENGINES", "FORMATS", "Availability", "availability"]

log = logging.getLogger("parkmap")

#: Engines of :func:`availability`: threads on this machine, or partitions on Dask.
ENGINES = ("local", "dask")

#: Output formats of :meth:`Availability.render`.
FORMATS = ("table", "csv", "markdown", "json")

#: JSON schema version of :meth:`Availability.to_dict`; bumped on incompatible change.
JSON_SCHEMA_VERSION = 1

#: Display names of the categories, (Chinese, English).
CATEGORY_NAMES = {
    "outside_boundary": ("开发边界外", "outside boundary"),
    "constraints": ("刚性管控", "constraints"),
    "roads": ("道路红线", "roads"),
    "built": ("已建", "built"),
    "committed": ("已供或已承诺", "committed"),
    "fragments": ("零碎不可用", "fragments"),
    "available": ("可用", "available"),
    "conditional": ("其中有条件可用", "of which conditional"),
    "gross": ("总面积", "gross"),
}
_LEVEL_NAMES = {
    "cluster": ("组团", "cluster"),
    "subpark": ("园中园", "sub-park"),
    "total": ("合计", "total"),
}


# -- building the steps from a park ------------------------------------------------------
def _layer(park: Park, name: str) -> gpd.GeoDataFrame | None:
    gdf = park.get(name)
    return gdf if gdf is not None and len(gdf) else None


def _status_in(gdf: gpd.GeoDataFrame | None, values, column: str = "status") -> np.ndarray:
    if gdf is None or column not in gdf.columns:
        return np.zeros(0 if gdf is None else len(gdf), dtype=bool)
    return gdf[column].astype(str).isin(list(values)).to_numpy()


def _geoms(gdf: gpd.GeoDataFrame | None, mask: np.ndarray | None = None) -> np.ndarray:
    if gdf is None:
        return np.empty(0, dtype=object)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    return geoms if mask is None else geoms[mask]


def _constraint_geoms(park: Park, rules: AvailabilityRules) -> tuple[np.ndarray, np.ndarray]:
    """Buffered hard and conditional constraint polygons."""
    gdf = _layer(park, "constraints")
    if gdf is None:
        return np.empty(0, dtype=object), np.empty(0, dtype=object)
    kind = gdf["kind"].astype(str)
    flag = gdf["hard"].astype(bool) if "hard" in gdf.columns else pd.Series(True, index=gdf.index)
    hard = (kind.isin(rules.hard_kinds) | (~kind.isin(rules.conditional_kinds) & flag)).to_numpy()
    own = pd.to_numeric(gdf.get("buffer_m"), errors="coerce") if "buffer_m" in gdf else 0.0
    floor = kind.map(dict(rules.buffer_m)).astype(float).fillna(0.0)
    buffer_m = np.maximum(pd.Series(own, index=gdf.index).fillna(0.0), floor).to_numpy()
    geoms = _geoms(gdf)
    buffered = geoms.copy()
    grow = buffer_m > 0
    buffered[grow] = shapely.buffer(geoms[grow], buffer_m[grow])
    return buffered[hard], buffered[~hard]


def _committing(park: Park, rules: AvailabilityRules) -> set | None:
    """Ids of the projects whose status commits their land (None: no projects layer)."""
    projects = _layer(park, "projects")
    if projects is None:
        return None
    return set(feature_ids(projects)[_status_in(projects, rules.committed_project_statuses)])


def _parcel_status(
    parcels: gpd.GeoDataFrame | None, committing: set | None, rules: AvailabilityRules
) -> dict[str, np.ndarray]:
    """Parcels whose own status claims them: ``built``, and ``committed`` (not built).

    Committed: a committed status, or reserved for a project with a committing status.
    """
    built = _status_in(parcels, rules.built_parcel_statuses)
    committed = _status_in(parcels, rules.committed_parcel_statuses)
    if parcels is not None and committing is not None and "project" in parcels.columns:
        reserved = parcels["status"].astype(str).eq("reserved").to_numpy()
        named = parcels["project"].astype(object).isin(committing).to_numpy()
        committed = committed | (reserved & named)
    return {"built": built, "committed": committed & ~built}


@dataclass
class _Plan:
    """The units and steps of one availability run."""

    mode: str  # "clusters" or "parcels"
    units: np.ndarray
    steps: list[Step]
    conditional: ClaimLayer | None


def _tile_m(area_m2: np.ndarray) -> float:
    """Tile size for large claimers, m: a few units wide, from the units' areas."""
    side = np.sqrt(np.median(area_m2)) if len(area_m2) else 0.0
    return max(200.0, 8.0 * float(side))


def _plan(park: Park, rules: AvailabilityRules) -> _Plan:
    clusters, parcels = _layer(park, "clusters"), _layer(park, "parcels")
    if clusters is not None:
        mode, units = "clusters", _disjoint(_geoms(clusters), feature_ids(clusters))
    elif parcels is not None:
        mode, units = "parcels", _geoms(parcels)
    else:
        raise DataFileError(
            f"{park.source or park.name}: availability needs a 'clusters' or a 'parcels' layer"
        )
    steps, conditional = _claim_steps(park, rules, mode, _tile_m(shapely.area(units)))
    whole = _parcel_status(parcels, _committing(park, rules), rules) if mode == "parcels" else {}
    return _Plan(mode, units, _with_whole(steps, whole, len(units)), conditional)


def _with_whole(steps: list[Step], whole: dict[str, np.ndarray], n_units: int) -> list[Step]:
    """The steps with the units each claims whole: by own status, or all of them.

    ``whole`` maps a category to a mask of the units its step claims whole (a parcel's
    own status); a step that keeps what its layer covers (the boundary) but has no layer
    claims every unit.
    """
    out = []
    for step in steps:
        if step.keep and step.layer is None:
            out.append(Step(step.category, whole=np.ones(n_units, dtype=bool)))
        else:
            out.append(Step(step.category, step.layer, step.keep, whole.get(step.category)))
    return out


def _claim_steps(
    park: Park, rules: AvailabilityRules, mode: str, tile_m: float
) -> tuple[list[Step], ClaimLayer | None]:
    """The claiming steps in the rules' order (their layers, no unit masks yet).

    Returns the steps and the conditional layer. In a parcels-only park (``mode``
    ``"parcels"``) the parcels' own statuses are not in the layers: see
    :func:`_with_whole`.
    """
    parcels = _layer(park, "parcels")

    def layer(*parts: np.ndarray) -> ClaimLayer | None:
        return claim_layer(np.concatenate([np.asarray(p, dtype=object) for p in parts]), tile_m)

    boundary = _layer(park, "boundary")
    hard, soft = _constraint_geoms(park, rules)
    roads = _layer(park, "roads")
    buildings = _layer(park, "buildings")
    projects = _layer(park, "projects")
    zone_geoms = {
        key: _geoms(boundary, _status_in(boundary, zones, "zone"))
        for key, zones in (
            ("inside", rules.boundary_zones),
            ("hard", rules.hard_zones),
            ("conditional", rules.conditional_zones),
        )
    }
    built = [_geoms(buildings, _status_in(buildings, rules.built_building_statuses))]
    committed = [
        _geoms(buildings, _status_in(buildings, rules.committed_building_statuses)),
        _geoms(projects, _status_in(projects, rules.committed_project_statuses)),
    ]
    if mode == "clusters":
        status = _parcel_status(parcels, _committing(park, rules), rules)
        built.append(_geoms(parcels, status["built"]))
        committed.append(_geoms(parcels, status["committed"]))
    if boundary is None:
        log.info("no development boundary layer: nothing is counted outside it")
    steps_by_name = {
        "outside_boundary": Step(
            "outside_boundary",
            layer(zone_geoms["inside"]) if boundary is not None else None,
            keep=boundary is not None,
        ),
        "constraints": Step("constraints", layer(hard, zone_geoms["hard"])),
        "roads": Step(
            "roads",
            layer(right_of_way(roads[_status_in(roads, rules.road_statuses)]))
            if roads is not None
            else None,
        ),
        "built": Step("built", layer(*built)),
        "committed": Step("committed", layer(*committed)),
    }
    steps = [steps_by_name[name] for name in rules.order if name != "fragments"]
    return steps, layer(soft, zone_geoms["conditional"])


def _disjoint(geoms: np.ndarray, ids: pd.Series) -> np.ndarray:
    """Units that do not overlap: each cluster minus the ones before it."""
    out = geoms.copy()
    for i in range(1, len(out)):
        earlier = shapely.union_all(geoms[:i])
        overlap = shapely.area(shapely.intersection(out[i], earlier))
        if overlap > 0:
            log.warning(
                "cluster %s overlaps an earlier cluster by %.0f m²; counted in the earlier one",
                ids.iloc[i],
                overlap,
            )
            out[i] = shapely.difference(out[i], earlier)
    return out


# -- attributing results -----------------------------------------------------------------
def _overlay_areas(targets: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Area of each target inside the (disjoint) ``geoms``, m²."""
    parts = shapely.get_parts(geoms[~shapely.is_empty(geoms)])
    if not len(parts) or not len(targets):
        return np.zeros(len(targets))
    side = np.sqrt(np.median(shapely.area(targets)))
    parts = tile(parts, max(100.0, 8.0 * float(side)))
    part_idx, target_idx = shapely.STRtree(targets).query(parts, predicate="intersects")
    area = shapely.area(shapely.intersection(targets[target_idx], parts[part_idx]))
    return np.bincount(target_idx, weights=area, minlength=len(targets))


def _where(targets: np.ndarray, areas: np.ndarray) -> np.ndarray:
    """Index of the area each target's representative point lies in (-1: none)."""
    out = np.full(len(targets), -1)
    if len(targets) and len(areas):
        point_idx, area_idx = shapely.STRtree(areas).query(
            shapely.point_on_surface(targets), predicate="intersects"
        )
        out[point_idx[::-1]] = area_idx[::-1]  # the first area wins
    return out


def _names(gdf: gpd.GeoDataFrame) -> tuple[list[str], list[str], list[str]]:
    ids = feature_ids(gdf)
    zh = gdf["name_zh"].astype(object) if "name_zh" in gdf.columns else ids
    en = gdf["name_en"].astype(object) if "name_en" in gdf.columns else zh
    zh = zh.where(zh.notna(), ids)
    en = en.where(en.notna(), zh)
    return list(ids), [str(v) for v in zh], [str(v) for v in en]


def _row(level: str, key: str, name: str, name_en: str, values: dict[str, float]) -> dict:
    row = {"level": level, "key": key, "name": name, "name_en": name_en}
    row.update({f"{c}_m2": float(values[c]) for c in CATEGORIES})
    row["conditional_m2"] = float(values["conditional"])
    row["gross_m2"] = float(sum(values[c] for c in CATEGORIES))
    return row


def _columns() -> list[str]:
    return [
        "level",
        "key",
        "name",
        "name_en",
        *(f"{c}_m2" for c in CATEGORIES),
        "conditional_m2",
        "gross_m2",
    ]


# -- the result --------------------------------------------------------------------------
@dataclass
class Availability:
    """The land-availability waterfall of a park.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per cluster (``level`` ``cluster``), per sub-park (``subpark``) and a
        final total (``total``): ``key``, ``name``, ``name_en``, one ``<category>_m2``
        column per category, ``conditional_m2`` (part of ``available_m2``) and
        ``gross_m2`` (the sum of the categories). Unrounded m².
    land : geopandas.GeoDataFrame
        The available pieces: ``cluster``, ``subpark`` (ids, None outside), ``parcel``
        (parcels-only parks), ``area_m2``, ``area_mu``, ``conditional_m2``,
        ``compactness`` (4πA/P², 1 for a disc, 0.785 for a square), ``width_m`` and
        ``length_m`` (the sides of the smallest rotated rectangle around the piece:
        a rectangular plot's width and length). Pieces are split at sub-park edges, so
        that they add up to the table's sub-park rows.
    parcels : geopandas.GeoDataFrame or None
        Every parcel with its ``<category>_m2``, ``conditional_m2`` and ``gross_m2``
        (None when the park has no parcels). With ``engine="dask"`` and ``output``,
        this and :attr:`land` are lazy ``dask_geopandas`` frames reading the GeoParquet
        the workers wrote.
    waterfall : geopandas.GeoDataFrame or None
        The land of each category per cluster (``cluster``, ``category``, ``area_m2``),
        for maps; None for a parcels-only park.
    categories : tuple of str
        The categories, in waterfall order (the rules' order, then ``available``).
    crs : pyproj.CRS
        The CRS areas were computed in.
    rules : AvailabilityRules
        The rules used.
    repairs : list of Problem
        Invalid input geometries repaired before the computation.
    """

    table: pd.DataFrame
    land: gpd.GeoDataFrame
    parcels: gpd.GeoDataFrame | None
    waterfall: gpd.GeoDataFrame | None
    categories: tuple[str, ...]
    crs: CRS
    rules: AvailabilityRules
    repairs: list[Problem] = field(default_factory=list)
    park_name_zh: str = ""
    park_name_en: str = ""
    illustrative: bool = False
    data_source: str | None = None

    @property
    def total(self) -> pd.Series:
        """The total row of :attr:`table`."""
        return self.table[self.table["level"] == "total"].iloc[0]

    def frame(self, unit: str = "m2") -> pd.DataFrame:
        """:attr:`table` with its areas in ``unit`` (``m2``, ``mu``, ``ha``, ``km2``).

        Columns are renamed ``<category>_<unit>``.
        """
        factor = AREA_UNITS[unit]
        out = self.table.copy()
        area_columns = [c for c in out.columns if c.endswith("_m2")]
        out[area_columns] = out[area_columns] / factor
        return out.rename(columns={c: f"{c[:-3]}_{unit}" for c in area_columns})

    def caption(self, lang: str = "en") -> str:
        """Lines that open every rendering: park, CRS, rules, repairs."""
        if lang == "zh":
            lines = [f"{self.park_name_zh} 用地可用性（瀑布式扣减）", crs_line(*self._crs(), "zh")]
            lines.append(f"规则：{self.rules.source}")
            if self.repairs:
                lines.append(f"已用 make_valid 修复 {len(self.repairs)} 个无效几何。")
        else:
            name = self.park_name_en or self.park_name_zh
            lines = [f"Land availability (waterfall): {name}", crs_line(*self._crs(), "en")]
            lines.append(f"Rules: {self.rules.source}")
            if self.repairs:
                lines.append(f"Repaired {len(self.repairs)} invalid geometries with make_valid.")
        if self.illustrative:
            lines.append(illustrative_line(lang))
        return "\n".join(lines)

    def _crs(self) -> tuple[str, str]:
        return self.crs.to_string(), self.crs.name

    # -- renderers ---------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The stable JSON form (see the README, "Land availability")."""
        rows = [
            {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
            for row in self.table.to_dict(orient="records")
        ]
        crs, crs_name = self._crs()
        return {
            "schema_version": JSON_SCHEMA_VERSION,
            **json_header(
                name_zh=self.park_name_zh,
                name_en=self.park_name_en,
                illustrative=self.illustrative,
                data_source=self.data_source,
                crs=crs,
                crs_name=crs_name,
            ),
            "categories": list(self.categories),
            "rows": rows,
            "rules": {"source": self.rules.source, **self.rules.as_dict()},
            "repairs": [p.format() for p in self.repairs],
        }

    def _waterfall_rows(self, lang: str) -> tuple[list[list[str]], list[str]]:
        """The total's categories as rows, areas in every unit and their share."""
        total = self.total
        gross = total["gross_m2"]
        index = 0 if lang == "zh" else 1
        rows = []
        for key in [*self.categories, "conditional", "gross"]:
            value = total[f"{key}_m2"]
            share = f"{100 * value / gross:.1f}" if gross else ""
            label = CATEGORY_NAMES[key][index]
            rows.append([label, *(format_area(value, u) for u in AREA_UNITS), share])
        headers = ["类别" if lang == "zh" else "category"]
        headers += [UNIT_NAMES[u][index] for u in AREA_UNITS]
        headers.append("占比(%)" if lang == "zh" else "share (%)")
        return rows, headers

    def _unit_rows(self, lang: str, unit: str) -> tuple[list[list[str]], list[str]]:
        index = 0 if lang == "zh" else 1
        keys = [*self.categories, "conditional", "gross"]
        rows = []
        for row in self.table.itertuples(index=False):
            name = row.name if lang == "zh" else row.name_en
            level = _LEVEL_NAMES[row.level][index]
            rows.append([level, name, *(format_area(getattr(row, f"{k}_m2"), unit) for k in keys)])
        headers = ["层级" if lang == "zh" else "level", "名称" if lang == "zh" else "name"]
        headers += [CATEGORY_NAMES[k][index] for k in keys]
        return rows, headers

    def to_text(self, lang: str = "en", fmt: str = "table", *, caption: bool = True) -> str:
        """Render as terminal tables (``fmt="table"``) or Markdown (``"markdown"``).

        The waterfall of the total in m², 亩, 公顷 and km² with each category's share,
        then the table by cluster and sub-park in 公顷 and in 亩.
        """
        tablefmt = "pipe" if fmt == "markdown" else "simple"
        index = 0 if lang == "zh" else 1

        def heading(title: str, level: int = 2) -> str:
            if fmt == "markdown":
                return f"{'#' * level} {title}"
            return f"{title}\n{'=' * wcswidth(title)}"

        blocks = []
        if caption:
            first, *rest = self.caption(lang).splitlines()
            if fmt == "markdown":
                blocks.append(f"# {first}\n\n" + "\n".join(f"{line}  " for line in rest))
            else:
                blocks.append("\n".join([first, *rest]))
        rows, headers = self._waterfall_rows(lang)
        title = "用地可用性瀑布（合计）" if lang == "zh" else "Availability waterfall (total)"
        blocks.append(
            heading(title)
            + "\n"
            + tabulate(
                rows,
                headers=headers,
                tablefmt=tablefmt,
                colalign=["left"] + ["right"] * (len(headers) - 1),
                disable_numparse=True,
            )
        )
        for unit in ("ha", "mu"):
            rows, headers = self._unit_rows(lang, unit)
            unit_name = UNIT_NAMES[unit][index]
            title = (
                f"按组团与园中园（{unit_name}）"
                if lang == "zh"
                else f"By cluster and sub-park ({unit_name})"
            )
            body = tabulate(
                rows,
                headers=headers,
                tablefmt=tablefmt,
                colalign=["left", "left"] + ["right"] * (len(headers) - 2),
                disable_numparse=True,
            )
            blocks.append(f"{heading(title)}\n{body}")
        if lang == "en":
            blocks.append(
                "(conditional = part of the available land that needs approval first: "
                "ordinary cropland, forest, soft constraints, flexible-growth zone)"
            )
        return "\n\n".join(blocks) + "\n"

    def to_csv(self, lang: str = "en") -> str:
        """The table as CSV, every area in m², 亩, 公顷 and km² (unrounded)."""
        frame = self.table[["level", "key", "name", "name_en"]].copy()
        for column in [c for c in self.table.columns if c.endswith("_m2")]:
            stem = column[:-3]
            for unit, factor in AREA_UNITS.items():
                frame[f"{stem}_{unit}"] = self.table[column] / factor
        if lang == "zh":
            frame.columns = [_zh_header(c) for c in frame.columns]
        buffer = _io.StringIO()
        frame.to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()

    def render(self, fmt: str = "table", lang: str = "en") -> str:
        """Render as text in ``fmt`` (``table``, ``csv``, ``markdown``, ``json``)."""
        return render_text(self, fmt, lang, FORMATS)

    def to_geopackage(self, path: str | os.PathLike, *, overwrite: bool = False):
        """Write ``available_land`` and, when the park has parcels, ``parcel_availability``.

        The file is written to a temporary name and moved into place when complete.

        Raises
        ------
        parkmap.errors.OutputExistsError
            If the file exists and ``overwrite`` is false.
        """
        layers = {"available_land": self.land}
        if self.parcels is not None:
            layers["parcel_availability"] = self.parcels
        metadata = {
            "generator": f"parkmap {__version__}",
            "categories": list(self.categories),
            "rules": {"source": self.rules.source, **self.rules.as_dict()},
            "crs": self.crs.to_string(),
        }
        return write_geopackage(path, layers, metadata, overwrite=overwrite)


def _zh_header(column: str) -> str:
    fixed = {"level": "层级", "key": "编号", "name": "名称", "name_en": "英文名称"}
    if column in fixed:
        return fixed[column]
    stem, unit = column.rsplit("_", 1)
    return f"{CATEGORY_NAMES[stem][0]}({UNIT_NAMES[unit][0]})"


# -- the computation -----------------------------------------------------------------------
def _rules(rules) -> AvailabilityRules:
    if rules is None:
        return load_rules()
    if isinstance(rules, AvailabilityRules):
        return rules
    return load_rules(rules)


def _repair(park: Park, repair: bool) -> tuple[Park, list[Problem]]:
    if not repair:
        return park.require_valid(), []
    fixed, repairs = park.repaired()
    for problem in repairs:
        log.warning("%s", problem.format())
    return fixed.require_valid(), repairs


def availability(
    park: Park,
    rules: AvailabilityRules | str | os.PathLike | None = None,
    *,
    repair: bool = True,
    progress: bool = False,
    workers: int | None = None,
    chunk_size: int = 20_000,
    engine: str = "local",
    scheduler: str | distributed.Client | None = None,
    partitions: int | None = None,
    parcels: str | os.PathLike | dask_geopandas.GeoDataFrame | None = None,
    output: str | os.PathLike | None = None,
    overwrite: bool = False,
) -> Availability:
    """Compute the land-availability waterfall of a park.

    Parameters
    ----------
    park : Park
        The park. Its gross area is its clusters; a park without clusters is worked
        parcel by parcel.
    rules : AvailabilityRules or path-like, optional
        The rules, or a TOML rules file; default: the shipped
        ``availability_rules.toml``.
    repair : bool, default True
        Repair invalid geometries with ``shapely.make_valid`` (logged as warnings and
        listed in :attr:`Availability.repairs`) instead of refusing the park.
    progress : bool, default False
        Show a progress bar (``tqdm.auto``: terminal or notebook).
    workers : int, optional
        Threads for parcel-by-parcel work (default: every CPU).
    chunk_size : int, default 20000
        Parcels per chunk of work.
    engine : {"local", "dask"}, default "local"
        ``"local"``: threads on this machine. ``"dask"``: the same waterfall over
        Hilbert-sorted partitions of the parcels on a Dask ``distributed`` cluster
        (needs ``pip install 'parkmap[dask]'``; parcels-only parks). Each partition
        gets only the claim pieces that meet its extent; every parcel's areas are
        those of the local engine.
    scheduler : str or distributed.Client, optional
        With ``engine="dask"``: the scheduler address (``tcp://host:8786``) or a
        client; default: a local cluster of one worker process per core, started and
        closed here.
    partitions : int, optional
        With ``engine="dask"``: number of partitions (default: at least two per worker
        thread, at most 50,000 parcels each).
    parcels : path-like or dask_geopandas.GeoDataFrame, optional
        With ``engine="dask"``: parcels to work instead of the park's own layer, read
        lazily from GeoParquet (a file or a folder of parts) and validated and repaired
        partition by partition, so that they need not fit in this process's memory.
    output : path-like, optional
        With ``engine="dask"``: a folder the workers write the results to, as the
        GeoParquet datasets ``parcel_availability`` and ``available_land`` (folders of
        parts; the folder must be visible to every worker). :attr:`Availability.parcels`
        and :attr:`Availability.land` are then lazy ``dask_geopandas`` frames reading
        them.
    overwrite : bool, default False
        Replace ``output`` if it exists.

    Returns
    -------
    Availability

    Raises
    ------
    parkmap.errors.ValidationError
        If the park has validation errors (other than invalid geometries, when
        ``repair`` is true).
    parkmap.errors.RulesError
        If the rules file is bad.
    parkmap.errors.DataFileError
        If the park has neither clusters nor parcels.
    parkmap.errors.OutputExistsError
        If ``output`` exists and ``overwrite`` is false.
    ImportError
        With ``engine="dask"``, if dask-geopandas or distributed is not installed.
    ValueError
        If ``engine`` is unknown, or Dask-only options are given to the local engine
        (a :class:`~parkmap.errors.DataFileError`, also a ValueError, if
        ``engine="dask"`` is asked for a park with clusters).

    Notes
    -----
    Every square metre is counted in exactly one category, so the categories of each
    row add up to ``gross_m2`` (to rounding, 1e-9 relative). ``conditional_m2`` is part
    of ``available_m2``. Land of a parcel outside every cluster counts as
    ``outside_boundary`` in :attr:`Availability.parcels`.

    Examples
    --------
    >>> import parkmap
    >>> result = parkmap.availability(parkmap.datasets.load("dianjiang"))
    >>> list(result.table["level"].unique())
    ['cluster', 'subpark', 'total']
    >>> total = result.total
    >>> bool(abs(sum(total[f"{c}_m2"] for c in result.categories) - total["gross_m2"]) < 1e-3)
    True
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    dask_only = {
        "scheduler": scheduler,
        "partitions": partitions,
        "parcels": parcels,
        "output": output,
    }
    given = [k for k, v in dask_only.items() if v is not None]
    if engine == "local" and given:
        raise ValueError(f"{', '.join(given)}: only with engine='dask'")
    rules = _rules(rules)
    park, repairs = _repair(park, repair)
    categories = (*(s for s in rules.order), "available")
    if engine == "dask":
        from parkmap._dask import run_dask

        table, land, parcels_out, problems = run_dask(
            park,
            rules,
            parcels=parcels,
            scheduler=scheduler,
            partitions=partitions,
            chunk_size=chunk_size,
            progress=progress,
            repair=repair,
            output=output,
            overwrite=overwrite,
        )
        return _result(park, rules, repairs + problems, table, land, parcels_out, None)
    plan = _plan(park, rules)
    log.info("availability: %d %s, rules %s", len(plan.units), plan.mode, rules.source)
    from tqdm.auto import tqdm

    with tqdm(
        total=len(plan.units), desc="availability", unit=plan.mode[:-1], disable=not progress
    ) as bar:
        result = run_waterfall(
            plan.units,
            plan.steps,
            conditional=plan.conditional,
            min_area_m2=rules.min_area_m2,
            min_width_m=rules.min_width_m,
            keep_geometry=plan.mode == "clusters",
            workers=workers,
            chunk_size=chunk_size,
            progress=bar.update,
        )
    areas = {c: result.areas[c] for c in categories}
    areas["conditional"] = result.conditional_m2
    if plan.mode == "clusters":
        table, land, parcels, waterfall = _cluster_outputs(park, plan, result, areas)
    else:
        table, land, parcels = _parcel_outputs(
            park["parcels"], _layer(park, "subparks"), park.crs, result, areas
        )
        waterfall = None
    return _result(park, rules, repairs, table, land, parcels, waterfall)


def _result(park: Park, rules: AvailabilityRules, repairs, table, land, parcels, waterfall):
    meta = park.metadata
    return Availability(
        table=table,
        land=land,
        parcels=parcels,
        waterfall=waterfall,
        categories=(*rules.order, "available"),
        crs=park.crs,
        rules=rules,
        repairs=repairs,
        park_name_zh=str(meta.get("name_zh") or park.name),
        park_name_en=str(meta.get("name_en") or park.name),
        illustrative=bool(meta.get("illustrative", False)),
        data_source=park.source,
    )


def _land_frame(
    pieces: np.ndarray, columns: dict[str, object], conditional_m2, dimensions, crs
) -> gpd.GeoDataFrame:
    area = shapely.area(pieces)
    perimeter = shapely.length(pieces)
    with np.errstate(divide="ignore", invalid="ignore"):
        compactness = np.where(perimeter > 0, 4 * np.pi * area / perimeter**2, 0.0)
    frame = {
        "piece": np.arange(len(pieces)),
        **columns,
        "area_m2": area,
        "area_mu": area / M2_PER_MU,
        "conditional_m2": np.asarray(conditional_m2, dtype=float),
        "compactness": compactness,
        "width_m": np.asarray(dimensions[0], dtype=float),
        "length_m": np.asarray(dimensions[1], dtype=float),
    }
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(pieces, crs=crs), crs=crs)


def _cluster_outputs(park: Park, plan: _Plan, result, areas: dict[str, np.ndarray]):
    clusters = park["clusters"]
    ids, zh, en = _names(clusters)
    rows = [
        _row("cluster", k, z, e, {c: v[i] for c, v in areas.items()})
        for i, (k, z, e) in enumerate(zip(ids, zh, en, strict=True))
    ]
    claimed = dict(result.claimed)
    claimed["conditional"] = result.conditional
    subparks = _layer(park, "subparks")
    if subparks is not None:
        targets = _geoms(subparks)
        by_category = {c: _overlay_areas(targets, claimed[c]) for c in areas}
        s_ids, s_zh, s_en = _names(subparks)
        rows += [
            _row("subpark", k, z, e, {c: v[i] for c, v in by_category.items()})
            for i, (k, z, e) in enumerate(zip(s_ids, s_zh, s_en, strict=True))
        ]
    rows.append(_row("total", "total", "合计", "total", {c: v.sum() for c, v in areas.items()}))
    table = pd.DataFrame(rows, columns=_columns())

    # the available land, split at sub-park edges
    available = claimed["available"]
    pieces, unit = shapely.get_parts(available, return_index=True)
    subpark_of = np.full(len(pieces), None, dtype=object)
    if subparks is not None and len(pieces):
        s_geoms = _geoms(subparks)
        split, split_unit, split_sub = [], [], []
        p_idx, s_idx = shapely.STRtree(s_geoms).query(pieces, predicate="intersects")
        cut = shapely.intersection(pieces[p_idx], s_geoms[s_idx])
        for piece, sub, geom in zip(p_idx, s_idx, cut, strict=True):
            for part in shapely.get_parts(geom):
                if shapely.get_type_id(part) == 3 and part.area > 0:
                    split.append(part)
                    split_unit.append(unit[piece])
                    split_sub.append(s_ids[sub])
        union_subparks = shapely.union_all(s_geoms)
        rest = shapely.difference(pieces, union_subparks)
        rest_parts, rest_idx = shapely.get_parts(rest, return_index=True)
        keep = (shapely.get_type_id(rest_parts) == 3) & (shapely.area(rest_parts) > 0)
        pieces = np.concatenate([np.asarray(split, dtype=object), rest_parts[keep]])
        unit = np.concatenate([np.asarray(split_unit, dtype=int), unit[rest_idx[keep]]])
        subpark_of = np.concatenate(
            [np.asarray(split_sub, dtype=object), np.full(keep.sum(), None, dtype=object)]
        )
    conditional = claimed["conditional"]
    conditional_m2 = shapely.area(shapely.intersection(pieces, conditional[unit]))
    land = _land_frame(
        pieces,
        {"cluster": np.asarray(ids, dtype=object)[unit], "subpark": subpark_of},
        conditional_m2,
        dimensions_m(pieces),
        park.crs,
    )

    parcels = None
    if _layer(park, "parcels") is not None:
        targets = _geoms(park["parcels"])
        per_parcel = {c: _overlay_areas(targets, claimed[c]) for c in areas}
        inside = sum(per_parcel[c] for c in CATEGORIES if c in per_parcel)
        per_parcel["outside_boundary"] = per_parcel["outside_boundary"] + np.maximum(
            shapely.area(targets) - inside, 0.0
        )
        parcels = _parcel_frame(park["parcels"], per_parcel, park.crs)

    records = []
    for category in [*areas]:
        for i, geom in enumerate(claimed[category]):
            if not shapely.is_empty(geom):
                records.append({"cluster": ids[i], "category": category, "geometry": geom})
    waterfall = gpd.GeoDataFrame(
        records or None, columns=["cluster", "category", "geometry"], crs=park.crs
    )
    waterfall["area_m2"] = waterfall.geometry.area
    return table, land, parcels, waterfall


def _parcel_frame(source: gpd.GeoDataFrame, areas: dict[str, np.ndarray], crs) -> gpd.GeoDataFrame:
    keep = [c for c in ("id", "landuse_code", "status", "project") if c in source.columns]
    frame = gpd.GeoDataFrame(source[keep].copy(), geometry=source.geometry, crs=crs)
    for category in CATEGORIES:
        frame[f"{category}_m2"] = areas[category]
    frame["conditional_m2"] = areas["conditional"]
    frame["gross_m2"] = sum(areas[c] for c in CATEGORIES)
    return frame.reset_index(drop=True)


def _parcel_outputs(
    parcels: gpd.GeoDataFrame,
    subparks: gpd.GeoDataFrame | None,
    crs,
    result: WaterfallResult,
    areas: dict[str, np.ndarray],
) -> tuple[pd.DataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Table (sub-parks by where each parcel lies, total), available land, parcel frame."""
    parcel_ids = np.asarray(feature_ids(parcels), dtype=object)
    rows = []
    subpark_of_parcel = np.full(len(parcels), None, dtype=object)
    if subparks is not None:
        s_ids, s_zh, s_en = _names(subparks)
        where = _where(_geoms(parcels), _geoms(subparks))
        for j, (k, z, e) in enumerate(zip(s_ids, s_zh, s_en, strict=True)):
            mine = where == j
            rows.append(_row("subpark", k, z, e, {c: v[mine].sum() for c, v in areas.items()}))
        subpark_of_parcel[where >= 0] = np.asarray(s_ids, dtype=object)[where[where >= 0]]
    rows.append(_row("total", "total", "合计", "total", {c: v.sum() for c, v in areas.items()}))
    table = pd.DataFrame(rows, columns=_columns())
    unit = result.piece_unit
    land = _land_frame(
        result.pieces,
        {
            "cluster": np.full(len(unit), None, dtype=object),
            "subpark": subpark_of_parcel[unit],
            "parcel": parcel_ids[unit],
        },
        result.piece_conditional_m2,
        (result.piece_width_m, result.piece_length_m),
        crs,
    )
    return table, land, _parcel_frame(parcels, areas, crs)
