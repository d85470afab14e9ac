"""Adding a page touches no central file: a toy page, its module and notebook in a folder of
their own (found through $HL_PAGE_PATH), is listed, planned, run and built into the book."""
import subprocess
import sys
import textwrap

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from hlcore import pages, pipeline, profiles

TOY = '''
from pathlib import Path

from hlcore.pages import Page, register
from hlcore.profiles import NotebookSpec, Param

SPEC = NotebookSpec(
    name="toy", description="A toy page: the squares of the first n integers",
    params=(Param("n", "int", "number of points", min=1),),
    profiles={"smoke": {"n": 3}, "quick": {"n": 5}, "reference": {"n": 8}, "paper": {"n": 8}})


def figure(T, P, title=""):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot(T["toy"]["x"], T["toy"]["y"])
    ax.set_title(title or "toy squares")
    return fig


def key(T, P):
    return f"{len(T['toy'])} points"


PAGE = register(Page(name="toy", spec=SPEC, computes=(), figure=figure, key=key,
                     tasks=lambda P: [], order=95,
                     notebook=Path(__file__).with_name("toy.ipynb")))
'''

CELL = '''
import pandas as pd
from hlcore import pages, plots, profiles

P = profiles.from_notebook("toy", globals())
T = {"toy": pd.DataFrame({"x": range(P["n"]), "y": [i * i for i in range(P["n"])]})}
plots.save_figure(pages.get("toy").figure(T, P), "toy", T["toy"], out_dir)
print("toy page with", pages.get("toy").key(T, P))
'''


@pytest.fixture
def toy(tmp_path, monkeypatch):
    folder = tmp_path / "mypages"
    folder.mkdir()
    (folder / "toy.py").write_text(textwrap.dedent(TOY))
    monkeypatch.setenv("HL_PAGE_PATH", str(folder))
    monkeypatch.setenv("HL_CACHE", str(tmp_path / "cache"))
    pages._discover()
    params = new_code_cell(profiles.parameters_source("toy"), metadata={"tags": ["parameters"]})
    nb = new_notebook(cells=[new_markdown_cell("# Toy page"), params,
                             new_code_cell(textwrap.dedent(CELL).strip())],
                      metadata={"kernelspec": {"name": "python3", "language": "python",
                                               "display_name": "Python 3"},
                                "language_info": {"name": "python"}})
    nbformat.write(nb, folder / "toy.ipynb")
    yield folder
    pages.PAGES.pop("toy", None)
    sys.modules.pop("hlcore_page_toy", None)


def test_a_toy_page_is_registered_listed_and_planned(toy, capsys):
    from hlcore.cli import main as hl

    assert "toy" in pages.PAGES and profiles.resolve("toy", "smoke")["n"] == 3
    assert "notebooks/toy" in pipeline.book_toc()
    assert hl(["list"]) == 0 and "toy: A toy page" in capsys.readouterr().out
    assert hl(["plan", "toy", "--profile", "smoke"]) == 0


@pytest.mark.slow
def test_a_toy_page_is_built_into_the_book_touching_no_central_file(toy, tmp_path):
    root = pipeline.REPO_ROOT
    before = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True,
                            text=True).stdout
    html = pipeline.build_book("smoke", only=["toy"], path_output=tmp_path / "book",
                               log=lambda *a, **k: None)
    page = (html / "notebooks" / "toy.html").read_text()
    assert "toy page with 3 points" in page and "toy.csv" in page
    after = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True,
                           text=True).stdout
    assert after == before
