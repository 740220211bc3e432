"""An LMS download through nbgrader's zip_collect, graded, and grades back in CSVs an LMS imports.

The fixtures are zips as Canvas ("Download Submissions") and Moodle ("Download all submissions",
flat and in folders) name their files, built here; ``nbgrader zip_collect`` with the course's
configuration files each notebook as ``submitted/<LMS id>/<id>/<id>.ipynb``, whatever the student
called it; ``python -m grading grade`` grades them and ``export --lms`` writes the CSVs.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, copy_course, nbgrader

sys.path.insert(0, str(ROOT))
from grading.demo import TOY_ID, student_version, write_toy_assignment  # noqa: E402
from grading.lms import parse_name  # noqa: E402

# file name in the download -> (LMS student id, answers: "perfect" or "blank"); None: not collected.
# A third element False marks a notebook that loses to another of the same student's.
CANVAS = {
    "smithjane_4101_90001_toy_grading.ipynb": ("4101", "perfect"),
    "smithjane_4101_90001_scratch.ipynb": ("4101", "blank", False),  # the one named like the assignment wins
    "doejohn_late_4102_90002_toy_grading-1.ipynb": ("4102", "blank", False),  # late, uploaded twice
    "leealex_4103_90003_my_answers.ipynb": ("4103", "blank"),  # renamed by the student
    "müllerjörg_4104_90004_toy_grading.ipynb": ("4104", "perfect"),
    "smithjane_4101_90001_notes.txt": None,  # not a notebook
}
# a second download beside the first: doejohn resubmitted (a higher submission id wins)
CANVAS_AGAIN = {"doejohn_late_4102_90007_toy_grading.ipynb": ("4102", "perfect")}
MOODLE = {
    "Jane Smith_771_assignsubmission_file_toy_grading.ipynb": ("771", "perfect"),
    "John Doe_772_assignsubmission_file_/toy_grading.ipynb": ("772", "blank"),  # "in folders"
    "Alex Lee_773_assignsubmission_onlinetext_onlinetext.html": None,
}
STRAY = {"toy_grading.ipynb": None}  # a file no LMS named: skipped with a warning
LMS = {"canvas": CANVAS, "moodle": MOODLE}
TOP = 15.0  # the toy assignment's points


def test_parse_name_reads_both_conventions():
    cases = {
        "smithjane_4101_90001_toy_grading.ipynb": ("canvas", "4101", False),
        "doejohn_late_4102_90002_toy_grading-1.ipynb": ("canvas", "4102", True),
        "x/Jane Smith_771_assignsubmission_file_toy_grading.ipynb": ("moodle", "771", False),
        "x/John Doe_772_assignsubmission_file_/toy_grading.ipynb": ("moodle", "772", False),
    }
    for name, (lms, sid, late) in cases.items():
        got = parse_name(name)
        assert got and (got["lms"], got["student_id"], got["late"]) == (lms, sid, late), f"{name}: parsed as {got}"
    assert parse_name("x/toy_grading.ipynb") is None, "a name no LMS gives must not be parsed"
    assert parse_name("x/Jane Smith_771_assignsubmission_file_a.ipynb")["name"] == "Jane Smith"


def test_export_leaves_out_assignments_no_one_submitted():
    from grading.lms import handed_in

    rows = [{"assignment": a, "student": s, "status": st} for a, s, st in
            [("01", "ann", "ok"), ("01", "bob", "missing"), ("02", "ann", "missing"), ("02", "bob", "missing")]]
    kept, nobody = handed_in(rows)
    assert nobody == ["02"] and [r["assignment"] for r in kept] == ["01", "01"], (
        f"02 has no submission and must be left out (its zeros would overwrite the LMS); kept {kept}, left out {nobody}")


def _grade(course: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "grading", "--root", str(course), *args], cwd=course,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"`grading {' '.join(args)}` exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return proc


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("lms", sorted(LMS))
def test_lms_download_collected_graded_and_exported(tmp_path, lms):
    course = copy_course(tmp_path / "course", [])
    source = write_toy_assignment(course)
    answers = {"perfect": student_version(nbformat.read(str(source), as_version=4)),
               "blank": nbformat.read(str(course / "notebooks" / TOY_ID / f"{TOY_ID}.ipynb"), as_version=4)}
    downloads = {f"{lms}_download.zip": {**LMS[lms], **STRAY}}
    if lms == "canvas":
        downloads["canvas_download (1).zip"] = CANVAS_AGAIN
    archive = course / "downloaded" / TOY_ID / "archive"
    archive.mkdir(parents=True)
    for zname, files in downloads.items():
        with zipfile.ZipFile(archive / zname, "w") as zf:
            for name, who in files.items():
                zf.writestr(name, nbformat.writes(answers[who[1]]) if who else "not a notebook\n")

    collect = nbgrader("zip_collect", TOY_ID, cwd=course)
    expected = {w[0]: w[1] for files in downloads.values() for w in files.values() if w and (len(w) < 3 or w[2])}
    if lms == "canvas":
        for warned in ("student 4101 has 2 notebooks", "student 4102 has 2 notebooks"):
            assert warned in collect.stderr, f"zip_collect should warn {warned!r}:\n{collect.stderr[-3000:]}"
    submitted = course / "submitted"
    found = sorted(p.name for p in submitted.iterdir())
    assert found == sorted(expected), f"zip_collect made submitted/{found}; expected the LMS ids {sorted(expected)}\n{collect.stderr[-2000:]}"
    for sid, kind in expected.items():
        folder = submitted / sid / TOY_ID
        names = sorted(p.name for p in folder.iterdir())
        assert names == [f"{TOY_ID}.ipynb"], f"{sid}: expected only {TOY_ID}.ipynb in {folder}, found {names}"
        # zip entries without permission bits unpack owner-only: the sandbox's own uid must still read them
        assert (folder / f"{TOY_ID}.ipynb").stat().st_mode & 0o077 == 0, "expected an owner-only file, as LMS zips give"
        got = nbformat.read(str(folder / f"{TOY_ID}.ipynb"), as_version=4)
        assert got.cells == answers[kind].cells, f"{sid}: the collected notebook is not the one in the download"

    _grade(course, "grade", "-a", TOY_ID)
    score = {"perfect": TOP, "blank": 0.0}
    if lms == "canvas":
        [out] = [course / "lms_grades_canvas.csv"]
        _grade(course, "export", "--lms", "canvas")
        rows = _rows(out)
        assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", TOY_ID, "Final Points"], rows[0]
        assert rows[1][0] == "Points Possible" and float(rows[1][5]) == TOP, f"points possible row: {rows[1]}"
        by_id = {r[1]: r for r in rows[2:]}
        assert sorted(by_id) == sorted(expected), f"rows for {sorted(by_id)}, expected {sorted(expected)}"
        for sid, kind in expected.items():
            assert float(by_id[sid][5]) == score[kind] == float(by_id[sid][6]), f"{sid} ({kind}): {by_id[sid]}"
        assert by_id["4101"][0] == "smithjane", f"Canvas's name for the student should label the row: {by_id['4101']}"
        roster = {r[0]: r for r in _rows(course / "lms_students.csv")[1:]}
        assert roster["4102"][5] == "yes" and roster["4101"][5] == "", f"Canvas's late flag: {roster}"
        assert roster["4101"][6] == "toy_grading.ipynb", f"the roster should record the notebook graded: {roster['4101']}"
    else:
        _grade(course, "export", "--lms", "moodle")
        rows = _rows(course / "lms_grades" / f"moodle_{TOY_ID}.csv")
        assert rows[0] == ["Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)"], rows[0]
        by_id = {r[0]: r for r in rows[1:]}
        assert sorted(by_id) == sorted(f"Participant {s}" for s in expected), f"worksheet rows: {sorted(by_id)}"
        assert by_id["Participant 771"][1] == "Jane Smith" and by_id["Participant 772"][1] == "John Doe", by_id
        for sid, kind in expected.items():
            row = by_id[f"Participant {sid}"]
            assert float(row[2]) == score[kind] and float(row[3]) == TOP and row[4].startswith("20"), f"{sid} ({kind}): {row}"
    table = course / "table.csv"
    _grade(course, "export", "--lms", "table", "--out", str(table))
    rows = _rows(table)
    assert rows[0] == ["student_id", "name", TOY_ID, "total", "max_total"], rows[0]
    for r in rows[1:]:
        assert float(r[2]) == float(r[3]) == score[expected[r[0]]] and float(r[4]) == TOP, f"table row {r}"
