"""Data flows one way: assessments imports nothing of scoring; approval reaches certification by a signal."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
    return modules


def test_assessments_imports_nothing_of_scoring():
    offenders = {
        str(path.relative_to(ROOT)): [name for name in _imports(path) if name.split(".")[0] == "scoring"]
        for path in (ROOT / "assessments").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
