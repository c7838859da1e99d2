"""Project allocation: checked against brute force and plain-shapely geometry."""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

import parkmap
from parkmap.allocation import Allocation, allocate, allocation_rules
from parkmap.errors import DataFileError, RulesError

CRS = "EPSG:4545"
X0, Y0 = 433_000.0, 3_355_000.0
M2_PER_MU = 10_000 / 15
STATUS_ORDER = ("under_construction", "signed", "negotiating")


# -- small hand-made parks -------------------------------------------------------------------
def grid_plots(widths, depth=100.0, rows=1, subpark="s1", x0=X0, y0=Y0, far=2.0, gap=0.0):
    """Plots side by side (x) in ``rows`` rows; ``gap`` m between the rows."""
    records, geoms, k = [], [], 0
    for r in range(rows):
        x = x0
        y = y0 + r * (depth + gap)
        for w in widths:
            k += 1
            records.append({"id": f"{subpark}-P{k:02d}", "subpark": subpark, "far": far})
            geoms.append(box(x, y, x + w, y + depth))
            x += w
    return gpd.GeoDataFrame(records, geometry=geoms, crs=CRS)


def park_of(plots: gpd.GeoDataFrame, projects: list[dict], codes=None) -> parkmap.Park:
    """A park with one sub-park around each sub-park's plots and point projects."""
    subparks = []
    for sid, group in plots.groupby("subpark"):
        subparks.append(
            {
                "id": sid,
                "name_zh": f"园{sid}",
                "industry": "machinery",
                "industry_code": (codes or {}).get(sid, "35"),
                "landuse_code": "100101",
                "geometry": shapely.box(*group.total_bounds).buffer(50, join_style="mitre"),
            }
        )
    layers = {"subparks": gpd.GeoDataFrame(subparks, crs=CRS)}
    if projects:
        rows = [{"name_zh": p["id"], **p} for p in projects]
        geoms = [Point(X0 - 100, Y0 - 100 - 10 * i) for i in range(len(rows))]
        layers["projects"] = gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)
    return parkmap.Park(layers)


def upper(demand):
    return demand + max(0.5 * demand, 15.0)


# -- brute force ------------------------------------------------------------------------------
def touching(a, b) -> bool:
    return shapely.length(shapely.intersection(a.boundary, b.buffer(0.5))) >= 20.0


def connected_groups(plots: gpd.GeoDataFrame):
    """Every connected set of plots of one sub-park, by plain shapely adjacency."""
    geoms = list(plots.geometry)
    n = len(geoms)
    adj = {i: {j for j in range(n) if j != i and touching(geoms[i], geoms[j])} for i in range(n)}
    out = []
    for size in range(1, n + 1):
        for combo in itertools.combinations(range(n), size):
            if len({plots["subpark"].iloc[i] for i in combo}) != 1:
                continue
            seen, stack = {combo[0]}, [combo[0]]
            while stack:
                for j in adj[stack.pop()] & set(combo):
                    if j not in seen:
                        seen.add(j)
                        stack.append(j)
            if len(seen) == size:
                out.append(frozenset(combo))
    return out


def brute_force(plots, projects):
    """Best lexicographic score: placed 亩 per status in order, then minus the waste."""
    area = shapely.area(np.asarray(plots.geometry.array)) / M2_PER_MU
    groups = connected_groups(plots)
    options = []
    for p in projects:
        d = p["land_mu"]
        fits = [
            g
            for g in groups
            if d - 1e-9 <= area[list(g)].sum() <= upper(d) + 1e-9
            and plots["subpark"].iloc[next(iter(g))] == p["subpark"]
        ]
        options.append(fits)

    best = None

    def score(choice):
        placed = [0.0] * len(STATUS_ORDER)
        waste = 0.0
        for p, g in zip(projects, choice, strict=True):
            if g is not None:
                placed[STATUS_ORDER.index(p["status"])] += p["land_mu"]
                waste += area[list(g)].sum() - p["land_mu"]
        return (*(round(v, 6) for v in placed), -round(waste, 6))

    def search(k, used, choice):
        nonlocal best
        if k == len(projects):
            s = score(choice)
            best = s if best is None or s > best else best
            return
        search(k + 1, used, [*choice, None])
        for g in options[k]:
            if not used & g:
                search(k + 1, used | g, [*choice, g])

    search(0, frozenset(), [])
    return best


