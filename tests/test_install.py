"""The package as a user installs it: build the wheel, install it into a fresh venv, run the CLI.

`pip install .` once installed a CLI that crashed because `generator.checks` was not in the
wheel. This test builds the wheel from the working tree, installs it (without dependencies)
into a brand-new venv, and runs `budget-generator --version` and `check` from that venv, in a
directory without the source tree, so the repository's own `generator/` cannot stand in for
a missing module. The dependencies (pandas, jieba, ...) are borrowed from the test venv by a
plain path entry, which does not process that venv's editable-install hook.
`.ci/run` additionally installs the wheel with its pinned dependencies from the registry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import REPO, Workspace
from generator import __version__


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("install")
    # Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
    source = tmp / "source"
    shutil.copytree(REPO / "generator", source / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    wheels = tmp / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "--wheel-dir", str(wheels), str(source)], capture_output=True, text=True, cwd=tmp)
    assert built.returncode == 0, built.stderr
    # setuptools still copies a forgotten subpackage as "data" but warns; the warning is the defect.
    assert "absent from the `packages` configuration" not in built.stdout + built.stderr
    (wheel,) = wheels.glob("budget_disclosure_generator-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    fresh_python = venv / "bin" / "python"
    purelib = subprocess.run([fresh_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # pip from the test venv installs into the fresh one; no index, no dependencies.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(fresh_python), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)
    Path(purelib, "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def _run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(venv / "bin" / "budget-generator"), *args], capture_output=True, text=True,
                          cwd=cwd, env=env)



def test_installed_cli_reports_its_version(installed, tmp_path):
    result = _run(installed, "--version", cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, f"budget-generator {__version__}")


def test_installed_cli_checks_the_shipped_data(installed, tmp_path):
    workspace = Workspace(tmp_path / "repo")
    result = _run(installed, "check", "--root", str(workspace.root), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "错误" in result.stdout or "警告" in result.stdout  # the summary line
    located = subprocess.run([str(installed / "bin" / "python"), "-c",
                              "import generator.checks, generator.cli; print(generator.checks.__file__)"],
                             capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert Path(located).is_relative_to(installed), located


def test_installed_wheel_lists_every_source_module(installed):
    record = next(installed.rglob("budget_disclosure_generator-*.dist-info/RECORD")).read_text()
    installed_modules = {line.split(",")[0] for line in record.splitlines() if line.endswith(".py") or ".py," in line}
    sources = {p.relative_to(REPO).as_posix() for p in (REPO / "generator").rglob("*.py")}
    assert sources <= installed_modules, sources - installed_modules


def test_help_headings_are_chinese():
    from conftest import run_cli

    for args in (["--help"], ["check", "--help"], ["build", "--help"]):
        result = run_cli(*args)
        assert result.code == 0
        for english in ("usage:", "options:", "positional arguments", "show this help message"):
            assert english not in result.stdout, (args, english)
        assert result.stdout.startswith("用法：") and "显示本帮助并退出" in result.stdout
