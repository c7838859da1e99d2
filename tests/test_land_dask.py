"""The availability waterfall on Dask gives the local engine's result, parcel by parcel."""

from __future__ import annotations

import json
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import box

import parkmap
from parkmap._geometry import right_of_way
from parkmap.cli import cli
from parkmap.land import DaskEngine

distributed = pytest.importorskip("distributed")
pytest.importorskip("dask_geopandas")

from conftest import synthetic  # noqa: E402

_synthetic = synthetic()
ORIGIN, synthetic_county = _synthetic.ORIGIN, _synthetic.synthetic_county

X0, Y0 = ORIGIN
EXTENT_M = 6_000.0
COLUMNS = [*(f"{c}_m2" for c in parkmap.load_rules().order), "available_m2"]
COLUMNS += ["conditional_m2", "gross_m2"]


@pytest.fixture(scope="module")
def cluster():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=40,  # logging.ERROR
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _layers() -> dict[str, gpd.GeoDataFrame]:
    """A 3,000-parcel synthetic county with a boundary and sub-parks over part of it."""
    layers = synthetic_county(3_000, seed=7, extent_m=EXTENT_M)
    crs = layers["parcels"].crs
    layers["boundary"] = gpd.GeoDataFrame(
        {"id": ["b1", "b2"], "name_zh": ["集中", "弹性"], "zone": ["集中建设区", "弹性发展区"]},
        geometry=[
            box(X0, Y0, X0 + 4_000, Y0 + 2_500),
            box(X0 + 1_000, Y0 + 2_500, X0 + 3_500, Y0 + 5_000),
        ],
        crs=crs,
    )
    layers["subparks"] = gpd.GeoDataFrame(
        {
            "id": ["s1", "s2"],
            "name_zh": ["一园", "二园"],
            "name_en": ["Park one", "Park two"],
            "industry": ["valves", "textiles"],
            "landuse_code": ["100102", "100102"],
        },
        geometry=[
            box(X0 + 500, Y0 + 500, X0 + 2_500, Y0 + 2_000),
            box(X0 + 1_500, Y0 + 2_600, X0 + 3_000, Y0 + 4_500),
        ],
        crs=crs,
    )
    return layers


@pytest.fixture(scope="module")
def county() -> parkmap.Park:
    return parkmap.Park(_layers())


@pytest.fixture(scope="module")
def rules():
    return parkmap.load_rules().replace(min_area_mu=0.3, min_width_m=4.0)


@pytest.fixture(scope="module")
def local(county, rules):
    return parkmap.availability(county, rules)


def _partition_of(parcels: gpd.GeoDataFrame, n: int) -> np.ndarray:
    """Each parcel's partition, as the engine cuts them (Hilbert order, equal counts)."""
    order = np.argsort(parcels.geometry.hilbert_distance().to_numpy(), kind="stable")
    part = np.empty(len(parcels), dtype=int)
    for i, rows in enumerate(np.array_split(order, n)):
        part[rows] = i
    return part


def assert_same(result, local) -> None:
    assert result.categories == local.categories
    parcels = result.parcels
    if not isinstance(parcels, gpd.GeoDataFrame):  # lazy, read from GeoParquet
        parcels = parcels.compute().set_index("id").loc[local.parcels["id"]].reset_index()
    assert list(parcels["id"]) == list(local.parcels["id"])
    np.testing.assert_allclose(
        parcels[COLUMNS].to_numpy(), local.parcels[COLUMNS].to_numpy(), rtol=1e-9, atol=0
    )
    pd.testing.assert_frame_equal(
        result.table.drop(columns=COLUMNS), local.table.drop(columns=COLUMNS)
    )
    np.testing.assert_allclose(
        result.table[COLUMNS].to_numpy(), local.table[COLUMNS].to_numpy(), rtol=1e-9
    )


def test_same_as_local_engine_parcel_by_parcel(county, rules, local, cluster):
    result = parkmap.availability(county, rules, engine=DaskEngine(scheduler=cluster, partitions=5))
    assert_same(result, local)
    # in the park's order, with the same pieces
    assert result.parcels.geometry.geom_equals_exact(local.parcels.geometry, 0).all()
    pd.testing.assert_frame_equal(
        result.land.drop(columns="geometry"), local.land.drop(columns="geometry")
    )
    assert list(result.table["level"]) == ["subpark", "subpark", "total"]


