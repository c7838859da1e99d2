"""Importing planners' own data: bureau GIS files and CAD drawings into a Park.

Why this module is long: the pipeline's steps (read, CRS, clean, map, assemble, draft a
mapping) share the per-source state; each step's helpers live in the sibling modules.

:func:`import_park` reads Shapefile, GeoPackage, File Geodatabase (every feature
class), GeoJSON (also DataV JSON arrays), GeoParquet, KML, FlatGeobuf, DXF,
OpenStreetMap extracts and project lists (Excel / CSV), finds out what each source
holds (encoding, CRS, standard field names), maps it onto the park layers, repairs
what can be repaired and says so, and builds a :class:`~parkmap.park.Park`. Nothing is
guessed silently: a missing CRS with several candidates, swapped axes, undecodable
text or an unreadable file stop the import with one line naming the file, layer and
feature; what is inferred (a status from the survey class, a default width) is stated
in the report and in the park's notes. Inputs are only ever opened for reading.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parkmap._geometry import repair
from parkmap.crs import WGS84, crs_label, measuring_crs, to_crs
from parkmap.errors import DataFileError
from parkmap.io.columns import apply_columns, apply_landuse, apply_schema, check_text
from parkmap.io.coordinates import check_coordinates, convert_gcj02, no_crs_error
from parkmap.io.detect import crs_candidates
from parkmap.io.fieldmap import FieldMapping, LayerRule, auto_columns, auto_target, load_mapping
from parkmap.io.files import read_park
from parkmap.io.mapping_draft import DraftEntry, missing_columns, write_draft
from parkmap.io.projects import place_at_subparks, unplaced_projects
from parkmap.io.readers import FORMATS, Source, expand, read_source_file
from parkmap.io.report import Collector, ImportReport, SourceReport
from parkmap.io.survey import infer_missing_status
from parkmap.park import Park
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

#: Relative difference between a declared area (三调 TBMJ) and the geometry's area
#: above which the feature is reported.
AREA_MISMATCH_SHARE = 0.05

_FAMILIES = {"point": ("Point", "MultiPoint"), "line": LINE, "polygon": POLYGON}


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
    geoms, reasons = repair(out.geometry.array, None if family is None else family == "polygon")
    repaired = pd.notna(reasons)
    collapsed = repaired & shapely.is_empty(geoms)
    for i in np.flatnonzero(repaired & ~collapsed):
        findings["repaired"].append((ids[out.index[i]], reasons[i]))
    findings["collapsed"] = list(ids[out.index[collapsed]])
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=gdf.crs))
    return out.loc[~collapsed], findings


# -- the import -----------------------------------------------------------------------------
def _sanitise(name: str) -> str:
    return re.sub(r"[^\w]+", "_", name).strip("_") or "layer"


def _rule(src: Source, mapping: FieldMapping | None) -> LayerRule:
    rule = mapping.rule_for(src.path.name, src.layer) if mapping else None
    return rule if rule is not None else LayerRule()


def _target(src: Source, rule: LayerRule, field_layer: str | None) -> tuple[str, dict]:
    if rule.target:
        return rule.target, {}
    if src.target:
        return src.target, {}
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
    note = Collector(report, file, label)
    gdf = src.gdf.copy()
    check_text(src, gdf)
    auto, _, scheme = auto_columns([str(c) for c in gdf.columns])
    if target not in LAYERS:
        auto = {}  # a layer kept under its own name keeps its own fields
    used = set(rule.columns.values())
    columns = {c: f for c, f in auto.items() if f not in used and c not in rule.columns}
    columns.update(rule.columns)
    gdf, renamed = apply_columns(gdf, columns, note)
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
        gdf = check_coordinates(gdf, src, swap_xy, note, ids)
    if gcj and len(gdf):
        gdf = convert_gcj02(gdf, f"{file}, layer '{label}'")
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
        apply_landuse(gdf, rule, scheme, ids, note, src, report)
    apply_schema(gdf, target, rule, defaults, note, ids)
    if target == "parcels" and (rule.landuse_scheme or scheme) == "survey":
        field_name = next((f for c, f in columns.items() if c == "landuse_code"), "DLBM")
        inferred = infer_missing_status(gdf, field_name, f"{src.path.name}:{label}")
        if inferred:
            report.notes.append(inferred)
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


def _write_draft(loaded, mapping, path) -> None:
    entries = []
    for src, rule in loaded:
        auto, field_layer, _ = auto_columns([str(c) for c in src.gdf.columns])
        known = rule.target or src.target or auto_target(src.dxf_layer, src.layer, src.path.stem)[0]
        target = _target(src, rule, field_layer)[0] if known not in (None, "-") else None
        target = target if target in LAYERS else None
        columns = {**auto, **rule.columns} if target else {}
        present = [*columns, *rule.defaults, *(str(c) for c in src.gdf.columns)]
        if target == "parcels" and "landuse_code" in columns:
            present.append("status")  # inferred from the survey class
        how = "the mapping" if rule.target else ("the file's content" if src.target else "names")
        entries.append(
            DraftEntry(
                src.path.name, src.layer, target, how if target else "", columns,
                [str(c) for c in src.gdf.columns if c != src.gdf.geometry.name],
                missing_columns(target, present),
            )
        )  # fmt: skip
    write_draft(entries, path)


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
    write_mapping: str | os.PathLike | None = None,
) -> tuple[Park, ImportReport]:
    """Import planners' files (GIS layers, CAD drawings) into a park.

    Parameters
    ----------
    sources : path-like or sequence of path-like
        Files (``.shp``, ``.gpkg``, ``.geojson``/``.json``, ``.parquet``, ``.kml``,
        ``.dxf``, ``.fgb``) or folders of them. Every layer of a GeoPackage or KML file
        and every CAD layer of a DXF drawing is a source layer of its own.
    mapping : path-like or FieldMapping, optional
        A field-mapping TOML file (see :func:`parkmap.io.fieldmap.load_mapping`). Source
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
    write_mapping : path-like, optional
        Write a ready-to-edit mapping file there as soon as the sources are read:
        every source layer with its target, the fields recognised, and ``"TODO"`` for
        what is missing (fill them, then import again with ``mapping=``).

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
    loaded: list[tuple[Source, LayerRule]] = []
    for path in expand(sources):
        rule_encoding = None
        if mapping is not None:
            rule_encoding = next(
                (r.encoding for r in mapping.rules if r.encoding and r.matches(path.name, None)),
                None,
            )
        for src in read_source_file(path, rule_encoding or encoding):
            rule = _rule(src, mapping)
            if rule.skip:
                report.sources.append(
                    SourceReport(str(src.path), src.layer, src.fmt, len(src.gdf), 0, None)
                )
                continue
            loaded.append((src, rule))
            report.notes.extend(src.notes)
    if write_mapping is not None:
        _write_draft(loaded, mapping, write_mapping)
    if not loaded:
        raise DataFileError("nothing imported: every source layer was skipped")

    given = to_crs(s_srs) if s_srs is not None else None
    how: dict[int, str] = {}
    pending: list[Source] = []
    for src, rule in loaded:
        gcj = rule.from_gcj02 if rule.from_gcj02 is not None else from_gcj02
        if rule.s_srs:
            src.gdf = src.gdf.set_crs(to_crs(rule.s_srs), allow_override=True)
            how[id(src)] = f"mapping {rule.origin}"
        elif src.gdf.crs is not None:
            how[id(src)] = src.crs_how or "declared by the file"
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
        raise no_crs_error(pending, near)

    prepared: dict[str, list[gpd.GeoDataFrame]] = {}
    for src, rule in loaded:
        gcj = rule.from_gcj02 if rule.from_gcj02 is not None else from_gcj02
        field_layer = auto_columns([str(c) for c in src.gdf.columns])[1]
        target, defaults = _target(src, rule, field_layer)
        note = Collector(report, str(src.path), src.label)
        if len(src.gdf) == 0:
            note.add("empty layer: no features")
        held = None
        if src.fmt == "project list" and src.gdf.geometry.isna().any():
            held = unplaced_projects(src, rule, report)  # placed at their sub-park below
            src.gdf = src.gdf[src.gdf.geometry.notna()]
        gdf = _prepare(src, rule, target, defaults, how[id(src)], swap_xy, gcj, report)
        if held is not None:
            gdf = pd.concat([gdf, held.to_crs(gdf.crs)], ignore_index=True)
        if src.gdf.crs is None and len(gdf) == 0:
            continue
        prepared.setdefault(target, []).append(gdf)

    meta = {**(mapping.park if mapping else {}), **(metadata or {})}
    park_crs = crs if crs is not None else meta.pop("crs", None)
    meta.setdefault("name_zh", expand(sources)[0].stem)
    frames = {t: [g for g in gs if g.crs is not None] for t, gs in prepared.items()}
    frames = {t: gs for t, gs in frames.items() if gs}
    if not any(len(g) for gs in frames.values() for g in gs):
        raise DataFileError("nothing imported: every source layer is empty")
    choice = measuring_crs({t: gs[0] for t, gs in frames.items() if len(gs[0])} or
                           {t: gs[0] for t, gs in frames.items()}, park_crs)  # fmt: skip
    chosen = choice.crs
    report.notes.extend(choice.notes)
    meta["crs"], meta["crs_derived"] = chosen.to_string(), bool(choice.derived)
    layers = {
        target: gpd.GeoDataFrame(
            pd.concat([g.to_crs(chosen) for g in gs], ignore_index=True), crs=chosen
        )
        for target, gs in frames.items()
    }
    if "projects" in layers and layers["projects"].geometry.isna().any():
        layers["projects"], placed = place_at_subparks(layers["projects"], layers.get("subparks"))
        report.notes.append(placed)
    report.crs = chosen.to_string()
    _check_declared_area(layers, report)
    meta["notes"] = [*meta.get("notes", []), *report.notes]
    meta["import"] = report.to_dict()
    label = ", ".join(str(p) for p in expand(sources))
    park = Park(layers, crs=chosen, metadata=meta, source=label)
    for problem in report.problems:
        log.info("%s", problem)
    return park, report
