"""Field mapping: which source layer becomes which park layer, and how its values translate.

Why this module is long: the mapping file's format, its checks and the automatic
recognition it falls back on are one concept, read together when a field is missed.

A mapping is either written by the user in TOML (see :func:`load_mapping` and
``parkmap/data/mapping_example.toml``) or recognised automatically from standard field
and layer names, listed in data files rather than code:

- ``data/import_fields.csv``: standard field names (三调 ``DLBM`` / ``DLMC`` / ``TBMJ``,
  planning database ``GHFLDM1`` / ``YDYHFLDM`` …) and the park column each becomes;
- ``data/import_layers.csv``: keywords of file, layer and CAD-layer names
  (``道路`` → roads, ``DLTB`` → parcels, ``YJJBNT`` → constraints …);
- ``data/import_values.csv`` and ``data/vocabulary.csv``: Chinese values of coded
  columns (``已建`` → ``built``, ``主干路`` → ``trunk``);
- ``data/landuse_survey_gbt21010.csv``: the crosswalk from 三调 / GB/T 21010-2017 codes to
  2023 codes. Survey codes are never read as 2023 codes: 0601 is 工业用地 in the
  survey but 农村道路 in 2023.

Codes that none of the tables know are reported and left untranslated, never guessed.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from parkmap._data import read_table
from parkmap.errors import RulesError
from parkmap.io.survey import adjustable_codes, base_of_adjustable
from parkmap.landuse import lookup_code
from parkmap.schema import LAYERS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "LANDUSE_SCHEMES",
    "CodeTranslation",
    "FieldMapping",
    "LayerRule",
    "auto_columns",
    "auto_target",
    "load_mapping",
    "translate_landuse",
    "translate_values",
]

#: How land-use codes of a source are read: 三调 survey codes or planning codes.
LANDUSE_SCHEMES = ("survey", "planning")

_RULE_KEYS = {
    "source",
    "source_layer",
    "target",
    "skip",
    "columns",
    "values",
    "defaults",
    "landuse_scheme",
    "s_srs",
    "encoding",
    "from_gcj02",
}


@dataclass
class LayerRule:
    """How one source layer (or a group of them) becomes a park layer.

    Attributes
    ----------
    source : str
        File name or glob pattern the source file's name must match (``"*.shp"``).
    source_layer : str, optional
        GeoPackage / KML layer or DXF layer name (glob allowed); any when None.
    target : str, optional
        Park layer (``parcels``, ``roads`` …) or another name to keep the layer under.
    skip : bool
        Leave matching layers out of the park.
    columns : dict of str to str
        Park column → source field.
    values : dict of str to dict
        Park column → {source value → park value}.
    defaults : dict
        Park column → value for features that have none.
    landuse_scheme : {"survey", "planning"}, optional
        How the land-use code column is read (default: from the field name).
    s_srs : str, optional
        CRS of the source, overriding what the file says.
    encoding : str, optional
        Text encoding of the source.
    from_gcj02 : bool, optional
        The source is in GCJ-02 longitude/latitude.
    origin : str
        Where the rule comes from (mapping file and entry, or ``"automatic"``).
    """

    source: str = "*"
    source_layer: str | None = None
    target: str | None = None
    skip: bool = False
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict] = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)
    landuse_scheme: str | None = None
    s_srs: str | None = None
    encoding: str | None = None
    from_gcj02: bool | None = None
    origin: str = "automatic"

    def matches(self, file_name: str, layer: str | None) -> bool:
        """Whether this rule applies to ``layer`` of the file called ``file_name``."""
        if not fnmatch.fnmatch(file_name.casefold(), self.source.casefold()):
            return False
        if self.source_layer is None:
            return True
        return layer is not None and fnmatch.fnmatch(layer.casefold(), self.source_layer.casefold())


@dataclass
class FieldMapping:
    """A mapping file: park metadata and the rules for the source layers, in file order.

    Attributes
    ----------
    rules : list of LayerRule
    park : dict
        The ``[park]`` table (``name_zh``, ``name_en``, ``crs`` …).
    path : str, optional
        The mapping file.
    """

    rules: list[LayerRule] = field(default_factory=list)
    park: dict = field(default_factory=dict)
    path: str | None = None

    def rule_for(self, file_name: str, layer: str | None) -> LayerRule | None:
        """The first rule matching a source layer, or None."""
        return next((r for r in self.rules if r.matches(file_name, layer)), None)


def _expect(value, kind: type | tuple, where: str, key: str):
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise RulesError(f"{where}: '{key}' must be a {names}, got {value!r}")
    return value


def _parse_rule(entry: dict, where: str) -> LayerRule:
    unknown = sorted(set(entry) - _RULE_KEYS)
    if unknown:
        raise RulesError(
            f"{where}: unknown key {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(sorted(_RULE_KEYS))})"
        )
    if "source" not in entry:
        raise RulesError(f"{where}: 'source' is missing (a file name or pattern, e.g. \"*.shp\")")
    rule = LayerRule(source=_expect(entry["source"], str, where, "source"), origin=where)
    for key in ("source_layer", "target", "s_srs", "encoding"):
        if key in entry:
            setattr(rule, key, _expect(entry[key], str, where, key))
    for key in ("skip", "from_gcj02"):
        if key in entry:
            setattr(rule, key, _expect(entry[key], bool, where, key))
    for key in ("columns", "values", "defaults"):
        if key in entry:
            setattr(rule, key, dict(_expect(entry[key], dict, where, key)))
    for column, field_name in rule.columns.items():
        _expect(field_name, str, where, f"columns.{column}")
    for column, table in rule.values.items():
        _expect(table, dict, where, f"values.{column}")
    if "landuse_scheme" in entry:
        scheme = entry["landuse_scheme"]
        if scheme not in LANDUSE_SCHEMES:
            raise RulesError(
                f"{where}: landuse_scheme {scheme!r} is not one of {', '.join(LANDUSE_SCHEMES)}"
            )
        rule.landuse_scheme = scheme
    todo = [k for k, v in (("target", rule.target), *rule.defaults.items(), *rule.columns.items())
            if v == "TODO"]  # fmt: skip
    if todo:
        raise RulesError(
            f"{where}: {', '.join(todo)} still TODO: replace it with a value "
            "(the comment beside it lists the allowed ones), or skip = true"
        )
    if rule.target is None and not rule.skip:
        raise RulesError(f"{where}: give a 'target' layer (e.g. \"parcels\") or skip = true")
    return rule


def load_mapping(path: str | os.PathLike) -> FieldMapping:
    """Read a field-mapping TOML file.

    The file has an optional ``[park]`` table and one ``[[layers]]`` entry per source
    layer (or group of them, with glob patterns); see the README, "Importing your own
    data", and ``parkmap/data/mapping_example.toml``.

    Parameters
    ----------
    path : path-like
        The ``.toml`` file.

    Returns
    -------
    FieldMapping

    Raises
    ------
    parkmap.errors.RulesError
        If the file is not TOML or holds unknown keys or bad values (the message names
        the entry and the key).
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"{path}: no such mapping file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise RulesError(f"{path}: not a valid UTF-8 TOML file ({err})") from None
    unknown = sorted(set(data) - {"park", "layers"})
    if unknown:
        raise RulesError(
            f"{path}: unknown table {', '.join(map(repr, unknown))} (known: park, layers)"
        )
    park = dict(_expect(data.get("park", {}), dict, str(path), "park"))
    entries = _expect(data.get("layers", []), list, str(path), "layers")
    rules = [
        _parse_rule(
            _expect(e, dict, f"{path}, [[layers]] #{i}", "layers"), f"{path}, [[layers]] #{i}"
        )
        for i, e in enumerate(entries, start=1)
    ]
    return FieldMapping(rules, park, str(path))


