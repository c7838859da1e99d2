"""The geometric core of the availability waterfall, vectorised and chunked.

Why this module is long: it is one algorithm (the vectorised, chunked waterfall);
splitting its steps apart would scatter invariants that hold only together.

Units (clusters, or parcels in a parcels-only park) go through the steps in order. Each
step holds claimer polygons in an STRtree; only the (unit, claimer) pairs whose
geometries meet are worked on, with vectorised shapely 2 operations:

- a unit covered by one claimer loses its whole remainder (or, for the boundary, keeps
  it), and a claimer lying strictly inside a unit (a building in its plot) becomes a
  hole of it: neither needs an overlay;
- the other pairs are subtracted in *rounds*: round k subtracts each unit's k-th claimer
  from it, one vectorised ``difference`` over all units at once; a unit with many
  claimers subtracts their union instead;
- large claimers (long roads, red lines) are cut into tiles a few units wide first, so
  that each overlay is local and small.

What a step claims is the area its subtraction removes, so the categories add up to the
unit's area by construction. Fragments are found by a morphological opening with mitre
joins (right-angled plots come back unchanged, and need no overlay) and an area
threshold. Every subtraction is checked (:func:`parkmap._geometry.checked_difference`):
GEOS's floating overlay can take nearly coincident polygons for disjoint, and a check
that fails recomputes the pair by snap rounding. Chunks of units run on a thread pool:
shapely releases the GIL inside its vectorised operations, so the threads use all cores.
"""

from __future__ import annotations

import itertools
import logging
import operator
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import shapely

from parkmap._geometry import checked_difference
from parkmap.land.opening import EMPTY, MITRE_LIMIT, OPENING_RTOL, opening

__all__ = [
    "MITRE_LIMIT",
    "OPENING_RTOL",
    "ClaimLayer",
    "Step",
    "WaterfallResult",
    "claim_layer",
    "dimensions_m",
    "opening",
    "run_waterfall",
    "tile",
]

log = logging.getLogger("parkmap")

#: Groups of more claimers than this per unit are unioned before one subtraction.
ROUNDS_MAX = 16
#: Claimers with more coordinates than this are cut into tiles.
TILE_MIN_COORDS = 64


