"""The shape of the code: the import graph of ``perfscore`` has no cycles (imports inside
functions included), exporters never import the engine's ``RuleSet``, and no module imports
another module's private (``_name``) symbol."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT = "perfscore"


@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # a module of the package
    names: tuple[str, ...]  # what ``from target import ...`` took (empty for ``import x``)
    line: int
    in_function: bool


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / ROOT).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _walk(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        if _type_checking(child):
            continue  # annotations only: never executed
        inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
        yield child, inner
        yield from _walk(child, inner)


def imports_of(name: str) -> list[Import]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if _is_package(name) else name.rpartition(".")[0]
    found = []
    for node, in_function in _walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == ROOT:
                    found.append(Import(name, alias.name, (), node.lineno, in_function))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != ROOT:
                continue
            names = tuple(a.name for a in node.names)
            sub = [n for n in names if f"{module}.{n}" in MODULES]
            for n in sub:
                found.append(Import(name, f"{module}.{n}", (), node.lineno, in_function))
            rest = tuple(n for n in names if n not in sub)
            if rest or not sub:
                found.append(Import(name, module, rest, node.lineno, in_function))
    return found


def _edges() -> dict[str, set[str]]:
    """Module → modules whose code runs when it imports them (a package's ``__init__`` runs
    when a module outside it imports one of its modules)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for name in MODULES:
        for imp in imports_of(name):
            targets = {imp.target}
            parts = imp.target.split(".")
            for i in range(2, len(parts)):
                parent = ".".join(parts[:i])
                if not (name == parent or name.startswith(parent + ".")):
                    targets.add(parent)
            graph[name] |= {t for t in targets if t in MODULES and t != name and t != ROOT}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected component that has one (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                out.append(_a_cycle(graph, set(scc)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _a_cycle(graph: dict[str, set[str]], scc: set[str]) -> list[str]:
    start = min(scc)
    path, seen = [start], {start}
    while True:
        nxt = sorted(w for w in graph[path[-1]] if w in scc)
        back = [w for w in nxt if w == start]
        if back:
            return [*path, start]
        fresh = [w for w in nxt if w not in seen]
        if not fresh:  # pragma: no cover - an SCC always closes
            return path
        path.append(fresh[0])
        seen.add(fresh[0])


def test_the_checker_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_checker_reads_relative_and_function_level_imports() -> None:
    found = {
        (i.target, i.in_function)
        for module in ("perfscore.cli", "perfscore.cli.score")
        for i in imports_of(module)
    }
    assert ("perfscore.export", False) in found
    assert any(t == "perfscore.plugins" for t, _ in found)
    assert any(in_function for _, in_function in found)


def test_the_import_graph_has_no_cycles() -> None:
    cycles = _cycles(_edges())
    assert cycles == [], "import cycles:\n" + "\n".join(" → ".join(c) for c in cycles)


def test_exporters_never_import_the_rule_set() -> None:
    engine = {"perfscore.ruleset", "perfscore.compile", "perfscore.evaluate"}
    bad = [
        f"{imp.importer}:{imp.line} imports {imp.target}"
        for name in MODULES
        if name.startswith("perfscore.export.")
        for imp in imports_of(name)
        if imp.target in engine
    ]
    assert bad == []


def test_no_module_imports_another_modules_private_names() -> None:
    bad = []
    for name in MODULES:
        for imp in imports_of(name):
            private = [n for n in imp.names if n.startswith("_") and n != "__version__"]
            if not private:
                continue
            # a package may use its own modules' private names (they are one unit)
            owner = imp.target if _is_package(imp.target) else imp.target.rpartition(".")[0]
            inside = owner != ROOT and (name == owner or name.startswith(owner + "."))
            if imp.target != owner and inside:
                continue
            bad.append(f"{name} imports {', '.join(private)} from {imp.target}")
    assert bad == [], "\n".join(bad)


def _private_attributes(tree: ast.AST) -> tuple[set[str], list[tuple[int, str]]]:
    """Private names a module defines (``self._x = ...``, ``_x = ...`` in a class, ``def _x``,
    ``__slots__`` entries), and its reads of ``obj._x`` on anything but ``self``/``cls``."""
    defined: set[str] = set()
    reads: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            defined.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            defined.add(node.value)  # __slots__ entries, setattr names
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            base = node.value
            if not (isinstance(base, ast.Name) and base.id in ("self", "cls")):
                reads.append((node.lineno, node.attr))
    private = {n for n in defined if n.startswith("_") and not n.startswith("__")}
    return private, [(line, a) for line, a in reads if a.startswith("_") and not a.startswith("__")]


def test_no_module_reads_another_modules_private_attributes() -> None:
    files = {name: path for name, path in MODULES.items()}
    bench = SRC.parent / "benchmarks"
    files.update({f"benchmarks.{p.stem}": p for p in sorted(bench.glob("*.py"))})
    parsed = {
        n: _private_attributes(ast.parse(p.read_text(encoding="utf-8"))) for n, p in files.items()
    }
    owners: dict[str, set[str]] = {}
    for name, (defined, _) in parsed.items():
        for attr in defined:
            owners.setdefault(attr, set()).add(name)
    bad = set()
    for name, (defined, reads) in parsed.items():
        for _, attr in reads:
            if attr in defined or attr not in owners:
                continue  # its own, or a third party's (not ours to police here)
            where = ", ".join(sorted(owners[attr]))
            hint = "; use RuleSet.evaluator" if attr == "_evaluator" else ""
            bad.add(f"{name} reads .{attr} (defined in {where}{hint})")
    assert not bad, "\n".join(sorted(bad))


def test_the_python_examples_in_architecture_md_run() -> None:
    import re

    text = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, "docs/architecture.md", "exec", dont_inherit=True), {})