def solver_score(result: Allocation, plots):
    area = dict(
        zip(plots["id"], shapely.area(np.asarray(plots.geometry.array)) / M2_PER_MU, strict=True)
    )
    placed = [0.0] * len(STATUS_ORDER)
    waste = 0.0
    for _, r in result.projects[result.projects["state"] == "placed"].iterrows():
        placed[STATUS_ORDER.index(r["status"])] += r["demand_mu"]
        waste += sum(area[p] for p in r["plots"]) - r["demand_mu"]
    return (*(round(v, 6) for v in placed), -round(waste, 6))


def random_instance(seed: int):
    rng = np.random.default_rng(seed)
    widths = rng.choice([60.0, 90.0, 120.0, 150.0], size=4)
    left = grid_plots(list(widths), rows=2, subpark="s1", gap=0.0)
    right = grid_plots(list(rng.choice([80.0, 140.0], size=2)), rows=2, subpark="s2", x0=X0 + 2000)
    plots = pd.concat([left.iloc[: 8 if seed % 2 else 7], right], ignore_index=True)
    plots = gpd.GeoDataFrame(plots, geometry="geometry", crs=CRS)
    n = int(rng.integers(4, 9))
    projects = [
        {
            "id": f"j{k}",
            "status": str(rng.choice(STATUS_ORDER)),
            "land_mu": float(rng.choice([8.0, 12.0, 20.0, 30.0, 45.0, 60.0, 90.0])),
            "subpark": str(rng.choice(["s1", "s2"], p=[0.75, 0.25])),
            "industry_code": "34",
        }
        for k in range(n)
    ]
    return plots, projects


@pytest.mark.parametrize("seed", range(8))
def test_solver_objective_equals_brute_force(seed):
    plots, projects = random_instance(seed)
    assert len(plots) <= 12 and len(projects) <= 8
    park = park_of(plots, projects)
    result = allocate(park, plots, statuses=STATUS_ORDER)
    assert result.summary["optimal"] and result.summary["exhaustive"]
    assert solver_score(result, plots) == pytest.approx(brute_force(plots, projects))


# -- invariants on the Dianjiang model ------------------------------------------------------
@pytest.fixture(scope="module")
def dianjiang_layout():
    park = parkmap.datasets.load("dianjiang")
    return park, parkmap.layout(park, subpark=["sp-materials", "sp-prefab"])


@pytest.fixture(scope="module")
def dianjiang_allocation(dianjiang_layout):
    park, layout = dianjiang_layout
    return allocate(park, layout, statuses=("under_construction", "signed", "negotiating"))


def test_no_plot_in_two_projects(dianjiang_allocation):
    placed = dianjiang_allocation.projects
    plots = [p for ps in placed["plots"] for p in ps]
    assert len(plots) == len(set(plots)) > 0
    layer = dianjiang_allocation.plots
    owned = layer[layer["project"].notna()]
    assert sorted(owned["id"]) == sorted(plots)


def test_placed_groups_are_contiguous_in_one_allowed_subpark_and_cover_demand(
    dianjiang_allocation, dianjiang_layout
):
    _, layout = dianjiang_layout
    plots = layout.plots.set_index("id")
    roads = shapely.union_all(layout.roads.geometry.array) if len(layout.roads) else None
    placed = dianjiang_allocation.projects
    placed = placed[placed["state"] == "placed"]
    assert len(placed) >= 3
    for _, r in placed.iterrows():
        group = plots.loc[r["plots"]]
        assert group["subpark"].nunique() == 1
        assert group["subpark"].iloc[0] in r["allowed_subparks"].split(";")
        geoms = list(group.geometry)
        # contiguity: touching, or facing across an inserted road that runs between them
        linked = {0}
        for _ in geoms:
            for i, j in itertools.product(range(len(geoms)), repeat=2):
                if i in linked and j not in linked:
                    gi, gj = geoms[i], geoms[j]
                    touch = shapely.length(shapely.intersection(gi.boundary, gj.buffer(0.5)))
                    across = (
                        roads is not None
                        and gi.distance(gj) <= 16.5
                        and shapely.intersects(shapely.convex_hull(shapely.union(gi, gj)), roads)
                    )
                    if touch >= 20 or across:
                        linked.add(j)
        assert linked == set(range(len(geoms))), r["id"]
        area_mu = sum(g.area for g in geoms) / M2_PER_MU
        assert area_mu == pytest.approx(r["allocated_mu"])
        assert r["demand_mu"] - 1e-6 <= area_mu <= upper(r["demand_mu"]) + 1e-6
        assert (group["far"] >= r["far_min"]).all()


