"""Rebuild the notebook to grade from a student's submission and the assignment's source.

nbgrader's autograde trusts the submission's cell metadata; when a student deletes, duplicates or
edits test cells, or an editor strips the metadata, it grades the wrong thing or crashes (its
``add_missing_cells`` raises ``KeyError``). Here the *source* notebook decides what is graded:

* every test cell and locked cell comes from the source (with its hidden tests), whatever the
  submission holds, and deleted ones are put back in place;
* a solution cell keeps the student's code; if its metadata is gone, it is found again by the names
  it defines (``def batchnorm_forward``); if it is gone, an unanswered stub stands in;
* duplicated test cells are dropped, unknown grading metadata is removed, the kernel is the source's;
* every repair is written down, so the report can say what was fixed.

Each cell of the result carries ``metadata["grading"] = {"role", "gid"}``; roles are ``test``,
``solution``, ``locked`` (instructor cells restored from the source) and ``student``.
"""

from __future__ import annotations

import ast
import copy
import re
import uuid
from dataclasses import dataclass, field

import nbformat

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = "raise NotImplementedError()"


class SubmissionError(Exception):
    """The submission cannot be graded at all; ``kind`` is the per-student status."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def nbgrader_meta(cell) -> dict:
    meta = cell.get("metadata", {})
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def grade_id(cell) -> str | None:
    gid = nbgrader_meta(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def cell_kind(cell) -> str | None:
    """'test' (autograded test), 'solution' (student answer) or 'locked' for cells with a grade_id."""
    meta = nbgrader_meta(cell)
    if not grade_id(cell):
        return None
    if meta.get("solution"):
        return "solution"
    if meta.get("grade") and cell.get("cell_type") == "code":
        return "test"
    if meta.get("locked") or meta.get("grade"):
        return "locked"
    return None


@dataclass(frozen=True)
class TestCell:
    gid: str
    points: float
    hidden: bool
    exercise: str
    docstring: str


def _docstring(source: str) -> str:
    first = source.strip().splitlines()[0] if source.strip() else ""
    return first.strip().strip("\"'").strip()


def exercise_name(gid: str) -> str:
    name = gid[len("test_"):] if gid.startswith("test_") else gid
    return name[: -len("_hidden")] if name.endswith("_hidden") else name


def test_cells(nb) -> list[TestCell]:
    """The autograded test cells of a (source or release) notebook, in order."""
    out = []
    for cell in nb.cells:
        if cell_kind(cell) == "test":
            gid = grade_id(cell)
            src = cell.get("source", "")
            hidden = gid.endswith("_hidden") or HIDDEN_BEGIN in src
            out.append(TestCell(gid, float(nbgrader_meta(cell).get("points", 0) or 0), hidden,
                                exercise_name(gid), _docstring(src)))
    return out


def remove_hidden(source: str) -> str:
    """The source as students see it: hidden test regions (and their markers) removed."""
    out, hiding = [], False
    for line in source.splitlines():
        if HIDDEN_BEGIN in line:
            hiding = True
            continue
        if HIDDEN_END in line:
            hiding = False
            continue
        if not hiding:
            out.append(line)
    return "\n".join(out)


def hidden_lines(source: str) -> list[str]:
    """The stripped lines between the hidden-test markers (to scrub them from any feedback)."""
    out, hiding = [], False
    for line in source.splitlines():
        if HIDDEN_BEGIN in line:
            hiding = True
        elif HIDDEN_END in line:
            hiding = False
        elif hiding and line.strip():
            out.append(line.strip())
    return out


def stub_solution(source: str) -> str:
    """The source with each solution region replaced by an unanswered stub (as nbgrader releases it)."""
    out, skipping = [], False
    for line in source.splitlines():
        if SOLUTION_BEGIN in line:
            skipping = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + CODE_STUB)
            continue
        if SOLUTION_END in line:
            skipping = False
            continue
        if not skipping:
            out.append(line)
    return "\n".join(out)


def _normalized(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.splitlines() if line.strip())


_DEF = re.compile(r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)", re.M)


def defined_names(source: str) -> set[str]:
    return set(_DEF.findall(source))


def import_bindings(nb) -> list[tuple[str, str, str | None]]:
    """``(name, module, attr)`` bound by the imports of the source's instructor cells.

    Test cells rely on these names (``np``, ``assert_close``); the guard pins them while grading.
    """
    out = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or cell_kind(cell) == "solution":
            continue
        try:
            tree = ast.parse(remove_hidden(cell.get("source", "")))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        out.append((alias.asname, alias.name, None))
                    else:
                        top = alias.name.split(".")[0]
                        out.append((top, top, None))
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if alias.name != "*":
                        out.append((alias.asname or alias.name, node.module, alias.name))
    # a name bound to two different things by the instructor's own cells cannot be pinned
    targets: dict[str, set] = {}
    for name, module, attr in out:
        targets.setdefault(name, set()).add((module, attr))
    return [b for b in dict.fromkeys(out) if len(targets[b[0]]) == 1]


def read_submission(path) -> "nbformat.NotebookNode":
    """Read a submitted notebook; raise :class:`SubmissionError` when it is missing or unreadable."""
    from pathlib import Path

    path = Path(path)
    if not path.is_file():
        raise SubmissionError("missing", f"no notebook at {path.name}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SubmissionError("corrupt", f"the notebook file cannot be read: {err}") from None
    if not text.strip():
        raise SubmissionError("corrupt", "the notebook file is empty")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as err:  # invalid JSON, truncated file, not a notebook at all
        msg = str(err).splitlines()[0][:300] if str(err) else type(err).__name__
        raise SubmissionError("corrupt", f"the file is not a readable notebook ({msg})") from None
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise SubmissionError("corrupt", "the notebook has no list of cells")
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw") \
                or not isinstance(cell.get("source", ""), str):
            raise SubmissionError("corrupt", f"cell {i} of the notebook is malformed")
    return nb


@dataclass
class Assembled:
    nb: "nbformat.NotebookNode"
    repairs: list[str] = field(default_factory=list)


def _role(cell, role: str, gid: str | None):
    cell.setdefault("metadata", {})["grading"] = {"role": role, "gid": gid}
    return cell


def _fresh_code(source: str, metadata: dict | None = None):
    cell = nbformat.v4.new_code_cell(source)
    if metadata:
        cell.metadata.update(copy.deepcopy(metadata))
    return cell


def assemble(source_nb, student_nb) -> Assembled:
    """The notebook to execute: the student's cells, with the source's tests (see module doc)."""
    repairs: list[str] = []
    src_order: dict[str, int] = {}
    src_cells: dict[str, dict] = {}
    for i, cell in enumerate(source_nb.cells):
        gid = grade_id(cell)
        if gid and cell_kind(cell) and gid not in src_order:
            src_order[gid], src_cells[gid] = i, cell

    entries: list[list] = []  # [role, gid, cell]
    seen: set[str] = set()
    stripped_meta = 0
    for raw in student_nb.cells:
        cell = copy.deepcopy(raw)
        meta = cell.setdefault("metadata", {})
        if not isinstance(meta, dict):
            cell["metadata"] = meta = {}
        meta.pop("grading", None)
        if isinstance(cell.get("source"), list):  # the on-disk form, if a caller skipped nbformat.reads
            cell["source"] = "".join(str(part) for part in cell["source"])
        gid = grade_id(cell)
        if gid is None and "nbgrader" in meta:
            meta.pop("nbgrader", None)
        if gid is None:
            entries.append(["student", None, cell])
            continue
        if gid not in src_order:
            meta.pop("nbgrader", None)
            repairs.append(f"cell with unknown grade_id {gid!r}: grading metadata removed")
            entries.append(["student", None, cell])
            continue
        kind = cell_kind(src_cells[gid])
        if gid in seen:
            if kind == "solution":
                meta.pop("nbgrader", None)
                repairs.append(f"duplicate of answer cell {gid!r} kept as an ordinary cell")
                entries.append(["student", None, cell])
            else:
                repairs.append(f"duplicated test cell {gid!r} removed")
            continue
        seen.add(gid)
        entries.append([kind, gid, cell])

    # Cells whose metadata was stripped: find answers by the names they define, tests by their text.
    for gid in sorted(set(src_order) - seen, key=src_order.get):
        src = src_cells[gid]
        kind = cell_kind(src)
        for entry in entries:
            if entry[0] != "student" or entry[2].get("cell_type") != src.get("cell_type") and kind != "solution":
                continue
            text = entry[2].get("source", "")
            if kind == "solution":
                names = defined_names(src.get("source", ""))
                hit = bool(names) and bool(names & defined_names(text))
            else:
                hit = _normalized(text) == _normalized(remove_hidden(src.get("source", ""))) or (
                    kind == "test" and _docstring(text) != "" and _docstring(text) == _docstring(src.get("source", "")))
            if hit:
                entry[0], entry[1] = kind, gid
                seen.add(gid)
                stripped_meta += 1
                break
    if stripped_meta:
        repairs.append(f"grading metadata was missing on {stripped_meta} cell(s): restored from the source")

    # Restore instructor cells from the source; keep the student's code in answer cells.
    for entry in entries:
        kind, gid, cell = entry
        if kind in ("test", "locked"):
            src = src_cells[gid]
            if _normalized(cell.get("source", "")) not in (_normalized(remove_hidden(src.get("source", ""))),
                                                            _normalized(src.get("source", ""))):
                repairs.append(f"edited {'test' if kind == 'test' else 'locked'} cell {gid!r} restored from the source")
            new = copy.deepcopy(src)
            if new.get("cell_type") == "code":
                new["outputs"], new["execution_count"] = [], None
            entry[2] = new
        elif kind == "solution":
            src = src_cells[gid]
            new = _fresh_code(cell.get("source", ""), {k: v for k, v in cell.get("metadata", {}).items()
                                                       if k != "nbgrader"})
            new.metadata["nbgrader"] = copy.deepcopy(nbgrader_meta(src))
            if isinstance(cell.get("id"), str):  # the same file graded twice gives the same notebook
                new["id"] = cell["id"]
            if src.get("cell_type") != "code":
                new = copy.deepcopy(src)  # a written answer: keep the student's text, unscored here
                new["source"] = cell.get("source", "")
            entry[2] = new

    # Put back what was deleted, next to its neighbours in the source.
    present = {e[1] for e in entries if e[1]}
    for gid in sorted(set(src_order) - present, key=src_order.get):
        src = src_cells[gid]
        kind = cell_kind(src)
        new = copy.deepcopy(src)
        if new.get("cell_type") == "code":
            new["outputs"], new["execution_count"] = [], None
        if kind == "solution":
            new["source"] = stub_solution(src.get("source", ""))
            repairs.append(f"answer cell {gid!r} is missing: graded as unanswered")
        else:
            repairs.append(f"deleted {'test' if kind == 'test' else 'locked'} cell {gid!r} restored from the source")
        k = src_order[gid]
        before = [i for i, e in enumerate(entries) if e[1] and src_order[e[1]] < k]
        after = [i for i, e in enumerate(entries) if e[1] and src_order[e[1]] > k]
        pos = before[-1] + 1 if before else (after[0] if after else len(entries))
        entries.insert(pos, [kind, gid, new])

    cells, ids = [], set()
    for kind, gid, cell in entries:
        cell = nbformat.from_dict(cell)
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cid = cell.get("id")
        if not isinstance(cid, str) or cid in ids or not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", cid):
            cell["id"] = uuid.uuid4().hex[:12]
        ids.add(cell["id"])
        cells.append(_role(cell, kind, gid))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(dict(source_nb.get("metadata", {}))))
    return Assembled(nb, repairs)
