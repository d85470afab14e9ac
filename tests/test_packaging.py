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


def test_the_readmes_library_snippet_runs_as_written(tmp_path, monkeypatch):
    """The snippet under "Using the library" runs as it stands (its own sizes) and trains with
    the book's protocol, which it names."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = text[text.index("## Using the library"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.setenv("HL_CACHE", str(tmp_path))
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    table = namespace["table"]
    assert set(table["decay"]) == {"weight"} and len(namespace["best"]) == 2
    assert "stop_epoch" in table and len(namespace["paper_rule"]) == 2
