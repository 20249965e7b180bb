"""The package's shape: no import cycle anywhere in it, Qt only in ``ui/``.

The import graph is read from the source with ``ast``, so it holds every import a module makes:
at the top, inside functions (lazy imports) and under ``if TYPE_CHECKING:``. A cycle through any
of them still ties the modules together, even when Python would happen to load them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "mymove_viewer"
ACYCLIC = (PACKAGE,)  # issue 16: the whole package, the window and its flows included
QT = frozenset({"PySide6", "shiboken6"})


def module_files(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package`` under ``root``."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path) -> Iterator[tuple[str, ...]]:
    """For each name the module ``name`` (at ``path``) imports, wherever the statement is: the
    absolute names it may be, most specific first (in ``from X import y``, ``y`` may be a
    submodule ``X.y`` or a name defined in ``X``)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield (alias.name,)
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                parts = name.split(".")
                keep = len(parts) - (node.level - 1 if is_package else node.level)
                source = ".".join([*parts[:keep], *([node.module] if node.module else [])])
            for alias in node.names:
                yield (f"{source}.{alias.name}", source)


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports."""
    files = module_files(root, package)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = (
            next((m for m in options if m in files), None) for options in imports(name, path)
        )
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_package_has_no_import_cycle() -> None:
    tangled = [
        c for c in cycles(import_graph(ROOT, PACKAGE)) if any(m.startswith(ACYCLIC) for m in c)
    ]
    assert tangled == []


def test_only_the_ui_package_imports_qt() -> None:
    offenders = sorted(
        name
        for name, path in module_files(ROOT, PACKAGE).items()
        if not name.startswith(f"{PACKAGE}.ui")
        and any(options[-1].split(".")[0] in QT for options in imports(name, path))
    )
    assert offenders == []


def test_the_graph_sees_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    # The checks above pass vacuously if the graph misses edges: a made-up package whose only
    # cycle runs through an import under TYPE_CHECKING and one inside a function must show it.
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .sub import thing\n")
    (pkg / "sub" / "__init__.py").write_text("from .a import thing\n")
    (pkg / "sub" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\nthing = 1\n"
    )
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..sub import a\n    from .. import c\n")
    (pkg / "c.py").write_text("import PySide6.QtCore\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph == {
        "pkg": {"pkg.sub"},
        "pkg.sub": {"pkg.sub.a"},
        "pkg.sub.a": {"pkg.sub.b"},
        "pkg.sub.b": {"pkg.sub.a", "pkg.c"},
        "pkg.c": set(),
    }
    assert cycles(graph) == [["pkg.sub.a", "pkg.sub.b"]]
    assert [o[-1] for o in imports("pkg.c", pkg / "c.py")] == ["PySide6.QtCore"]
