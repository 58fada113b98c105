"""The thai package is the lowest layer: it must not import the rest of the project."""

from __future__ import annotations

import ast
from pathlib import Path

import thai

HIGHER = {"bot", "handlers", "models", "scheduler"}


def test_thai_imports_no_higher_layer() -> None:
    package = Path(thai.__file__).parent
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in HIGHER, f"{source.name} imports {name}"
