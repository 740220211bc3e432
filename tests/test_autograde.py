"""End to end: nbgrader gives the solutions full marks and the untouched release zero, cell by cell."""

from __future__ import annotations

import shutil

import pytest

from conftest import ASSIGNMENTS, copy_course, nbgrader, release_path, solution_path


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_solutions_get_full_marks_and_blank_gets_zero(aid, tmp_path):
    from nbgrader.api import Gradebook

    course = copy_course(tmp_path / "course", [aid])
    nbgrader("generate_assignment", aid, "--force", cwd=course)
    for student, source in (("perfect", solution_path(aid)), ("blank", release_path(aid))):
        dest = course / "submitted" / student / aid
        dest.mkdir(parents=True)
        shutil.copy2(source, dest / f"{aid}.ipynb")
    nbgrader("autograde", aid, "--create", "--force", cwd=course)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        problems = []
        for student, want_full in (("perfect", True), ("blank", False)):
            sub = gb.find_submission_notebook(aid, aid, student)
            graded = [g for g in sub.grades if g.max_score]
            assert len(graded) >= 10, f"{aid}: only {len(graded)} autograded cells found for {student}"
            for grade in graded:
                got, top = grade.score, grade.max_score
                want = top if want_full else 0
                if got != want:
                    problems.append(f"{student}: cell {grade.name} scored {got} of {top}, expected {want}")
    assert not problems, f"{aid}:\n" + "\n".join(problems)
