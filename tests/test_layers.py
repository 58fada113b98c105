"""The layer rule, for every folder and with no exceptions (README, "Architecture"):

    thai < models < {handlers.kit, scheduler} < handlers.<feature> < handlers (the feature list) < bot

A module imports only from lower layers or from its own unit (its folder, or its own feature);
the kit and the scheduler know no feature and not each other; features do not import each
other; nothing imports bot/ but bot/ itself. Imports are read with ast, so an import inside a
function (the usual way to hide a loop) counts like any other.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("thai", "models", "handlers", "scheduler", "bot", "migrations", "bench")
# Rank of each unit; the same rank means neither may import the other.
RANKS = {"thai": 0, "models": 1, "handlers.kit": 2, "scheduler": 2, "handlers.<feature>": 3, "handlers": 4,
         "bot": 5, "migrations": 5, "bench": 6}


def module_name(path: Path) -> str:
    """Return the dotted module name of a file under ROOT."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def unit_of(module: str) -> str:
    """Return the unit a module belongs to: its top folder, the kit, or one feature of handlers/."""
    parts = module.split(".")
    if parts[0] == "handlers" and len(parts) > 1:
        return "handlers.kit" if parts[1] == "kit" else f"handlers.{parts[1]}"
    return parts[0]


def rank_of(unit: str) -> int:
    """Return a unit's layer."""
    if unit.startswith("handlers.") and unit != "handlers.kit":
        return RANKS["handlers.<feature>"]
    return RANKS[unit]


def project_modules() -> set[str]:
    """Return every module of the project's folders."""
    return {module_name(p) for folder in FOLDERS for p in (ROOT / folder).rglob("*.py")}


def imports_of(source: str, module: str, is_package: bool, known: set[str]) -> Iterator[tuple[int, str]]:
    """Yield (line, imported project module) for every import in a source, function-level ones included."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # "from handlers import reports" imports the module handlers.reports, not just handlers.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in FOLDERS:
                yield node.lineno, target


def violations(files: dict[str, str]) -> list[str]:
    """Return every import that breaks the layer rule, for sources keyed by path relative to ROOT."""
    known = {module_name(ROOT / p) for p in files} | project_modules()
    found = []
    for rel, source in sorted(files.items()):
        module = module_name(ROOT / rel)
        unit = unit_of(module)
        for line, target in imports_of(source, module, rel.endswith("__init__.py"), known):
            other = unit_of(target)
            if other != unit and rank_of(other) >= rank_of(unit):
                found.append(f"{rel}:{line} ({unit}) imports {target} ({other})")
    return found


def unit_graph(files: dict[str, str]) -> dict[str, set[str]]:
    """Return which unit imports which other unit."""
    known = project_modules()
    graph: dict[str, set[str]] = {}
    for rel, source in files.items():
        module = module_name(ROOT / rel)
        for _, target in imports_of(source, module, rel.endswith("__init__.py"), known):
            if unit_of(target) != unit_of(module):
                graph.setdefault(unit_of(module), set()).add(unit_of(target))
    return graph


def cycle_in(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one cycle of the graph as a path, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        for nxt in sorted(graph.get(node, ())):
            if (cycle := visit(nxt, [*path, node])) is not None:
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        if (cycle := visit(start, [])) is not None:
            return cycle
    return None


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
            for folder in FOLDERS for p in sorted((ROOT / folder).rglob("*.py"))}


def test_every_import_goes_down_a_layer_or_stays_in_its_unit(sources: dict[str, str]) -> None:
    assert len(sources) > 50  # the walk found the project
    assert violations(sources) == []


def test_no_import_cycles_between_folders(sources: dict[str, str]) -> None:
    assert cycle_in(unit_graph(sources)) is None


def test_every_feature_is_listed_once_and_registers_through_its_package() -> None:
    import handlers

    names = [f.__name__ for f in handlers.features()]
    assert len(names) == len(set(names))
    on_disk = {p.stem if p.is_file() else p.name for p in (ROOT / "handlers").iterdir()
               if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").exists())}
    assert {n.removeprefix("handlers.") for n in names} == on_disk - {"kit"}
    jobs = handlers.clock_jobs()
    assert len({j.id for j in jobs}) == len(jobs) > 0


@pytest.mark.parametrize("rel,source", [
    ("scheduler/clock.py", "from bot.state import state"),  # the clock knowing bot/
    ("scheduler/clock.py", "def f():\n    from handlers.reports import reminders"),  # a hidden feature import
    ("scheduler/bulk.py", "from handlers.kit.postback import PostbackCodec"),  # scheduler and kit are siblings
    ("handlers/kit/router.py", "from handlers.help import router"),  # the kit knowing a feature
    ("handlers/courses/chat.py", "from handlers.approvals.chat import fee_text"),  # one feature in another
    ("handlers/courses/chat.py", "from ..approvals import chat"),  # the same, relative
    ("handlers/linking.py", "from handlers import clock_jobs"),  # a feature using the feature list
    ("models/reports.py", "import handlers.kit.messages"),
    ("thai/dates.py", "from models.org import Staff"),
])
def test_the_rule_catches_each_kind_of_breach(rel: str, source: str) -> None:
    assert len(violations({rel: source})) == 1


def test_the_rule_allows_what_the_layers_allow() -> None:
    allowed = {
        "handlers/reports/wizard.py": "from handlers.reports.common import router\nfrom handlers.kit.context import Ctx\n"
                                      "from scheduler.registry import Reminders\nfrom models.org import Staff",
        "handlers/__init__.py": "from handlers import approvals, reports",
        "bot/clock.py": "from handlers import clock_jobs\nfrom scheduler import clock",
        "scheduler/registry.py": "from scheduler.triggers import working_days_at\nfrom models.base import utcnow",
    }
    assert violations(allowed) == []
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
