"""What a layout needs before any work: sub-parks, and available land in them.

:func:`check_layout` runs first in :func:`parkmap.layout` (and in ``parkmap layout``, before
the waterfall), so that a park without a ``subparks`` layer or without available land
stops with one line that names the file and the command that adds or explains what is
missing, instead of failing, or producing an empty plan, after the work.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from parkmap.errors import DataFileError
from parkmap.park import Park
from parkmap.schema import feature_ids

__all__ = ["check_layout", "land_of", "require_land", "select_subparks"]


def _where(park: Park) -> tuple[str, str]:
    """The park's file as a planner names it, and the ``--data`` option that reads it.

    The embedded park (no file of the user's) is named by its name and needs no ``--data``.
    """
    from parkmap.datasets import get_path

    source = park.source
    if source is None or str(source) == str(get_path("dianjiang")):
        return str(park.name), ""
    return str(source), f" --data {source}"


def select_subparks(park: Park, subpark) -> gpd.GeoDataFrame:
    """The sub-parks to lay out (all, or those ``subpark`` names), with their ids in ``_id``."""
    subparks = park.get("subparks")
    if subparks is None or not len(subparks):
        where, data = _where(park)
        state = "an empty 'subparks' layer" if subparks is not None else "no 'subparks' layer"
        park_file = where if data else "<park.gpkg>"
        raise DataFileError(
            f"{where}: the park has {state}, and layout works sub-park by sub-park; add one "
            f"(a layer named 子园区 or subparks) with: parkmap import {park_file} "
            "<subparks.shp> -o park_with_subparks.gpkg"
        )
    ids = feature_ids(subparks)
    if subpark is None:
        return subparks.assign(_id=ids.to_numpy())
    wanted = [subpark] if isinstance(subpark, str) else list(subpark)
    keep = np.zeros(len(subparks), dtype=bool)
    labels = [ids, *(subparks[c].astype(str) for c in ("name_zh", "name_en") if c in subparks)]
    for name in wanted:
        hit = np.zeros(len(subparks), dtype=bool)
        for column in labels:
            hit |= column.astype(str).str.casefold().to_numpy() == str(name).casefold()
        if not hit.any():
            known = ", ".join(f"{i} ({z})" for i, z in zip(ids, subparks["name_zh"], strict=True))
            raise DataFileError(f"park has no sub-park {name!r}; known: {known}")
        keep |= hit
    return subparks[keep].assign(_id=ids[keep].to_numpy())


def land_of(availability) -> gpd.GeoDataFrame:
    """The available land of an :class:`~parkmap.land.Availability` (or the frame itself)."""
    land = getattr(availability, "land", availability)
    if not isinstance(land, gpd.GeoDataFrame) or "subpark" not in land.columns:
        raise TypeError(
            "availability: the result of parkmap.availability(park) (or its .land GeoDataFrame)"
        )
    return land


def require_land(park: Park, land: gpd.GeoDataFrame, subparks: gpd.GeoDataFrame) -> None:
    """Refuse a layout with no available land in the chosen sub-parks."""
    mine = land["subpark"].astype(object).isin(subparks["_id"].tolist())
    if mine.any() and float(land.geometry[mine.to_numpy()].area.sum()) > 0:
        return
    where, data = _where(park)
    chosen = ", ".join(subparks["_id"].astype(str))
    what = "the park" if len(land) == 0 else f"sub-park(s) {chosen}"
    raise DataFileError(
        f"{where}: no available land in {what}, so there is nothing to lay out; see what "
        f"takes the land with: parkmap availability{data}"
    )


def check_layout(park: Park, availability=None, *, subpark=None) -> None:
    """Check a layout's prerequisites before any work.

    Parameters
    ----------
    park : Park
        The park.
    availability : Availability or geopandas.GeoDataFrame, optional
        The result of :func:`parkmap.availability` (or its ``land``); when given, the
        chosen sub-parks must hold some available land.
    subpark : str or list of str, optional
        The sub-park id(s) or name(s) to lay out; default: all.

    Raises
    ------
    parkmap.errors.DataFileError
        If the park has no (or an empty) ``subparks`` layer, ``subpark`` names none of
        them, or there is no available land in them. The message names the park's file
        and the command that adds or explains what is missing.

    Examples
    --------
    >>> import parkmap
    >>> from parkmap.siteplan import check_layout
    >>> check_layout(parkmap.datasets.load("dianjiang"), subpark="sp-valve-chengxi")
    """
    subparks = select_subparks(park, subpark)
    if availability is not None:
        require_land(park, land_of(availability), subparks)
