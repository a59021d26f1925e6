"""Rules the linters cannot express: only the edges commit, libs export what they say."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from tests.support import ROOT

SERVICE_SOURCES = sorted((ROOT / "services").glob("*/src/**/*.py")) + sorted(
    (ROOT / "deploy/embedded/src").glob("**/*.py")
)


def commits_in(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
    ]


def test_services_never_commit_themselves():
    offenders = {str(p.relative_to(ROOT)): lines for p in SERVICE_SOURCES if (lines := commits_in(p))}
    assert offenders == {}, (
        "services flush; only kit_db/kit_bus edges (request scope, consumer, relay) commit"
    )


@pytest.mark.parametrize("name", ["kit_contracts", "kit_core", "kit_db", "kit_bus"])
def test_each_lib_exports_exactly_its_public_names(name):
    module = importlib.import_module(name)
    public = {n for n in vars(module) if not n.startswith("_")}
    submodules = {n for n in public if getattr(module, n).__class__.__name__ == "module"}
    exported = set(module.__all__)
    assert exported <= public, f"{name}.__all__ names what it does not define"
    assert public - submodules - exported == set(), f"{name} defines public names missing from __all__"
