"""The shape the code keeps (docs/design.md): no import cycle between xling's modules, and no
function over 60 lines or 6 parameters (none excepted: the CLI's argument table is one function
per subcommand).

The import graph counts module-level AND function-level imports (a deferred import is still a
dependency), each ``from . import x`` as an edge to the module ``x``."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ((ROOT / "harness", "xling"), (ROOT / "tasks", "xling.tasks"))
MAX_LINES, MAX_PARAMS = 60, 6
ALLOWED: set[tuple[str, str]] = set()  # (file, function) kept over the limits on purpose: none today


def modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for base, pkg in PACKAGES:
        for p in base.rglob("*.py"):
            parts = [x for x in p.relative_to(base).with_suffix("").parts if x != "__init__"]
            out[".".join([pkg, *parts])] = (p, p.name == "__init__.py")
    return out


def _targets(node, pkg: str, mods) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        parts = pkg.split(".")
        base = ".".join(parts[:len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    subs = [f"{base}.{a.name}" for a in node.names]
    return subs if all(s in mods for s in subs) else [base] + [s for s in subs if s in mods]


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, (path, is_pkg) in mods.items():
        pkg = name if is_pkg else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for t in _targets(node, pkg, mods):
                    while t and t not in mods:
                        t = t.rpartition(".")[0]
                    if t and t != name:
                        graph[name].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (as a path that returns to its start), or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def test_cycle_finder_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 50 and sum(map(len, graph.values())) > 150  # the graph really was read
    assert find_cycle(graph) is None


def long_functions() -> list[str]:
    out = []
    for base in (ROOT / "harness", ROOT / "tasks"):
        for p in sorted(base.rglob("*.py")):
            rel = p.relative_to(ROOT).as_posix()
            for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
                if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) or (rel, n.name) in ALLOWED:
                    continue
                lines = n.end_lineno - n.lineno + 1
                args = n.args.posonlyargs + n.args.args + n.args.kwonlyargs
                params = len(args) - (1 if args and args[0].arg in ("self", "cls") else 0)
                if lines > MAX_LINES or params > MAX_PARAMS:
                    out.append(f"{rel}:{n.lineno} {n.name} ({lines} lines, {params} parameters)")
    return out


def test_functions_are_short_and_take_few_parameters():
    assert long_functions() == []
