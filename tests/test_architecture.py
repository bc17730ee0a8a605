"""The shape of the code, checked so it cannot drift back (issue 12).

The layer contracts live in ``.importlinter`` and are checked by import-linter itself; the cycle
check builds the module import graph with grimp (import-linter's own graph library) and asks
networkx for strongly connected components, so neither relies on the project's code. The
environment rule reads every module's syntax tree: settings are read in ``api/settings.py`` (and
by the CLI for its own commands) and passed down, never read deep inside the library.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest
from alembic.script import ScriptDirectory

from twin.live.migrate import alembic_config

ROOT = Path(__file__).resolve().parent.parent
#: Modules allowed to read the process environment: the API's settings and the CLI.
ENV_READERS = {"api/settings.py", "twin/cli.py"}


def test_import_linter_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.fail("import-linter is a dev dependency: run `make setup`")
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_no_import_cycle_between_modules() -> None:
    graph = grimp.build_graph("twin", "api", cache_dir=None)
    edges = nx.DiGraph()
    for module in graph.modules:
        edges.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            edges.add_edge(module, imported)
    cycles = [sorted(c) for c in nx.strongly_connected_components(edges) if len(c) > 1]
    assert cycles == [], f"import cycles: {cycles}"


def _reads_environment(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
            value = node.value
            if isinstance(value, ast.Name) and value.id == "os":
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in {"environ", "getenv"} for alias in node.names)
        ):
            lines.append(node.lineno)
    return lines


def test_settings_are_read_in_one_place() -> None:
    offenders = []
    for package in ("twin", "api"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in ENV_READERS:
                continue
            for line in _reads_environment(ast.parse(path.read_text(), filename=rel)):
                offenders.append(f"{rel}:{line}")
    assert offenders == [], f"environment read outside {sorted(ENV_READERS)}: {offenders}"


def test_migration_history_has_one_head() -> None:
    """Revisions written side by side branch; a merge revision must join them before they land,
    so that ``alembic upgrade head`` (one head) works for operators."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several migration heads, add a merge revision: {heads}"
