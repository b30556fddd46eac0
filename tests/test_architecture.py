"""The module map of docs/architecture.md holds: small modules, no import cycle, no private
helper imported across public modules."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lstm_forecast"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def _name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    """``(module, names)`` for every import of the package in ``path``, lazy ones too."""
    package = _name(path) if path.name == "__init__.py" else _name(path).rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] == "lstm_forecast":
                yield module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "lstm_forecast":
                    yield alias.name, []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_600_lines(path):
    assert len(path.read_text().splitlines()) <= 600


def test_no_import_cycle():
    graph = {_name(p): set() for p in MODULES}
    for path in MODULES:
        for module, names in _imports(path):
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in graph] or [module]
            graph[_name(path)].update(t for t in targets if t in graph and t != "lstm_forecast")
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                raise AssertionError(f"import cycle: {' -> '.join([*trail, node, nxt])}")
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [])


def _is_public(module):
    return not any(part.startswith("_") for part in module.split(".")[1:])


def test_no_private_helper_is_imported_from_a_public_module():
    offences = []
    for path in MODULES:
        for module, names in _imports(path):
            if _is_public(module) and module != "lstm_forecast":
                offences += [f"{_name(path)} imports {module}.{n}" for n in names
                             if n.startswith("_") and not n.startswith("__")]
    assert not offences, offences
