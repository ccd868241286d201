"""Data flows one way: the core names no other app, not even in a module path it imports by string."""

from __future__ import annotations

import ast
import re
from importlib import import_module
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
OTHER_APPS = re.compile(r"(assessments|scoring)(\.\w+)*")
# The project's settings and URLs put the apps together; they are the only exception (DESIGN §3).
ASSEMBLY = {ROOT / "portal" / "settings.py", ROOT / "portal" / "urls.py"}


def _names_of_other_apps(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if OTHER_APPS.fullmatch(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and OTHER_APPS.fullmatch(node.module):
            found.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and OTHER_APPS.fullmatch(node.value):
            found.append(node.value)
    return found


def test_the_core_names_neither_assessments_nor_scoring():
    sources = [
        path for path in (ROOT / "portal").rglob("*.py") if path not in ASSEMBLY and "migrations" not in path.parts
    ]
    offenders = {str(path.relative_to(ROOT)): names for path in sources if (names := _names_of_other_apps(path))}
    assert offenders == {}


def test_the_apps_join_the_dashboard_and_the_demo_through_the_settings():
    for module_name in settings.DASHBOARD_PANELS:
        assert callable(import_module(module_name).panels), module_name
    for module_name in settings.DEMO_SEEDERS:
        assert callable(import_module(module_name).seed), module_name
