"""The floor plan's layers, measured from the code's imports (every ``import``, at any depth of a module):
a package imports only packages of lower layers, and ``analysis`` never imports Django."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import atalaya

PACKAGE = Path(atalaya.__file__).parent

#: Lowest first. A new app takes the layer of what it stands on (a case module: beside ``alerts``).
LAYERS = [
    {"analysis"},
    {"core", "hooks"},
    {"geo", "taxonomy"},
    {"accounts"},
    {"cube"},
    {"datasets"},
    {"indicators", "reconciliation"},
    {"alerts", "spatial", "cases", "surveys"},  # surveys: estimates beside recorded crime
    {"proximity"},  # turns alerts into problems
    {"programmes"},  # measures prevention against crime; mesa agreements commit to programmes
    {"network", "publication"},  # practices link programmes…; documents read every module below
    {"web"},
    {"cli"},
]
LAYER = {name: level for level, names in enumerate(LAYERS) for name in names}


def _imports() -> dict[str, set[tuple[str, str]]]:
    """``package → {(imported package, file)}`` over every module of the project (migrations left out)."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if "migrations" in parts or (len(parts) == 1 and parts[0] == "__init__.py"):
            continue
        package = parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = list(parts[:-1])[: len(parts) - node.level]
                    names = [".".join(["atalaya", *base, *([node.module] if node.module else [])])]
                else:
                    names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.startswith("atalaya."):
                    target = name.split(".")[1]
                    if target != package:
                        found[package].add((target, str(path.relative_to(PACKAGE))))
                elif name.split(".")[0] == "tests":  # the package never depends on the test suite
                    found[package].add(("tests", str(path.relative_to(PACKAGE))))
                elif package == "analysis" and name.split(".")[0] == "django":
                    found[package].add(("django", str(path.relative_to(PACKAGE))))
    return found


def test_every_package_has_a_layer():
    packages = {p.name.removesuffix(".py") for p in PACKAGE.iterdir() if not p.name.startswith(("_", "."))}
    packages -= {"locale"}
    assert packages == set(LAYER), "add the new package to LAYERS"


def test_no_upward_imports():
    upward = sorted(
        f"{file} imports {target}"
        for package, targets in _imports().items()
        for target, file in targets
        if target in ("django", "tests") or LAYER.get(target, -1) >= LAYER[package]
    )
    assert upward == []