def test_parcels_straddling_partition_edges(county, rules, local, cluster):
    """Partitions cut through groups of parcels under one constraint or road."""
    n = 11
    parcels = county["parcels"]
    part = _partition_of(parcels, n)
    # claimers (buffered constraints, roads) met by parcels of several partitions
    exclusions = np.concatenate(
        [
            shapely.buffer(county["constraints"].geometry.array, 30.0),
            right_of_way(county["roads"]),
        ]
    )
    claimer, parcel = shapely.STRtree(parcels.geometry.array).query(
        exclusions, predicate="intersects"
    )
    spread = pd.Series(part[parcel]).groupby(claimer).nunique()
    assert (spread > 1).sum() > 20
    # parcels whose neighbours lie in another partition
    left, right = shapely.STRtree(parcels.geometry.array).query(
        parcels.geometry.array, predicate="touches"
    )
    edge = np.unique(left[part[left] != part[right]])
    assert len(edge) > 300

    result = parkmap.availability(county, rules, engine=DaskEngine(scheduler=cluster, partitions=n))
    assert_same(result, local)
    assert result.parcels["id"].is_unique and len(result.parcels) == len(parcels)
    got = result.parcels.iloc[edge][COLUMNS].to_numpy()
    np.testing.assert_allclose(got, local.parcels.iloc[edge][COLUMNS].to_numpy(), rtol=1e-9)


def test_geoparquet_in_and_out(county, rules, local, cluster, tmp_path):
    parts = tmp_path / "parcels.parquet"
    parts.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(county["parcels"])), 3)):
        county["parcels"].iloc[chunk].to_parquet(parts / f"part.{i}.parquet")
    layers = {k: v for k, v in county.layers.items() if k != "parcels"}
    out = tmp_path / "result.parquet"
    result = parkmap.availability(
        parkmap.Park(layers),
        rules,
        engine=DaskEngine(scheduler=cluster.scheduler.address, parcels=parts, output=out),
    )
    assert_same(result, local)
    written = gpd.read_parquet(out / "parcel_availability")
    assert len(written) == len(local.parcels) and written.crs == county.crs
    land = gpd.read_parquet(out / "available_land")
    assert land["area_m2"].sum() == pytest.approx(local.land["area_m2"].sum(), rel=1e-12)
    with pytest.raises(parkmap.errors.OutputExistsError):
        parkmap.availability(
            parkmap.Park(layers),
            rules,
            engine=DaskEngine(scheduler=cluster, parcels=parts, output=out),
        )


def test_parquet_parcels_are_validated_and_repaired(county, rules, cluster, tmp_path):
    parcels = county["parcels"].iloc[:200].copy()
    x0, y0, x1, y1 = parcels.geometry.iloc[0].bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    parcels.loc[parcels.index[0], "geometry"] = bowtie
    path = tmp_path / "parcels.parquet"
    parcels.to_parquet(path)
    park = parkmap.Park({"constraints": county["constraints"]})
    result = parkmap.availability(park, rules, engine=DaskEngine(scheduler=cluster, parcels=path))
    assert any("make_valid" in p.message for p in result.repairs)
    assert len(result.parcels) == 200
    with pytest.raises(parkmap.errors.ValidationError, match="invalid geometry"):
        parkmap.availability(
            park, rules, engine=DaskEngine(scheduler=cluster, parcels=path), repair=False
        )


