"""Grading (the `grading` package): a generated demo class graded end to end by one command.

The demo class is built on a small toy assignment (five one-line exercises) with short timeouts, so
this module takes a minute or two; the real assignments are graded by test_autograde.py.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ASSIGNMENTS, ROOT, SOLUTIONS, copy_course

from grading import assemble as asm
from grading.config import ConfigError, load_settings
from grading.demo import TOY_EXPECTED, TOY_ID, make_demo_class, student_version, toy_notebook, write_toy_assignment


CELL_TIMEOUT = 6
OVERRIDES = f"""
# test settings: short limits keep the demo class fast
c.ExecutePreprocessor.timeout = {CELL_TIMEOUT}
c.CourseGrading.probe_timeout = 5
c.CourseGrading.submission_timeout = 300
c.CourseGrading.max_output_bytes = 100_000
"""


def grading_cmd(course: Path, *args: str, timeout: float = 900, env=None) -> subprocess.CompletedProcess:
    env = env or os.environ
    env = {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}
    return subprocess.run([sys.executable, "-m", "grading", "--root", str(course), *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=timeout)


WELL_BEHAVED = ("perfect", "blank", "partial")


def make_course(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text() + OVERRIDES)
    write_toy_assignment(dest)
    return dest


def read_grades(course: Path) -> dict[str, dict]:
    with (course / "grades.csv").open() as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


def test_demo_class_graded_end_to_end(tmp_path):
    """One command grades the demo class; every student's status and score, the gradebook, the
    feedback, the report and re-grading are then checked on that one graded class (grading it is
    the expensive part, so it happens once)."""
    course = make_course(tmp_path / "course")
    made = make_demo_class(load_settings(course), TOY_ID)
    assert set(made) == set(TOY_EXPECTED), f"demo class {sorted(made)} != expected {sorted(TOY_EXPECTED)}"
    # the well-behaved students are also graded on their own, without the bad ones around them
    solo = make_course(tmp_path / "solo")
    for student in WELL_BEHAVED:
        shutil.copytree(course / "submitted" / student, solo / "submitted" / student)
    proc = grading_cmd(course, "grade")
    assert proc.returncode == 0, f"`grading grade` failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    graded = (course, proc)
    check_every_demo_student_gets_the_expected_status_and_score(graded)
    solo_proc = grading_cmd(solo, "grade")
    assert solo_proc.returncode == 0, solo_proc.stdout[-3000:] + solo_proc.stderr[-3000:]
    for student in WELL_BEHAVED:
        alone = json.loads((solo / "feedback" / student / TOY_ID / "feedback.json").read_text())
        in_class = json.loads((course / "feedback" / student / TOY_ID / "feedback.json").read_text())
        assert [(t["gid"], t["points"], t["message"]) for t in alone["tests"]] == \
               [(t["gid"], t["points"], t["message"]) for t in in_class["tests"]], \
            f"{student}: graded alone and graded with the bad submissions differ"
    check_scores_are_in_nbgraders_gradebook(graded)
    check_feedback_reports_hidden_tests_but_never_their_code(graded)
    check_report_has_csv_and_figures(graded)
    check_regrading_is_idempotent_and_a_failed_regrade_leaves_nothing_stale(graded)


def check_every_demo_student_gets_the_expected_status_and_score(graded):
    course, proc = graded
    grades = read_grades(course)
    problems = []
    for student, (status, score) in TOY_EXPECTED.items():
        row = grades.get(student)
        if row is None:
            problems.append(f"{student}: no row in grades.csv")
        elif (row["status"], float(row["score"])) != (status, score):
            problems.append(f"{student}: got {row['status']} {row['score']}, expected {status} {score} ({row['notes']})")
    assert not problems, "\n".join(problems) + "\n\n" + proc.stdout[-3000:]
    tampered = {s for s, row in grades.items() if row["flagged"] == "yes"}
    assert tampered == {s for s, (st, _) in TOY_EXPECTED.items() if st == "tampered"}, tampered


def check_scores_are_in_nbgraders_gradebook(graded):
    from nbgrader.api import Gradebook

    course, _ = graded
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, (status, score) in TOY_EXPECTED.items():
            if status == "missing":
                continue
            nb = gb.find_submission_notebook(TOY_ID, TOY_ID, student)
            assert nb.score == score, f"{student}: gradebook score {nb.score}, expected {score}"
            assert nb.max_score == 15, f"{student}: max score {nb.max_score}"
            assert nb.flagged == (status == "tampered"), f"{student}: flagged={nb.flagged}"


def check_feedback_reports_hidden_tests_but_never_their_code(graded):
    course, _ = graded
    source = toy_notebook()
    secrets = [line for c in source.cells if asm.cell_kind(c) == "test"
               for line in asm.hidden_lines(c.source)]
    assert secrets, "the toy assignment has hidden tests"
    leaks = []
    for path in (course / "feedback").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            leaks += [f"{path.relative_to(course)}: {s[:60]}" for s in secrets if s in text]
            leaks += [f"{path.relative_to(course)}: marker" for m in ("BEGIN HIDDEN TESTS", "hidden check f0") if m in text]
    assert not leaks, "hidden test code in feedback:\n" + "\n".join(leaks)
    blank = json.loads((course / "feedback" / "blank" / TOY_ID / "feedback.json").read_text())
    hidden = [t for t in blank["tests"] if t["hidden"]]
    assert len(hidden) == 5 and not any(t["passed"] for t in hidden)
    assert all("NotImplementedError" in t["message"] for t in hidden), [t["message"] for t in hidden]
    assert (course / "feedback" / "perfect" / TOY_ID / f"{TOY_ID}.html").is_file()
    nb = nbformat.read(str(course / "feedback" / "perfect" / TOY_ID / f"{TOY_ID}.ipynb"), as_version=4)
    shown = [c for c in nb.cells if "Hidden tests: their code is not shown" in c.source]
    assert len(shown) == 5, "each hidden test cell is shown as its docstring and its verdict"


def check_report_has_csv_and_figures(graded):
    course, _ = graded
    proc = grading_cmd(course, "report")
    assert proc.returncode == 0, proc.stderr[-3000:]
    reports = course / "reports"
    for name in ("summary.csv", "exercises.csv", "tests.csv", "students.csv", "report.html", f"{TOY_ID}.png"):
        assert (reports / name).is_file(), f"the report lacks {name}"
    with (reports / "tests.csv").open() as fh:
        tests = {r["test"]: r for r in csv.DictReader(fh)}
    assert len(tests) == 10, sorted(tests)
    # 18 graded submissions (missing gets no per-test line? it does: zeros), each test failed by most
    assert all(int(r["failed"]) > 0 for r in tests.values())
    html = (reports / "report.html").read_text()
    assert "tamper_numpy" in html and "Most-failed tests" in html


def check_regrading_is_idempotent_and_a_failed_regrade_leaves_nothing_stale(graded):
    course, _ = graded
    before = read_grades(course)
    proc = grading_cmd(course, "grade", "-s", "partial")
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = read_grades(course)
    same = lambda row: {k: v for k, v in row.items() if k != "graded_at"}  # noqa: E731
    assert {s: same(r) for s, r in again.items()} == {s: same(r) for s, r in before.items()}, \
        "re-grading an unchanged submission changed the grades"

    # perfect's notebook gets corrupted, then re-graded: its old 15 points must not survive
    (course / "submitted" / "perfect" / TOY_ID / f"{TOY_ID}.ipynb").write_text('{"cells": [')
    proc = grading_cmd(course, "grade", "-s", "perfect")
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = read_grades(course)
    assert (after["perfect"]["status"], after["perfect"]["score"]) == ("corrupt", "0"), after["perfect"]
    assert {s: r for s, r in after.items() if s != "perfect"} == {s: r for s, r in again.items() if s != "perfect"}, \
        "re-grading one student changed another student's grade"
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_submission_notebook(TOY_ID, TOY_ID, "perfect").score == 0

    # an interrupted run leaves 'pending' with no score, never the previous one
    from grading.store import Store, export_csv

    settings = load_settings(course)
    with Store(settings.db_url) as store:
        store.mark_pending(TOY_ID, "partial", "interrupted-run")
        rows = store.rows()
    export_csv(rows, course / "pending.csv")
    with (course / "pending.csv").open() as fh:
        partial = next(r for r in csv.DictReader(fh) if r["student"] == "partial")
    assert (partial["status"], partial["score"]) == ("pending", ""), partial


def test_check_command_for_students(tmp_path):
    course = make_course(tmp_path / "course")
    release = course / "notebooks" / TOY_ID / f"{TOY_ID}.ipynb"
    blank = grading_cmd(course, "check", TOY_ID)
    assert blank.returncode == 1, blank.stdout + blank.stderr
    assert blank.stdout.count("FAIL") == 5 and "NotImplementedError" in blank.stdout, blank.stdout
    assert "(1 point)" in blank.stdout and "_hidden" not in blank.stdout, blank.stdout
    answered = tmp_path / "mine.ipynb"
    nbformat.write(student_version(toy_notebook()), str(answered))
    ok = grading_cmd(course, "check", TOY_ID, "--notebook", str(answered))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count("PASS") == 5 and "5 of 5 visible tests passed" in ok.stdout, ok.stdout
    assert release.is_file()
    for run in (blank, ok):  # the kernel talks over IPC: ipykernel's TCP warning never reaches students
        assert "WARNING" not in run.stdout + run.stderr, run.stdout + run.stderr


def test_check_says_what_to_fix_first(tmp_path):
    """The check names cells as a student sees them, traces a failure to the earlier exercise it uses,
    and says when a function returned None."""
    course = make_course(tmp_path / "course")
    nb = student_version(toy_notebook())
    answers = {"f0": "return x + 5",            # wrong
               "f1": "return f0(x) + 1",        # right, but built on the wrong f0
               "f2": "y = x + 3",               # forgot `return`
               "f4": "return f1(x) + 3"}        # built on f1, which fails only because of f0
    for cell in nb.cells:
        gid = asm.grade_id(cell)
        if asm.cell_kind(cell) == "solution" and gid in answers:
            cell.source = f'def {gid}(x):\n    """An answer."""\n    {answers[gid]}'
    nb.cells.insert(2, nbformat.v4.new_code_cell("values = [1, 2]\nvalues[5]  # an exploration gone wrong"))
    mine = tmp_path / "mine.ipynb"
    nbformat.write(nb, str(mine))
    run = grading_cmd(course, "check", TOY_ID, "--notebook", str(mine))
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    blocks = {b.split("\n", 1)[0]: b for b in out.split("\nexercise ")[1:]}
    assert set(blocks) == {"f0", "f1", "f2", "f3", "f4"}, out
    assert "fix `f0` first" in blocks["f1"] and "first" not in blocks["f0"], out
    assert "fix `f1` first" in blocks["f4"], out
    assert "first" not in blocks["f2"] and "does your function end with `return`?" in blocks["f2"], out
    assert "PASS" in blocks["f3"], out
    assert 'exception in the cell starting "values = [1, 2]"' in out, out
    assert re.search(r"\bcell \d+", out) is None, f"a cell named by its index, which JupyterLab does not show:\n{out}"


def test_torch_allclose_tampering_does_not_pay(tmp_path):
    from grading.execute import run

    source = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import torch\nfrom helpers import assert_true"),
        nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION",
                                  metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": "f"}}),
        nbformat.v4.new_code_cell('"""f adds one."""\nassert_true(torch.allclose(f(torch.zeros(2)), torch.ones(2)), "f: wrong")',
                                  metadata={"nbgrader": {"grade": True, "solution": False, "locked": True,
                                                         "grade_id": "test_f", "points": 1}}),
    ])
    student = student_version(source, answered=set(), wrong_body="return x * 0")
    student.cells.insert(1, nbformat.v4.new_code_cell("import torch\ntorch.allclose = lambda *a, **k: True"))
    nb = asm.assemble(source, student).nb
    out = run(nb, tmp_path, cell_timeout=60, probe_timeout=5, max_output_bytes=10_000,
              bindings=asm.import_bindings(source))
    test_index = next(i for i, c in enumerate(nb.cells) if c.metadata["grading"]["role"] == "test")
    assert out.outcomes[test_index].status == "error", "the wrong answer passed: torch.allclose was not restored"
    assert any("torch.allclose" in t for t in out.tampering), out.tampering


def test_assemble_repairs_without_running_anything(tmp_path):
    source = toy_notebook()
    perfect = student_version(source)
    stripped = nbformat.reads(nbformat.writes(perfect), as_version=4)
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
    stripped.cells.reverse()  # order scrambled too: solutions are found by name, tests follow them
    got = asm.assemble(source, stripped)
    roles = [(c.metadata["grading"]["role"], c.metadata["grading"]["gid"]) for c in got.nb.cells]
    for k in range(5):
        i = roles.index(("solution", f"f{k}"))
        assert roles[i + 1] == ("test", f"test_f{k}") or ("test", f"test_f{k}") in roles, roles
    assert sum(1 for r, _ in roles if r == "test") == 10
    hidden = [c for c in got.nb.cells if c.metadata["grading"]["gid"] == "test_f0_hidden"][0]
    assert asm.HIDDEN_BEGIN in hidden.source, "hidden tests are restored from the source"
    for name, text in (("truncated", nbformat.writes(perfect)[:500]), ("list", "[1, 2]"), ("empty", "")):
        bad = tmp_path / f"{name}.ipynb"
        bad.write_text(text)
        with pytest.raises(asm.SubmissionError) as err:
            asm.read_submission(bad)
        assert err.value.kind == "corrupt", (name, err.value)
    with pytest.raises(asm.SubmissionError) as err:
        asm.read_submission(tmp_path / "absent.ipynb")
    assert err.value.kind == "missing"


def test_clear_errors_for_bad_input(tmp_path):
    course = make_course(tmp_path / "course")
    proc = grading_cmd(course, "grade", "-a", "no_such_assignment")
    assert proc.returncode == 2 and "no source notebook" in proc.stderr, proc.stderr
    (course / "nbgrader_config.py").write_text("c.CourseGrading.max_output_bytes = 'lots'\n")
    with pytest.raises(ConfigError, match="max_output_bytes"):
        load_settings(course)


def secret_lines(cell) -> set[str]:
    """Stripped lines found only inside a source cell's solution or hidden-test regions."""
    inside, outside, region = set(), set(), False
    for line in cell.source.splitlines():
        if asm.SOLUTION_BEGIN in line or asm.HIDDEN_BEGIN in line:
            region = True
        elif asm.SOLUTION_END in line or asm.HIDDEN_END in line:
            region = False
        elif line.strip():
            (inside if region else outside).add(line.strip())
    return inside - outside - {"# YOUR CODE HERE", asm.CODE_STUB, "pass"}


