"""The students' check: run an assignment's visible tests on a notebook, from the terminal.

    python -m grading check 04_batchnorm_from_scratch            # notebooks/<id>/<id>.ipynb
    python -m grading check 04_batchnorm_from_scratch --notebook my_copy.ipynb

The notebook is run top to bottom in a fresh kernel, exactly as grading does (test cells restored,
per-cell timeout), but only the visible tests are scored: hidden tests exist only at grading time.
Prints per exercise each test with PASS / FAIL, the points at stake and the failure message; exits
with 1 when any test fails or the notebook does not run cleanly (``nbgrader validate`` exits 0).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .config import ConfigError, Settings

CLEAN = ("ok", "output_truncated")


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