@dataclass
class ClaimLayer:
    """Claimer polygons of one step, indexed.

    Attributes
    ----------
    pieces : numpy.ndarray of shapely geometries
        The claimers, large ones cut into tiles.
    """

    pieces: np.ndarray
    tree: shapely.STRtree = field(init=False, repr=False)
    bounds: np.ndarray = field(init=False, repr=False)
    simple: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.tree = shapely.STRtree(self.pieces)
        # GEOS builds a tree on its first query: build it now, before threads share it
        self.tree.query(shapely.points([0.0], [0.0]))
        self.bounds = shapely.bounds(self.pieces)
        # polygons without holes can be cut out of a unit as a new hole
        self.simple = (shapely.get_type_id(self.pieces) == 3) & (
            shapely.get_num_interior_rings(self.pieces) == 0
        )

    def __len__(self) -> int:
        return len(self.pieces)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Only the polygonal, non-empty geometries."""
    geoms = np.asarray(geoms, dtype=object)
    keep = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    keep &= np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    return geoms[keep]


def tile(geoms: np.ndarray, size_m: float) -> np.ndarray:
    """Cut large or complex polygons along a square grid of ``size_m``.

    Geometries with few coordinates or smaller than a tile are kept as they are.
    """
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms) or not np.isfinite(size_m) or size_m <= 0:
        return geoms
    bounds = shapely.bounds(geoms)
    extent = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    big = (shapely.get_num_coordinates(geoms) > TILE_MIN_COORDS) & (extent > 2 * size_m)
    if not big.any():
        return geoms
    x0, y0, x1, y1 = shapely.total_bounds(geoms[big])
    xs = np.arange(x0, x1 + size_m, size_m)
    ys = np.arange(y0, y1 + size_m, size_m)
    gx, gy = np.meshgrid(xs[:-1], ys[:-1])
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + size_m, gy.ravel() + size_m)
    gi, ci = shapely.STRtree(cells).query(geoms[big], predicate="intersects")
    cut = shapely.intersection(geoms[big][gi], cells[ci])
    return np.concatenate([geoms[~big], _polygonal(cut)])


def claim_layer(geoms: Sequence, tile_m: float | None = None) -> ClaimLayer | None:
    """Index claimer polygons (None when there are none)."""
    whole = _polygonal(np.asarray(geoms, dtype=object))
    if not len(whole):
        return None
    return ClaimLayer(tile(whole, tile_m) if tile_m else whole)


@dataclass
class Step:
    """One step of the waterfall.

    Attributes
    ----------
    category : str
        The category the step's claim goes to.
    layer : ClaimLayer, optional
        Its claimer polygons.
    keep : bool
        The step keeps what its layer covers and claims the rest (the development
        boundary) instead of claiming what its layer covers.
    whole : numpy.ndarray of bool, optional
        Units whose whole remainder this step claims (a parcel's own status).
    """

    category: str
    layer: ClaimLayer | None = None
    keep: bool = False
    whole: np.ndarray | None = None


@dataclass
class WaterfallResult:
    """Per-unit results of :func:`run_waterfall`.

    Attributes
    ----------
    areas : dict of str to numpy.ndarray
        Area claimed per category (the steps, then ``available``), m², one per unit.
    claimed : dict of str to numpy.ndarray, or None
        The claimed geometry per category and unit (only with ``keep_geometry``).
    pieces : numpy.ndarray
        The available pieces (polygons).
    piece_unit : numpy.ndarray of int
        The unit of each piece.
    piece_conditional_m2 : numpy.ndarray
        Conditionally available area of each piece, m².
    piece_width_m, piece_length_m : numpy.ndarray
        Sides of the smallest rotated rectangle around each piece, m.
    conditional : numpy.ndarray, or None
        Conditionally available geometry per unit (only with ``keep_geometry``).
    """

    areas: dict[str, np.ndarray]
    claimed: dict[str, np.ndarray] | None
    pieces: np.ndarray
    piece_unit: np.ndarray
    piece_conditional_m2: np.ndarray
    piece_width_m: np.ndarray
    piece_length_m: np.ndarray
    conditional: np.ndarray | None = None

    @property
    def conditional_m2(self) -> np.ndarray:
        """Conditionally available area per unit, m²."""
        return np.bincount(
            self.piece_unit, weights=self.piece_conditional_m2, minlength=self.n_units
        )

    @property
    def n_units(self) -> int:
        """Number of units."""
        return len(next(iter(self.areas.values())))


def _ranks(groups: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal values (``groups`` sorted)."""
    if not len(groups):
        return groups
    start = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    sizes = np.diff(np.r_[start, len(groups)])
    return np.arange(len(groups)) - np.repeat(start, sizes)


def _subtract_pairs(
    geoms: np.ndarray, units: np.ndarray, claimers: np.ndarray, pieces: np.ndarray
) -> np.ndarray:
    """``geoms`` with every ``pieces[claimers]`` paired to it subtracted (a new array)."""
    out = geoms.copy()
    if not len(units):
        return out
    # by unit, then by claimer: the order of subtraction does not depend on how the
    # tree was built, so a subset of the layer (one partition's) gives the same result
    order = np.lexsort((claimers, units))
    units, claimers = units[order], claimers[order]
    counts = np.bincount(units, minlength=len(geoms))
    many = counts[units] > ROUNDS_MAX
    for unit in np.unique(units[many]):
        out[unit] = checked_difference(
            [out[unit]], [shapely.union_all(pieces[claimers[units == unit]])]
        )[0]
    units, claimers = units[~many], claimers[~many]
    ranks = _ranks(units)
    for rank in range(int(ranks.max()) + 1 if len(ranks) else 0):
        sel = ranks == rank
        u = units[sel]
        out[u] = checked_difference(out[u], pieces[claimers[sel]])
    return out


def _contains(outer_bounds: np.ndarray, inner_bounds: np.ndarray) -> np.ndarray:
    """Whether each outer box contains the inner box of the same row."""
    return (
        (outer_bounds[:, 0] <= inner_bounds[:, 0])
        & (outer_bounds[:, 1] <= inner_bounds[:, 1])
        & (outer_bounds[:, 2] >= inner_bounds[:, 2])
        & (outer_bounds[:, 3] >= inner_bounds[:, 3])
    )


def _pairs(geoms: np.ndarray, layer: ClaimLayer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (unit, piece) that meet, and which units one piece covers.

    The tree gives the pairs whose boxes meet (cheap, but it holds the GIL); the exact
    tests run vectorised on those pairs only, where shapely releases the GIL. Cover is
    tested only where the piece's box contains the unit's box.
    """
    units, pieces = layer.tree.query(geoms)
    unit_bounds = shapely.bounds(geoms)
    covered = np.zeros(len(geoms), dtype=bool)
    maybe = _contains(layer.bounds[pieces], unit_bounds[units])
    if maybe.any():
        found = shapely.covered_by(geoms[units[maybe]], layer.pieces[pieces[maybe]])
        covered[units[maybe][found]] = True
    todo = ~covered[units]
    units, pieces = units[todo], pieces[todo]
    meet = shapely.intersects(geoms[units], layer.pieces[pieces])
    return units[meet], pieces[meet], covered


def _cut_holes(
    geoms: np.ndarray, units: np.ndarray, pieces: np.ndarray, layer: ClaimLayer
) -> tuple[np.ndarray, np.ndarray]:
    """Cut single pieces lying inside a unit as holes, without an overlay.

    A unit met by exactly one piece of the step, lying strictly inside it (a building
    inside its plot), gets the piece's outline as a new hole. Returns the pairs left
    for the overlay.
    """
    counts = np.bincount(units, minlength=len(geoms))
    maybe = (counts[units] == 1) & layer.simple[pieces]
    maybe &= shapely.get_type_id(geoms[units]) == 3
    maybe[maybe] = _contains(shapely.bounds(geoms[units[maybe]]), layer.bounds[pieces[maybe]])
    if not maybe.any():
        return units, pieces
    maybe[maybe] = shapely.contains_properly(geoms[units[maybe]], layer.pieces[pieces[maybe]])
    target, hole = units[maybe], pieces[maybe]
    rings, owner = shapely.get_rings(geoms[target], return_index=True)
    rings = np.concatenate([rings, shapely.get_exterior_ring(layer.pieces[hole])])
    owner = np.concatenate([owner, np.arange(len(target))])
    order = np.argsort(owner, kind="stable")  # shell, old holes, new hole
    geoms[target] = shapely.polygons(rings[order], indices=owner[order])
    return units[~maybe], pieces[~maybe]


def _apply(geoms: np.ndarray, layer: ClaimLayer, keep: bool) -> np.ndarray:
    """Remainder of ``geoms`` after a step: minus the layer, or (``keep``) within it."""
    units, pieces, covered = _pairs(geoms, layer)
    if not keep:
        out = geoms.copy()
        units, pieces = _cut_holes(out, units, pieces, layer)
        out = _subtract_pairs(out, units, pieces, layer.pieces)
        out[covered] = EMPTY
        return out
    hit = np.zeros(len(geoms), dtype=bool)
    hit[units] = True
    out = geoms.copy()
    out[~hit & ~covered] = EMPTY  # meets nothing of the layer: all outside
    outside = _subtract_pairs(geoms, units, pieces, layer.pieces)[hit]
    inside = geoms[hit]
    partly = shapely.area(outside) > 0
    result = inside.copy()
    result[partly] = checked_difference(inside[partly], outside[partly])
    out[hit] = result
    return out


def _polygon_parts(geoms: np.ndarray, min_area_m2: float) -> tuple[np.ndarray, np.ndarray]:
    """Polygon parts of ``geoms`` of at least ``min_area_m2`` (and > 0), with their index.

    In the order of ``shapely.get_parts``; single polygons are taken as they are (not
    cloned), only multi-part geometries are split.
    """
    geoms = np.asarray(geoms, dtype=object)
    kind = shapely.get_type_id(geoms)
    single = np.flatnonzero(kind == 3)
    other = np.flatnonzero((kind != 3) & ~shapely.is_empty(geoms))
    split, within = shapely.get_parts(geoms[other], return_index=True)
    parts = np.concatenate([geoms[single], split])
    index = np.concatenate([single, other[within]])
    order = np.argsort(index, kind="stable")
    parts, index = parts[order], index[order]
    area = shapely.area(parts)
    keep = (shapely.get_type_id(parts) == 3) & (area > 0) & (area >= min_area_m2)
    return parts[keep], index[keep]


def _available(
    geoms: np.ndarray, min_area_m2: float, min_width_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Available pieces of each unit's remainder, and the unit of each piece.

    Parts smaller than the minimum area go first (an opening only shrinks them); the
    opening works part by part (the parts of a polygon meet at points at most, so this
    is the opening of the whole).
    """
    parts, unit = _polygon_parts(geoms, min_area_m2)
    if min_width_m > 0 and len(parts):
        parts, index = _polygon_parts(opening(parts, min_width_m), min_area_m2)
        unit = unit[index]
    return parts, unit


def _conditional_m2(pieces: np.ndarray, layer: ClaimLayer | None) -> tuple[np.ndarray, np.ndarray]:
    """Conditionally available area of each piece, and the conditional geometry."""
    if layer is None or not len(pieces):
        return np.zeros(len(pieces)), np.full(len(pieces), EMPTY, dtype=object)
    free = _apply(pieces, layer, keep=False)
    conditional = shapely.area(pieces) - shapely.area(free)
    return np.maximum(conditional, 0.0), free


def dimensions_m(pieces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Width and length of each piece: the sides of its smallest rotated rectangle.

    For a rectangular plot these are its width and length. (The largest inscribed
    circle would say more about irregular pieces, but GEOS needs milliseconds for an
    elongated one, too slow for a million pieces; compactness tells the irregular ones.)
    """
    pieces = np.asarray(pieces, dtype=object)
    width, length = np.zeros(len(pieces)), np.zeros(len(pieces))
    if not len(pieces):
        return width, length
    envelopes = shapely.oriented_envelope(pieces)
    rings = shapely.get_exterior_ring(envelopes)
    boxes = (shapely.get_type_id(envelopes) == 3) & (shapely.get_num_coordinates(rings) >= 4)
    coords, owner = shapely.get_coordinates(rings[boxes], return_index=True)
    first = np.searchsorted(owner, np.arange(boxes.sum()))
    a = np.hypot(*(coords[first + 1] - coords[first]).T)
    b = np.hypot(*(coords[first + 2] - coords[first + 1]).T)
    width[boxes], length[boxes] = np.minimum(a, b), np.maximum(a, b)
    length[~boxes] = shapely.length(envelopes[~boxes])
    return width, length


def _run_chunk(
    units: np.ndarray,
    steps: Sequence[Step],
    rows: np.ndarray,
    conditional: ClaimLayer | None,
    min_area_m2: float,
    min_width_m: float,
    keep_geometry: bool,
) -> WaterfallResult:
    remainder = np.asarray(units, dtype=object).copy()
    area = shapely.area(remainder)
    areas: dict[str, np.ndarray] = {}
    claimed: dict[str, np.ndarray] | None = {} if keep_geometry else None
    for step in steps:
        before = remainder
        if step.whole is not None:
            remainder = remainder.copy()
            remainder[step.whole[rows]] = EMPTY
        if step.layer is not None:
            remainder = _apply(remainder, step.layer, step.keep)
        left = area.copy()
        changed = _replaced(before, remainder)
        left[changed] = shapely.area(remainder[changed])
        areas[step.category] = np.maximum(area - left, 0.0)
        area = left
        if claimed is not None:
            claimed[step.category] = _claimed(before, remainder)
    pieces, piece_unit = _available(remainder, min_area_m2, min_width_m)
    available = np.bincount(piece_unit, weights=shapely.area(pieces), minlength=len(units))
    areas["fragments"] = np.maximum(area - available, 0.0)
    areas["available"] = available
    conditional_m2, free = _conditional_m2(pieces, conditional)
    cond_geoms = None
    if claimed is not None:
        whole = _group(pieces, piece_unit, len(units))
        claimed["fragments"] = _claimed(remainder, whole)
        claimed["available"] = whole
        cond_geoms = _claimed(whole, _group(free, piece_unit, len(units)))
    return WaterfallResult(
        areas, claimed, pieces, piece_unit, conditional_m2, *dimensions_m(pieces), cond_geoms
    )


def _replaced(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Where ``after`` holds another geometry object than ``before``.

    A step leaves the units it does not touch as the same objects, so only the
    others need their area measured again.
    """
    return np.fromiter(map(operator.is_not, before, after), dtype=bool, count=len(before))


def _claimed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """What a step took: ``before`` minus ``after`` where they differ."""
    out = np.full(len(before), EMPTY, dtype=object)
    changed = shapely.area(before) - shapely.area(after) > 0
    out[changed] = shapely.difference(before[changed], after[changed])
    return out


def _group(parts: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    """One (multi)polygon per unit from its polygon parts."""
    out = np.full(n, EMPTY, dtype=object)
    for unit in np.unique(index):
        out[unit] = shapely.union_all(parts[index == unit])
    return out


def _concat(results: list[WaterfallResult], offsets: list[int]) -> WaterfallResult:
    if len(results) == 1:
        return results[0]
    areas = {k: np.concatenate([r.areas[k] for r in results]) for k in results[0].areas}
    return WaterfallResult(
        areas,
        None,
        np.concatenate([r.pieces for r in results]),
        np.concatenate([r.piece_unit + o for r, o in zip(results, offsets, strict=True)]),
        np.concatenate([r.piece_conditional_m2 for r in results]),
        np.concatenate([r.piece_width_m for r in results]),
        np.concatenate([r.piece_length_m for r in results]),
    )


def run_waterfall(
    units: np.ndarray,
    steps: Sequence[Step],
    *,
    conditional: ClaimLayer | None = None,
    min_area_m2: float = 0.0,
    min_width_m: float = 0.0,
    keep_geometry: bool = False,
    workers: int | None = None,
    chunk_size: int = 20_000,
    progress: Callable[[int], None] | None = None,
) -> WaterfallResult:
    """Run the waterfall over ``units``.

    Parameters
    ----------
    units : numpy.ndarray of shapely polygons
        The gross areas, disjoint (clusters, or parcels).
    steps : sequence of Step
        The claiming steps in order (not the fragments).
    conditional : ClaimLayer, optional
        Land that is available only after a procedure; measured on the available land.
    min_area_m2, min_width_m : float
        Fragment thresholds (0 turns each off).
    keep_geometry : bool
        Also return the claimed geometry per category and unit (for few, large units);
        runs in one chunk.
    workers : int, optional
        Threads (default: the number of CPUs).
    chunk_size : int
        Units per chunk of work.
    progress : callable, optional
        Called with the number of units of each finished chunk.

    Returns
    -------
    WaterfallResult
    """
    units = np.asarray(units, dtype=object)
    n = len(units)
    workers = workers or os.cpu_count() or 1
    if keep_geometry or n <= chunk_size:
        bounds = [(0, n)]
    else:
        # a multiple of the thread count, so that no thread is left alone at the end
        chunks = -(-max(2 * workers, -(-n // chunk_size)) // workers) * workers
        edges = np.linspace(0, n, chunks + 1).astype(int)
        bounds = list(itertools.pairwise(edges.tolist()))

    def work(span: tuple[int, int]) -> WaterfallResult:
        lo, hi = span
        result = _run_chunk(
            units[lo:hi],
            steps,
            np.arange(lo, hi),
            conditional,
            min_area_m2,
            min_width_m,
            keep_geometry,
        )
        if progress is not None:
            progress(hi - lo)
        return result

    if len(bounds) == 1 or workers == 1:
        results = [work(span) for span in bounds]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(work, bounds))
    log.debug("waterfall: %d units in %d chunk(s) on %d thread(s)", n, len(bounds), workers)
    return _concat(results, [lo for lo, _ in bounds])