def test_student_bundle_holds_no_solution_hidden_test_or_gradebook(tmp_path):
    out = tmp_path / "bundle"
    proc = grading_cmd(ROOT, "bundle", "--out", str(out))
    if not (ROOT / "notebooks").is_dir():
        pytest.skip("no notebooks/ to bundle")
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = [p for p in out.rglob("*") if p.is_file()]
    names = {p.relative_to(out).parts[0] for p in files}
    assert {"README.md", "helpers", "pyproject.toml", "environment.yml"} <= names, names
    forbidden_dirs = {"solutions", "submitted", "autograded", "feedback", "reports", "tests", ".venv", ".git"}
    assert not names & forbidden_dirs, names & forbidden_dirs
    assert not [p for p in files if p.suffix in (".db", ".sqlite", ".csv") or "gradebook" in p.name], \
        "a database or grade export is in the bundle"
    assert not (out / "grading" / "demo.py").exists()
    problems = []
    for path in files:
        if path.suffix == ".ipynb":
            text = path.read_text(errors="replace")
            problems += [f"{path}: marker {m}" for m in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS") if m in text]
    for src in sorted(SOLUTIONS.glob("*/*.ipynb")):
        shipped = out / "notebooks" / src.parent.name / src.name
        assert shipped.is_file(), f"{shipped} is missing from the bundle"
        source = {asm.grade_id(c): c for c in nbformat.read(str(src), as_version=4).cells if asm.grade_id(c)}
        for cell in nbformat.read(str(shipped), as_version=4).cells:
            gid = asm.grade_id(cell)
            if gid in source:
                extra = {line.strip() for line in cell.source.splitlines()} & secret_lines(source[gid])
                problems += [f"{shipped.name} cell {gid}: {line[:60]!r}" for line in sorted(extra)]
    assert not problems, "the bundle holds solutions or hidden tests:\n" + "\n".join(problems[:20])


def test_scrub_and_pinned_names():
    from grading.feedback import REDACTED, scrub

    secret = 'assert_close(f0(np.array([7.5, -2.0])), np.array([8.5, -1.0]), name="out", func="f0")'
    tb = f'Cell In[12], line 3\n----> 3 {secret}\nAssertionError: f0: output `out` is wrong'
    cleaned = scrub(tb, [secret])
    assert secret not in cleaned and REDACTED in cleaned and "AssertionError: f0" in cleaned
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\nfrom helpers import assert_close as check\nimport torch.nn.functional as F"),
        nbformat.v4.new_code_cell("from helpers import assert_equal as check"),  # `check` is ambiguous: not pinned
    ])
    assert asm.import_bindings(nb) == [("np", "numpy", None), ("F", "torch.nn.functional", None)]


