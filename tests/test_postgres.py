"""A real PostgreSQL gradebook, written by two grading processes at once.

A throwaway server (Debian's ``postgresql``: ``initdb`` in a temporary folder, a unix socket only,
stopped afterwards) holds the gradebook; two ``python -m grading grade`` processes grade the two
halves of a class into it at the same moment, racing to record the assignment. Every score must
equal the same class graded into SQLite, with no row lost or duplicated, and ``nbgrader export``
must read it. Needs the packages ``postgresql`` (Debian/Ubuntu) and ``psycopg[binary]`` (pip):
skipped without them, failed under CI=true.
"""

from __future__ import annotations

import csv
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from conftest import nbgrader
from test_grading import grading_cmd, make_course, read_grades

from grading.demo import TOY_ID, student_version

# Half the class each; the same students graded into SQLite by one process are the reference.
HALVES = (("perfect", "partial"), ("wrong", "stripped"))


def _missing(what: str):
    message = f"{what} is not available"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: the PostgreSQL test must run)")
    pytest.skip(message)


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    if not initdb:
        _missing("PostgreSQL's initdb (install the Debian/Ubuntu package `postgresql`)")
    return Path(initdb).parent


@pytest.fixture
def postgres():
    """A fresh PostgreSQL server on a unix socket in a temporary folder; yields its SQLAlchemy URL."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _missing("the Python package psycopg (pip install 'psycopg[binary]', in the test extra)")
    bindir = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="course-pg-"))
    user = {}
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            _missing("the `postgres` user (created by the package `postgresql`)")
        os.chown(folder, pw.pw_uid, pw.pw_gid)
        user = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    data, log = folder / "data", folder / "server.log"

    def run(*cmd):
        proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120, cwd=folder, **user)
        assert proc.returncode == 0, f"{cmd[0]} failed ({proc.returncode}): {proc.stdout[-2000:]} {proc.stderr[-2000:]}"

    try:
        run(bindir / "initdb", "-D", data, "-U", "grader", "-A", "trust", "--no-sync", "-E", "UTF8")
        run(bindir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60",
            "-o", f"-k {folder} -c listen_addresses='' -c fsync=off -c max_connections=50", "start")
        run(bindir / "createdb", "-h", folder, "-U", "grader", "course")
        yield f"postgresql+psycopg://grader@/course?host={folder}"
    finally:
        subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60, cwd=folder, **user)
        shutil.rmtree(folder, ignore_errors=True)


def _class(course: Path) -> Path:
    make_course(course)
    source = nbformat.read(str(course / "solutions" / TOY_ID / f"{TOY_ID}.ipynb"), as_version=4)
    notebooks = {
        "perfect": student_version(source), "partial": student_version(source, answered={"f0", "f1"}),
        "wrong": student_version(source, answered=set(), wrong_body="return x * 0"),
        "stripped": student_version(source, answered={"f2", "f3", "f4"}),
    }
    notebooks["wrong"].cells.append(nbformat.v4.new_code_cell("raise ValueError('boom')"))  # status error
    for cell in notebooks["stripped"].cells:
        cell.metadata.pop("nbgrader", None)
    for student, nb in notebooks.items():
        folder = course / "submitted" / student / TOY_ID
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{TOY_ID}.ipynb"))
    return course


def _start(course: Path, db_url: str, students, *extra):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    args = [sys.executable, "-m", "grading", "--root", str(course), "grade", "--db-url", db_url, "-j", "1", *extra]
    for s in students:
        args += ["-s", s]
    return subprocess.Popen(args, cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_graders_at_once_into_postgresql_equal_sqlite(tmp_path, postgres):
    import sqlalchemy as sa

    reference = _class(tmp_path / "sqlite")
    proc = grading_cmd(reference, "grade")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    expected = {s: (r["status"], r["score"]) for s, r in read_grades(reference).items()}

    course = _class(tmp_path / "pg")
    for student in expected:  # the very same files as the reference
        shutil.copy2(reference / "submitted" / student / TOY_ID / f"{TOY_ID}.ipynb",
                     course / "submitted" / student / TOY_ID / f"{TOY_ID}.ipynb")
    procs = [_start(course, postgres, half) for half in HALVES]  # both record the assignment at once
    outs = [p.communicate(timeout=600)[0] for p in procs]
    for p, out in zip(procs, outs):
        assert p.returncode == 0, f"a grader exited with {p.returncode}:\n{out[-4000:]}"

    engine = sa.create_engine(postgres)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT student, status, score FROM course_grading_status")).all()
        grades = conn.execute(sa.text(
            "SELECT student.id, count(*), sum(grade.auto_score) FROM grade "
            "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
            "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
            "JOIN student ON submitted_assignment.student_id = student.id GROUP BY student.id")).all()
        cells = conn.execute(sa.text("SELECT count(*) FROM grade_cells")).scalar()
    engine.dispose()
    assert sorted(r[0] for r in rows) == sorted(expected), f"status rows {sorted(r[0] for r in rows)}"
    got = {s: (st, f"{sc:g}") for s, st, sc in rows}
    assert got == expected, f"PostgreSQL {got} != SQLite {expected}"
    assert cells == 10, f"{cells} grade cells: the assignment's 10 recorded once each"
    per_student = {s: (n, float(total)) for s, n, total in grades}
    assert all(n == 10 for n, _ in per_student.values()) and len(per_student) == len(expected), per_student
    assert {s: f"{t:g}" for s, (_, t) in per_student.items()} == {s: sc for s, (_, sc) in expected.items()}, per_student

    # nbgrader reads the same gradebook
    out = tmp_path / "nbgrader-grades.csv"
    nbgrader("export", f"--CourseDirectory.db_url={postgres}", f"--CsvExportPlugin.to={out}", cwd=course)
    with out.open() as fh:
        exported = {r["student_id"]: float(r["raw_score"]) for r in csv.DictReader(fh)}
    assert {s: f"{v:g}" for s, v in exported.items()} == {s: sc for s, (_, sc) in expected.items()}, exported

    # a re-grade of one student while the other grader is busy leaves no stale score
    (course / "submitted" / "perfect" / TOY_ID / f"{TOY_ID}.ipynb").write_text("{ broken")
    busy = _start(course, postgres, HALVES[1])
    time.sleep(1)
    regrade = _start(course, postgres, ["perfect"])
    outs = [p.communicate(timeout=600)[0] for p in (busy, regrade)]
    assert busy.returncode == 0 and regrade.returncode == 0, outs[0][-2000:] + outs[1][-2000:]
    engine = sa.create_engine(postgres)
    with engine.connect() as conn:
        after = {s: (st, f"{sc:g}") for s, st, sc in conn.execute(sa.text(
            "SELECT student, status, score FROM course_grading_status")).all()}
    engine.dispose()
    assert after["perfect"] == ("corrupt", "0"), after["perfect"]
    assert {s: v for s, v in after.items() if s != "perfect"} == {s: v for s, v in expected.items() if s != "perfect"}, after


def test_exit_code_3_when_the_grader_itself_fails(tmp_path):
    course = _class(tmp_path / "course")
    proc = grading_cmd(course, "grade", "--db-url", f"postgresql+psycopg://nobody@/none?host={tmp_path}/no-server",
                       "-s", "perfect")
    assert proc.returncode == 3, f"exit {proc.returncode}, expected 3 (the grader failed):\n{proc.stderr[-2000:]}"
    assert "the grader failed" in proc.stderr, proc.stderr[-2000:]
