"""The Park: named layers in one projected metric CRS, plus metadata."""

from __future__ import annotations

import copy
import logging
import os
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from parkmap._geometry import repair
from parkmap._transform import project_geometries
from parkmap._validity import THREADED_FROM, start_validity
from parkmap.crs import SPAN_NOTE_START, crs_label, is_metric, measuring_crs, to_crs
from parkmap.errors import ValidationError
from parkmap.landuse import lookup_code
from parkmap.schema import LAYERS, Problem, feature_ids, validate_layers

__all__ = ["Park"]

log = logging.getLogger("parkmap")

#: pandas >= 3 copies on write: a shallow copy of a layer is as safe as a deep one.
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"{old} is deprecated; use {new}", DeprecationWarning, stacklevel=3)


def _in_crs(gdf: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` in ``crs`` (as ``gdf.to_crs(crs)``; kept as it is without a CRS).

    A layer already in ``crs`` is not copied row by row where pandas copies on write,
    and the transformer is made once per process (:func:`parkmap._transform.transformer`).
    """
    if gdf.crs is None or gdf.crs.is_exact_same(crs):
        return gdf.copy(deep=not _COPY_ON_WRITE)
    out = gdf.copy(deep=not _COPY_ON_WRITE)
    geometry = gdf.geometry
    moved = project_geometries(np.asarray(geometry.array), gdf.crs, crs)
    out[geometry.name] = gpd.GeoSeries(moved, index=gdf.index, crs=crs).array  # by position
    return out


def _merge_notes(old, new) -> list[str]:
    """``old`` notes followed by the ``new`` ones not already there."""
    out = [str(n) for n in (old or [])]
    out.extend(str(n) for n in new if str(n) not in out)
    return out


class Park:
    """An industrial park: named layers (GeoDataFrames) in one projected metric CRS.

    Layers in another CRS are projected to the park's CRS when the park is built; a
    layer without a CRS is kept as it is and reported as an error, since nothing can
    be measured on it. The park is validated when built: :attr:`problems` lists every
    finding, and computations call :meth:`require_valid`, which refuses a park with
    errors.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        The layers by name (``clusters``, ``boundary``, ``subparks``, ``roads``,
        ``buildings``, ``parcels``, ``constraints``, ``projects``; others are kept).
    crs : CRS-like, optional
        The park's metric CRS. Default: the projected metric CRS all layers share,
        else the CGCS2000 3-degree Gauss-Kruger zone (China) or UTM zone of the data.
    metadata : dict, optional
        Name, sources, headline figures.
    source : str, optional
        Where the park was read from, named in messages.

    Examples
    --------
    >>> import parkmap
    >>> park = parkmap.datasets.load("dianjiang")
    >>> park.crs.to_epsg()
    4545
    """

    def __init__(
        self,
        layers: Mapping[str, gpd.GeoDataFrame],
        *,
        crs=None,
        metadata: dict | None = None,
        source: str | None = None,
    ) -> None:
        for name, gdf in layers.items():
            if not isinstance(gdf, gpd.GeoDataFrame):
                raise TypeError(f"layer {name!r} is a {type(gdf).__name__}, not a GeoDataFrame")
        self.metadata: dict = dict(metadata or {})
        self.source = source
        requested = crs if crs is not None else self.metadata.get("crs")
        # large layers in a metric CRS (kept as they are, as a rule) have their geometry
        # validity tested on other threads while the measuring CRS is chosen
        early = {
            name: (gdf.crs, start_validity(gdf.geometry.array))
            for name, gdf in layers.items()
            if name in LAYERS and len(gdf) >= THREADED_FROM and is_metric(gdf.crs)
        }
        named = self.metadata.get("crs")
        derived_before = bool(
            self.metadata.get("crs_derived")
            and requested is not None
            and named is not None
            and to_crs(requested).equals(to_crs(named))
        )
        choice = measuring_crs(layers, requested, derived_before=derived_before)
        self.crs: CRS = choice.crs
        self.metadata["crs"] = self.crs.to_string()
        self.metadata["crs_derived"] = bool(choice.derived)
        notes = choice.notes
        if derived_before and any(
            str(n).startswith(SPAN_NOTE_START) for n in self.metadata.get("notes") or []
        ):
            # the note made from the data in degrees is the exact one: keep it alone
            notes = tuple(n for n in notes if not n.startswith(SPAN_NOTE_START))
        self.metadata["notes"] = _merge_notes(self.metadata.get("notes"), notes)
        if choice.warning:
            log.warning("%s", choice.warning)
        self._layers: dict[str, gpd.GeoDataFrame] = {}
        for name, gdf in layers.items():
            self._layers[name] = _in_crs(gdf, self.crs)
        kept = {name: test for name, (was, test) in early.items() if was.is_exact_same(self.crs)}
        self.problems: list[Problem] = validate_layers(self._layers, source=source, validity=kept)
        self._normalise_landuse_codes()
        for problem in self.problems:
            if problem.severity == "warning":
                log.warning("%s", problem.format())

    @property
    def notes(self) -> list[str]:
        """What every result computed on this park must state: the assumptions.

        The measuring CRS when the layers' own CRS distorted areas, data spanning
        several zones, statuses inferred on import, defaults applied (OSM roads' red
        lines …). Kept in ``metadata["notes"]``, so they survive :meth:`save`.
        """
        return list(self.metadata.get("notes") or [])

    def add_note(self, note: str) -> None:
        """Add a statement to :attr:`notes` (once)."""
        self.metadata["notes"] = _merge_notes(self.metadata.get("notes"), [note])

    # -- construction -------------------------------------------------------------
    @classmethod
    def read(cls, path: str | os.PathLike, *, crs=None, layers: list[str] | None = None) -> Park:
        """Read a park file (deprecated: use :func:`parkmap.read_park`)."""
        _deprecated("Park.read", "parkmap.read_park")
        from parkmap.io.files import load_park

        return load_park(path, crs=crs, layers=layers)

    @classmethod
    def from_geopackage(cls, path: str | os.PathLike, **kwargs) -> Park:
        """Read a GeoPackage park (deprecated: use :func:`parkmap.read_park`)."""
        _deprecated("Park.from_geopackage", "parkmap.read_park")
        from parkmap.io.files import load_park

        return load_park(path, **kwargs)

    @classmethod
    def from_geojson_dir(cls, path: str | os.PathLike, **kwargs) -> Park:
        """Read a GeoJSON-folder park (deprecated: use :func:`parkmap.read_park`)."""
        _deprecated("Park.from_geojson_dir", "parkmap.read_park")
        from parkmap.io.files import load_park

        return load_park(path, **kwargs)

    @classmethod
    def from_layers(cls, layers: Mapping[str, gpd.GeoDataFrame], **kwargs) -> Park:
        """Build a park from GeoDataFrames (deprecated: use the constructor, ``Park(layers)``)."""
        _deprecated("Park.from_layers", "Park(layers, ...)")
        return cls(layers, **kwargs)

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write the park to a GeoPackage: one layer per park layer plus ``park_metadata``.

        The file is written to a temporary name and moved into place when complete.

        Raises
        ------
        parkmap.errors.OutputExistsError
            If the file exists and ``overwrite`` is false.
        """
        from parkmap.io.files import write_geopackage  # io sits above the model

        return write_geopackage(path, self._layers, self.metadata, overwrite=overwrite)

    # -- access ------------------------------------------------------------------
    @property
    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The layers by name, park layers first in schema order."""
        known = [n for n in LAYERS if n in self._layers]
        return {n: self._layers[n] for n in known + [n for n in self._layers if n not in LAYERS]}

    @property
    def name(self) -> str:
        """The park's name (Chinese where known)."""
        return str(self.metadata.get("name_zh") or self.metadata.get("name_en") or "park")

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        try:
            return self._layers[name]
        except KeyError:
            raise KeyError(f"park has no layer {name!r} (has: {', '.join(self.layers)})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._layers

    def __iter__(self) -> Iterator[str]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self._layers)

    def __repr__(self) -> str:
        counts = ", ".join(f"{n}={len(g)}" for n, g in self.layers.items())
        return f"<Park {self.name!r} {crs_label(self.crs)}: {counts}>"

    def get(self, name: str) -> gpd.GeoDataFrame | None:
        """The layer ``name``, or None when the park has none."""
        return self._layers.get(name)

    def copy(self) -> Park:
        """An independent copy (layers and metadata), without re-validating."""
        new = object.__new__(Park)
        new.metadata = copy.deepcopy(self.metadata)
        new.source = self.source
        new.crs = self.crs
        new._layers = {n: g.copy(deep=not _COPY_ON_WRITE) for n, g in self._layers.items()}
        new.problems = list(self.problems)
        return new

    def repaired(self) -> tuple[Park, list[Problem]]:
        """A copy with invalid geometries repaired by ``shapely.make_valid``, and the repairs.

        Only the parts of the layer's geometry type are kept (a self-intersecting
        polygon may come back with stray lines). The copy is validated again.

        Returns
        -------
        park : Park
            The repaired copy (the park itself when nothing needed repair).
        repairs : list of Problem
            One warning per repaired feature, naming the layer, the feature, what was
            wrong and the area (or length) before and after.
        """
        repairs: list[Problem] = []
        if not any(p.message.startswith("invalid geometry") for p in self.errors):
            return self, repairs  # validation found none: no need to look again
        layers = dict(self._layers)
        for name, gdf in self._layers.items():
            schema = LAYERS.get(name)
            if schema is None:
                continue
            polygonal = "Polygon" in schema.geometry
            originals = np.asarray(gdf.geometry.array, dtype=object)
            values, reasons = repair(originals, polygonal)
            fixed = np.flatnonzero(pd.notna(reasons))
            if not len(fixed):
                continue
            ids = feature_ids(gdf)
            measure, unit = (shapely.area, "m²") if polygonal else (shapely.length, "m")
            for pos in fixed:
                before, after = originals[pos], values[pos]
                repairs.append(
                    Problem(
                        "warning",
                        name,
                        f"invalid geometry ({reasons[pos]}) repaired with "
                        f"make_valid: {measure(before):,.1f} {unit} before, "
                        f"{measure(after):,.1f} {unit} after",
                        ids.iloc[pos],
                        None,
                        self.source,
                    )
                )
            layers[name] = gdf.set_geometry(gpd.GeoSeries(values, index=gdf.index, crs=gdf.crs))
        if not repairs:
            return self, []
        new = self.copy()
        new._layers = layers
        new.problems = validate_layers(layers, source=self.source)
        return new, repairs

    # -- validation ----------------------------------------------------------------
    @property
    def errors(self) -> list[Problem]:
        """The problems that stop computation."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def is_valid(self) -> bool:
        """Whether the park has no validation errors."""
        return not self.errors

    def require_valid(self) -> Park:
        """Return the park, or raise when it has validation errors.

        Raises
        ------
        parkmap.errors.ValidationError
            Listing every problem.
        """
        if self.errors:
            raise ValidationError(self.problems, self.source)
        return self

    def layer_summary(self) -> pd.DataFrame:
        """One row per layer: name, geometry types, feature count, CRS."""
        rows = []
        for name, gdf in self.layers.items():
            types = sorted(set(gdf.geom_type.dropna())) if len(gdf) else []
            rows.append(
                {
                    "layer": name,
                    "geometry": "/".join(types) or "-",
                    "features": len(gdf),
                    "crs": gdf.crs.to_string() if gdf.crs is not None else "none",
                }
            )
        return pd.DataFrame(rows, columns=["layer", "geometry", "features", "crs"])

    def _normalise_landuse_codes(self) -> None:
        """Translate accepted alias codes (2020 trial, GB 50137) to 2023 codes in memory."""
        for name, schema in LAYERS.items():
            gdf = self._layers.get(name)
            if gdf is None:
                continue
            for col in schema.landuse_columns:
                if col not in gdf.columns:
                    continue
                original = gdf[col]
                # each distinct code looked up once
                codes, uniques = pd.factorize(original, use_na_sentinel=True)
                lookups = [lookup_code(u) for u in uniques]
                if all(f is None or f.code == u for f, u in zip(lookups, uniques, strict=True)):
                    continue
                mapped = [u if f is None else f.code for f, u in zip(lookups, uniques, strict=True)]
                translated = original.copy()
                present = codes >= 0
                translated[present] = np.asarray(mapped, dtype=object)[codes[present]]
                if not translated.equals(original):
                    gdf[col] = translated
