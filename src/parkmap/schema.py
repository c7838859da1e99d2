"""Layer schemas of a park and their validation.

The schema is declared here once: for every park layer, the geometry types it accepts
and its columns (type, whether required, allowed values). :func:`validate_layers`
checks a set of layers against it and returns every problem found, each naming the
layer, the feature, the column and what is wrong.

Why this module is long: the schema and every check against it (columns, values,
land-use codes, then containment and overlaps across layers) are one contract.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from parkmap._geometry import digitising_tolerance_m2, overlapping_pairs
from parkmap._validity import start_validity
from parkmap.landuse import code_problems

__all__ = [
    "LAYERS",
    "Column",
    "LayerSchema",
    "Problem",
    "feature_ids",
    "validate_layers",
]

POLYGON = ("Polygon", "MultiPolygon")
LINE = ("LineString", "MultiLineString")
POINT_OR_POLYGON = ("Point", "MultiPoint", "Polygon", "MultiPolygon")
#: ``shapely.get_type_id`` of each geometry type name.
_GEOMETRY_TYPE_IDS = {
    name: type_id
    for type_id, name in enumerate(
        (
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        )
    )
}


@cache
def _tolerance_m2() -> float:
    """Area (m²) of a feature outside its container still tolerated as digitising noise."""
    return digitising_tolerance_m2()


def __getattr__(name: str):
    # CONTAINMENT_TOLERANCE_M2 is read from data/tolerances.csv when first asked for,
    # not when the module is imported
    if name == "CONTAINMENT_TOLERANCE_M2":
        return _tolerance_m2()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Column:
    """One attribute column of a layer.

    Parameters
    ----------
    name : str
        Column name.
    kind : {"text", "number", "integer", "bool"}
        Value type.
    required : bool
        Whether the column must exist.
    nullable : bool
        Whether a value may be missing.
    allowed : tuple of str, optional
        The allowed values of a text column.
    min_value : float, optional
        Smallest allowed value of a numeric column.
    positive : bool
        Whether a numeric value must be strictly greater than zero.
    description : str
        What the column holds, with its unit.
    """

    name: str
    kind: str = "text"
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    min_value: float | None = None
    positive: bool = False
    description: str = ""


@dataclass(frozen=True)
class LayerSchema:
    """Schema of one park layer."""

    name: str
    geometry: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str = ""
    landuse_columns: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column | None:
        """The column called ``name``, or None."""
        return next((c for c in self.columns if c.name == name), None)


_COMMON = (
    Column("id", required=False, description="feature identifier, unique in the layer"),
    Column("source", required=False, nullable=True, description="where the feature comes from"),
    Column("confidence", required=False, nullable=True, description="how sure the source is"),
)

ROAD_CLASSES = ("highway", "expressway", "trunk", "secondary", "branch")
ROAD_STATUS = ("built", "under_construction", "planned")
BUILDING_KINDS = ("standard_factory", "factory", "office", "warehouse", "dormitory", "other")
BUILDING_STATUS = ("built", "under_construction", "planned", "renovation")
PARCEL_STATUS = ("built", "supplied", "committed", "available", "reserved")
CONSTRAINT_KINDS = (
    "ecological_red_line",
    "permanent_basic_farmland",
    "water",
    "steep_slope",
    "corridor",
    "cropland",
    "forest",
    "other",
)
BOUNDARY_ZONES = ("集中建设区", "弹性发展区", "特别用途区")
PROJECT_STATUS = ("signed", "negotiating", "under_construction", "producing")

#: The park layers, in drawing and reporting order.
LAYERS: dict[str, LayerSchema] = {
    s.name: s
    for s in (
        LayerSchema(
            "clusters",
            POLYGON,
            (
                *_COMMON,
                Column("name_zh"),
                Column("name_en", required=False, nullable=True),
                Column(
                    "in_platform",
                    "bool",
                    required=False,
                    description="counted in the park platform total",
                ),
            ),
            "组团: the clusters of the park platform",
        ),
        LayerSchema(
            "boundary",
            POLYGON,
            (
                *_COMMON,
                Column("name_zh"),
                Column("zone", allowed=BOUNDARY_ZONES),
                Column("cluster", required=False, nullable=True, description="cluster id"),
            ),
            "城镇开发边界: development-boundary parts",
        ),
        LayerSchema(
            "subparks",
            POLYGON,
            (
                *_COMMON,
                Column("name_zh"),
                Column("name_en", required=False, nullable=True),
                Column("industry"),
                Column("industry_code", required=False, nullable=True),
                Column("landuse_code"),
                Column("cluster", required=False, nullable=True, description="cluster id"),
            ),
            "园中园: industrial sub-parks",
            landuse_columns=("landuse_code",),
        ),
        LayerSchema(
            "roads",
            LINE,
            (
                *_COMMON,
                Column("name_zh", nullable=True),
                Column("name_en", required=False, nullable=True),
                Column("road_class", allowed=ROAD_CLASSES),
                Column("red_line_m", "number", positive=True, description="red-line width, m"),
                Column("status", allowed=ROAD_STATUS),
            ),
            "roads by centreline",
        ),
        LayerSchema(
            "buildings",
            POLYGON,
            (
                *_COMMON,
                Column("name_zh", nullable=True),
                Column("kind", allowed=BUILDING_KINDS),
                Column("storeys", "integer", min_value=1),
                Column("storey_height_m", "number", positive=True, description="storey height, m"),
                Column("status", allowed=BUILDING_STATUS),
                Column("cluster", required=False, nullable=True),
            ),
            "factories and other buildings (footprints)",
        ),
        LayerSchema(
            "parcels",
            POLYGON,
            (
                *_COMMON,
                Column("landuse_code"),
                Column("status", allowed=PARCEL_STATUS),
                Column("project", required=False, nullable=True),
            ),
            "land parcels",
            landuse_columns=("landuse_code",),
        ),
        LayerSchema(
            "constraints",
            POLYGON,
            (
                *_COMMON,
                Column("name_zh", required=False, nullable=True),
                Column("kind", allowed=CONSTRAINT_KINDS),
                Column("hard", "bool", description="never available when true"),
                Column("buffer_m", "number", min_value=0, description="buffer around it, m"),
                Column(
                    "control_line",
                    required=False,
                    nullable=True,
                    description="control-line feature (power_220kv, railway_trunk, "
                    "oil_gas_pipeline …): the rules' control_line_m is its smallest buffer",
                ),
            ),
            "planning constraints (三区三线 and others)",
        ),
        LayerSchema(
            "projects",
            POINT_OR_POLYGON,
            (
                *_COMMON,
                Column("name_zh"),
                Column("name_en", required=False, nullable=True),
                Column("status", allowed=PROJECT_STATUS),
                Column(
                    "investment_yi",
                    "number",
                    nullable=True,
                    min_value=0,
                    description="investment, 亿元",
                ),
                Column("land_mu", "number", nullable=True, min_value=0, description="land, 亩"),
                Column("subpark", required=False, nullable=True, description="sub-park id"),
                Column("industry_code", required=False, nullable=True, description="GB/T 4754"),
                Column("priority", "number", False, True, None, 0, description="rank, 1 = first"),
            ),
            "investment projects",
        ),
    )
}


@dataclass(frozen=True)
class Problem:
    """One validation finding.

    Attributes
    ----------
    severity : {"error", "warning"}
        Errors stop computation; warnings are reported only.
    layer : str
        Layer name.
    message : str
        What is wrong, and what to do where it is not obvious.
    feature : str, optional
        Feature id (the ``id`` column, else ``#<row>`` counted from 1).
    column : str, optional
        Column concerned.
    source : str, optional
        File the layer came from.
    """

    severity: str
    layer: str
    message: str
    feature: str | None = None
    column: str | None = None
    source: str | None = None

    def format(self) -> str:
        """One line: ``file: layer 'x', feature y, column z: message``."""
        parts = [f"layer '{self.layer}'"]
        if self.feature is not None:
            parts.append(f"feature {self.feature}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        where = f"{self.source}: " if self.source else ""
        return f"{where}{', '.join(parts)}: {self.message}"

    def __str__(self) -> str:
        return f"{self.severity}: {self.format()}"


def feature_ids(gdf: pd.DataFrame) -> pd.Series:
    """Feature ids for messages: the ``id`` column where set, else ``#<row>`` from 1."""

    def fallback() -> pd.Series:
        rows = np.char.add("#", np.arange(1, len(gdf) + 1).astype(str)).astype(object)
        return pd.Series(rows, index=gdf.index, dtype=object)

    if "id" not in gdf.columns:
        return fallback()
    ids = gdf["id"]
    text = ids.astype(str)
    present = ids.notna() & (text.str.strip() != "")
    if present.all():
        return text
    return ids.astype(object).where(present, fallback()).astype(str)


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_)) or (
        isinstance(value, (int, np.integer)) and value in (0, 1)
    )


