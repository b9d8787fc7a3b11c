"""The two-command set-up and the packaging files stay consistent."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_required_top_level_layout():
    for name in ("notebooks", "kamlib", "params", "reports", "tests", "environment.yml", "README.md",
                 "pyproject.toml", "Makefile", ".ci/run"):
        assert (ROOT / name).exists(), f"{name} missing from the repository root"


def test_environment_yml_has_no_second_dependency_list():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    conda_pkgs = [d for d in deps if isinstance(d, str)]
    pip_blocks = [d["pip"] for d in deps if isinstance(d, dict)]
    # conda provides only the interpreter and pip; every library comes from pyproject via `-e .[dev]`
    assert sorted(re.split(r"[=<>]", p)[0] for p in conda_pkgs) == ["pip", "python"]
    assert pip_blocks == [["-e .[dev]"]]


def test_every_declared_dependency_is_installed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["dev"]
    for req in reqs:
        name = re.split(r"[\[<>=~ ]", req, maxsplit=1)[0]
        assert metadata.version(name), name


def test_ci_runs_make_test_and_makefile_has_the_two_commands():
    assert "make test" in (ROOT / ".ci/run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("report:", "test:", "lab:"):
        assert re.search(rf"^{target}", makefile, re.M), target
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make report" in readme and "make test" in readme


@pytest.mark.parametrize("cmd", [[], ["demo"], ["validate"], ["run"]])
def test_cli_help_explains_each_command(cmd):
    out = subprocess.run([sys.executable, "-m", "kamlib", *cmd, "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "usage: kam" in out.stdout
    assert len(out.stdout.splitlines()) >= 4
