"""End to end: nbgrader gives the solutions full marks and the untouched release zero, cell by cell.

The untouched release is executed here by nbgrader anyway, so the same run also shows that the
student version runs top to bottom with no error but the NotImplementedErrors of unanswered
exercises (a NameError from a variable only a solution region defines would show up here).
"""

from __future__ import annotations

import shutil

import pytest

from conftest import ASSIGNMENTS, MIN_EXERCISES, copy_course, nbgrader, read_nb, release_path, solution_path


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

    # The blank submission, as nbgrader executed it: only NotImplementedErrors, outside hidden tests.
    executed = read_nb(course / "autograded" / "blank" / aid / f"{aid}.ipynb")
    errors, not_implemented = [], 0
    for index, cell in enumerate(executed.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_hidden"):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            if out.get("ename") == "NotImplementedError":
                not_implemented += 1
            else:
                errors.append(f"cell {index} ({grade_id or 'no grade_id'}): {out.get('ename')}: {out.get('evalue')}")
    assert not errors, (
        f"notebooks/{aid}: run top to bottom, the student version raises errors other than the "
        f"NotImplementedError of unanswered exercises:\n" + "\n".join(errors)
    )
    assert not_implemented >= MIN_EXERCISES, (
        f"notebooks/{aid}: only {not_implemented} NotImplementedError(s); every exercise's visible test "
        f"should fail until it is answered"
    )
