"""Build the course website: ``python site/build.py`` (or ``make site``).

The pages show each assignment as it looks when it works, without the code that makes it work:

1. every solution notebook is executed in a fresh kernel (in parallel, one per core), so the
   figures and printed results a student will see are there;
2. nbgrader's own preprocessors then clear every solution region (``ClearSolutions``, the same
   stub the student version has) and every hidden test (``ClearHiddenTests``);
3. outputs of answer and test cells are dropped (an answer that printed, a test that reported),
   and so are progress-bar widgets, which have no kernel to draw them on a static page;
4. Sphinx with MyST-NB renders the result, offline (the theme's assets and MathJax come from
   installed packages), with every warning treated as an error.

Each page links to the student notebook in ``notebooks/`` for download. The result is in
``site/_build/html`` (``index.html``); any static file host can serve that folder as it is.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def nbgrader_meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def execute(path: Path, timeout: int = 300):
    """Run a notebook top to bottom in its own folder; raise if any cell fails."""
    from nbclient import NotebookClient

    from grading.execute import ipc_kernel_config

    nb = nbformat.read(str(path), as_version=4)
    with tempfile.TemporaryDirectory(prefix="site-ipc-") as ipc:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                       config=ipc_kernel_config(Path(ipc)),
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def _execute_to(path: str, out: str) -> float:
    start = time.monotonic()
    nbformat.write(execute(Path(path)), out)
    return time.monotonic() - start


def strip_for_students(nb):
    """What a reader may see: no solution code, no hidden test, no output of answer or test cells."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    nb = copy.deepcopy(nb)
    resources = {}
    nb, resources = ClearSolutions().preprocess(nb, resources)
    nb, resources = ClearHiddenTests().preprocess(nb, resources)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code":
            if meta.get("solution") or meta.get("grade"):
                cell.outputs = []
            else:
                cell.outputs = [o for o in cell.outputs if WIDGET_MIME not in o.get("data", {})]
            cell.execution_count = None
        # nbgrader's metadata is kept out of the page's source as well (it holds no code, but the
        # page's download of its own source has no use for it)
        cell.metadata = {k: v for k, v in cell.metadata.items() if k not in ("nbgrader", "execution")}
    nb.metadata.pop("widgets", None)
    return nb


def number_title(nb, aid: str) -> str:
    """Give the notebook's title (its first '# ' heading) the assignment's number, in one style
    for every page ("4. Batch normalization from scratch"); return the new title."""
    number = int(re.match(r"\d+", aid).group()) if re.match(r"\d+", aid) else None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("# "):
                title = re.sub(r"^(assignment\s+\d+|\d+)\s*[·:.\-–—]\s*", "", line[2:].strip(), flags=re.I)
                title = f"{number}. {title}" if number is not None else title
                lines[i] = f"# {title}"
                cell.source = "\n".join(lines)
                return title
    return aid


def prepare_sources(source_dir: Path, release_dir: Path, src: Path, jobs: int) -> list[tuple[str, str]]:
    """Write the Sphinx source folder: the landing page, one stripped executed notebook per
    assignment, and the student notebooks to download. Returns (id, title) per assignment."""
    aids = sorted(p.name for p in source_dir.iterdir() if (p / f"{p.name}.ipynb").is_file())
    if not aids:
        raise SystemExit(f"no assignments in {source_dir} (expected <id>/<id>.ipynb)")
    missing = [a for a in aids if not (release_dir / a / f"{a}.ipynb").is_file()]
    if missing:
        raise SystemExit(f"no student version for {missing} in {release_dir}: run `make release` first")
    if src.exists():
        shutil.rmtree(src)
    (src / "assignments").mkdir(parents=True)
    (src / "downloads").mkdir()
    executed_dir = src.parent / "executed"
    executed_dir.mkdir(parents=True, exist_ok=True)

    print(f"executing {len(aids)} notebooks, {jobs} at a time ...", flush=True)
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {aid: pool.submit(_execute_to, str(source_dir / aid / f"{aid}.ipynb"),
                                    str(executed_dir / f"{aid}.ipynb")) for aid in aids}
        for aid, fut in futures.items():
            print(f"  {aid}: {fut.result():.1f} s", flush=True)

    pages = []
    for aid in aids:
        nb = strip_for_students(nbformat.read(str(executed_dir / f"{aid}.ipynb"), as_version=4))
        title = number_title(nb, aid)
        shutil.copy2(release_dir / aid / f"{aid}.ipynb", src / "downloads" / f"{aid}.ipynb")
        note = nbformat.v4.new_markdown_cell(
            f"```{{admonition}} Work through this assignment\n"
            f"Download the student notebook {{download}}`{aid}.ipynb <../downloads/{aid}.ipynb>` "
            f"(or clone the course and run `make lab`). This page shows it as it looks once every "
            f"exercise is answered: the figures and results, not the answers.\n```")
        first_heading = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
        nb.cells.insert(first_heading + 1, note)
        nbformat.write(nb, str(src / "assignments" / f"{aid}.ipynb"))
        pages.append((aid, title))

    landing = (SITE / "index.md").read_text()
    table = "\n".join(f"| [{title}](assignments/{aid}.ipynb) | {{download}}`{aid}.ipynb <downloads/{aid}.ipynb>` |"
                      for aid, title in pages)
    toc = "\n".join(f"assignments/{aid}" for aid, _ in pages)
    landing = landing.replace("{{ASSIGNMENT_TABLE}}", table).replace("{{TOCTREE}}", toc)
    (src / "index.md").write_text(landing)
    return pages


def mathjax_dir() -> Path:
    import jupyter_server_mathjax

    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (static / "MathJax.js").is_file():
        raise SystemExit(f"MathJax not found in {static}: install jupyter-server-mathjax")
    return static


def build(source_dir: Path, release_dir: Path, out: Path, jobs: int) -> Path:
    start = time.monotonic()
    work = out.parent
    src = work / "src"
    prepare_sources(source_dir, release_dir, src, jobs)
    static = src / "_static"
    static.mkdir(exist_ok=True)
    # the combined TeX configuration with HTML-CSS output and STIX-Web fonts (conf.py): the SVG
    # output and the translations of MathJax's menus are not used
    shutil.copytree(mathjax_dir(), static / "mathjax",
                    ignore=lambda folder, names: [n for n in names if n == "localization"
                                                  or (n == "SVG" and Path(folder).name == "output")])
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-c", str(SITE),
           "-d", str(work / "doctrees"), str(src), str(out)]
    proc = subprocess.run(cmd, env={**os.environ, "COURSE_SITE_STATIC": str(static)})
    if proc.returncode:
        raise SystemExit(f"sphinx-build failed (exit {proc.returncode}); warnings count as errors")
    (out / ".nojekyll").write_text("")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"site built in {time.monotonic() - start:.0f} s: {out / 'index.html'} "
          f"({size / 1e6:.1f} MB, {sum(1 for _ in out.rglob('*.html'))} pages)")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "solutions", help="instructor notebooks (default: solutions/)")
    parser.add_argument("--release", type=Path, default=ROOT / "notebooks", help="student notebooks (default: notebooks/)")
    parser.add_argument("--out", type=Path, default=SITE / "_build" / "html", help="output folder")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks executed at once")
    args = parser.parse_args(argv)
    build(args.source.resolve(), args.release.resolve(), args.out.resolve(), max(1, args.jobs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