def _check_column(gdf: gpd.GeoDataFrame, col: Column, ids: pd.Series, layer: str) -> list[Problem]:
    problems: list[Problem] = []
    values = gdf[col.name]
    codes, uniques = _factorize(values)  # each distinct value looked at once
    if codes is None:  # a number or a boolean is never blank: only text is stripped
        missing = values.isna().to_numpy(dtype=bool)
    else:
        blank = pd.Series(uniques, dtype=uniques.dtype).astype(str).str.strip() == ""
        missing = np.append(blank.to_numpy(dtype=bool), True)[codes]

    def add(pos, message: str) -> None:
        problems.append(Problem("error", layer, message, ids.iloc[pos], col.name))

    if not col.nullable:
        for pos in np.flatnonzero(missing):
            add(pos, "missing value")
    if col.kind in ("number", "integer"):
        _check_numbers(values, missing, col, add)
        return problems
    if col.kind == "bool":
        good = _is_bool
    elif col.allowed is not None:
        good = frozenset(col.allowed).__contains__
    else:
        return problems
    if codes is None:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if col.kind != "bool":
        uniques = [str(u) for u in uniques]
    bad = np.array([not good(u) for u in uniques] + [False], dtype=bool)[codes] & ~missing
    for pos in np.flatnonzero(bad):
        value = values.iloc[pos]
        if col.kind == "bool":
            add(pos, f"not true/false: {value!r}")
        else:
            add(pos, f"{value!r} is not one of {', '.join(col.allowed)}")
    return problems


