"""environment.yml (conda users) and pyproject.toml (pip users) must name the same packages."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def names(specs):
    return {re.split(r"[<>=\[ ;]", s.strip(), maxsplit=1)[0].lower() for s in specs}


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    py = names(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        py |= names(extra)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda = [s for s in env if isinstance(s, str)]
    pip = [s for s in env if isinstance(s, dict)][0]["pip"]
    listed = names(conda + [s for s in pip if not s.startswith("-")]) - {"python", "pip"}
    assert listed == py, (sorted(listed - py), sorted(py - listed))


def test_environment_yml_takes_a_cpu_torch_build():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pip = [s for s in env if isinstance(s, dict)][0]["pip"]
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in pip
