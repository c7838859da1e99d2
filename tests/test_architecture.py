"""The package's shape: layering, private names, module size, light start-up."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import parkmap

ROOT = Path(parkmap.__file__).parent
PYPROJECT = ROOT.parents[1] / "pyproject.toml"


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        yield path, ".".join(("parkmap", *path.relative_to(ROOT).with_suffix("").parts))


def _package_of(module: str) -> str:
    """The first-level unit a module belongs to (``parkmap.land`` for ``parkmap.land.plan``)."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_import_contracts_hold():
    # In a child process: import-linter configures logging (it disables existing loggers).
    code = (
        "import sys\n"
        "from importlinter.cli import lint_imports\n"
        f"sys.exit(lint_imports(config_filename={str(PYPROJECT)!r}, no_cache=True, no_logo=True))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PYPROJECT.parent
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 1 kept, 0 broken." in run.stdout


def test_no_private_name_is_imported_from_another_subpackage():
    offences = []
    for path, module in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            if not node.module.startswith("parkmap"):
                continue
            if _package_of(node.module) == _package_of(module):
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    offences.append(f"{module}: from {node.module} import {alias.name}")
    assert offences == []


def test_no_module_is_long_without_a_reason():
    long = []
    for path, module in _modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > 500 and "why this module is long" not in "\n".join(lines[:15]).lower():
            long.append(f"{module}: {len(lines)} lines")
    assert long == []


def test_no_public_name_shadows_a_module():
    for name in parkmap.__all__:
        value = getattr(parkmap, name)
        module_path = ROOT / name
        if (module_path.with_suffix(".py")).exists() or (module_path / "__init__.py").exists():
            assert type(value).__name__ == "module", f"parkmap.{name} hides the module"


def test_moved_names_still_work_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match=r"parkmap\.schema\.validate_layers"):
        from_old = parkmap.validate_layers
    from parkmap.schema import validate_layers

    assert from_old is validate_layers


def test_help_does_not_import_the_heavy_libraries():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from parkmap.cli import cli\n"
        "result = CliRunner().invoke(cli, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "heavy = [m for m in ('folium', 'geopandas', 'shapely', 'pyogrio', 'pandas') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""


def test_cli_engine_choices_are_the_engines():
    from parkmap.cli.options import ENGINES
    from parkmap.land import ENGINES as LAND_ENGINES

    assert ENGINES == LAND_ENGINES


def test_every_label_group_the_code_asks_for_exists():
    from parkmap.vocab import labels

    for group in ("category", "level", "unit", "report_header", "map", "layout_plot"):
        assert len(labels(group)) > 0
    with pytest.raises(KeyError, match="no group"):
        labels("no-such-group")
