"""Open every page of a built book in headless Chromium and report what a reader would trip
over: console errors, images that did not decode, raw TeX, internal links (downloads included)
to nowhere."""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse, unquote

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
# The book theme logs this once on a fresh browser profile; it is harmless.
ALLOWED_CONSOLE = ("Got invalid theme mode",)


class Server:
    """A static file server on localhost for `root`, on a free port."""

    def __init__(self, root: Path):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the browser closing a connection early (a download it does not need) is normal


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# What a reader must see first, and must never see (issue 21).
_READER_JS = r"""() => {
  const main = document.querySelector('main') || document.body;
  const all = Array.from(main.querySelectorAll('*'));
  const at = el => el ? all.indexOf(el) : -1;
  const answer = Array.from(main.querySelectorAll('.admonition'))
      .find(a => a.textContent.includes('The answer'));
  const figure = main.querySelector('img');
  const params = Array.from(main.querySelectorAll('p, strong'))
      .find(e => e.textContent.trim().startsWith('Parameters of this run'));  // folded too
  const cut = Array.from(main.querySelectorAll('td, th'))
      .map(c => c.innerText.trim()).filter(t => /(\.\.\.|\u2026)$/.test(t)).slice(0, 3);
  const bare = Array.from(main.querySelectorAll('table')).filter(t => {
      const rows = Array.from(t.querySelectorAll('tbody tr'));
      const head = t.querySelector('thead tr th, thead tr td');
      if (head && head.innerText.trim() !== '') return false;  // a named column, e.g. seed
      return rows.length > 1 && rows.every((r, i) => {
          const c = r.querySelector('th, td'); return c && c.innerText.trim() === String(i); });
  }).length;
  const paths = (main.innerText.match(/\/(root|tmp|home|work|usr|opt|private|Users)\/[\w.\-\/]+/g)
      || []).slice(0, 3);
  let bold = 0, text = 0;  // the answer box's text set in bold, by the browser's own style
  if (answer) {
    const walk = document.createTreeWalker(answer, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (n.parentElement.closest('.admonition-title')) continue;
      const len = n.textContent.trim().length;
      text += len;
      if (parseInt(getComputedStyle(n.parentElement).fontWeight) >= 600) bold += len;
    }
  }
  // a Python repr printed where a table or sentence belongs
  const reprs = (main.innerText.match(
      /\b(Verdict|Budget|Clause|ReferenceRun|Page)\(\w+=|\[\d+ rows x \d+ columns\]/g) || [])
      .slice(0, 3);
  // a wall of text: a paragraph or list item over 12 lines
  const walls = Array.from(main.querySelectorAll('p, li')).filter(p => {
      if (!p.offsetParent || p.closest('details:not([open])')) return false;  // folded away
      const lh = parseFloat(getComputedStyle(p).lineHeight) || 1.5 * parseFloat(getComputedStyle(p).fontSize);
      return p.getBoundingClientRect().height / lh > 12.5 && !p.querySelector('li');
  }).map(p => p.innerText.slice(0, 60)).slice(0, 3);
  // text too small to read
  const tiny = [];
  const tw = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n = tw.nextNode(); n && tiny.length < 3; n = tw.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || !el.offsetParent || el.closest('details:not([open])'))
      continue;
    if (el.closest('.MathJax, mjx-container, .katex')) continue;  // formulas scale their own glyphs
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 9) tiny.push(`${size}px: ${n.textContent.trim().slice(0, 30)}`);
  }
  const first = main.querySelector('table');
  const firstRows = first ? first.querySelectorAll('tbody tr').length : 0;
  const firstWide = first ? first.scrollWidth - first.parentElement.clientWidth : 0;
  return {answer: at(answer), figure: at(figure), params: at(params), cut, bare, paths,
          reprs, walls, tiny,
          firstRows, firstWide, boldShare: text ? bold / text : 0};
}"""


