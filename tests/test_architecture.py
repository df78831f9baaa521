"""The house rules that keep the libraries independent (ARCHITECTURE.md), checked statically."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBS = ("dynsys", "bayes", "slt", "puzzles")
SHARED = "pdcheck"  # the one validation module the four libraries share
ALLOWED = {"dynsys": {SHARED}, "puzzles": {SHARED}, "bayes": {SHARED}, "slt": {"bayes", SHARED}}
FIRST_PARTY = set(LIBS) | {"pathdep", SHARED}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("lib", LIBS)
def test_library_imports_only_allowed_first_party(lib):
    bad = {}
    for path in (ROOT / lib).rglob("*.py"):
        wrong = (_imports(path) & FIRST_PARTY) - {lib} - ALLOWED[lib]
        if wrong:
            bad[str(path.relative_to(ROOT))] = sorted(wrong)
    assert not bad, f"forbidden imports between libraries: {bad}"


def test_shared_validation_module_imports_nothing_first_party():
    for path in (ROOT / SHARED).rglob("*.py"):
        assert not (_imports(path) & FIRST_PARTY - {SHARED}), path


def test_no_private_copies_of_the_shared_checks():
    copies = [str(p.relative_to(ROOT)) for lib in LIBS for p in (ROOT / lib).rglob("_checks.py")]
    assert not copies, f"use the shared module {SHARED} instead of copies: {copies}"


@pytest.mark.parametrize("lib", LIBS + ("pathdep", SHARED))
def test_package_is_typed_and_exports_all(lib):
    assert (ROOT / lib / "py.typed").exists()
    init = (ROOT / lib / "__init__.py").read_text(encoding="utf-8")
    assert "__all__" in init


def test_readme_starts_with_two_setup_commands_and_ci_uses_the_test_one():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1).strip().splitlines()
    assert len(block) == 2
    assert block[0].endswith("pathdep verify") and "python -m pytest" in block[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in ci and "torch==2.13.0" in ci and "README.md" in ci
