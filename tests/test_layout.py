"""The product package (ingest/, retrieval/, app.py) imports nothing from the workshop."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKSHOP = {"tools", "tests", "scripts", "langchain_text_splitters", "pytest", "playwright"}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def test_product_imports_nothing_from_the_workshop() -> None:
    files = [*ROOT.joinpath("ingest").rglob("*.py"), *ROOT.joinpath("retrieval").rglob("*.py"),
             ROOT / "app.py"]
    assert len(files) > 20
    offenders = {str(p.relative_to(ROOT)): sorted(_imported_roots(p) & WORKSHOP)
                 for p in files if _imported_roots(p) & WORKSHOP}
    assert not offenders, offenders


def test_the_workshop_is_not_installed_with_the_product() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = config["tool"]["setuptools"]["packages"]
    assert "tools" not in packages and not any(p.startswith("tools.") for p in packages)
    runtime = " ".join(config["project"]["dependencies"])
    assert "langchain-text-splitters" not in runtime
