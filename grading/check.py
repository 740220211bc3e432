"""The students' check: run an assignment's visible tests on a notebook, from the terminal.

    python -m grading check 04_batchnorm_from_scratch            # notebooks/<id>/<id>.ipynb
    python -m grading check 04_batchnorm_from_scratch --notebook my_copy.ipynb

The notebook is run top to bottom in a fresh kernel, exactly as grading does (test cells restored,
per-cell timeout), but only the visible tests are scored: hidden tests exist only at grading time.
Prints per exercise each test with PASS / FAIL, the points at stake and the failure message; exits
with 1 when any test fails or the notebook does not run cleanly (``nbgrader validate`` exits 0).
"""

from __future__ import annotations

import ast
import sys
import tempfile
from pathlib import Path

from .config import ConfigError, Settings

CLEAN = ("ok", "output_truncated")


def _used_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def exercise_dependencies(release: Path, notebook: Path) -> dict[str, list[str]]:
    """Per exercise, the earlier exercises whose functions its answer or its visible test calls.

    Read from the student's own answer cells (found as grading finds them) and the release's tests,
    so a failure can be traced to the exercise it builds on.
    """
    import nbformat

    from . import assemble as asm

    try:
        source_nb = nbformat.read(str(release), as_version=4)
        nb = asm.assemble(source_nb, asm.read_submission(notebook)).nb
    except Exception:  # the run itself reports an unreadable notebook
        return {}
    order: list[str] = []
    defines: dict[str, set[str]] = {}
    uses: dict[str, set[str]] = {}
    for cell in nb.cells:
        meta = cell.metadata.get("grading", {})
        gid = meta.get("gid")
        if not gid or cell.get("cell_type") != "code":
            continue
        if meta.get("role") == "solution":
            order.append(gid)
            defines[gid] = asm.defined_names(cell.source)
            uses.setdefault(gid, set()).update(_used_names(cell.source) - defines[gid])
        elif meta.get("role") == "test" and not gid.endswith("_hidden"):
            uses.setdefault(asm.exercise_name(gid), set()).update(_used_names(asm.remove_hidden(cell.source)))
    deps = {}
    for k, gid in enumerate(order):
        deps[gid] = [earlier for earlier in order[:k]
                     if defines.get(earlier) and defines[earlier] & (uses.get(gid, set()) - defines.get(gid, set()))]
    return deps


def run_check(settings: Settings, aid: str, notebook: Path | None = None, out=None) -> int:
    from .worker import grade

    out = out or sys.stdout
    release = settings.release_notebook(aid)
    if not release.is_file():
        raise ConfigError(f"no assignment {aid!r}: {release} does not exist "
                          f"(assignments: {sorted(p.name for p in settings.path('release').glob('*') if p.is_dir())})")
    notebook = Path(notebook) if notebook else release
    if not notebook.is_file():
        raise ConfigError(f"no notebook at {notebook}")
    print(f"Checking {notebook} against the visible tests of {aid} "
          f"(hidden tests run only at grading; limit {settings.cell_timeout:g} s per cell)...", file=out, flush=True)
    with tempfile.TemporaryDirectory(prefix="course-check-") as tmp:
        result = grade({
            "assignment": aid, "student": "you", "source": str(release), "submission": str(notebook),
            "workdir": str(Path(tmp) / "run"), "feedback_dir": None, "cell_timeout": settings.cell_timeout,
            "probe_timeout": settings.probe_timeout, "max_output_bytes": settings.max_output_bytes,
            "visible_only": True,
        })
    by_exercise: dict[str, list[dict]] = {}
    for t in result["tests"]:
        by_exercise.setdefault(t["exercise"], []).append(t)
    deps = exercise_dependencies(release, notebook)
    failing = set()
    failed = 0
    for exercise, tests in by_exercise.items():
        print(f"\nexercise {exercise}", file=out)
        for t in tests:
            mark = "PASS" if t["passed"] else "FAIL"
            failed += not t["passed"]
            pts = f"{t['max_points']:g} point{'s' if t['max_points'] != 1 else ''}"
            print(f"  {mark}  {t['gid']} ({pts})", file=out)
            if not t["passed"] and t["message"]:
                for line in t["message"].splitlines()[:12]:
                    print(f"        {line}", file=out)
        if any(not t["passed"] for t in tests):
            broken = [d for d in deps.get(exercise, []) if d in failing]
            if broken:
                names = ", ".join(f"`{d}`" for d in broken)
                print(f"        note: this exercise uses {names}, which fail{'s' if len(broken) == 1 else ''} "
                      f"{'its' if len(broken) == 1 else 'their'} own test above: fix {names} first, "
                      f"then check this one again", file=out)
            failing.add(exercise)
    total = len(result["tests"])
    print(f"\n{total - failed} of {total} visible tests passed: {result['score']:g} of {result['max_score']:g} "
          f"visible points.", file=out)
    if result["status"] not in CLEAN:
        print(f"Problem: {result['status']}", file=out)
        for note in result["notes"]:
            print(f"  - {note.splitlines()[0] if note else note}", file=out)
    if failed == 0 and result["status"] in CLEAN:
        print("All visible tests pass. Hidden tests check more cases when the assignment is graded.", file=out)
        return 0
    return 1
