"""The shape of the package: the import graph of plenary/ has no cycle, and no module is over 400 lines.

The graph holds every import, at module level and inside functions alike (an import inside a function that
closes a cycle is still a cycle, only hidden until the function runs). ``from package import name`` is an edge
to the submodule ``package.name`` when there is one, else to the package; a package's ``__init__`` running
before its submodules is no edge (every module would depend on the app factory otherwise).
"""

import ast
import io
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "plenary"
MAX_LINES = 400


def module_files() -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its own name)."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _base(name: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = package[: len(package) - node.level + 1]
    return ".".join(package + ([node.module] if node.module else []))


def imported_modules(name: str, path: Path, tree: ast.AST, modules: dict) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its ``tree``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = _base(name, path, node)
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    found.add(f"{base}.{alias.name}")
                elif base in modules:
                    found.add(base)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Each module of plenary/ with the modules of plenary/ it imports."""
    modules = module_files()
    return {name: imported_modules(name, path, ast.parse(path.read_text(encoding="utf-8")), modules)
            for name, path in modules.items()}  # fmt: skip


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def a_cycle_through(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One concrete cycle inside ``component``: a → b → … → a (for the failure message)."""
    start, members = component[0], set(component)
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        for other in sorted(graph[path[-1]] & members):
            if other == start:
                return [*path, start]
            if other not in seen:
                seen.add(other)
                paths.append([*path, other])
    return component


def in_function_imports_without_reason(modules: dict[str, Path]) -> list[str]:
    """Imports inside functions with no comment on their line or the line above (the reason they are there)."""
    missing = []
    for path in modules.values():
        source = path.read_text(encoding="utf-8")
        commented = {token.start[0] for token in tokenize.generate_tokens(io.StringIO(source).readline)
                     if token.type == tokenize.COMMENT}  # fmt: skip
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and not {node.lineno, node.lineno - 1} & commented:
                    missing.append((str(path.relative_to(PACKAGE.parent)), node.lineno))
    return [f"{path}:{line}" for path, line in sorted(set(missing))]


def test_the_graph_sees_imports_inside_functions_and_submodules():
    tree = ast.parse("from plenary import validation\nfrom plenary.db import utcnow\n"
                     "def f():\n    from . import labels\n    import plenary.i18n\n")  # fmt: skip
    modules = module_files()
    found = imported_modules("plenary.formatting", modules["plenary.formatting"], tree, modules)
    assert found == {"plenary.validation", "plenary.db", "plenary.labels", "plenary.i18n"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert a_cycle_through(["a", "b", "c"], {"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_import_cycles():
    graph = import_graph()
    assert "plenary.admin.blueprint" in graph and graph["plenary"]  # the graph is built from the real package
    found = [" → ".join(a_cycle_through(component, graph)) + f"  (cycle of {len(component)}: {', '.join(component)})"
             for component in cycles(graph)]  # fmt: skip
    assert not found, "import cycles in plenary/:\n" + "\n".join(found)


def test_the_admin_blueprint_is_a_leaf():
    graph = import_graph()
    assert not {name for name in graph["plenary.admin.blueprint"] if name.startswith("plenary.")}


def test_in_function_imports_say_why():
    missing = in_function_imports_without_reason(module_files())
    assert not missing, "imports inside functions without a comment saying why:\n" + "\n".join(missing)


def test_no_module_over_400_lines():
    modules = module_files()
    assert len(modules) > 50
    long = {str(path.relative_to(PACKAGE.parent)): n for path in modules.values()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}  # fmt: skip
    listed = ", ".join(f"{path} ({n})" for path, n in sorted(long.items()))
    assert not long, f"modules over {MAX_LINES} lines: {listed}"


def _calls_record(tree: ast.AST) -> list[int]:
    """The lines of ``tree`` that call the audit log's ``record(…)``."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "record"]  # fmt: skip


def test_audit_entries_are_written_by_services_never_by_views_or_commands():
    """Views and commands call the services, which write the audit entry with the change they make."""
    places = []
    for name, path in module_files().items():
        front = name.startswith("plenary.admin.") or name.rsplit(".", 1)[-1] in ("views", "cli")
        if front:
            places += [f"{path.relative_to(PACKAGE.parent)}:{line}"
                       for line in _calls_record(ast.parse(path.read_text(encoding="utf-8")))]  # fmt: skip
    assert places == [], "audit entries written outside a service:\n" + "\n".join(places)


def test_the_audit_check_sees_a_call():
    assert _calls_record(ast.parse("def view():\n    record('x', None)\n")) == [2]
