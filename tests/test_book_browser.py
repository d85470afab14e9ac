"""Build the book in the smoke profile and open every page in a real headless browser."""
import os
import shutil
from pathlib import Path

import pytest

from browser_check import CHROMIUM, check_book
from hlcore import pages as page_registry
from hlcore import pipeline

pytestmark = pytest.mark.slow

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"Chromium is missing at {CHROMIUM}: .ci/run must install it")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


def build_with_cache(cache: Path, out: Path, log=None) -> Path:
    """Build the smoke book with its own result cache, restoring $HL_CACHE afterwards."""
    old = os.environ.get("HL_CACHE")
    os.environ["HL_CACHE"] = str(cache)
    try:
        return pipeline.build_book("smoke", path_output=out, log=log or (lambda *a, **k: None))
    finally:
        if old is None:
            os.environ.pop("HL_CACHE")
        else:
            os.environ["HL_CACHE"] = old


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("book")
    return build_with_cache(tmp / "cache", tmp)


def test_every_page_loads_cleanly_in_chromium(book):
    report = check_book(book)
    assert report["problems"] == []
    assert report["pages"] >= 6
    assert report["search_results"] > 0
    # every page's data, figures and run.json are downloads that resolve
    pages = {rel for rel, _ in report["downloads"]}
    assert {f"notebooks/{n}.html" for n in page_registry.PAGES} <= pages
    files = {href.rsplit("/", 1)[-1] for _, href in report["downloads"]}
    assert {"run.json", "separation.csv", "separation.svg"} <= files


def test_the_check_catches_a_missing_download(book, tmp_path):
    broken = tmp_path / "html"
    shutil.copytree(book, broken)
    for f in (broken / "_downloads").rglob("run.json"):
        f.unlink()
    report = check_book(broken)
    assert any("broken internal link" in p and "run.json" in p for p in report["problems"])


def test_the_check_catches_what_a_reader_trips_over(book, tmp_path):
    """Each reader check fails on a page broken on purpose: a Python repr, a wall of edge
    lists, text under 9 px."""
    broken = tmp_path / "html"
    shutil.copytree(book, broken)
    page = broken / "notebooks" / "separation.html"
    html = page.read_text()
    wall = " ".join(["3resnet: lr 0.5 at the top of its grid (N=1000, m=200, seed=1);"] * 60)
    inject = (f"<p>Verdict(claim='separation', statement='x')</p><p>{wall}</p>"
              "<p style='font-size:6px'>tiny print</p>")
    page.write_text(html.replace("<main", "<main", 1).replace("</main>", inject + "</main>", 1))
    report = check_book(broken)
    found = [p for p in report["problems"] if p.startswith("notebooks/separation.html")]
    assert any("Python repr" in p for p in found), found
    assert any("over 12 lines" in p for p in found), found
    assert any("under 9 px" in p and "tiny print" in p for p in found), found


def test_an_edited_markdown_cell_shows_in_the_rebuilt_book(book, tmp_path, monkeypatch):
    """Edit prose in a copy of a notebook (and give its cells new ids) and rebuild from the
    cached runs: the page shows the edit and the outputs, and nothing is re-run (the run key
    does not cover prose or ids)."""
    import nbformat

    copy = tmp_path / "notebooks"
    shutil.copytree(pipeline.NOTEBOOK_DIR, copy)
    nb = nbformat.read(copy / "width.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown")
    cell.source += "\n\nSENTINEL-PROSE-EDIT"
    for i, c in enumerate(nb.cells):  # cells re-created in Jupyter get new ids
        c.id = f"recreated-{i}"
    nbformat.write(nb, copy / "width.ipynb")
    monkeypatch.setattr(pipeline, "NOTEBOOK_DIR", copy)
    log = []
    html = build_with_cache(book.parent.parent / "cache", tmp_path,
                            log=lambda *a, **k: log.append(a))
    page = (html / "notebooks" / "width.html").read_text()
    assert "SENTINEL-PROSE-EDIT" in page and "<img" in page
    assert not any("done in" in str(a) for a in log)  # every page came from the cache


def test_the_check_catches_raw_tex(book, tmp_path):
    broken = tmp_path / "html"
    shutil.copytree(book, broken)
    shutil.rmtree(broken / "_static" / "mathjax")  # as if MathJax came from a CDN, offline
    report = check_book(broken)
    assert any("raw TeX" in p for p in report["problems"])


def test_the_check_catches_a_broken_image(book, tmp_path):
    broken = tmp_path / "html"
    shutil.copytree(book, broken)
    images = sorted((broken / "_images").glob("*.png"))
    assert images, "the smoke book should contain figures"
    images[0].write_bytes(b"not a png")
    report = check_book(broken)
    assert any("image did not load" in p for p in report["problems"])


def test_report_numbers_come_from_the_runs(book, tmp_path):
    """Change one stored result (the verdict a cached run saved) and rebuild: the report page
    must show the new value."""
    import json

    runs = sorted((book.parent.parent / "cache" / "runs").glob("separation-*"))
    assert runs, "the smoke build should have cached the separation run"
    path = runs[-1] / "verdict.json"
    verdict = json.loads(path.read_text())
    verdict["summary"] = "SENTINEL-VERDICT"
    path.write_text(json.dumps(verdict))
    html = build_with_cache(book.parent.parent / "cache", tmp_path)
    assert "SENTINEL-VERDICT" in (html / "book" / "report.html").read_text()
    assert "SENTINEL-VERDICT" not in (book / "book" / "report.html").read_text()


def test_the_reader_checks_catch_what_a_reader_would_trip_over(book, tmp_path):
    broken = tmp_path / "html"
    shutil.copytree(book, broken)
    page = broken / "notebooks" / "width.html"
    bad = ("<table><thead><tr><th></th><th>x</th></tr></thead><tbody>"
           "<tr><th>0</th><td>at N = 5000, e...</td></tr>"
           "<tr><th>1</th><td>/root/build/hlcore/x.py</td></tr></tbody></table>")
    text = page.read_text().replace("The answer", "An answer").replace("</main>", bad + "</main>")
    sep = broken / "notebooks" / "separation.html"  # glued text in bold, as MyST-NB sets it
    sep.write_text(sep.read_text().replace(
        "</head>", "<style>span.pasted-text { font-weight: bold !important; }</style></head>"))
    page.write_text(text)
    report = broken / "book" / "report.html"
    html = report.read_text()
    start = html.index("<tbody>")  # the scorecard: drop its first row
    end = html.index("</tr>", start) + len("</tr>")
    report.write_text(html[:start + len("<tbody>")] + html[end:])
    intro = broken / "book" / "intro.html"  # an unbreakable word widens the scorecard
    html = intro.read_text()
    cell = html.index("<td>", html.index("<tbody>"))
    intro.write_text(html[:cell] + "<td>" + "x" * 400 + html[cell + len("<td>"):])
    problems = check_book(broken)["problems"]
    for expected in ("the answer box does not come before the parameters",
                     "table cell cut: 'at N = 5000, e...'",
                     "1 table(s) with a bare 0..n index column",
                     "a path of the build machine shows: /root/build/hlcore/x.py"):
        assert f"notebooks/width.html: {expected}" in problems, problems
    assert any(p.startswith("book/report.html: the report's first table has") for p in problems)
    assert any(p.startswith("notebooks/separation.html: the answer box is") for p in problems)
    assert any(p.startswith("book/intro.html: the scorecard is") for p in problems), problems
