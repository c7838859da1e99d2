"""Land-availability rules: the waterfall order, buffers, statuses and fragment sizes.

The defaults ship as ``parkmap/data/availability_rules.toml``, each value with a comment
naming its source. A user passes their own file (same layout, any subset of keys: the
rest keeps the default). Unknown keys and bad values raise
:class:`parkmap.errors.RulesError` with one line naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from parkmap._data import data_path
from parkmap._toml import is_number, read_toml, text_list
from parkmap.errors import RulesError
from parkmap.schema import (
    BOUNDARY_ZONES,
    BUILDING_STATUS,
    CONSTRAINT_KINDS,
    PARCEL_STATUS,
    PROJECT_STATUS,
    ROAD_CLASSES,
    ROAD_STATUS,
)
from parkmap.units import M2_PER_MU

__all__ = ["BUILT_IN", "CATEGORIES", "STEPS", "AvailabilityRules", "Buffers", "load_rules"]

#: The steps of the waterfall that claim land, in the default order.
STEPS = ("outside_boundary", "constraints", "roads", "built", "committed", "fragments")
#: Every category of the waterfall: the steps, then what is left.
CATEGORIES = (*STEPS, "available")

DEFAULT_RULES_FILE = "availability_rules.toml"
#: How the shipped rules are named in every output (never their install path).
BUILT_IN = "built-in defaults"


class _Default:
    """Marks a field left to the shipped default."""

    def __repr__(self) -> str:
        return "<shipped default>"


_DEFAULT = _Default()


class Buffers(Mapping):
    """Constraint kind → buffer in metres: a read-only, hashable mapping.

    Examples
    --------
    >>> b = Buffers({"water": 30.0})
    >>> b["water"], dict(b)
    (30.0, {'water': 30.0})
    """

    def __init__(self, items=()) -> None:
        self._items = {str(k): float(v) for k, v in dict(items).items()}

    def __getitem__(self, key: str) -> float:
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"Buffers({self._items!r})"


@dataclass(frozen=True)
class AvailabilityRules:
    """The rules of the availability waterfall.

    There is one set of defaults, the shipped ``availability_rules.toml``:
    ``AvailabilityRules()`` and :func:`load_rules` give the same rules, and any field
    left out of ``AvailabilityRules(...)`` keeps its shipped value. The rules are
    immutable and hashable (``buffer_m`` is a read-only mapping). Change them with
    :meth:`replace`, which checks the new values. Field names follow the TOML file:
    ``[section] key`` becomes ``section_key`` where the key alone would be ambiguous.

    Attributes
    ----------
    order : tuple of str
        The claiming steps in order, ``fragments`` last.
    boundary_zones, hard_zones, conditional_zones : tuple of str
        Boundary zones inside the development boundary; of those, the ones counted
        with the hard constraints and the ones reported as conditionally available.
    hard_kinds, conditional_kinds : tuple of str
        Constraint kinds that are always hard, or always conditional. Other kinds follow
        each feature's ``hard`` column.
    buffer_m : dict of str to float
        Smallest buffer per constraint kind, metres.
    control_line_m : dict of str to float
        Smallest buffer of a constraint whose ``control_line`` column names one of these
        features (a power line by voltage, a railway, a river, a pipeline), metres: the
        control lines of the local rules (渝府令第318号 arts. 46, 51, 55, 57, 68 by
        default; ``data/control_lines_cq318.csv``).
    road_statuses : tuple of str
        Road statuses whose right-of-way is claimed.
    road_control_band_m : dict of str to float
        Per road class, the control band kept free of building on each side of the
        centreline, metres (渝府令第318号 art. 48: 66 m from a 高速公路's centreline);
        counted with the hard constraints.
    built_parcel_statuses, built_building_statuses : tuple of str
        Statuses that make a parcel or a building footprint built land.
    committed_parcel_statuses, committed_building_statuses : tuple of str
        Statuses that make a parcel or a building footprint committed land.
    committed_project_statuses : tuple of str
        Project statuses that commit a ``reserved`` parcel naming the project, and the
        area of a polygon project.
    min_area_mu : float
        Available pieces smaller than this (亩) are fragments; 0 turns the test off.
    min_width_m : float
        Parts narrower than this (m), found by a morphological opening, are fragments;
        0 turns the test off.
    source : str
        Where the rules came from: ``"built-in defaults"`` or the rules file's path
        relative to the working directory (never an install path).
    """

    order: tuple[str, ...] = _DEFAULT  # type: ignore[assignment]
    boundary_zones: tuple[str, ...] = _DEFAULT  # type: ignore[assignment]
    hard_zones: tuple[str, ...] = _DEFAULT  # type: ignore[assignment]
    conditional_zones: tuple[str, ...] = _DEFAULT  # type: ignore[assignment]
    hard_kinds: tuple[str, ...] = _DEFAULT  # type: ignore[assignment]
    conditional_kinds: tuple[str, ...] = _DEFAULT  # type: ignore[assignment]
    buffer_m: Mapping[str, float] = _DEFAULT  # type: ignore[assignment]
    control_line_m: Mapping[str, float] = _DEFAULT  # type: ignore[assignment]
    road_statuses: tuple[str, ...] = _DEFAULT  # type: ignore[assignment]
    road_control_band_m: Mapping[str, float] = _DEFAULT  # type: ignore[assignment]
    built_parcel_statuses: tuple[str, ...] = _DEFAULT  # type: ignore[assignment]
    built_building_statuses: tuple[str, ...] = _DEFAULT  # type: ignore[assignment]
    committed_parcel_statuses: tuple[str, ...] = _DEFAULT  # type: ignore[assignment]
    committed_building_statuses: tuple[str, ...] = _DEFAULT  # type: ignore[assignment]
    committed_project_statuses: tuple[str, ...] = _DEFAULT  # type: ignore[assignment]
    min_area_mu: float = _DEFAULT  # type: ignore[assignment]
    min_width_m: float = _DEFAULT  # type: ignore[assignment]
    source: str = _DEFAULT  # type: ignore[assignment]

    def __post_init__(self) -> None:
        names = [f.name for f in dataclasses.fields(self)]
        unset = [n for n in names if getattr(self, n) is _DEFAULT]
        if unset:
            shipped = _shipped()
            for name in unset:
                object.__setattr__(self, name, getattr(shipped, name))
            if "source" in unset and len(unset) < len(names):
                object.__setattr__(self, "source", f"{BUILT_IN} (modified)")
        for name in names:
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        for name in ("buffer_m", "control_line_m", "road_control_band_m"):
            object.__setattr__(self, name, Buffers(getattr(self, name)))
        for name in ("min_area_mu", "min_width_m"):
            if is_number(getattr(self, name)):
                object.__setattr__(self, name, float(getattr(self, name)))
        _check(self)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, f.name) for f in dataclasses.fields(self)))

    @property
    def min_area_m2(self) -> float:
        """:attr:`min_area_mu` in square metres."""
        return self.min_area_mu * M2_PER_MU

    def replace(self, **changes) -> AvailabilityRules:
        """A copy with some fields changed, checked like a rules file.

        ``buffer_m`` is merged into the current buffers, so
        ``rules.replace(buffer_m={"water": 50})`` changes only the water buffer.

        Raises
        ------
        parkmap.errors.RulesError
            On an unknown field or a bad value.

        Examples
        --------
        >>> rules = load_rules()
        >>> rules.replace(min_area_mu=0).min_area_mu
        0.0
        """
        known = {f.name for f in dataclasses.fields(self)}
        for name in changes:
            if name not in known:
                raise RulesError(
                    f"{self.source}: unknown rule {name!r} (known: {', '.join(sorted(known))})"
                )
        if "buffer_m" in changes:
            changes["buffer_m"] = {**self.buffer_m, **changes["buffer_m"]}
        if "road_control_band_m" in changes:
            changes["road_control_band_m"] = {
                **self.road_control_band_m,
                **changes["road_control_band_m"],
            }
        if "control_line_m" in changes:
            changes["control_line_m"] = {**self.control_line_m, **changes["control_line_m"]}
        if "source" not in changes:
            changes["source"] = f"{self.source} (modified)"
        for name in ("min_area_mu", "min_width_m"):
            if name in changes and is_number(changes[name]):
                changes[name] = float(changes[name])
        new = dataclasses.replace(self, **changes)
        _check(new)
        return new

    def as_dict(self) -> dict:
        """The rules in the TOML layout (for JSON output and for writing a rules file)."""
        return {
            "version": 1,
            "order": list(self.order),
            "boundary": {
                "zones": list(self.boundary_zones),
                "hard_zones": list(self.hard_zones),
                "conditional_zones": list(self.conditional_zones),
            },
            "constraints": {
                "hard_kinds": list(self.hard_kinds),
                "conditional_kinds": list(self.conditional_kinds),
                "buffer_m": dict(self.buffer_m),
                "control_line_m": dict(self.control_line_m),
            },
            "roads": {
                "statuses": list(self.road_statuses),
                "control_band_m": dict(self.road_control_band_m),
            },
            "built": {
                "parcel_statuses": list(self.built_parcel_statuses),
                "building_statuses": list(self.built_building_statuses),
            },
            "committed": {
                "parcel_statuses": list(self.committed_parcel_statuses),
                "building_statuses": list(self.committed_building_statuses),
                "project_statuses": list(self.committed_project_statuses),
            },
            "fragments": {"min_area_mu": self.min_area_mu, "min_width_m": self.min_width_m},
        }


# (section, key) in the TOML file -> (field, allowed values or "number")
_LAYOUT: dict[tuple[str, ...], tuple[str, tuple[str, ...] | str]] = {
    ("order",): ("order", STEPS),
    ("boundary", "zones"): ("boundary_zones", BOUNDARY_ZONES),
    ("boundary", "hard_zones"): ("hard_zones", BOUNDARY_ZONES),
    ("boundary", "conditional_zones"): ("conditional_zones", BOUNDARY_ZONES),
    ("constraints", "hard_kinds"): ("hard_kinds", CONSTRAINT_KINDS),
    ("constraints", "conditional_kinds"): ("conditional_kinds", CONSTRAINT_KINDS),
    ("roads", "statuses"): ("road_statuses", ROAD_STATUS),
    ("built", "parcel_statuses"): ("built_parcel_statuses", PARCEL_STATUS),
    ("built", "building_statuses"): ("built_building_statuses", BUILDING_STATUS),
    ("committed", "parcel_statuses"): ("committed_parcel_statuses", PARCEL_STATUS),
    ("committed", "building_statuses"): ("committed_building_statuses", BUILDING_STATUS),
    ("committed", "project_statuses"): ("committed_project_statuses", PROJECT_STATUS),
    ("fragments", "min_area_mu"): ("min_area_mu", "number"),
    ("fragments", "min_width_m"): ("min_width_m", "number"),
}
_SECTIONS = {key[0] for key in _LAYOUT if len(key) == 2} | {"version", "order"}


def _parse(data: Mapping, source: str, base: AvailabilityRules) -> AvailabilityRules:
    """Rules from a parsed TOML document; keys it does not set keep ``base``'s values."""
    changes: dict = {}
    for name, value in data.items():
        if name not in _SECTIONS and name != "constraints":
            raise RulesError(
                f"{source}: unknown key {name!r} (known: {', '.join(sorted(_SECTIONS))})"
            )
        if name == "version":
            if value != 1:
                raise RulesError(f"{source}: version: only version 1 is known, got {value!r}")
            continue
        if name == "order":
            changes["order"] = text_list(source, "order", value, STEPS)
            continue
        if not isinstance(value, Mapping):
            raise RulesError(f"{source}: [{name}] must be a table of keys")
        known = (
            [k[1] for k in _LAYOUT if k[0] == name]
            + (["buffer_m", "control_line_m"] if name == "constraints" else [])
            + (["control_band_m"] if name == "roads" else [])
        )
        for key, item in value.items():
            where = f"{name}.{key}"
            if key not in known:
                raise RulesError(f"{source}: unknown key {where!r} (known: {', '.join(known)})")
            if key == "buffer_m":
                changes["buffer_m"] = {**base.buffer_m, **_buffers(source, item)}
                continue
            if key == "control_band_m":
                bands = _buffers(source, item, key="control_band_m", allowed=ROAD_CLASSES)
                changes["road_control_band_m"] = {**base.road_control_band_m, **bands}
                continue
            if key == "control_line_m":
                lines = _buffers(source, item, key="control_line_m", allowed=None)
                changes["control_line_m"] = {**base.control_line_m, **lines}
                continue
            target, allowed = _LAYOUT[(name, key)]
            if allowed == "number":
                if not is_number(item):
                    raise RulesError(f"{source}: {where}: expected a number >= 0, got {item!r}")
                changes[target] = float(item)
            else:
                changes[target] = text_list(source, where, item, allowed)
    rules = dataclasses.replace(base, source=source, **changes)
    _check(rules)
    return rules


def _buffers(
    source: str, value, key: str = "buffer_m", allowed=CONSTRAINT_KINDS
) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise RulesError(f"{source}: constraints.{key} must be a table of name = metres")
    buffers = {}
    for kind, metres in value.items():
        where = f"constraints.{key}.{kind}"
        if allowed is not None and kind not in allowed:
            raise RulesError(
                f"{source}: unknown key {where!r} (known kinds: {', '.join(CONSTRAINT_KINDS)})"
            )
        if not is_number(metres):
            raise RulesError(f"{source}: {where}: expected a number >= 0, got {metres!r}")
        buffers[kind] = float(metres)
    return buffers


def _check(rules: AvailabilityRules) -> None:
    """Consistency across keys."""
    source = rules.source
    order = tuple(rules.order)
    if sorted(order) != sorted(STEPS):
        missing = [s for s in STEPS if s not in order]
        raise RulesError(
            f"{source}: order: every step must appear once; missing {', '.join(missing)}"
        )
    if order[-1] != "fragments":
        raise RulesError(f"{source}: order: 'fragments' must come last, got {order[-1]!r}")
    both = set(rules.hard_kinds) & set(rules.conditional_kinds)
    if both:
        raise RulesError(
            f"{source}: constraints: {', '.join(sorted(both))} listed as both hard and conditional"
        )
    zones = set(rules.hard_zones) & set(rules.conditional_zones)
    if zones:
        raise RulesError(
            f"{source}: boundary: {', '.join(sorted(zones))} listed as both hard and conditional"
        )
    outside = (set(rules.hard_zones) | set(rules.conditional_zones)) - set(rules.boundary_zones)
    if outside:
        raise RulesError(
            f"{source}: boundary: {', '.join(sorted(outside))} is not in boundary.zones"
        )
    for name in ("min_area_mu", "min_width_m"):
        if not is_number(getattr(rules, name)):
            raise RulesError(
                f"{source}: fragments.{name}: expected a number >= 0, got {getattr(rules, name)!r}"
            )
    for kind, metres in rules.buffer_m.items():
        if kind not in CONSTRAINT_KINDS or not is_number(metres):
            raise RulesError(f"{source}: constraints.buffer_m.{kind}: bad entry {metres!r}")
    for road_class, metres in rules.road_control_band_m.items():
        if road_class not in ROAD_CLASSES or not is_number(metres):
            raise RulesError(f"{source}: roads.control_band_m.{road_class}: bad entry {metres!r}")
    for feature, metres in rules.control_line_m.items():
        if not is_number(metres):
            raise RulesError(
                f"{source}: constraints.control_line_m.{feature}: bad entry {metres!r}"
            )


def load_rules(path: str | os.PathLike | None = None) -> AvailabilityRules:
    """Load availability rules: the shipped defaults, or a user's file over them.

    Parameters
    ----------
    path : path-like, optional
        A TOML rules file. Keys it leaves out keep their default value.

    Returns
    -------
    AvailabilityRules

    Raises
    ------
    parkmap.errors.RulesError
        If the file cannot be read, is not TOML, or has an unknown key or a bad value;
        the message is one line naming the file and the key.

    Examples
    --------
    >>> rules = load_rules()
    >>> rules.order[-1], rules.min_width_m
    ('fragments', 20.0)
    """
    if path is None:
        return _shipped()
    path = Path(path)
    return _parse(read_toml(path), _display(path), _shipped())


def _display(path: Path) -> str:
    """A path as shown in outputs: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:  # elsewhere: as the user gave it
        return str(path)


@functools.cache
def _shipped() -> AvailabilityRules:
    """The shipped defaults, parsed once over an explicit, empty base."""
    base = AvailabilityRules(
        order=STEPS,
        boundary_zones=BOUNDARY_ZONES,
        hard_zones=(),
        conditional_zones=(),
        hard_kinds=(),
        conditional_kinds=(),
        buffer_m={},
        control_line_m={},
        road_statuses=ROAD_STATUS,
        road_control_band_m={},
        built_parcel_statuses=("built",),
        built_building_statuses=(),
        committed_parcel_statuses=(),
        committed_building_statuses=(),
        committed_project_statuses=(),
        min_area_mu=0.0,
        min_width_m=0.0,
        source=BUILT_IN,
    )
    return _parse(read_toml(data_path(DEFAULT_RULES_FILE)), BUILT_IN, base)
