"""The course website (site/build.py): built offline, holding nothing of the solutions, every link
resolving, and rendering its math and figures in a real browser.

The site is built once, from a copy of the course in which every answer region and every hidden
test carries a unique marker (a comment, and in hidden tests also a printed line). Every file of the
built site is then searched for the markers, after the same search has found them in the executed
notebooks the site is made from (so the search can fail).
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat

from browser_util import CHROMIUM, CHROMIUM_ARGS, sync_playwright_or_skip
from conftest import ASSIGNMENTS, MIN_EXERCISES, NOTEBOOKS, ROOT, SOLUTIONS

MARK = "SITELEAK"


def plant_markers(nb, aid: str) -> list[str]:
    """Put a unique marker inside every answer region and hidden test; return the markers."""
    planted = []
    for k, cell in enumerate(nb.cells):
        lines = cell.source.splitlines()
        out = []
        for line in lines:
            out.append(line)
            stripped = line.strip()
            indent = line[: len(line) - len(line.lstrip())]
            if stripped == "### BEGIN SOLUTION":
                marker = f"{MARK}-{aid}-{k}-answer"
                out.append(f"{indent}# {marker}")
                planted.append(marker)
            elif stripped == "### BEGIN HIDDEN TESTS":
                marker = f"{MARK}-{aid}-{k}-hidden"
                out.append(f"{indent}# {marker}-code")
                out.append(f"{indent}print('{marker}-output')")
                planted += [f"{marker}-code", f"{marker}-output"]
        cell.source = "\n".join(out)
    return planted


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def local_targets(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(errors="replace"))
    out = []
    for link in parser.links:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or link.startswith(("#", "mailto:", "javascript:", "data:")):
            continue
        if parts.path:
            out.append(unquote(parts.path))
    return out


def build_marked_site(course: Path):
    planted = {}
    for aid in ASSIGNMENTS:
        (course / "solutions" / aid).mkdir(parents=True)
        nb = nbformat.read(str(SOLUTIONS / aid / f"{aid}.ipynb"), as_version=4)
        planted[aid] = plant_markers(nb, aid)
        nbformat.write(nb, str(course / "solutions" / aid / f"{aid}.ipynb"))
    shutil.copytree(NOTEBOOKS, course / "notebooks")
    out = course / "_build" / "html"
    proc = subprocess.run([sys.executable, str(ROOT / "site" / "build.py"), "--source", str(course / "solutions"),
                           "--release", str(course / "notebooks"), "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"site/build.py failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    return course, out, planted, proc.stdout


def test_site(tmp_path):
    """One build (executing every notebook costs a minute), then every check on it."""
    built = build_marked_site(tmp_path / "course")
    check_no_solution_and_no_hidden_test(built)
    check_pages_links_downloads_and_progress_bars(built)
    check_math_and_figures_render_in_chromium(built, tmp_path / "shots")


def check_no_solution_and_no_hidden_test(built):
    course, out, planted, _ = built
    for aid, markers in planted.items():
        answers = sum(m.endswith("-answer") for m in markers)
        hidden = sum(m.endswith("-hidden-code") for m in markers)
        assert answers >= MIN_EXERCISES and hidden >= MIN_EXERCISES, (
            f"{aid}: markers planted in {answers} answer regions and {hidden} hidden tests; expected >= {MIN_EXERCISES} each")
    # the positive control: the executed notebooks the pages are made from hold every marker
    executed = "".join(p.read_text() for p in (course / "_build" / "executed").glob("*.ipynb"))
    unseen = [m for ms in planted.values() for m in ms if m not in executed]
    assert not unseen, f"markers missing from the executed notebooks, so the search below proves nothing: {unseen[:5]}"
    leaks = []
    files = [p for p in out.rglob("*") if p.is_file()]
    for path in files:
        data = path.read_bytes()
        if MARK.encode() in data:
            found = sorted(set(re.findall(rf"{MARK}-[\w-]+".encode(), data)))[:5]
            leaks.append(f"{path.relative_to(out)}: {[f.decode() for f in found]}")
    assert not leaks, f"the built site holds solution or hidden-test text ({len(leaks)} files):\n" + "\n".join(leaks)
    assert len(files) > 50, f"the search covered only {len(files)} files: is the site complete?"


def check_pages_links_downloads_and_progress_bars(built):
    _, out, _, log = built
    assert (out / "index.html").is_file(), f"no index.html in {out}"
    problems = []
    pages = sorted(p for p in out.rglob("*.html") if "_static" not in p.relative_to(out).parts)  # theme templates
    for page in pages:
        for target in local_targets(page):
            resolved = (out / target.lstrip("/")) if target.startswith("/") else (page.parent / target)
            if resolved.is_dir():
                resolved = resolved / "index.html"
            if not resolved.exists():
                problems.append(f"{page.relative_to(out)} links to {target}, which does not exist")
    for aid in ASSIGNMENTS:
        page = out / "assignments" / f"{aid}.html"
        if not page.is_file():
            problems.append(f"no page for {aid}")
            continue
        text = page.read_text()
        images = [t for t in local_targets(page) if t.endswith((".png", ".svg", ".jpg"))]
        if not any("_images/" in t for t in images):
            problems.append(f"{aid}: the page shows no figure")
        downloads = [t for t in local_targets(page) if t.endswith(f"{aid}.ipynb")]
        if not downloads:
            problems.append(f"{aid}: the page has no download link for the student notebook")
        for t in downloads:
            got = (page.parent / t).read_bytes() if (page.parent / t).is_file() else b""
            if got != (NOTEBOOKS / aid / f"{aid}.ipynb").read_bytes():
                problems.append(f"{aid}: the download {t} is not the student notebook in notebooks/")
        for sign in ("HBox(", "widget-view+json", "FloatProgress", " 0%|"):
            if sign in text:
                problems.append(f"{aid}: an unfinished progress-bar widget ({sign!r}) is on the page")
        if "NotImplementedError" not in text:
            problems.append(f"{aid}: the answer cells should show the student's stub")
    index = (out / "index.html").read_text()
    for aid in ASSIGNMENTS:
        if f"assignments/{aid}.html" not in index:
            problems.append(f"the landing page does not link {aid}")
    assert not problems, f"{len(problems)} problems in the built site:\n" + "\n".join(problems[:30])
    assert "site built in" in log, log[-2000:]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(folder: Path):
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def check_math_and_figures_render_in_chromium(built, shots: Path):
    """Debian's chromium, driven by Playwright (no browser download), opens two pages over loopback."""
    sync_playwright = sync_playwright_or_skip()
    _, out, _, _ = built
    shots.mkdir(parents=True, exist_ok=True)
    server = _serve(out)
    port = server.server_address[1]
    external = []
    results = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.on("request", lambda req: external.append(req.url)
                    if not req.url.startswith((f"http://127.0.0.1:{port}/", "data:", "blob:", "about:")) else None)
            for name in ("index.html", "assignments/04_batchnorm_from_scratch.html"):
                page.goto(f"http://127.0.0.1:{port}/{name}", wait_until="load")
                page.wait_for_function("() => !window.MathJax || (MathJax.Hub && MathJax.Hub.queue.pending === 0 "
                                       "&& document.querySelectorAll('.MathJax_Processing').length === 0)",
                                       timeout=30000)
                page.wait_for_timeout(500)
                results[name] = page.evaluate("""() => ({
                    math: document.querySelectorAll('.MathJax, .MathJax_Display').length,
                    mathErrors: document.querySelectorAll('.MathJax_Error, merror').length,
                    rawTex: (document.body.innerText.match(/\\\\\\(|\\\\\\[/g) || []).length,
                    images: document.images.length,
                    broken: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
                })""")
                page.screenshot(path=str(shots / (name.replace("/", "_") + ".png")), full_page=False)
            browser.close()
    finally:
        server.shutdown()
    bn = results["assignments/04_batchnorm_from_scratch.html"]
    assert bn["math"] >= 50 and bn["mathErrors"] == 0 and bn["rawTex"] == 0, (
        f"MathJax did not typeset the BN page: {bn['math']} formulas, {bn['mathErrors']} errors, "
        f"{bn['rawTex']} unrendered \\( or \\[ left in the text")
    assert bn["images"] >= 3 and not bn["broken"], f"figures on the BN page: {bn['images']}, broken: {bn['broken']}"
    assert not results["index.html"]["broken"], results["index.html"]
    assert not external, f"the pages asked for files outside the site (offline use fails): {sorted(set(external))[:5]}"
    for shot in shots.glob("*.png"):
        assert shot.stat().st_size > 20_000, f"{shot.name} is {shot.stat().st_size} bytes: a blank page?"
