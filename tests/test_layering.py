"""The layering rule of DESIGN.md, checked on the code: an app imports only from apps
before it, the four side-by-side apps never import each other, and ``lib`` (and the
matching engine) import no Django at all.

The order differs from DESIGN.md in one place: ``audit`` stands before ``accounts``,
because accounts' services (role changes, unlocks, invitations) must write audit
events; ``audit`` names users and schools only by string foreign keys. ``demo``
stands last: it builds the demo school through every app's services.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "peersupport"
ORDER: list[tuple[str, ...]] = [
    ("lib",),
    ("schools",),
    ("audit",),
    ("accounts",),
    ("tasks",),
    ("students",),
    ("training",),
    ("programmes",),
    ("meetings",),
    ("matching", "concerns", "wellbeing", "partners"),
    ("reports",),
    ("api",),
    ("demo",),
]
LEVEL = {app: level for level, group in enumerate(ORDER) for app in group}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def app_sources() -> list[tuple[str, Path]]:
    found = []
    for app_dir in sorted(
        p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    ):
        for path in sorted(app_dir.rglob("*.py")):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            found.append((app_dir.name, path))
    return found


def test_every_app_has_a_place_in_the_order() -> None:
    apps = {app for app, _ in app_sources()}
    assert apps - set(LEVEL) == set()


@pytest.mark.parametrize("app,path", app_sources(), ids=lambda v: str(v).split("peersupport/")[-1])
def test_an_app_imports_only_from_apps_before_it(app: str, path: Path) -> None:
    for module in imported_modules(path):
        parts = module.split(".")
        if parts[0] == "django" and app == "lib":
            pytest.fail(f"{path}: lib must not import Django ({module})")
        if parts[0] != "peersupport" or len(parts) < 2 or parts[1] not in LEVEL:
            continue
        other = parts[1]
        if other == app:
            continue
        assert LEVEL[other] < LEVEL[app], (
            f"{path.relative_to(PACKAGE)} imports {module}: {other} does not come before {app}"
        )


PURE_MATCHING = ["engine.py", "problem.py", "groups.py"]


@pytest.mark.parametrize("name", PURE_MATCHING)
def test_the_matching_engine_imports_no_django(name: str) -> None:
    path = PACKAGE / "matching" / name
    tree = ast.parse(path.read_text(), filename=str(path))
    relative = [
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level
    ]
    assert relative == [], f"{path}: use absolute imports, so this test can follow them"
    for module in imported_modules(path):
        parts = module.split(".")
        assert parts[0] != "django", f"{path}: the engine must not import Django ({module})"
        if parts[0] == "peersupport":
            # Only other Django-free modules: lib, or the engine's own modules.
            allowed = parts[1:2] == ["lib"] or (
                parts[1:2] == ["matching"] and f"{parts[-1]}.py" in PURE_MATCHING
            )
            assert allowed, f"{path} imports {module}, which may bring in Django"