def test_dianjiang_balance_adds_up(dianjiang_allocation):
    result = dianjiang_allocation
    balance = result.balance.set_index("subpark")
    placed = result.projects[result.projects["state"] == "placed"]
    assert balance["allocated_mu"].sum() == pytest.approx(placed["allocated_mu"].sum())
    assert balance["supply_mu"].sum() == pytest.approx(result.plots.area.sum() / M2_PER_MU)
    assert (balance["surplus_mu"] == balance["supply_mu"] - balance["demand_mu"]).all()
    # the prefab park has a few plots only: short of land, and the headline says so
    assert balance.loc["sp-prefab", "surplus_mu"] < 0
    assert "short by" in result.headline


def test_dianjiang_pipeline_totals():
    projects = parkmap.datasets.load("dianjiang")["projects"]
    signed = projects.loc[projects["status"] == "signed", "investment_yi"]
    negotiating = projects.loc[projects["status"] == "negotiating", "investment_yi"]
    assert len(signed) == 38 and round(signed.sum(), 6) == 190.3
    assert int((signed >= 1).sum()) == 23
    assert len(negotiating) == 11 and round(negotiating.sum(), 6) == 138.3
    names = " ".join(projects["name_zh"])
    for name in ("鑫华汇", "中昆新材料", "装配式建筑产业园二期", "晶芯频控", "6万吨", "瑞谷星"):
        assert name in names
    assert projects["source"].notna().all() and projects["confidence"].notna().all()


def test_json_contract(dianjiang_allocation):
    doc = json.loads(json.dumps(dianjiang_allocation.to_dict(), ensure_ascii=False))
    assert doc["schema_version"] == 1 and doc["crs"]
    keys = {
        "id",
        "name",
        "status",
        "investment_yi",
        "demand_mu",
        "demand_source",
        "subpark",
        "plots",
        "allocated_mu",
        "placed",
        "reason",
    }
    assert all(keys <= set(p) for p in doc["projects"])
    assert all(
        {"subpark", "supply_mu", "demand_mu", "allocated_mu", "surplus_mu"} <= set(b)
        for b in doc["balance"]
    )
    assert {"projects", "placed", "demand_mu", "allocated_mu", "solver", "optimal", "gap"} <= set(
        doc["summary"]
    )
    assert doc["notes"]


def test_what_if_negotiating(dianjiang_layout, dianjiang_allocation):
    park, layout = dianjiang_layout
    signed = allocate(park, layout)
    both = signed.compare(dianjiang_allocation, labels=("signed", "all"))
    assert (both["demand_mu_change"] >= -1e-9).all()
    assert both["demand_mu_change"].sum() > 0


# -- demand ---------------------------------------------------------------------------------
def test_demand_from_investment_and_reasons():
    plots = grid_plots([100.0] * 4)
    projects = [
        {"id": "a", "status": "signed", "investment_yi": 0.3, "industry_code": "34"},
        {"id": "b", "status": "signed", "investment_yi": 0.0, "industry_code": "34"},
        {"id": "c", "status": "signed", "investment_yi": None, "industry_code": "34"},
        {"id": "d", "status": "signed", "land_mu": 0.0, "industry_code": "34"},
        {"id": "e", "status": "signed", "land_mu": 10.0, "industry_code": "99"},
    ]
    result = allocate(park_of(plots, projects, {"s1": "35"}), plots)
    rows = result.projects.set_index("id")
    # 0.3 亿元 = 3 000 万元 at 150 万元/亩 (Longchang table, equipment) = 20 亩
    assert rows.loc["a", "demand_mu"] == pytest.approx(20.0)
    assert rows.loc["a", "demand_source"] == "from investment"
    assert rows.loc["a", "state"] == "placed"
    assert "zero investment" in rows.loc["b", "reason"] and not rows.loc["b", "placed"]
    assert "no investment" in rows.loc["c", "reason"]
    assert rows.loc["d", "state"] == "no_land_needed"
    assert "no sub-park takes industry 99" in rows.loc["e", "reason"]
    assert any("150 万元/亩" in n for n in result.notes)