# -- automatic recognition ------------------------------------------------------------------
@lru_cache(maxsize=1)
def _field_table() -> pd.DataFrame:
    table = read_table("import_fields.csv")
    table["key"] = table["field"].str.casefold()
    return table


@lru_cache(maxsize=1)
def _layer_keywords() -> list[tuple[str, str, dict]]:
    rows = []
    for row in read_table("import_layers.csv").itertuples(index=False):
        defaults: dict = {}
        for item in filter(None, row.defaults.split(";")):
            key, _, value = item.partition("=")
            defaults[key] = {"true": True, "false": False}.get(value, value)
            if key == "buffer_m":
                defaults[key] = float(value)
        rows.append((row.keyword.casefold(), row.layer, defaults))
    return rows


def auto_target(*names: str | None) -> tuple[str | None, dict]:
    """The park layer that file, layer or CAD-layer names point to, with its defaults.

    Parameters
    ----------
    *names : str
        Names to look at, most specific first (DXF layer, source layer, file stem).

    Returns
    -------
    layer : str or None
        A park layer name, ``"-"`` for a name recognised as not a park layer, or None.
    defaults : dict
        Column values the name implies (``kind`` of a 永久基本农田 layer).

    Examples
    --------
    >>> auto_target("YJJBNT")
    ('constraints', {'kind': 'permanent_basic_farmland', 'hard': True, 'buffer_m': 0.0})
    """
    for name in names:
        if not name:
            continue
        folded = name.casefold()
        if folded in LAYERS:
            return folded, {}
        for keyword, layer, defaults in _layer_keywords():
            if keyword in folded:
                return layer, dict(defaults)
    return None, {}


