"""Make nbgrader's own ``generate_feedback`` safe: no hidden-test code in what students receive.

nbgrader renders feedback from the autograded notebook, in which every hidden test cell holds its
full code, and a failing hidden test's traceback quotes its lines. ``nbgrader_config.py`` puts
:class:`HideHiddenTests` into ``GenerateFeedback.preprocessors`` right after nbgrader's
``GetGrades``, so that every way of producing feedback (``python -m grading grade``, or
``nbgrader generate_feedback`` as nbgrader's documentation teaches, then ``release_feedback``)
gives students the same thing: each hidden test's docstring and its verdict, never its code.

Hidden tests are recognised twice over: by the markers in the cell itself and by the gradebook's
copy of the source cell (nbgrader's autograde restores it), so a cell whose markers were removed
is still hidden. Every output of every cell is then scrubbed of hidden-test lines.
"""

from __future__ import annotations

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List

from . import assemble as asm
from .feedback import scrub, scrub_output


def _gradebook_sources(resources) -> dict[str, str]:
    """grade id -> source of the assignment's source cells, as the gradebook holds them."""
    info = (resources or {}).get("nbgrader", {})
    if not info.get("db_url"):
        return {}
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            return {cell.name: cell.source or "" for cell in notebook.source_cells}
    except MissingEntry:
        return {}


def _verdict(cell, message: str) -> str:
    meta = cell.metadata.get("nbgrader", {})
    score, points = meta.get("score"), meta.get("points")
    if score is None or points is None:
        return "Result: not graded yet"
    verdict = "PASSED" if float(score) >= float(points) else "FAILED"
    text = f"{verdict} ({float(score):g} of {float(points):g} points)"
    return text + (f"\n{message}" if message and verdict == "FAILED" else "")


def _error_message(cell, secret) -> str:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return scrub(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}", secret)[:2000]
    return ""


class HideHiddenTests(NbGraderPreprocessor):
    """Replace each hidden test cell by its docstring and verdict; scrub hidden lines from outputs."""

    # nbconvert's HTML exporter configures this for every preprocessor it runs; declared here (as
    # nbgrader's GetGrades does) so that it is a known option, not a warning on every run.
    display_data_priority = List(["text/html", "application/pdf", "text/latex", "image/svg+xml", "image/png",
                                  "image/jpeg", "text/plain"]).tag(config=True)

    def preprocess(self, nb, resources):
        sources = _gradebook_sources(resources)
        hidden_ids, secret = set(), set()
        for cell in nb.cells:
            gid = asm.grade_id(cell)
            lines = asm.hidden_lines(cell.get("source", "")) + asm.hidden_lines(sources.get(gid, ""))
            if lines and asm.cell_kind(cell) == "test":
                hidden_ids.add(gid)
                secret.update(lines)
        for gid, source in sources.items():  # hidden lines of cells the notebook lacks, too
            secret.update(asm.hidden_lines(source))
        for cell in nb.cells:
            if cell.get("cell_type") != "code":
                continue
            if asm.grade_id(cell) in hidden_ids:
                text = cell.source.strip()
                doc = text.splitlines()[0] if text.startswith(('"""', "'''")) else '"""Hidden tests."""'
                message = _error_message(cell, secret)
                cell.source = f"{doc}\n# Hidden tests: their code is not shown."
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=_verdict(cell, message) + "\n")]
            else:
                cell.outputs = [scrub_output(o, secret) for o in cell.get("outputs", [])]
        return nb, resources
