"""The shape of the code: no import cycle (file or package level), no oversized module, one Earth
radius. These walk the source with `ast`, so they see every import, including the ones inside
functions and under ``TYPE_CHECKING`` (a late import still ties two modules together)."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "stratowatch"

# Edges allowed to close a cycle: none.
ALLOWED_EDGES: set[tuple[str, str]] = set()

MAX_LINES = 750
# The compiled kernel keeps its numba functions together.
SIZE_EXCEPTIONS = {
    "flight/kernel.py",
}


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for f in sorted(PKG.rglob("*.py")):
        parts = list(f.relative_to(SRC).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (f, is_pkg)
    return out


def _edges() -> dict[str, set[str]]:
    mods = _modules()
    edges: dict[str, set[str]] = {}
    for name, (path, is_pkg) in mods.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for a in node.names:
                    sub = f"{target}.{a.name}"
                    deps.add(sub if sub in mods else target)
        edges[name] = {
            d for d in deps if d in mods and d != name and (name, d) not in ALLOWED_EDGES
        }
    return edges


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def _package(mod: str) -> str:
    return ".".join(mod.split(".")[:2])


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules() -> None:
    cycles = _cycles(_edges())
    assert not cycles, f"import cycles between modules: {cycles}"


def test_no_import_cycle_between_packages() -> None:
    pk: dict[str, set[str]] = defaultdict(set)
    for a, deps in _edges().items():
        for b in deps:
            if _package(a) != _package(b) and _package(b) != "stratowatch":
                pk[_package(a)].add(_package(b))
    cycles = _cycles(dict(pk))
    assert not cycles, f"import cycles between packages: {cycles}"


def test_core_types_import_nothing_above_them() -> None:
    allowed = {"stratowatch.errors", "stratowatch.timeutil"}
    for name, deps in _edges().items():
        if name.startswith("stratowatch.core"):
            bad = {d for d in deps if not d.startswith("stratowatch.core") and d not in allowed}
            assert not bad, f"{name} imports {sorted(bad)}"


def test_no_module_over_the_size_limit() -> None:
    big = {}
    for f in PKG.rglob("*.py"):
        rel = f.relative_to(PKG).as_posix()
        n = len(f.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and rel not in SIZE_EXCEPTIONS:
            big[rel] = n
    assert not big, f"modules over {MAX_LINES} lines (split them): {big}"


def test_one_earth_radius() -> None:
    """The mean radius is written once (geo.geodesy); the flight kernels keep their metric terms
    in flight/earth.py."""
    pattern = re.compile(r"6_?371_?008\.8|6_?371_?000\b|6371\.0088|6_?371\.0\b")
    allowed = {"geo/geodesy.py", "flight/earth.py"}
    found = []
    for f in PKG.rglob("*.py"):
        rel = f.relative_to(PKG).as_posix()
        for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if pattern.search(code) and rel not in allowed:
                found.append(f"{rel}:{i}: {line.strip()}")
    assert not found, "Earth radius written outside geo.geodesy:\n" + "\n".join(found)


# mypy --strict runs on these (pyproject.toml); their public signatures must not take or
# return `Any`, except JSON documents (``dict[str, Any]`` results of describe/summary/...
# methods, written out as JSON) and what an untyped library hands over (shapely geometries).
STRICT_PACKAGES = (
    "core/",
    "geo/",
    "track/",
    "predict/reach",
    "predict/regions.py",
)
JSON_RESULTS = {
    "describe",
    "summary",
    "as_dict",
    "as_json",
    "to_features",
    "tracking_summary",
    "repeat_summary",
    "tracks_feature_collection",
    "histogram_map",
    "ellipse",
}
ANY_ALLOWED = {
    "geo/__init__.py:__getattr__",  # PEP 562 lazy attributes
    "predict/regions.py:ellipse_polygon",  # takes an `ellipse` result (a JSON document)
    "predict/reach_result.py:ReachableSet.polygon_at",  # a shapely geometry (untyped library)
}


def test_no_any_in_public_signatures_of_strict_packages() -> None:
    found = []
    for f in sorted(PKG.rglob("*.py")):
        rel = f.relative_to(PKG).as_posix()
        if not rel.startswith(STRICT_PACKAGES):
            continue
        tree = ast.parse(f.read_text(encoding="utf-8"))
        todo: list[tuple[list[ast.stmt], str]] = [(tree.body, "")]
        while todo:
            body, prefix = todo.pop()
            for node in body:
                if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                    todo.append((node.body, f"{prefix}{node.name}."))
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if node.name.startswith("_") and not node.name.startswith("__"):
                    continue
                a = node.args
                params = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
                anns = [p.annotation for p in params if p is not None and p.annotation]
                ret_any = node.returns is not None and "Any" in ast.unparse(node.returns)
                par_any = any(re.search(r"\bAny\b", ast.unparse(x)) for x in anns)
                name = f"{rel}:{prefix}{node.name}"
                if name in ANY_ALLOWED:
                    continue
                if par_any or (ret_any and node.name not in JSON_RESULTS):
                    found.append(f"{name} (line {node.lineno})")
    assert not found, "Any in public signatures:\n" + "\n".join(found)
