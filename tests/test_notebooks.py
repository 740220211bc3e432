"""Structure of every assignment, sync of notebooks/ with solutions/, and the student versions.

The solutions themselves are executed by nbval (pytest collects solutions/*.ipynb); their wall
times are checked in conftest.py. The student versions are executed by nbgrader in
tests/test_autograde.py, which also checks that their only errors are NotImplementedErrors.
"""

from __future__ import annotations

import filecmp
import re

import pytest

from conftest import (
    ASSIGNMENT_IDS,
    ASSIGNMENTS,
    MIN_EXERCISES,
    ROOT,
    copy_course,
    grade_cells,
    nbgrader,
    read_nb,
    release_path,
    solution_path,
)

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN MARK SCHEME")


def test_every_assignment_is_a_known_id_with_a_release():
    assert ASSIGNMENTS, "solutions/ holds no assignment (expected solutions/<id>/<id>.ipynb)"
    unknown = sorted(set(ASSIGNMENTS) - set(ASSIGNMENT_IDS))
    assert not unknown, f"unknown assignment ids {unknown}; the ids are fixed: {ASSIGNMENT_IDS}"
    missing = [aid for aid in ASSIGNMENTS if not release_path(aid).is_file()]
    assert not missing, f"no student version for {missing}: run `nbgrader generate_assignment <id> --force`"
    extra = sorted(p.name for p in (ROOT / "notebooks").iterdir() if p.is_dir() and p.name not in ASSIGNMENTS)
    assert not extra, f"notebooks/ holds {extra}, which solutions/ does not: delete them"


@pytest.mark.parametrize("aid", ASSIGNMENTS)
@pytest.mark.parametrize("tree", ["solutions", "notebooks"])
def test_committed_notebooks_carry_no_outputs_or_run_metadata(aid, tree):
    path = solution_path(aid) if tree == "solutions" else release_path(aid)
    nb = read_nb(path)
    dirty = [
        i for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None
                                         or "execution" in cell.metadata or "ExecuteTime" in cell.metadata)
    ]
    assert not dirty, (
        f"{path.relative_to(ROOT)}: cells {dirty} carry outputs, execution counts or timings. "
        f"Clear them (JupyterLab: Edit > Clear Outputs of All Cells, then save)."
    )


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_exercises_follow_the_course_conventions(aid):
    """Each exercise: a solution cell `<name>`, a visible test `test_<name>`, a hidden `test_<name>_hidden`."""
    nb = read_nb(solution_path(aid))
    tests = {gid: (points, cell) for gid, points, cell in grade_cells(nb)}
    problems = []
    visible = sorted(g for g in tests if not g.endswith("_hidden"))
    hidden = sorted(g for g in tests if g.endswith("_hidden"))
    for gid in visible:
        if f"{gid}_hidden" not in tests:
            problems.append(f"visible test {gid!r} has no hidden partner {gid + '_hidden'!r}")
        if not gid.startswith("test_"):
            problems.append(f"test cell id {gid!r} should start with 'test_'")
    for gid in hidden:
        if gid[: -len("_hidden")] not in tests:
            problems.append(f"hidden test {gid!r} has no visible partner")
    for gid, (points, cell) in tests.items():
        src = cell.source.lstrip()
        if not src.startswith(('"""', "'''")):
            problems.append(f"{gid}: a test cell starts with a one-line docstring saying what it checks")
        if not points or points <= 0:
            problems.append(f"{gid}: an autograded test cell must be worth points (has {points})")
        if re.search(r"^\s*assert\s", cell.source, re.M):
            problems.append(f"{gid}: bare `assert`; use helpers.assert_close/assert_true with a message")
        if gid.endswith("_hidden"):
            body = cell.source.split("### BEGIN HIDDEN TESTS", 1)
            if len(body) != 2 or "### END HIDDEN TESTS" not in body[1]:
                problems.append(f"{gid}: the hidden checks go between ### BEGIN/END HIDDEN TESTS")
            elif re.sub(r'^\s*("""|\'\'\').*?\1', "", body[0], flags=re.S).strip():
                problems.append(f"{gid}: only the docstring may stand before ### BEGIN HIDDEN TESTS")
        elif "HIDDEN TESTS" in cell.source:
            problems.append(f"{gid}: a visible test cell holds hidden tests; move them to {gid}_hidden")
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    for cell in solutions:
        if cell.cell_type == "code" and "### BEGIN SOLUTION" not in cell.source:
            problems.append(f"solution cell {cell.metadata['nbgrader'].get('grade_id')} has no ### BEGIN SOLUTION")
    if len(visible) < MIN_EXERCISES:
        problems.append(f"{len(visible)} autograded exercises; the course asks for at least {MIN_EXERCISES}")
    assert not problems, f"{aid}:\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_student_version_holds_no_solution_and_no_hidden_test(aid):
    text = release_path(aid).read_text()
    found = [m for m in MARKERS if m in text]
    assert not found, f"notebooks/{aid}: contains {found}; regenerate it with nbgrader generate_assignment"
    nb = read_nb(release_path(aid))
    n_hidden = sum(1 for gid, _, _ in grade_cells(nb) if gid.endswith("_hidden"))
    assert n_hidden >= MIN_EXERCISES, f"notebooks/{aid}: expected the (emptied) hidden test cells, found {n_hidden}"


def test_notebooks_are_what_nbgrader_generates_from_solutions(tmp_path):
    """notebooks/ is only ever written by `nbgrader generate_assignment`: regenerate and compare bytes."""
    course = copy_course(tmp_path / "course")
    nbgrader("generate_assignment", "*", "--no-db", "--force", cwd=course)
    stale = []
    for aid in ASSIGNMENTS:
        fresh = course / "notebooks" / aid
        committed = ROOT / "notebooks" / aid
        cmp = filecmp.dircmp(fresh, committed, ignore=["__pycache__", ".ipynb_checkpoints"])
        pending = [cmp]
        while pending:
            d = pending.pop()
            stale += [f"{aid}: only generated {n}" for n in d.left_only]
            stale += [f"{aid}: only committed {n}" for n in d.right_only]
            stale += [f"{aid}: differs {n}" for n in d.diff_files]
            pending += d.subdirs.values()
        for name in cmp.common_files:  # dircmp compares shallowly; compare bytes
            if (fresh / name).read_bytes() != (committed / name).read_bytes() and f"{aid}: differs {name}" not in stale:
                stale.append(f"{aid}: differs {name}")
    assert not stale, (
        "notebooks/ is out of sync with solutions/: " + "; ".join(stale)
        + ". Run `make release` and commit notebooks/."
    )