def test_cli_dask_engine(county, local, cluster, tmp_path):
    data = county.save(tmp_path / "county.gpkg")
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text("[fragments]\nmin_area_mu = 0.3\nmin_width_m = 4.0\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    args = ["availability", "--data", str(data), "--rules", str(rules_file), "--format", "json"]
    args += ["--engine", "dask", "--scheduler", cluster.scheduler.address, "--partitions", "3"]
    done = CliRunner().invoke(cli, [*args, "-o", str(out)])
    assert done.exit_code == 0, done.output
    total = json.loads(done.stdout)["rows"][-1]
    assert total["available_m2"] == pytest.approx(local.total["available_m2"], rel=1e-9)
    assert "dashboard" in done.stderr and "wrote" in done.stderr
    written = gpd.read_parquet(out / "parcel_availability")
    assert written["available_m2"].sum() == pytest.approx(total["available_m2"], rel=1e-12)
    usage = CliRunner().invoke(cli, ["availability", "--partitions", "3"])
    assert usage.exit_code == 2 and "only with --engine dask" in usage.stderr


def test_refusals(county, small_park, rules):
    with pytest.raises(ValueError, match="unknown engine"):
        parkmap.availability(county, rules, engine="spark")
    with pytest.raises(ValueError, match="partitions: only with engine='dask'"):
        parkmap.availability(county, rules, partitions=4)
    with pytest.raises(parkmap.errors.DataFileError, match="clusters"):
        parkmap.availability(small_park, engine="dask")


def test_missing_dask_says_how_to_install(county, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask_geopandas", None)
    with pytest.raises(ImportError, match=r"pip install 'parkmap\[dask\]'"):
        parkmap.availability(county, engine="dask")
    done = CliRunner().invoke(cli, ["availability", "--engine", "dask"])
    assert done.exit_code == 1 and "parkmap[dask]" in done.stderr


def test_the_0_1_keywords_still_work_with_a_deprecation_warning(county, rules, local, cluster):
    with pytest.warns(DeprecationWarning, match=r"DaskEngine"):
        result = parkmap.availability(county, rules, engine="dask", scheduler=cluster, partitions=3)
    assert_same(result, local)
    with pytest.raises(ValueError, match="give them to DaskEngine"):
        parkmap.availability(county, rules, engine=DaskEngine(), partitions=3)
    with pytest.raises(TypeError, match="unexpected keyword arguments: colour"):
        parkmap.availability(county, rules, colour="red")


def test_first_area_wins_on_both_engines(cluster, monkeypatch):
    """Overlapping sub-parks: each piece goes to the smallest sub-park index, on both engines.

    Sub-parks that overlap by more than the digitising tolerance are a validation error,
    so the check is switched off here: what is tested is the attribution itself, where
    ``STRtree.query`` returns the overlapping areas of a parcel out of index order and
    each Dask partition sees only the sub-parks that meet its extent.
    """
    rng = np.random.default_rng(4)
    crs = "EPSG:4545"
    # 24 nested squares, larger and larger, in a shuffled layer order, edges off the grid
    size = rng.permutation(24)
    areas = [
        box(X0 + 1_000 - 37.0 * k - 30, Y0 + 1_000 - 37.0 * k - 30, X0 + 1_000 + 41.0 * k + 45,
            Y0 + 1_000 + 41.0 * k + 45)
        for k in size
    ]  # fmt: skip
    n = len(areas)
    subparks = gpd.GeoDataFrame(
        {
            "id": [f"s{i:02d}" for i in range(n)],
            "name_zh": [f"园{i}" for i in range(n)],
            "industry": ["valves"] * n,
            "landuse_code": ["100102"] * n,
        },
        geometry=areas,
        crs=crs,
    )
    # 60 m parcels over the squares: most straddle the edges of two or more sub-parks
    xs, ys = np.meshgrid(np.arange(-14, 16) * 60.0, np.arange(-14, 16) * 60.0)
    cells = [box(X0 + 1_000 + x, Y0 + 1_000 + y, X0 + 1_060 + x, Y0 + 1_060 + y)
             for x, y in zip(xs.ravel(), ys.ravel(), strict=True)]  # fmt: skip
    parcels = gpd.GeoDataFrame(
        {
            "id": [f"p{i}" for i in range(len(cells))],
            "landuse_code": ["100102"] * len(cells),
            "status": ["available"] * len(cells),
        },
        geometry=cells,
        crs=crs,
    )
    park = parkmap.Park({"subparks": subparks, "parcels": parcels})
    assert any("overlaps" in p.message for p in park.errors)  # the premise: they overlap
    monkeypatch.setattr(parkmap.Park, "require_valid", lambda self: self)

    # premises: pieces straddle overlapping areas, and the tree's order is not index order
    points = shapely.point_on_surface(parcels.geometry.array)
    point, hit = shapely.STRtree(subparks.geometry.array).query(points, predicate="intersects")
    straddle = shapely.STRtree(subparks.geometry.array).query(
        parcels.geometry.array, predicate="overlaps"
    )
    assert (np.bincount(straddle[0], minlength=len(parcels)) >= 2).sum() > 50
    first_hit = pd.Series(hit).groupby(point).first()
    smallest = pd.Series(hit).groupby(point).min()
    assert (first_hit != smallest).sum() > 50

    rules = parkmap.load_rules().replace(min_area_mu=0.3, min_width_m=4.0)
    local = parkmap.availability(park, rules)
    dask = parkmap.availability(park, rules, engine=DaskEngine(scheduler=cluster, partitions=6))
    expected = subparks["id"].to_numpy()[smallest.reindex(range(len(parcels)), fill_value=-1)]
    expected = np.where(smallest.reindex(range(len(parcels))).isna(), None, expected)
    for result in (local, dask):
        land = result.land
        assert len(land) > 0.5 * len(parcels)
        want = pd.Series(expected, index=parcels["id"]).loc[land["parcel"]]
        assert land["subpark"].tolist() == want.tolist()
    by_parcel = [r.land.set_index("parcel")["subpark"].sort_index() for r in (local, dask)]
    pd.testing.assert_series_equal(*by_parcel)
    pd.testing.assert_frame_equal(dask.table, local.table)
