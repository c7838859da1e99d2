"""A ready-to-edit mapping file for an import that could not infer everything.

When a source layer lacks a column the park needs (a DXF's roads have no width or
class) or its target layer cannot be recognised, the importer writes a draft of the
mapping file (``parkmap import --write-mapping FILE``): every detected source layer
with its target, the fields that were recognised, and ``"TODO"`` for what is missing,
with the allowed values in a comment. A planner fills the TODOs and runs the import
again with ``--mapping FILE``; a TODO left in place is refused with the layer named.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from parkmap.schema import LAYERS

__all__ = ["TODO", "DraftEntry", "draft_mapping", "missing_columns", "write_draft"]

#: The placeholder written for every value the planner must supply.
TODO = "TODO"


@dataclass
class DraftEntry:
    """One detected source layer.

    Attributes
    ----------
    source : str
        File name (relative, as a mapping ``source``).
    source_layer : str or None
        Layer inside the file (GeoPackage, File Geodatabase, DXF layer).
    target : str or None
        Park layer recognised, or None when nothing was recognised.
    how : str
        How the target was recognised (``"layer name 道路"``, ``"fields DLBM"``).
    columns : dict
        Park column → source field, as recognised.
    fields : list of str
        All fields of the source.
    missing : list of str
        Required park columns neither recognised nor defaulted.
    """

    source: str
    source_layer: str | None
    target: str | None
    how: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def missing_columns(target: str | None, present: Sequence[str]) -> list[str]:
    """Required, non-nullable columns of a park layer that ``present`` lacks."""
    schema = LAYERS.get(target or "")
    if schema is None:
        return []
    have = set(present)
    return [
        c.name
        for c in schema.columns
        if c.required and c.name not in have and c.name not in ("id", "source", "confidence")
    ]


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string


def _hint(target: str, column: str) -> str:
    col = next(c for c in LAYERS[target].columns if c.name == column)
    if col.allowed:
        return "one of: " + ", ".join(col.allowed)
    kind = {"number": "a number", "integer": "a whole number", "bool": "true or false"}
    text = kind.get(col.kind, "text")
    return f"{text}{': ' + col.description if col.description else ''}"


def draft_mapping(entries: Sequence[DraftEntry], *, command: str | None = None) -> str:
    """The text of a mapping file with TODOs for what the import could not infer.

    Parameters
    ----------
    entries : sequence of DraftEntry
        Every detected source layer.
    command : str, optional
        The import command line, repeated in the header with ``--mapping``.

    Returns
    -------
    str
        TOML text; it parses as it is, and the importer refuses the TODOs left in it.
    """
    lines = [
        "# parkmap field mapping, drafted by `parkmap import`.",
        '# Replace every "TODO" (allowed values are in the comment beside it), then run',
        "# the import again with --mapping pointing at this file"
        + (f":\n#   {command}" if command else "."),
        "# Layers you do not want: replace the entry's `target` line with `skip = true`.",
        "",
    ]
    layer_names = ", ".join(LAYERS)
    for entry in entries:
        lines.append("[[layers]]")
        lines.append(f"source = {_q(entry.source)}")
        if entry.source_layer is not None:
            lines.append(f"source_layer = {_q(entry.source_layer)}")
        if entry.target is None:
            lines.append(f"target = {_q(TODO)}  # one of: {layer_names}; or skip = true")
        else:
            how = f"  # recognised from {entry.how}" if entry.how else ""
            lines.append(f"target = {_q(entry.target)}{how}")
        if entry.fields:
            lines.append(f"# fields in the source: {', '.join(entry.fields)}")
        if entry.columns:
            lines.append("")
            lines.append("[layers.columns]  # park column = source field")
            lines.extend(f"{col} = {_q(src)}" for col, src in entry.columns.items())
        if entry.target in LAYERS and entry.missing:
            lines.append("")
            lines.append("[layers.defaults]  # value for every feature of this source")
            lines.extend(
                f"{col} = {_q(TODO)}  # {_hint(entry.target, col)}" for col in entry.missing
            )
        lines.append("")
    return "\n".join(lines)


def write_draft(entries: Sequence[DraftEntry], path) -> Path:
    """Write :func:`draft_mapping` to ``path`` (UTF-8); an existing file is replaced.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    path.write_text(draft_mapping(entries), encoding="utf-8")
    return path