def auto_columns(fields: list[str]) -> tuple[dict[str, str], str | None, str | None]:
    """Recognise standard field names: park column → source field.

    Parameters
    ----------
    fields : list of str
        The source's field names.

    Returns
    -------
    columns : dict of str to str
        Park column → source field, first match in ``import_fields.csv`` order.
    layer : str or None
        The park layer the fields point to (``parcels`` for a land-use code).
    scheme : {"survey", "planning"} or None
        How the land-use code field is to be read.

    Examples
    --------
    >>> columns, layer, scheme = auto_columns(["BSM", "DLBM", "DLMC", "TBMJ"])
    >>> columns["landuse_code"], columns["id"], layer, scheme
    ('DLBM', 'BSM', 'parcels', 'survey')
    """
    by_key = {f.casefold(): f for f in fields}
    columns: dict[str, str] = {}
    layer = scheme = None
    for row in _field_table().itertuples(index=False):
        source = by_key.get(row.key)
        if source is None or row.column in columns:
            continue
        columns[row.column] = source
        if row.column in ("landuse_code", "landuse_name") and scheme is None:
            scheme = row.scheme or None
        layer = layer or row.layer or None
    return columns, layer, scheme


# -- value translation ----------------------------------------------------------------------
@lru_cache(maxsize=1)
def _value_synonyms() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for row in read_table("vocabulary.csv").itertuples(index=False):
        parts = row.name_zh.replace("(", "/").rstrip(")").split("/")
        names = [row.value, row.name_en, row.name_zh, *parts]
        for name in names:
            table.setdefault(row.column, {}).setdefault(name.strip().casefold(), row.value)
    for row in read_table("import_values.csv").itertuples(index=False):
        table.setdefault(row.column, {})[row.source_value.casefold()] = row.value
    return table


