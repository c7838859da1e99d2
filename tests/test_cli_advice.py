"""Advice in messages is runnable as printed: every option a message names exists.

Every error, warning and report line of ``src/parkmap`` that names a command-line option
is collected from the source (the text of the message, f-string parts in order). An
option that follows ``parkmap <command>`` must be an option of that command; an option
named without a command must be an option of every command that can show the message
(the commands of its module, declared below). Then the messages planners meet most are
produced for real and their advice is run.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

import parkmap
from parkmap.cli import cli

SRC = Path(parkmap.__file__).parent
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
COMMAND = re.compile(r"\bparkmap ([a-z][a-z_-]*)")
#: Calls whose text is a message a user reads.
MESSAGE_CALLS = re.compile(
    r".*(Error|Exception|Problem)$|^(warning|warn|info|error|add|features|append|echo|fail)$"
)


def options_of(name: str) -> set[str]:
    command = cli.commands[name]
    opts = {"--help"}
    for param in command.params:
        opts.update(o for o in [*param.opts, *param.secondary_opts] if o.startswith("--"))
    return opts


def _reading_commands() -> list[str]:
    return sorted(n for n in cli.commands if "--data" in options_of(n))


def _writing_commands() -> list[str]:
    return sorted(n for n, c in cli.commands.items() if any("-o" in p.opts for p in c.params))


def context_commands(module: str, function: str = "") -> list[str]:
    """The commands that can show a message of ``module`` without naming a command."""
    if module.startswith("cli."):
        defined = SRC / Path(*module.split(".")).with_suffix(".py")
        text = defined.read_text(encoding="utf-8")
        mine = [n for n, c in cli.commands.items() if c.callback.__name__ == function]
        return mine or [n for n, c in cli.commands.items() if f"def {c.callback.__name__}(" in text]
    if module.startswith("figures."):
        return ["figure"]
    if module.startswith("maps.basemaps"):
        return ["map"]  # a basemap is chosen with --basemap, which only `map` has
    if module == "word_report":
        return ["report"]
    if module == "io.files":
        return _writing_commands()  # check_output: "pass --overwrite"
    return [*_reading_commands(), "import"]  # a library message, met through any command


def _render(node: ast.AST) -> str:
    """The text of a message expression, with placeholders for the values."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else "<x>"
    if isinstance(node, ast.JoinedStr):
        return "".join(_render(v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return _render(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _render(node.left) + _render(node.right)
    if isinstance(node, ast.IfExp):
        return _render(node.body) + " " + _render(node.orelse)
    if isinstance(node, ast.Call):
        func = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        func = func or getattr(node.func, "id", "")
        if func == "import_command":
            return " ".join(["parkmap import <file>", *map(_render, node.args[1:]), "-o <out>"])
        if func == "join" and node.args:
            return _render(node.args[0])
    if isinstance(node, (ast.List, ast.Tuple)):
        return " ".join(_render(e) for e in node.elts)
    if isinstance(node, ast.Name):
        return f"<{node.id}>"
    return "<x>"


def _calls(tree: ast.Module):
    """Every call of a module, with the name of the top-level function it is in."""
    for top in tree.body:
        function = top.name if isinstance(top, ast.FunctionDef) else ""
        for node in ast.walk(top):
            if isinstance(node, ast.Call):
                yield function, node


def collect_messages() -> list[tuple[str, str, int, str]]:
    """(module, function, line, text) of every message in src/parkmap naming an option."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        module = ".".join(path.relative_to(SRC).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function, node in _calls(tree):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            name = name or getattr(node.func, "id", "")
            if not MESSAGE_CALLS.match(name) or (module.startswith("cli.") and name == "option"):
                continue
            text = " ".join(_render(a) for a in [*node.args, *(k.value for k in node.keywords)])
            if OPTION.search(text):
                found.append((module, function, node.lineno, text))
    return found


def violations(module: str, text: str, function: str = "") -> list[str]:
    """Options of ``text`` that the command they are advised for does not have."""
    bad = []
    spans = [(m.start(), m.group(1)) for m in COMMAND.finditer(text)]
    head = text[: spans[0][0]] if spans else text
    for option in OPTION.findall(head):
        for name in context_commands(module, function):
            if option not in options_of(name):
                bad.append(f"{option} (not an option of `parkmap {name}`)")
    for i, (start, name) in enumerate(spans):
        end = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        segment = text[start:end]
        for option in OPTION.findall(segment):
            if name not in cli.commands:
                bad.append(f"{option} after `parkmap {name}`, which is not a command")
            elif option not in options_of(name):
                bad.append(f"{option} (not an option of `parkmap {name}`)")
    return bad


def test_messages_with_advice_are_found():
    messages = collect_messages()
    modules = {m for m, _, _, _ in messages}
    # the classes of advice: import options, --overwrite, basemap options, layout -o
    assert {"io.detect", "io.coordinates", "io.readers", "maps.basemaps"} <= modules
    assert len(messages) >= 15


def test_every_option_a_message_names_exists_in_its_command():
    bad = [
        f"{module}:{line}: {problem}: {text!r}"
        for module, function, line, text in collect_messages()
        for problem in violations(module, text, function)
    ]
    assert bad == []


def test_every_command_that_writes_accepts_the_overwrite_it_advises():
    # parkmap.io.files.check_output: "<file>: exists; pass --overwrite to replace it"
    from parkmap.io.files import check_output

    assert check_output.__kwdefaults__["option"] == "--overwrite"
    assert [n for n in _writing_commands() if "--overwrite" not in options_of(n)] == []


def test_the_checker_catches_an_option_the_command_lacks():
    assert violations("io.readers", "no CRS; pass --s-srs")  # e.g. to `parkmap report`
    assert violations("land.engine", "run parkmap report --s-srs EPSG:4524")
    assert not violations("io.readers", "import with: parkmap import a.shp --s-srs X -o p.gpkg")
    assert not violations("maps.basemaps", "pass --tianditu-key KEY or use --basemap osm")


# -- the messages planners meet, produced for real ---------------------------------------------
def _runnable(line: str) -> list[str]:
    """The first ``parkmap ...`` command line in ``line``, as arguments."""
    start = line.index("parkmap ", line.index(": ") if ": " in line else 0)
    command = line[start:].split(", then")[0].split("; ")[0]
    return shlex.split(command)[1:]


@pytest.fixture
def raw_shapefile(tmp_path) -> Path:
    """A Shapefile without .prj: plots in CGCS2000 / 3-degree GK CM 108E metres."""
    x0, y0 = 433_000.0, 3_355_000.0
    gdf = gpd.GeoDataFrame(
        {"name": ["a", "b"]},
        geometry=[box(x0, y0, x0 + 300, y0 + 200), box(x0 + 300, y0, x0 + 600, y0 + 200)],
        crs=4545,
    )
    path = tmp_path / "地块.shp"
    gdf.to_file(path, encoding="utf-8")
    path.with_suffix(".prj").unlink()
    return path


def test_report_on_a_raw_file_without_crs_advises_a_runnable_import(raw_shapefile, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "--data", str(raw_shapefile)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert "--s-srs" in line and not violations("io.coordinates", line)
    args = _runnable(line)
    assert args[:2] == ["import", str(raw_shapefile)] and args[2] == "--s-srs"
    out = tmp_path / "park.gpkg"
    args[args.index("-o") + 1] = str(out)
    imported = runner.invoke(cli, args)
    assert imported.exit_code in (0, 1), imported.output  # 1: written, with validation errors
    print(imported.output)
    assert out.exists()
    assert parkmap.read_park(out).crs is not None


def test_an_undecodable_shapefile_advises_a_runnable_import(tmp_path):
    x0, y0 = 433_000.0, 3_355_000.0
    path = tmp_path / "plots.shp"
    gpd.GeoDataFrame(
        {"name": ["工业用地"]}, geometry=[box(x0, y0, x0 + 100, y0 + 100)], crs=4545
    ).to_file(path, encoding="utf-8")
    path.with_suffix(".cpg").write_text("LATIN1", encoding="ascii")  # wrong: it is UTF-8
    dbf = path.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes().replace("工业用地".encode(), "工业用地".encode("gbk")))
    result = CliRunner().invoke(cli, ["report", "--data", str(path)])
    if result.exit_code == 0:
        pytest.skip("the file decoded: nothing to advise")
    (line,) = result.output.strip().splitlines()
    assert not violations("io.detect", line), line
    if "parkmap import" in line:
        assert _runnable(line)[:2] == ["import", str(path)]
