"""Build the book in the smoke profile and open every page in a real headless browser."""
import os
import shutil
from pathlib import Path

import pytest

from browser_check import CHROMIUM, check_book
from hlcore import pipeline

pytestmark = pytest.mark.slow

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"Chromium is missing at {CHROMIUM}: .ci/run must install it")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


def build_with_cache(cache: Path, out: Path) -> Path:
    """Build the smoke book with its own result cache, restoring $HL_CACHE afterwards."""
    old = os.environ.get("HL_CACHE")
    os.environ["HL_CACHE"] = str(cache)
    try:
        return pipeline.build_book("smoke", path_output=out, log=lambda *a, **k: None)
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