def reader_problems(page, rel: str, claims: int | None = None) -> list[str]:
    """On a figure page the answer and the first figure come before the parameters, and the
    answer is not set all in bold; no table
    cell is cut with '...', no table has a bare 0..n index column, no text shows a path of
    the machine that built the book, a Python repr, a paragraph over 12 lines or text under
    9 px (at the check's 1280 px window); the report's first table has a row per claim, and the
    scorecard (the first table of the report and the introduction) fits the page's width."""
    r = page.evaluate(_READER_JS)
    out = []
    if rel.startswith("notebooks/") and "placeholder" not in rel and r["params"] >= 0:
        if r["answer"] < 0 or r["answer"] > r["params"]:
            out.append("the answer box does not come before the parameters")
        if r["figure"] < 0 or r["figure"] > r["params"]:
            out.append("the first figure does not come before the parameters")
        if r["boldShare"] > 0.6:  # a box all in bold stresses nothing
            out.append(f"the answer box is {r['boldShare']:.0%} bold")
    out += [f"table cell cut: {c!r}" for c in r["cut"]]
    if r["bare"]:
        out.append(f"{r['bare']} table(s) with a bare 0..n index column")
    out += [f"a path of the build machine shows: {p}" for p in r["paths"]]
    out += [f"a Python repr shows: {p!r}" for p in r["reprs"]]
    out += [f"a paragraph over 12 lines: {p!r}" for p in r["walls"]]
    out += [f"text under 9 px: {p}" for p in r["tiny"]]
    if rel in ("book/report.html", "book/intro.html") and r["firstWide"] > 2:
        out.append(f"the scorecard is {r['firstWide']}px wider than the page: its last "
                   f"column is cut")
    if rel == "book/report.html":
        from hlcore.pages import claim_figures

        CLAIM_FIGURES = claim_figures()

        if r["firstRows"] != len(CLAIM_FIGURES):
            out.append(f"the report's first table has {r['firstRows']} rows, not one per claim "
                       f"({len(CLAIM_FIGURES)})")
    return out


def check_book(html_root: Path, search_term: str = "ResNet") -> dict:
    """Visit every page; return {'pages': n, 'problems': [...], 'search_results': n}."""
    from playwright.sync_api import sync_playwright

    html_root = Path(html_root)
    pages = sorted(p.relative_to(html_root).as_posix() for p in html_root.rglob("*.html")
                   if "_static" not in p.parts and "_sources" not in p.parts)
    problems, links, downloads = [], set(), set()
    with Server(html_root) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})  # the width checked
        external: set[str] = set()

        def offline(route):
            # No network: answer requests for other hosts with an empty body, so that the
            # check is about this book as a reader without a network sees it.
            if route.request.url.startswith(server.url):
                route.continue_()
            else:
                external.add(route.request.url)
                route.fulfill(status=200, body="", content_type="text/plain")

        page.route("**/*", offline)
        page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 else None)
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console.append(f"page error: {e}"))
        for rel in pages:
            console.clear()
            resp = page.goto(server.url + rel, wait_until="load")
            if resp is None or resp.status != 200:
                problems.append(f"{rel}: HTTP {resp.status if resp else 'no response'}")
                continue
            page.wait_for_load_state("networkidle")
            for msg in console:
                if not any(a in msg for a in ALLOWED_CONSOLE):
                    problems.append(f"{rel}: console error: {msg}")
            broken = page.evaluate("""() => Array.from(document.images)
                .filter(img => !(img.complete && img.naturalWidth > 0))
                .map(img => img.getAttribute('src'))""")
            problems += [f"{rel}: image did not load: {src}" for src in broken]
            # MathJax is served with the book: with the network blocked, no formula may be
            # left as raw TeX
            text = page.evaluate("() => (document.querySelector('main') || document.body)"
                                 ".innerText")
            raw = [t for t in ("\\(", "\\[", "$$") if t in text]
            if raw:
                problems.append(f"{rel}: raw TeX left on the page ({', '.join(raw)})")
            problems += [f"{rel}: {p}" for p in reader_problems(page, rel)]
            for href in page.evaluate("() => Array.from(document.querySelectorAll('a[href]'))"
                                      ".map(a => a.href)"):
                if href.startswith(server.url):
                    links.add((rel, href.split("#")[0]))
            downloads |= {(rel, h) for h in page.evaluate(
                "() => Array.from(document.querySelectorAll('a.download')).map(a => a.href)")}
        for rel, href in sorted(links):
            target = html_root / unquote(urlparse(href).path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{rel}: broken internal link {href[len(server.url):]}")
        page.goto(urljoin(server.url, f"search.html?q={search_term}"), wait_until="load")
        page.wait_for_selector("#search-results ul.search li", timeout=20000)
        hits = page.locator("#search-results ul.search li").count()
        browser.close()
    return {"pages": len(pages), "problems": problems, "search_results": hits,
            "external": sorted(external), "downloads": sorted(downloads)}
