"""The layout: each package is one kind of code, and imports point down only.

cli → flows → tasks → warehouse → pure packages (text, grouping, inputs) and the network package (web)
→ records and config. duckdb is imported only by the warehouse, requests only by web, prefect only by
flows, tasks and the CLI.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "khabar"

# What each room may import from khabar (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "records": set(),
    "config": set(),
    "text": {"records", "config"},
    "grouping": {"records", "config", "text"},  # words are folded as text folds them
    "inputs": {"records", "config", "text"},
    "web": {"records", "config", "inputs", "text"},
    "warehouse": {"records", "config", "text", "grouping"},  # staging folds text for search
    "tasks": {"records", "config", "text", "grouping", "inputs", "web", "warehouse"},
    "flows": {"records", "config", "text", "grouping", "inputs", "web", "warehouse", "tasks"},
    "cli": {"records", "config", "text", "grouping", "inputs", "web", "warehouse", "tasks", "flows"},
}
# Third-party packages only some rooms may import.
OWNED = {"duckdb": {"warehouse"}, "requests": {"web"}, "prefect": {"flows", "tasks", "cli"}}
PURE = ["records", "config", "text", "grouping", "inputs", "web", "warehouse"]


def room(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0] if parts[0] != "__init__" else "records"


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            if node.module == "khabar":  # from khabar import config
                names |= {f"khabar.{alias.name}" for alias in node.names}
    return names


def test_every_room_is_known() -> None:
    assert {room(p) for p in modules()} <= ALLOWED.keys()


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    mine = room(path)
    for name in imported(path):
        top, _, rest = name.partition(".")
        if top == "khabar" and rest and rest != "__version__":
            target = rest.split(".")[0]
            assert target == mine or target in ALLOWED[mine], f"{mine} imports {name}: up or sideways"
        if top in OWNED:
            assert mine in OWNED[top], f"{mine} imports {top}"


def test_the_layer_test_catches_an_import_pointing_up(tmp_path: Path) -> None:
    bad = PACKAGE / "text" / "_probe_upward.py"
    bad.write_text("from khabar.warehouse import load\n", encoding="utf-8")
    try:
        with pytest.raises(AssertionError, match="up or sideways"):
            test_imports_point_down(bad)
    finally:
        bad.unlink()


@pytest.mark.parametrize("name", PURE)
def test_pure_packages_load_no_orchestration_database_or_network(name: str) -> None:
    """Each package below tasks imports in a fresh interpreter without prefect; only the warehouse
    loads duckdb, and only web loads requests."""
    root = PACKAGE / name
    targets = (
        [f"khabar.{name}"]
        if root.with_suffix(".py").exists()
        else [
            "khabar." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
            for p in sorted(root.rglob("*.py"))
            if p.name != "__init__.py"
        ]
    )
    code = (
        "import importlib, json, sys\n"
        f"for target in {targets!r}: importlib.import_module(target)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    loaded = set(
        json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    )
    assert "prefect" not in loaded
    assert ("duckdb" in loaded) == (name == "warehouse")
    assert ("requests" in loaded) == (name == "web")