def test_county_intensity_overrides_the_table(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("[demand]\ncounty_intensity_wan_per_mu = 300\n", encoding="utf-8")
    plots = grid_plots([100.0] * 3)
    projects = [{"id": "a", "status": "signed", "investment_yi": 0.3, "industry_code": "34"}]
    result = allocate(park_of(plots, projects), plots, rules=path)
    assert result.projects["demand_mu"].iloc[0] == pytest.approx(10.0)
    assert any("county value" in n for n in result.notes)


def test_bad_rules_are_refused(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("[groups]\nslack = 2\n", encoding="utf-8")
    with pytest.raises(RulesError, match="slack"):
        allocation_rules(path)
    path.write_text('[demand]\nregion = "mars"\n', encoding="utf-8")
    with pytest.raises(RulesError, match="mars"):
        allocation_rules(path)


# -- degenerate inputs -----------------------------------------------------------------------
def test_no_plots_gives_an_answer():
    plots = grid_plots([100.0]).iloc[0:0]
    projects = [{"id": "a", "status": "signed", "land_mu": 10.0, "subpark": "s1"}]
    park = park_of(grid_plots([100.0]), projects)
    result = allocate(park, plots)
    assert result.summary["placed"] == 0 and result.summary["allocated_mu"] == 0
    assert "more than the plots" in result.projects["reason"].iloc[0]


def test_project_larger_than_every_subpark_and_larger_than_any_group():
    plots = pd.concat(
        [grid_plots([100.0] * 3), grid_plots([100.0] * 3, x0=X0 + 400)], ignore_index=True
    )
    plots = gpd.GeoDataFrame(plots, geometry="geometry", crs=CRS)
    plots["id"] = [f"P{i}" for i in range(len(plots))]
    projects = [
        {"id": "huge", "status": "signed", "land_mu": 500.0, "subpark": "s1"},
        {"id": "split", "status": "signed", "land_mu": 50.0, "subpark": "s1"},
    ]
    result = allocate(park_of(plots, projects), plots)
    rows = result.projects.set_index("id")
    assert "more than the plots of s1 hold" in rows.loc["huge", "reason"]
    # two blocks of 45 亩 each, 100 m apart: 50 亩 has no group of touching plots
    assert "largest group of touching plots" in rows.loc["split", "reason"]
    assert result.summary["placed"] == 0


def test_no_projects_and_bad_status():
    plots = grid_plots([100.0] * 2)
    result = allocate(park_of(plots, []), plots)
    assert result.summary["projects"] == 0 and result.balance["supply_mu"].sum() > 0
    with pytest.raises(RulesError, match="dreaming"):
        allocate(park_of(plots, []), plots, statuses="dreaming")


def test_plots_without_ids_are_refused():
    plots = grid_plots([100.0]).drop(columns="id")
    with pytest.raises(DataFileError, match="id"):
        allocate(park_of(grid_plots([100.0]), []), plots)


def test_greedy_stands_in_only_when_the_solver_has_no_answer(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("[solver]\ntime_limit_s = 0\n", encoding="utf-8")
    plots = grid_plots([100.0] * 4)
    projects = [{"id": "a", "status": "signed", "land_mu": 14.0, "subpark": "s1"}]
    result = allocate(park_of(plots, projects), plots, rules=path)
    assert result.summary["solver"] == "greedy" and not result.summary["optimal"]
    assert any("greedy answer kept" in n for n in result.notes)
    assert result.projects["state"].iloc[0] == "placed"


# -- renderings and the command line ----------------------------------------------------------
def test_renderings(dianjiang_allocation, tmp_path):
    result = dianjiang_allocation
    text = result.render("table", "zh")
    assert "园中园用地平衡" in text and result.summary["headline_zh"] in text
    assert all(note in text for note in result.notes)
    csv = result.render("csv", "en")
    assert csv.splitlines()[0].startswith("id,name,status,investment_yi,demand_mu")
    assert len(csv.splitlines()) == len(result.projects) + 1
    path = result.to_xlsx(tmp_path / "a.xlsx")
    assert set(pd.read_excel(path, sheet_name=None)) == {"about", "projects", "balance"}


def test_cli_allocate(dianjiang_layout, tmp_path):
    from click.testing import CliRunner

    from parkmap.cli import cli

    _, layout = dianjiang_layout
    layout_file = tmp_path / "layout.gpkg"
    layout.save(layout_file)
    out, html = tmp_path / "allocation.gpkg", tmp_path / "allocation.html"
    args = ["allocate", "--layout", str(layout_file), "--status", "signed"]
    args += ["--status", "negotiating", "--format", "json", "-o", str(out), "--map", str(html)]
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 0, run.output
    doc = json.loads(run.stdout)
    assert doc["summary"]["statuses"] == ["signed", "negotiating"]
    plots = gpd.read_file(out, layer="allocation")
    unplaced = gpd.read_file(out, layer="unplaced_projects")
    placed = [p for q in doc["projects"] if q["placed"] for p in q["plots"]]
    assert sorted(plots.loc[plots["project"].notna(), "id"]) == sorted(placed)
    assert len(unplaced) == sum(not q["placed"] for q in doc["projects"])
    page = html.read_text(encoding="utf-8")
    assert "Projects not placed" in page and "Notes and assumptions" in page
    assert doc["notes"][0].split(";")[0] in page
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1 and "exists" in again.output
    bad = CliRunner().invoke(cli, ["allocate", "--layout", str(layout_file), "--format", "xlsx"])
    assert bad.exit_code == 2 and "--table-output" in bad.output


def test_planner_rank_and_status_order():
    plots = grid_plots([150.0])  # one plot of 22.5 亩
    projects = [
        {"id": "big", "status": "signed", "land_mu": 22.0, "subpark": "s1"},
        {"id": "ranked", "status": "signed", "land_mu": 18.0, "subpark": "s1", "priority": 1},
    ]
    rows = allocate(park_of(plots, projects), plots).projects.set_index("id")
    # 18 亩 x 1.5 (first rank) outweighs 22 亩 unranked
    assert rows.loc["ranked", "state"] == "placed" and rows.loc["big", "state"] == "unplaced"
    projects[1]["status"] = "negotiating"
    statuses = ("signed", "negotiating")
    rows = allocate(park_of(plots, projects), plots, statuses=statuses).projects.set_index("id")
    # a signed project is served before any negotiating one, rank or not
    assert rows.loc["big", "state"] == "placed" and rows.loc["ranked", "state"] == "unplaced"


def test_project_list_from_excel(tmp_path):
    plots = grid_plots([100.0] * 4)
    path = tmp_path / "projects.xlsx"
    pd.DataFrame(
        [
            {"id": "x1", "name_zh": "甲", "status": "signed", "land_mu": 20, "subpark": "s1"},
            {
                "id": "x2",
                "name_zh": "乙",
                "status": "signed",
                "investment_yi": 0.45,
                "industry_code": 34,
            },
        ]
    ).to_excel(path, index=False)
    result = allocate(park_of(plots, []), plots, projects=path)
    rows = result.projects.set_index("id")
    assert rows.loc["x2", "demand_mu"] == pytest.approx(30.0)  # 4 500 万元 / 150 万元/亩
    assert rows["placed"].all()
    assert any(str(path) in n for n in result.notes)
    path.with_suffix(".csv").write_text("id,name_zh\nx,甲\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="status"):
        allocate(park_of(plots, []), plots, projects=path.with_suffix(".csv"))
