"""A demo class: one generated student of each kind, to show and test what grading does.

``make_demo_class(settings, aid)`` writes ``submitted/<student>/<aid>/<aid>.ipynb`` for: a perfect
student, a blank one, a partial one, and one of each bad kind (an exception, an infinite loop, a
kernel that dies, a corrupt and a truncated file, deleted / duplicated / edited test cells,
stripped metadata, huge output, a missing notebook, and tampering). Everything is derived from the
assignment's source notebook, so it works for any assignment of the course.

``write_toy_assignment(folder)`` writes a small, fast assignment (five one-line exercises whose
tests use ``helpers``, ``np.allclose``, ``np.testing`` and ``torch.allclose``) used by the tests and
the benchmark; with wrong answers that return a value, tampering there would pay if not stopped.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import nbformat

from . import assemble as asm
from .config import Settings

TOY_ID = "toy_grading"
TOY_WRONG_BODY = "return x * 0"

TAMPER_CELLS = {
    "tamper_numpy": "import numpy as np\nnp.allclose = lambda *args, **kwargs: True",
    "tamper_testing": "import numpy as np\nnp.testing.assert_allclose = lambda *args, **kwargs: None",
    "tamper_torch": "import torch\ntorch.allclose = lambda *args, **kwargs: True",
    "tamper_helpers": ("import helpers, helpers.checks\n"
                       "assert_close = assert_equal = assert_true = lambda *args, **kwargs: None\n"
                       "helpers.assert_close = helpers.checks.assert_close = lambda *args, **kwargs: None"),
    "tamper_hook": ("ip = get_ipython()\n"
                    "ip.input_transformers_cleanup.append(\n"
                    "    lambda lines: [] if any('assert' in l or 'testing' in l for l in lines) else lines)"),
}
ALL_IN_ONE_TAMPER = (
    "import numpy as np, helpers, helpers.checks\n"
    "np.allclose = lambda *args, **kwargs: True\n"
    "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
    "try:\n    import torch\n    torch.allclose = lambda *args, **kwargs: True\nexcept ImportError:\n    pass\n"
    "assert_close = assert_equal = assert_shape = assert_true = lambda *args, **kwargs: None\n"
    "helpers.assert_close = helpers.checks.assert_close = lambda *args, **kwargs: None\n"
)


def _strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if asm.SOLUTION_BEGIN not in line and asm.SOLUTION_END not in line)


def _wrong(source: str, body: str) -> str:
    stub = asm.stub_solution(source)
    return stub.replace(asm.CODE_STUB, body)


def student_version(source_nb, answered=None, wrong_body: str | None = None):
    """The notebook a student would submit: answers for the solution cells in ``answered``
    (None: all), stubs (or ``wrong_body``) for the others, hidden tests removed."""
    nb = copy.deepcopy(source_nb)
    for cell in nb.cells:
        kind, gid = asm.cell_kind(cell), asm.grade_id(cell)
        if kind == "solution":
            if answered is None or gid in answered:
                cell.source = _strip_markers(cell.source)
            else:
                cell.source = _wrong(cell.source, wrong_body) if wrong_body else asm.stub_solution(cell.source)
        elif kind == "test":
            cell.source = asm.remove_hidden(cell.source)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def _solution_cells(nb):
    return [c for c in nb.cells if asm.cell_kind(c) == "solution" and c.cell_type == "code"]


def _insert_after_imports(nb, source: str):
    cells = nb.cells
    pos = next((i + 1 for i, c in enumerate(cells) if c.cell_type == "code" and not asm.grade_id(c)), 0)
    cells.insert(pos, nbformat.v4.new_code_cell(source))
    return nb


def make_demo_class(settings: Settings, aid: str, out: Path | None = None, *,
                    wrong_body: str | None = None, tamper_each: bool | None = None) -> dict[str, str]:
    """Write the demo class for ``aid``; return ``{student: what it shows}``."""
    src_path = settings.source_notebook(aid)
    if not src_path.is_file():
        raise FileNotFoundError(f"no source notebook {src_path}")
    source = nbformat.read(str(src_path), as_version=4)
    if aid == TOY_ID:
        wrong_body = TOY_WRONG_BODY if wrong_body is None else wrong_body
        tamper_each = True if tamper_each is None else tamper_each
    out = Path(out) if out else settings.path("submitted")
    sols = _solution_cells(source)
    if not sols:
        raise ValueError(f"{aid} has no solution cells to answer")
    gids = [asm.grade_id(c) for c in sols]
    perfect = student_version(source)
    made: dict[str, str] = {}

    def write(student: str, nb_or_text, what: str):
        folder = out / student / aid
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{aid}.ipynb"
        if isinstance(nb_or_text, str):
            path.write_text(nb_or_text, encoding="utf-8")
        else:
            nbformat.write(nb_or_text, str(path))
        made[student] = what

    write("perfect", perfect, "ok, full marks")
    write("blank", student_version(source, answered=set()), "ok, zero")
    write("partial", student_version(source, answered=set(gids[: math.ceil(len(gids) / 2)])),
          "ok, the first half of the exercises answered")

    nb = copy.deepcopy(perfect)
    first = _solution_cells(nb)[0]
    first.source = 'raise RuntimeError("demo: this cell fails before defining its function")\n' + first.source
    write("exception", nb, "error: the first answer cell raises")

    nb = copy.deepcopy(perfect)
    first = _solution_cells(nb)[0]
    first.source = "while True:  # demo: loops forever\n    pass\n" + first.source
    write("infinite_loop", nb, "timeout: the first answer cell never ends")

    nb = copy.deepcopy(perfect)
    target = _solution_cells(nb)[1 if len(gids) > 1 else 0]
    target.source = "import os\nos._exit(1)  # demo: the kernel dies\n" + target.source
    write("kernel_death", nb, "kernel_died: the second answer cell calls os._exit")

    write("corrupt", "{ this is not a notebook", "corrupt: not JSON")
    text = nbformat.writes(perfect)
    write("truncated", text[: len(text) // 2], "corrupt: the file is cut in half")

    nb = copy.deepcopy(perfect)
    tests = [c for c in nb.cells if asm.cell_kind(c) == "test"]
    for cell in tests[:2]:
        nb.cells.remove(cell)
    write("deleted_tests", nb, "repaired: two test cells deleted, put back")

    nb = copy.deepcopy(perfect)
    tests = [c for c in nb.cells if asm.cell_kind(c) == "test"]
    dup = copy.deepcopy(tests[0])
    dup.source, dup.id = "pass", "duplicate-cell"
    nb.cells.insert(nb.cells.index(tests[0]) + 1, dup)
    write("duplicated_tests", nb, "repaired: a test cell duplicated, the copy removed")

    nb = student_version(source, answered=set(), wrong_body=wrong_body)
    for cell in nb.cells:
        if asm.cell_kind(cell) == "test":
            cell.source = "pass  # tests? what tests?"
    write("edited_tests", nb, "repaired: unanswered, test cells replaced by `pass`; still zero")

    nb = copy.deepcopy(perfect)
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    write("stripped_metadata", nb, "repaired: all nbgrader metadata stripped; full marks")

    nb = copy.deepcopy(perfect)
    nb.cells.append(nbformat.v4.new_code_cell(f'print("x" * {3 * settings.max_output_bytes})'))
    write("huge_output", nb, "output_truncated: one cell prints 3x the output limit; full marks")

    folder = out / "missing" / aid
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("the notebook was not submitted\n")
    made["missing"] = "missing: no notebook in the folder"

    wrong = student_version(source, answered=set(), wrong_body=wrong_body)
    uses_torch = any("torch" in c.source for c in source.cells if c.cell_type == "code")
    if tamper_each:
        for student, code in TAMPER_CELLS.items():
            if student == "tamper_torch" and not uses_torch:
                continue
            write(student, _insert_after_imports(copy.deepcopy(wrong), code),
                  "tampered: wrong answers plus a patch that would make tests pass; zero")
    else:
        write("tamper", _insert_after_imports(copy.deepcopy(wrong), ALL_IN_ONE_TAMPER),
              "tampered: unanswered plus patched numpy/torch/helpers; zero")
    return made


# --- the toy assignment --------------------------------------------------------------------------
_TOY_TESTS = [
    ('assert_close(f0(1.0), 2.0, name="out", func="f0")',
     'assert_close(f0(np.array([7.5, -2.0])), np.array([8.5, -1.0]), name="out", func="f0")  # hidden check f0'),
    ('assert_true(np.allclose(f1(np.arange(3.0)), np.arange(3.0) + 2), "f1: wrong values")',
     'assert_true(np.allclose(f1(np.full(4, 0.25)), np.full(4, 2.25)), "f1: wrong values on a constant input")'),
    ("np.testing.assert_allclose(f2(np.arange(3.0)), np.arange(3.0) + 3)",
     "np.testing.assert_allclose(f2(np.linspace(-1.0, 1.0, 5)), np.linspace(-1.0, 1.0, 5) + 3)"),
    ('assert_true(np.allclose(f3(np.ones(2)), np.full(2, 5.0)), "f3: wrong")',
     'assert_true(np.allclose(f3(np.zeros(3)), np.full(3, 4.0)), "f3: wrong at 0")'),
    ('assert_equal(int(f4(1)), 6, name="out", func="f4")',
     'assert_close(f4(np.eye(2)), np.eye(2) + 5, name="out", func="f4")'),
]


_TOY_TORCH_TESTS = (
    'assert_true(torch.allclose(torch.as_tensor(f3(np.ones(2))), torch.full((2,), 5.0, dtype=torch.float64)), "f3: wrong")',
    'assert_true(torch.allclose(torch.as_tensor(f3(np.zeros(3))), torch.full((3,), 4.0, dtype=torch.float64)), "f3: wrong at 0")',
)


def toy_notebook(with_torch: bool = False):
    """The source notebook of the toy assignment (visible 1 point, hidden 2 points per exercise).

    ``with_torch``: exercise 3 is checked with ``torch.allclose`` (importing torch makes every
    submission a few seconds slower, so the default leaves it out).
    """
    tests = list(_TOY_TESTS)
    if with_torch:
        tests[3] = _TOY_TORCH_TESTS
    def meta(gid, *, solution=False, points=None):
        m = {"grade": points is not None, "solution": solution, "locked": not solution, "grade_id": gid,
             "schema_version": 3}
        if points is not None:
            m["points"] = points
        return {"nbgrader": m}

    cells = [nbformat.v4.new_markdown_cell("# A toy assignment\nFive one-line exercises for testing the grading."),
             nbformat.v4.new_code_cell("import numpy as np\n" + ("import torch\n" if with_torch else "")
                                       + "from helpers import assert_close, assert_equal, assert_true")]
    for k, (visible, hidden) in enumerate(tests):
        cells.append(nbformat.v4.new_markdown_cell(f"## Exercise {k}\n`f{k}(x)` returns `x + {k + 1}`."))
        cells.append(nbformat.v4.new_code_cell(
            f'def f{k}(x):\n    """Return x + {k + 1}."""\n    ### BEGIN SOLUTION\n    return x + {k + 1}\n    ### END SOLUTION',
            metadata=meta(f"f{k}", solution=True)))
        cells.append(nbformat.v4.new_code_cell(f'"""f{k} on a small case."""\n{visible}',
                                               metadata=meta(f"test_f{k}", points=1)))
        cells.append(nbformat.v4.new_code_cell(
            f'"""Hidden tests for f{k}."""\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS',
            metadata=meta(f"test_f{k}_hidden", points=2)))
    return nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"}})


def write_toy_assignment(course_root: Path, source_dir: str = "solutions", release_dir: str | None = "notebooks",
                         with_torch: bool = False) -> Path:
    """Write the toy assignment's source (and its student version) into a course folder."""
    nb = toy_notebook(with_torch)
    path = Path(course_root) / source_dir / TOY_ID / f"{TOY_ID}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    if release_dir:
        rel = Path(course_root) / release_dir / TOY_ID / f"{TOY_ID}.ipynb"
        rel.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student_version(nb, answered=set()), str(rel))
    return path


# expected (status, score) of each demo student of the toy assignment (15 points in all)
TOY_EXPECTED = {
    "perfect": ("ok", 15), "blank": ("ok", 0), "partial": ("ok", 9), "exception": ("error", 12),
    "infinite_loop": ("timeout", 12), "kernel_death": ("kernel_died", 3), "corrupt": ("corrupt", 0),
    "truncated": ("corrupt", 0), "deleted_tests": ("repaired", 15), "duplicated_tests": ("repaired", 15),
    "edited_tests": ("repaired", 0), "stripped_metadata": ("repaired", 15), "huge_output": ("output_truncated", 15),
    "missing": ("missing", 0), **{name: ("tampered", 0) for name in TAMPER_CELLS if name != "tamper_torch"},
}
# and with write_toy_assignment(..., with_torch=True):
TOY_EXPECTED_WITH_TORCH = {**TOY_EXPECTED, "tamper_torch": ("tampered", 0)}
