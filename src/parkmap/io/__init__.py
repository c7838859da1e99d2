"""Reading, importing and writing parks: park files, planners' own files, the import report.

Modules:

- :mod:`~parkmap.io.styles`: QGIS styles (QML, SLD) in the ``layer_styles`` table;
- :mod:`~parkmap.io.files`: park GeoPackages and GeoJSON folders (:func:`read_park`, which
  hands other files to the importer), atomic outputs, the overwrite check;
- :mod:`~parkmap.io.detect`: text encodings and CRS candidates of files without metadata;
- :mod:`~parkmap.io.fieldmap`: field-mapping files, standard fields and value translation;
- :mod:`~parkmap.io.readers`: one reader per source format (Shapefile, DXF, GeoParquet, OGR);
- :mod:`~parkmap.io.columns`: source columns renamed, coerced and translated;
- :mod:`~parkmap.io.coordinates`: swapped axes, GCJ-02 input, absurd coordinates, no CRS;
- :mod:`~parkmap.io.report`: :class:`ImportReport` and :class:`SourceReport`;
- :mod:`~parkmap.io.importer`: the import pipeline, :func:`import_park`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from parkmap.io.files import (
    METADATA_TABLE,
    atomic_output,
    check_output,
    list_layers,
    read_geojson_dir,
    read_geopackage,
    read_park,
    write_geopackage,
)

if TYPE_CHECKING:
    from parkmap.io.importer import FORMATS, import_park, repair_geometries
    from parkmap.io.report import ImportReport, SourceReport

#: Names of the import pipeline, imported when first used: writing an output or reading
#: a park file does not load the readers, field mappings and detectors of every format.
_LAZY = {
    "FORMATS": "parkmap.io.importer",
    "import_park": "parkmap.io.importer",
    "repair_geometries": "parkmap.io.importer",
    "ImportReport": "parkmap.io.report",
    "SourceReport": "parkmap.io.report",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FORMATS",
    "METADATA_TABLE",
    "ImportReport",
    "SourceReport",
    "atomic_output",
    "check_output",
    "import_park",
    "list_layers",
    "read_geojson_dir",
    "read_geopackage",
    "read_park",
    "repair_geometries",
    "write_geopackage",
]