def _factorize(values: pd.Series) -> tuple[np.ndarray | None, pd.Index | None]:
    """Codes and distinct values of a text column; ``(None, None)`` for numbers and booleans."""
    if is_numeric_dtype(values.dtype) or is_bool_dtype(values.dtype):
        return None, None
    return pd.factorize(values, use_na_sentinel=True)


def _check_numbers(values: pd.Series, missing: np.ndarray, col: Column, add) -> None:
    positions = np.flatnonzero(~missing)
    present = values.iloc[positions]
    numeric = pd.to_numeric(present, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    for i in np.flatnonzero(np.isnan(numeric)):
        add(positions[i], f"not a number: {present.iloc[i]!r}")
    number = ~np.isnan(numeric)
    if col.kind == "integer":
        for i in np.flatnonzero(number & (numeric != np.round(numeric))):
            add(positions[i], f"not a whole number: {present.iloc[i]!r}")
    if col.positive:
        for i in np.flatnonzero(number & (numeric <= 0)):
            add(positions[i], f"must be greater than 0, got {numeric[i]:g}")
    if col.min_value is not None:
        for i in np.flatnonzero(number & (numeric < col.min_value)):
            add(positions[i], f"must be at least {col.min_value:g}, got {numeric[i]:g}")


def _check_geometry(
    gdf: gpd.GeoDataFrame, schema: LayerSchema, ids: pd.Series, validity: Callable[[], np.ndarray]
) -> list[Problem]:
    problems: list[Problem] = []
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    null_or_empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for idx in gdf.index[null_or_empty]:
        problems.append(Problem("error", schema.name, "empty or missing geometry", ids[idx]))
    allowed = [_GEOMETRY_TYPE_IDS[name] for name in schema.geometry]
    wrong = ~null_or_empty & ~np.isin(shapely.get_type_id(geoms), allowed)
    for pos in np.flatnonzero(wrong):
        problems.append(
            Problem(
                "error",
                schema.name,
                f"geometry is {geoms[pos].geom_type}, expected {' or '.join(schema.geometry)}",
                ids.iloc[pos],
            )
        )
    for pos in np.flatnonzero(~null_or_empty & ~validity()):
        reason = shapely.is_valid_reason(geoms[pos])
        problems.append(
            Problem(
                "error",
                schema.name,
                f"invalid geometry ({reason}); repair it, e.g. with shapely.make_valid",
                ids.iloc[pos],
            )
        )
    return problems


def _validate_layer(
    name: str, gdf: gpd.GeoDataFrame, validity: Callable[[], np.ndarray] | None = None
) -> list[Problem]:
    schema = LAYERS.get(name)
    if schema is None:
        return [
            Problem(
                "warning",
                name,
                f"not a park layer (known: {', '.join(LAYERS)}); kept but not checked",
            )
        ]
    if validity is None:
        validity = start_validity(gdf.geometry.array)
    problems: list[Problem] = []
    if gdf.crs is None:
        problems.append(
            Problem(
                "error",
                name,
                "no coordinate reference system; import the layer's file with its CRS: "
                "parkmap import <file> --s-srs EPSG:<code> -o park.gpkg",
            )
        )
    ids = feature_ids(gdf)
    if "id" in gdf.columns:
        dup = ids[ids.duplicated(keep=False) & gdf["id"].notna()]
        for idx in dup.index:
            problems.append(Problem("error", name, "duplicate id", ids[idx], "id"))
    # the columns are checked while the geometries' validity is tested on other threads;
    # the geometry problems still come first
    columns = _check_columns(gdf, schema, ids)
    return problems + _check_geometry(gdf, schema, ids, validity) + columns


def _check_columns(gdf: gpd.GeoDataFrame, schema: LayerSchema, ids: pd.Series) -> list[Problem]:
    name = schema.name
    problems: list[Problem] = []
    for col in schema.columns:
        if col.name not in gdf.columns:
            if col.required:
                problems.append(
                    Problem("error", name, "required column is missing", None, col.name)
                )
            continue
        problems.extend(_check_column(gdf, col, ids, name))
    for col_name in schema.landuse_columns:
        if col_name not in gdf.columns:
            continue
        for idx, value, found in code_problems(gdf[col_name]):
            if found is None:
                message = (
                    f"unknown land-use code {value!r} (expected a 2023 用地用海 code, "
                    "a 2020-trial or GB 50137 code)"
                )
            else:
                message = (
                    f"{found.scheme} code {value!r} read as 2023 code {found.code} "
                    f"({found.name_zh})"
                )
            severity = "error" if found is None else "warning"
            problems.append(Problem(severity, name, message, ids[idx], col_name))
    return problems


def _outside_area(inner: gpd.GeoDataFrame, outer: gpd.GeoDataFrame) -> tuple[pd.Series, pd.Series]:
    """Area of each ``inner`` feature outside the union of ``outer`` and its own area."""
    geoms = inner.geometry.array
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & shapely.is_valid(geoms)
    outer_geoms = outer.geometry[shapely.is_valid(outer.geometry.array)]
    container = shapely.union_all(outer_geoms.array) if len(outer_geoms) else shapely.Polygon()
    outside = pd.Series(0.0, index=inner.index)
    area = pd.Series(shapely.area(geoms), index=inner.index)
    outside[usable] = shapely.area(shapely.difference(geoms[usable], container))
    outside[~usable] = np.nan
    return outside, area


def _metric(*frames: gpd.GeoDataFrame) -> list[gpd.GeoDataFrame] | None:
    """The frames in one CRS with metre axes (None if one has no CRS).

    Frames in degrees (or another unit) are projected to the UTM zone of the first, so
    that areas compared with a tolerance in m² are areas in m², never in degrees².
    """
    if any(f.crs is None for f in frames):
        return None
    crs = frames[0].crs
    metric = crs.is_projected and {a.unit_name.lower() for a in crs.axis_info} <= {
        "metre",
        "meter",
        "m",
    }
    target = crs if metric else frames[0].estimate_utm_crs()
    return [f if f.crs == target else f.to_crs(target) for f in frames]


def _check_containment(
    layers: Mapping[str, gpd.GeoDataFrame],
    inner_name: str,
    outer_name: str,
    severity: str,
) -> list[Problem]:
    inner, outer = layers.get(inner_name), layers.get(outer_name)
    if inner is None or outer is None or len(inner) == 0 or len(outer) == 0:
        return []
    measurable = _metric(inner, outer)
    if measurable is None:
        return []
    inner, outer = measurable
    outside, area = _outside_area(inner, outer)
    ids = feature_ids(inner)
    problems = []
    for idx in inner.index[outside > _tolerance_m2()]:
        share = outside[idx] / area[idx] if area[idx] else 1.0
        where = "outside every" if share > 0.999 else "partly outside the"
        problems.append(
            Problem(
                severity,
                inner_name,
                f"{where} {outer_name[:-1] if outer_name.endswith('s') else outer_name} "
                f"({outside[idx]:,.0f} m², {share:.1%} of it)",
                ids[idx],
            )
        )
    return problems


def _check_overlaps(layers: Mapping[str, gpd.GeoDataFrame], name: str) -> list[Problem]:
    """Features of one layer that overlap each other by more than the tolerance: errors."""
    gdf = layers.get(name)
    if gdf is None or len(gdf) < 2:
        return []
    measurable = _metric(gdf)
    if measurable is None:
        return []
    (gdf,) = measurable
    ids = feature_ids(gdf)
    tolerance_m2 = _tolerance_m2()
    first, second, area = overlapping_pairs(gdf.geometry.array, tolerance_m2)
    what = name[:-1] if name.endswith("s") else name
    return [
        Problem(
            "error",
            name,
            f"overlaps {what} {ids.iloc[j]} by {a:,.0f} m² (above the {tolerance_m2:g} "
            "m² digitising tolerance): the overlap would be counted twice",
            ids.iloc[i],
        )
        for i, j, a in zip(first, second, area, strict=True)
    ]


def validate_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    source: str | None = None,
    validity: Mapping[str, Callable[[], np.ndarray]] | None = None,
) -> list[Problem]:
    """Check park layers against the schema and against each other.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        The layers by name, all in the same CRS for the cross-layer checks.
    source : str, optional
        File name to put in every problem.
    validity : mapping of str to callable, optional
        Geometry validity already being tested, by layer
        (:func:`parkmap._validity.start_validity` of the layer's geometries as given).

    Returns
    -------
    list of Problem
        Every problem found, errors and warnings, in layer order.

    Notes
    -----
    Cross-layer checks: two sub-parks overlapping by more than the digitising
    tolerance (``data/tolerances.csv``) and a sub-park outside every cluster are
    errors; a development-boundary part outside the clusters, a sub-park outside the
    development boundary are warnings. Areas are compared in metres: layers in degrees
    are projected to their UTM zone for these checks, layers in two CRSs to the first.
    """
    problems: list[Problem] = []
    if not layers:
        problems.append(Problem("error", "-", "the park has no layers"))
    ordered = [n for n in LAYERS if n in layers] + [n for n in layers if n not in LAYERS]
    pending = dict(validity or {})
    for name in ordered:  # every layer's validity tested from the start, in the background
        if name in LAYERS and name not in pending:
            pending[name] = start_validity(layers[name].geometry.array)
    for name in ordered:
        problems.extend(_validate_layer(name, layers[name], pending.get(name)))
    problems.extend(_check_overlaps(layers, "subparks"))
    problems.extend(_check_containment(layers, "subparks", "clusters", "error"))
    problems.extend(_check_containment(layers, "boundary", "clusters", "warning"))
    problems.extend(_check_containment(layers, "subparks", "boundary", "warning"))
    if source is not None:
        problems = [
            Problem(p.severity, p.layer, p.message, p.feature, p.column, source) for p in problems
        ]
    return problems
