"""The hidden tests reject typical wrong answers and accept correct alternatives.

For each assignment, ``tests/mutants/<id>.py`` lists, per exercise (the solution cell's grade_id):

* ``WRONG``: ``(what is wrong, source)`` pairs. The source redefines the exercise the wrong way; the
  hidden test cell ``test_<name>_hidden`` must then fail.
* ``CORRECT``: ``(which alternative, source)`` pairs. A different but correct answer; both
  ``test_<name>`` and ``test_<name>_hidden`` must pass.

The solution notebook runs once in one kernel; each entry is executed on top of it, its test cells
run, and the original solution cell is executed again to restore the state.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import ASSIGNMENTS, read_nb, solution_path

MUTANTS = Path(__file__).resolve().parent / "mutants"


def load_mutants(aid: str):
    path = MUTANTS / f"{aid}.py"
    spec = importlib.util.spec_from_file_location(f"mutants_{aid}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "WRONG", {}), getattr(module, "CORRECT", {})


def _first_line(exc: CellExecutionError) -> str:
    text = f"{exc.ename}: {exc.evalue}"
    return text.splitlines()[0][:300] if text else "error"


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_hidden_tests_reject_wrong_answers_and_accept_correct_ones(aid):
    mutants_file = MUTANTS / f"{aid}.py"
    assert mutants_file.is_file(), (
        f"{aid}: no {mutants_file.name} in tests/mutants/: list the typical wrong answers (WRONG) and correct "
        f"alternatives (CORRECT) per exercise so the hidden tests are shown to tell them apart"
    )
    wrong, correct = load_mutants(aid)
    nb = read_nb(solution_path(aid))
    by_id = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
             if c.cell_type == "code" and "grade_id" in c.metadata.get("nbgrader", {})}
    exercises = [gid for gid, c in by_id.items() if c.metadata["nbgrader"].get("solution") and f"test_{gid}" in by_id]

    problems = []
    unknown = sorted((set(wrong) | set(correct)) - set(exercises))
    if unknown:
        problems.append(f"mutants name {unknown}, which are not exercises (known: {exercises})")
    uncovered = [gid for gid in exercises if not wrong.get(gid)]
    if uncovered:
        problems.append(f"exercises without a WRONG answer that their hidden test must catch: {uncovered}")

    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(solution_path(aid).parent)}})
    scratch_index = len(nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell(""))

    def run(source: str):
        cell = nbformat.v4.new_code_cell(source)
        nb.cells[scratch_index] = cell
        try:
            client.execute_cell(cell, scratch_index, store_history=False)
        except CellExecutionError as exc:
            return exc
        return None

    with client.setup_kernel():
        for index, cell in enumerate(nb.cells[:scratch_index]):
            client.execute_cell(cell, index)
        for gid in exercises:
            if gid in unknown:
                continue
            original = by_id[gid].source
            for label, source in wrong.get(gid, []):
                err = run(source)
                if err is not None:
                    problems.append(f"WRONG {gid} / {label}: the mutant itself fails to run: {_first_line(err)}")
                elif run(by_id[f"test_{gid}_hidden"].source) is None:
                    problems.append(f"WRONG {gid} / {label}: test_{gid}_hidden PASSES; it must catch this mistake")
                run(original)
            for label, source in correct.get(gid, []):
                err = run(source)
                for test_id in (f"test_{gid}", f"test_{gid}_hidden"):
                    err = err or run(by_id[test_id].source)
                    if err is not None:
                        problems.append(f"CORRECT {gid} / {label}: {test_id} fails: {_first_line(err)}")
                        break
                run(original)
            # the restored solution passes its tests again (the harness left no trace)
            for test_id in (f"test_{gid}", f"test_{gid}_hidden"):
                err = run(by_id[test_id].source)
                if err is not None:
                    problems.append(f"after restoring {gid}, {test_id} fails: {_first_line(err)}")
    assert not problems, f"{aid}:\n- " + "\n- ".join(problems)