# One real assignment that uses torch, graded by the grading package: the guard must not mistake
# what torch and the notebook legitimately do (lazy wrappers, imports, plots) for tampering.
REAL = next((a for a in ("04_batchnorm_from_scratch", "07_beyond_batchnorm", "05_batchnorm_in_torch",
                         "03_regularizing_networks") if a in ASSIGNMENTS), None)


@pytest.mark.skipif(REAL is None, reason="no torch assignment in solutions/ yet")
def test_a_real_solution_grades_ok_with_full_marks(tmp_path):
    course = copy_course(tmp_path / "course", [REAL])
    source = nbformat.read(str(course / "solutions" / REAL / f"{REAL}.ipynb"), as_version=4)
    folder = course / "submitted" / "perfect" / REAL
    folder.mkdir(parents=True)
    nbformat.write(student_version(source), str(folder / f"{REAL}.ipynb"))
    proc = grading_cmd(course, "grade")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    row = read_grades(course)["perfect"]
    assert row["status"] == "ok" and row["score"] == row["max_score"], row


def test_a_submission_over_its_whole_time_limit_is_stopped(tmp_path):
    course = make_course(tmp_path / "course")
    folder = course / "submitted" / "slow" / TOY_ID
    folder.mkdir(parents=True)
    nb = student_version(toy_notebook())
    nb.cells.insert(2, nbformat.v4.new_code_cell("import time\ntime.sleep(600)"))
    nbformat.write(nb, str(folder / f"{TOY_ID}.ipynb"))
    proc = grading_cmd(course, "grade", "--cell-timeout", "600", "--submission-timeout", "8")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    row = read_grades(course)["slow"]
    assert (row["status"], row["score"]) == ("timeout", "0") and "whole submission" in row["notes"], row