def translate_values(values: pd.Series, column: str, table: dict | None = None) -> pd.Series:
    """Translate the values of a coded park column (``status``, ``kind`` …).

    A value found in ``table`` (from the mapping file) is replaced; otherwise Chinese
    labels and English names of ``vocabulary.csv`` and the synonyms of
    ``import_values.csv`` are recognised. Anything else is kept as it is, so that
    validation reports it.

    Examples
    --------
    >>> translate_values(pd.Series(["已建", "在建", "拟建", "built", "?"]), "status").tolist()
    ['built', 'under_construction', 'planned', 'built', '?']
    """
    own = {str(k).strip(): v for k, v in (table or {}).items()}
    known = _value_synonyms().get(column, {})

    def one(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return value
        text = str(value).strip()
        if text in own:
            return own[text]
        return known.get(text.casefold(), value)

    return values.map(one)


@dataclass(frozen=True)
class CodeTranslation:
    """Result of translating a land-use column.

    Attributes
    ----------
    codes : pandas.Series
        2023 codes (None where unknown or missing).
    scheme : pandas.Series
        What each code was read as (``"2023"``, ``"trial_2020"``, ``"gb50137"``,
        ``"survey"``, ``"name"``), None where unknown.
    unknown : dict of str to int
        Unknown source codes (or names) and how many features carry them.
    notes : dict of str to str
        Source code → warning about its translation (ambiguous crosswalk rows, names
        that contradict codes).
    adjustable : dict of str to int
        三调 ``K`` codes (可调整地类, ``survey_adjustable_k.csv``) read as their base class,
        and how many features carry them (survey scheme only).
    """

    codes: pd.Series
    scheme: pd.Series
    unknown: dict[str, int]
    notes: dict[str, str]
    adjustable: dict[str, int] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _survey_table() -> dict[str, tuple[str, str, str]]:
    return {
        r.survey_code: (r.code, r.survey_name_zh, r.note)
        for r in read_table("landuse_survey_gbt21010.csv").itertuples(index=False)
    }


@lru_cache(maxsize=1)
def _names_2023() -> dict[str, tuple[str, str]]:
    """Class name → (2023 code, scheme) for 2023 names and older names of the alias table."""
    names = {r.name_zh: (r.code, "2023") for r in read_table("landuse_2023.csv").itertuples()}
    for r in read_table("landuse_aliases.csv").itertuples(index=False):
        names.setdefault(r.alias_name_zh, (r.code, r.scheme))
    return names


def _text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text or None


@lru_cache(maxsize=1)
def _adjustable_names() -> dict[str, str]:
    """三调 K class name (可调整果园) → its K code (0201K)."""
    table = adjustable_codes()
    return dict(zip(table["survey_name_zh"], table["survey_code"], strict=True))


def _survey_code(code: str | None, name: str | None, notes: dict) -> tuple[str | None, str | None]:
    table = _survey_table()
    if code is None and name in _adjustable_names():
        code = _adjustable_names()[name]
    if code is not None and code.upper() not in table and base_of_adjustable(code):
        # a 三调 K code (可调整地类): the base class; counted by translate_landuse
        found = table.get(base_of_adjustable(code))
        return (found[0], "survey") if found is not None else (None, None)
    if code is not None:
        found = table.get(code.upper())
        if found is None:
            return None, None
        target, survey_name, note = found
        if name and name != survey_name:
            notes[code] = (
                f"三调 code {code} is {survey_name}, but the name says {name!r}; code used"
            )
        elif "ambiguous" in note:
            notes[code] = f"三调 {code} {survey_name} read as {target}: {note}"
        return target, "survey"
    by_name = {n: c for c, n, _ in table.values()}
    return (by_name[name], "survey") if name in by_name else (None, None)


@lru_cache(maxsize=1)
def _trial_pairs() -> dict[tuple[str, str], str]:
    """(2020-trial code, name) → 2023 code: trial codes are matched on code *and* name."""
    return {
        (r.alias_code, r.alias_name_zh): r.code
        for r in read_table("landuse_aliases.csv").itertuples(index=False)
        if r.scheme == "trial_2020"
    }


def _planning_code(
    code: str | None, name: str | None, notes: dict
) -> tuple[str | None, str | None]:
    names = _names_2023()
    if code is None:
        return names.get(name, (None, None)) if name else (None, None)
    trial = _trial_pairs().get((code, name))
    if trial is not None:
        if trial != code:
            notes[code] = f"{code} {name} is a 2020-trial class; read as 2023 code {trial}"
        return trial, "trial_2020"
    found = lookup_code(code)
    if found is None:
        if name in names:
            notes[code] = f"unknown code {code!r}; the name {name!r} used"
            return names[name]
        return None, None
    if name and name != found.name_zh:
        by_name = names.get(name)
        if by_name is None or by_name[0] != found.code:
            notes[code] = f"code {code} is {found.name_zh}, but the name says {name!r}; code used"
    return found.code, found.scheme


def translate_landuse(
    codes: pd.Series | None, names: pd.Series | None = None, *, scheme: str = "planning"
) -> CodeTranslation:
    """Translate land-use codes (and/or class names) of a source to 2023 codes.

    Parameters
    ----------
    codes : pandas.Series, optional
        The code column (``DLBM``, ``GHFLDM2``, ``landuse_code`` …).
    names : pandas.Series, optional
        The class-name column (``DLMC``, ``GHFLMC2`` …), used where a code is missing
        and to check the codes.
    scheme : {"planning", "survey"}
        ``"planning"``: 2023 codes, 2020-trial codes and names, GB 50137 codes;
        ``"survey"``: 三调 / GB/T 21010-2017 codes through the crosswalk.

    Returns
    -------
    CodeTranslation

    Examples
    --------
    >>> t = translate_landuse(pd.Series(["0601", "1004", "9999"]), scheme="survey")
    >>> t.codes.tolist(), t.unknown
    (['1001', '1207', None], {'9999': 1})
    """
    if scheme not in LANDUSE_SCHEMES:
        raise RulesError(f"landuse scheme {scheme!r} is not one of {', '.join(LANDUSE_SCHEMES)}")
    index = codes.index if codes is not None else names.index
    code_text = [_text(v) for v in codes] if codes is not None else [None] * len(index)
    name_text = [_text(v) for v in names] if names is not None else [None] * len(index)
    translate = _survey_code if scheme == "survey" else _planning_code
    notes: dict[str, str] = {}
    cache: dict[tuple, tuple] = {}
    out_codes, out_schemes, unknown, adjustable = [], [], {}, {}
    for code, name in zip(code_text, name_text, strict=True):
        key = (code, name)
        if key not in cache:
            cache[key] = translate(code, name, notes) if (code or name) else (None, None)
        target, how = cache[key]
        if how is not None and code is None:
            how = "name"
        if target is None and (code or name):
            label = code or name
            unknown[label] = unknown.get(label, 0) + 1
        out_codes.append(target)
        out_schemes.append(how)
        if scheme == "survey" and target is not None:
            k = _k_code(code, name)
            if k is not None:
                adjustable[k] = adjustable.get(k, 0) + 1
    return CodeTranslation(
        pd.Series(out_codes, index=index, dtype=object),
        pd.Series(out_schemes, index=index, dtype=object),
        unknown,
        notes,
        adjustable,
    )


def _k_code(code: str | None, name: str | None) -> str | None:
    """The 三调 K code a feature carries (by its code, or by its name), or None."""
    if code is not None:
        return code.upper() if base_of_adjustable(code) else None
    return _adjustable_names().get(name) if name else None
