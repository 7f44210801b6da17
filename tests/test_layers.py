"""The house plan as a test: floors, no circles, no oversized modules.

Reads every module of the six packages with `ast` (nothing is imported) and checks:
- floors: voc (0) < nlp (1) < training, reports (2) < app (3) < cli (4); a module imports only its
  own floor or below, and training and reports never import each other (imports inside functions and under
  `TYPE_CHECKING` count: they are still a dependency a reader has to follow);
- no import circle between modules;
- no module over 600 lines (the synthetic generator's phrase tables excepted).
Each check collects every violation before it fails, so one run lists the whole repair job.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {"voc": 0, "nlp": 1, "training": 2, "reports": 2, "app": 3, "cli": 4}
# Same floor, but independent wings: neither may import the other.
SIBLINGS_APART = {frozenset({"training", "reports"})}
MAX_LINES = 600
# Data, not logic: the generator's phrase tables may grow with the vocabulary they hold.
LONG_TABLES = ("voc/synth/phrases*.py",)


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the six packages."""
    found: dict[str, Path] = {}
    for package in FLOORS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The most specific module of ours that `name` names (`voc.files.atomic_write` -> `voc.files`)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def _imports(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, imported module of ours) for every import statement anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _resolve(alias.name)
                if target:
                    found.append((node.lineno, target))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = module.split(".")
                drop = node.level - 1 if is_package else node.level
                anchor = anchor[: len(anchor) - drop] if drop else anchor
                base = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                base = node.module or ""
            for alias in node.names:
                # `from pkg import sub` names the submodule when there is one, else the package.
                target = _resolve(f"{base}.{alias.name}") or _resolve(base)
                if target:
                    found.append((node.lineno, target))
    return found


GRAPH = {
    module: sorted({target for _, target in _imports(module, path) if target != module})
    for module, path in MODULES.items()
}


def _package(module: str) -> str:
    return module.split(".", 1)[0]


def test_every_package_is_found() -> None:
    assert {_package(m) for m in MODULES} == set(FLOORS)
    assert len(MODULES) > 30, sorted(MODULES)


def _floor_violation(module: str, target: str) -> str | None:
    """Why `module` may not import `target`, or None when it may."""
    here, there = _package(module), _package(target)
    if FLOORS[there] > FLOORS[here]:
        return f"{module} (floor {FLOORS[here]}) imports {target} (floor {FLOORS[there]})"
    if here != there and frozenset({here, there}) in SIBLINGS_APART:
        return f"{module} imports {target} ({here} and {there} are separate wings)"
    return None


def test_no_module_imports_a_higher_floor_or_a_sibling_wing() -> None:
    violations = []
    for module, path in MODULES.items():
        for line, target in _imports(module, path):
            why = _floor_violation(module, target)
            if why:
                violations.append(f"{path.relative_to(ROOT)}:{line}: {why}")
    assert not violations, "imports up a floor or across wings:\n" + "\n".join(violations)


def test_floor_rule_sees_planted_violations() -> None:
    assert _floor_violation("nlp.embed", "voc.files") is None
    assert _floor_violation("training.tagging.engine", "training.pyfunc") is None
    assert _floor_violation("nlp.embed", "cli.main") is not None
    assert _floor_violation("voc.files", "nlp.embed") is not None
    assert _floor_violation("reports.render", "training.registry") is not None
    assert _floor_violation("training.registry", "reports.render") is not None


def test_import_reader_counts_function_level_and_relative_imports(tmp_path: Path) -> None:
    source = tmp_path / "embed.py"
    source.write_text(
        "import os\nfrom voc import files\n\ndef f():\n    from cli.main import main\n"
        "    from .prepare import prepare_text\n",
        encoding="utf-8",
    )
    assert sorted(_imports("nlp.embed", source)) == [(2, "voc.files"), (5, "cli.main"), (6, "nlp.prepare")]


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan), as sorted lists."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, []):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def test_no_import_circle() -> None:
    circles = _cycles(GRAPH)
    lines = []
    for members in circles:
        inside = set(members)
        edges = [f"{a} -> {b}" for a in members for b in GRAPH[a] if b in inside]
        lines.append(f"circle of {len(members)} modules: " + "; ".join(edges))
    assert not circles, "modules that import each other:\n" + "\n".join(lines)


def test_cycle_finder_sees_a_planted_circle() -> None:
    # The guard above is only as good as this helper; a circle through three modules must show.
    graph = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_module_over_600_lines() -> None:
    too_long = []
    for path in MODULES.values():
        relative = path.relative_to(ROOT)
        if any(relative.match(pattern) for pattern in LONG_TABLES):
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            too_long.append(f"{relative}: {lines} lines")
    assert not too_long, f"modules over {MAX_LINES} lines:\n" + "\n".join(sorted(too_long))
