"""The architecture's rules, checked: imports run one way (the import-linter contracts in
pyproject.toml), every package is in a layer, hooks between domains are the signals of
platform/signals.py (each answered once the app exists), and no module keeps a registry
that another package fills."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from blinker import NamedSignal

from trainingapp.platform import signals

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "trainingapp"
LINT_IMPORTS = ("import sys; from importlinter.cli import lint_imports_command; "
                "sys.exit(lint_imports_command())")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    # No cache: a test must not write into the work tree, and xdist workers would share it.
    return subprocess.run([sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo"], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _layer_names(contract: dict) -> set[str]:
    return {name.strip() for layer in contract["layers"] for name in layer.replace(":", "|").split("|")}


def test_the_import_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The guard really bites: a function-local import of web from platform fails the lint."""
    shutil.copytree(PACKAGE, tmp_path / "trainingapp", ignore=shutil.ignore_patterns("__pycache__", "static",
                                                                                     "translations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / "trainingapp" / "platform" / "clock.py").open("a") as module:
        module.write("\n\ndef _reach_up():\n    from ..web import pages  # noqa: F401\n")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1
    assert "trainingapp.platform.clock -> trainingapp.web.pages" in result.stdout


def test_every_package_is_in_a_layer():
    """A new package (or a module beside training's sub-packages) cannot slip past the layers."""
    top, training = _contracts()
    packages = {f"trainingapp.{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert _layer_names(top) == packages
    inside = {p.stem for p in (PACKAGE / "training").iterdir()
              if (p / "__init__.py").exists() or (p.suffix == ".py" and p.stem != "__init__")}
    assert training["containers"] == ["trainingapp.training"]
    assert _layer_names(training) == inside


def test_every_signal_is_answered_once_the_app_exists(app):
    """Receivers connect when their module is imported: create_app imports every package, so a
    signal nobody answers means a receiver module nothing imports."""
    declared = {name: value for name, value in vars(signals).items() if isinstance(value, NamedSignal)}
    assert {"question_locks", "question_usage", "exam_prerequisites", "exam_course_choices",
            "keep_signed_in"} <= set(declared)
    assert [name for name, signal in declared.items() if not signal.receivers] == []


# --- no home-made registries ------------------------------------------------------------------

MUTATORS = {"append", "add", "extend", "update", "insert", "setdefault"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _area(module: str) -> str:
    """The package a module belongs to for this rule: trainingapp.<package>, and training's
    sub-packages each on their own."""
    parts = module.split(".")
    return ".".join(parts[:3] if parts[1:2] == ["training"] and len(parts) > 3 else parts[:2])


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[:len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _mutable(value: ast.expr | None) -> bool:
    return isinstance(value, (ast.List, ast.Set, ast.Dict)) or (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
        and value.func.id in {"list", "set", "dict", "defaultdict"})


def _collections(tree: ast.Module) -> set[str]:
    """Names of the module-level lists, sets and dicts."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and _mutable(node.value):
            found.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and _mutable(node.value):
            found.add(node.target.id)
    return found


def _mutated(node: ast.AST) -> ast.expr | None:
    """The expression a statement or call changes in place (x.append(...), x[k] = ..., x |= ...)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
        return node.func.value
    if isinstance(node, ast.Assign):
        return next((t.value for t in node.targets if isinstance(t, ast.Subscript)), None)
    if isinstance(node, ast.AugAssign):
        return node.target.value if isinstance(node.target, ast.Subscript) else node.target
    return None


def _registries_filled_elsewhere(sources: dict[str, tuple[str, bool]]) -> set[tuple[str, str, str]]:
    """(owner module, collection, who fills it) for every module-level collection another area
    changes, or that a register*() function of its own module fills. sources: module name ->
    (source text, is a package's __init__)."""
    modules = {name: (ast.parse(text), is_package) for name, (text, is_package) in sources.items()}
    owned = {(module, name) for module, (tree, _pkg) in modules.items() for name in _collections(tree)}
    found = set()
    for module, (tree, is_package) in modules.items():
        names, aliases = {}, {}  # local name -> (owner module, collection) / local name -> module
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _resolve(module, is_package, node)
                for alias in node.names:
                    local = alias.asname or alias.name
                    if (source, alias.name) in owned:
                        names[local] = (source, alias.name)
                    elif f"{source}.{alias.name}" in modules:
                        aliases[local] = f"{source}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules and alias.asname:
                        aliases[alias.asname] = alias.name
        for node in ast.walk(tree):
            target = _mutated(node)
            owner = None
            if isinstance(target, ast.Name):
                owner = names.get(target.id)
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                    and target.value.id in aliases and (aliases[target.value.id], target.attr) in owned:
                owner = (aliases[target.value.id], target.attr)
            if owner and _area(owner[0]) != _area(module):
                found.add((*owner, module))
        # The other shape of the same thing: a register*() function that fills a collection of
        # its own module for other packages to call.
        mine = _collections(tree)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("register"):
                for inner in ast.walk(node):
                    target = _mutated(inner)
                    if isinstance(target, ast.Name) and target.id in mine:
                        found.add((module, target.id, f"{module}.{node.name}()"))
    return found


def test_no_module_keeps_a_registry_other_packages_fill():
    """Hooks between domains are signals (platform/signals.py), not lists that other packages
    append to at start-up."""
    sources = {_module_name(path): (path.read_text(), path.name == "__init__.py") for path in PACKAGE.rglob("*.py")}
    found = {entry for entry in _registries_filled_elsewhere(sources)}
    assert found == set(), "use a signal declared in trainingapp/platform/signals.py instead"


def test_the_registry_check_finds_the_old_shapes():
    """Not vacuous: the shapes the signals replaced (a list exams appended to from create_app or
    at import, a register() function) are found; a cache a module fills for itself is not."""
    sources = {
        "trainingapp.accounts": ("", True),
        "trainingapp.accounts.views": ("KEEP_SIGNED_IN: list = []\nSEEN = set()\n", False),
        "trainingapp.accounts.hashing": ("_cache = {}\n\ndef hashed(x):\n    _cache[x] = x\n", False),
        "trainingapp.exams.prerequisites": (
            "_checkers: list = []\n\ndef register(checker):\n    if checker not in _checkers:\n"
            "        _checkers.append(checker)\n", False),
        "trainingapp.exams.taking": ("from ..accounts.views import KEEP_SIGNED_IN\n"
                                     "KEEP_SIGNED_IN.append(print)\n", False),
        "trainingapp.exams.api_views": ("from ..accounts import views as account_views\n"
                                        "account_views.SEEN.add('exams.api.save_answer')\n", False),
        "trainingapp.accounts.people_views": ("from .views import SEEN\nSEEN.add('accounts.people')\n", False),
    }
    assert _registries_filled_elsewhere(sources) == {
        ("trainingapp.accounts.views", "KEEP_SIGNED_IN", "trainingapp.exams.taking"),
        ("trainingapp.accounts.views", "SEEN", "trainingapp.exams.api_views"),
        ("trainingapp.exams.prerequisites", "_checkers", "trainingapp.exams.prerequisites.register()"),
    }
