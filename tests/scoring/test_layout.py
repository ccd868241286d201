"""The stages of scoring follow the data: no stage imports a later one, and the engine imports no Django."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("measurement", "engine", "rating", "certification", "publication")


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "scoring" and parts[1] in STAGES else None


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_imports_a_later_one(stage):
    allowed = set(STAGES[: STAGES.index(stage) + 1])
    offenders = {
        str(path.relative_to(ROOT)): sorted(later)
        for path in (ROOT / "scoring" / stage).rglob("*.py")
        if (later := {module for module in imported_modules(path) if stage_of(module) not in (None, *allowed)})
    }
    assert offenders == {}


def test_the_engine_is_pure_python():
    offenders = {
        str(path.relative_to(ROOT)): sorted(impure)
        for path in (ROOT / "scoring" / "engine").rglob("*.py")
        if (
            impure := {
                module
                for module in imported_modules(path)
                if module.split(".")[0] in {"django", "rest_framework", "portal"}
                or (module.startswith("scoring") and stage_of(module) != "engine")
            }
        )
    }
    assert offenders == {}
