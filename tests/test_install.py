"""A plain (non-editable) install answers a question: the annex and the prompts travel as
package data.

The fresh venv reuses the project venv's already installed dependencies (torch, the
packaged model …) through a .pth line, so nothing is downloaded or rebuilt; only this
project is installed into it, from a copy of the source tree, and run from elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from ingest.settings import PROJECT_ROOT

_SKIP = shutil.ignore_patterns(".venv", ".git", "index", "var", "__pycache__", "*.egg-info",
                               ".pytest_cache", ".ruff_cache", "build", "test-output")


# About half a minute for the build on an idle 2-core machine; the bound is for a busy one.
def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 900
         ) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_plain_install_in_a_fresh_venv_answers(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(PROJECT_ROOT, source, ignore=_SKIP)
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NAMNDSVAR_", "PYTHON", "VIRTUAL_ENV"))}
    # No pip of its own: the project venv's pip and setuptools (through the .pth) install.
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                      "['purelib'])"], tmp_path, env).stdout.strip())
    # The project venv's packages, after the fresh venv's own (a .pth line adds a path but
    # runs none of its .pth files: the project's editable-install hook stays out).
    (site / "project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
          "--no-build-isolation", str(source)], tmp_path, env)
    shutil.rmtree(source)  # the install must not lean on the source tree

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env |= {"NAMNDSVAR_INDEX_DIR": str(tmp_path / "index"),
            "NAMNDSVAR_LOG_PATH": str(tmp_path / "log" / "namndsvar.log"),
            "NAMNDSVAR_FEEDBACK_PATH": str(tmp_path / "feedback.jsonl")}
    where = _run([str(python), "-c", "import ingest, retrieval.prompts as p; "
                  "from ingest.settings import DEFAULT_ANNEX; "
                  "print(ingest.__file__); print(DEFAULT_ANNEX.is_file()); "
                  "p.check_prompts(); print('prompts ok')"], elsewhere, env).stdout.split()
    assert where[0].startswith(str(site)), where
    assert where[1:] == ["True", "prompts", "ok"], where
    _run([str(python), "-m", "ingest", "build"], elsewhere, env)
    out = _run([str(python), "-m", "retrieval", "ask",
                "Vad tycker arbetsmarknadsnämnden om en praktikbank?"], elsewhere, env).stdout
    assert "Arbetsmarknadsförvaltningen" in out and "tveksam" in out, out
    assert (tmp_path / "log" / "namndsvar.log").is_file()
