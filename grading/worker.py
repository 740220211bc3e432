"""Grade one submission, in its own process: ``python -m grading.worker <job.json>``.

The batch runs one worker per submission, so a submission that crashes the Python process, eats the
memory or never finishes costs only its own grade. The worker reads the job (paths and limits),
writes the graded notebook (instructor-only, with hidden tests) and the result JSON into the
submission's autograded folder, and the student feedback (hidden tests never shown) into its
feedback folder. It never touches the gradebook: the batch records results one at a time.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":  # a worker process: skip an optional import that costs seconds
    from grading import skip_slow_optional_imports

    skip_slow_optional_imports()

import datetime as _dt
import hashlib
import json
import shutil
import time
import traceback
from pathlib import Path

import nbformat

from . import assemble as asm
from .execute import run
from .feedback import scrub, write_feedback

# Status of a submission, most severe first; a submission gets the first that applies.
STATUSES = (
    "grader_error",    # the grader itself failed on this submission (details in notes)
    "missing",         # no notebook was submitted
    "corrupt",         # the file is not a readable notebook
    "tampered",        # code replaced functions or hooks the tests use (restored; flagged)
    "kernel_died",     # the kernel died (e.g. os._exit); later cells were not run
    "timeout",         # a cell hit the per-cell time limit, or the submission its overall limit
    "error",           # an answer or other non-test cell raised an exception (not NotImplementedError)
    "repaired",        # test cells or grading metadata were deleted, duplicated or edited; restored
    "output_truncated",  # a cell printed more than the output limit; the excess was dropped
    "ok",              # ran top to bottom
)
NOT_AN_ERROR = ("NotImplementedError",)
MAX_MESSAGE = 2000


def file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def submission_timestamp(folder: Path, notebook: Path) -> str:
    stamp = folder / "timestamp.txt"
    if stamp.is_file():
        text = stamp.read_text(errors="replace").strip()
        if text:
            return text[:64]
    try:
        return _dt.datetime.fromtimestamp(notebook.stat().st_mtime, _dt.timezone.utc).isoformat()
    except OSError:
        return ""


def empty_result(job: dict, status: str, note: str, source_nb=None) -> dict:
    tests = asm.test_cells(source_nb) if source_nb is not None else []
    return {
        "assignment": job["assignment"], "student": job["student"], "status": status, "notes": [note],
        "score": 0.0, "max_score": sum(t.points for t in tests),
        "tests": [{"gid": t.gid, "exercise": t.exercise, "hidden": t.hidden, "points": 0.0,
                   "max_points": t.points, "passed": False, "message": note, "ran": False} for t in tests],
        "tampering": [], "submission_sha256": None, "timestamp": "",
        "graded_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), "seconds": 0.0,
    }


def _message(outcome, voided: str | None, reason_not_run: str) -> str:
    if voided:
        return voided
    if outcome is None or outcome.status == "not_run":
        return reason_not_run
    if outcome.status == "ok":
        return ""
    text = f"{outcome.ename}: {outcome.evalue}" if outcome.evalue else outcome.ename
    if outcome.ename == "NotImplementedError" and not outcome.evalue:
        text += " (not answered yet: replace `raise NotImplementedError()` with your code)"
    elif outcome.ename in ("TypeError", "AttributeError") and "NoneType" in outcome.evalue:
        text = (f"{text}\n(a value is None where the test expected a result: does your function end with "
                f"`return`? A function without one returns None)")
    return text[:MAX_MESSAGE]


def describe_cell(nb, index: int) -> str:
    """A cell as a student can find it in JupyterLab: by its exercise or by its first line."""
    meta = nb.cells[index].metadata.get("grading", {})
    if meta.get("gid"):
        return f"the cell of `{meta['gid']}`"
    first = next((line.strip() for line in nb.cells[index].get("source", "").splitlines() if line.strip()), "")
    return f'the cell starting "{first[:60]}{"..." if len(first) > 60 else ""}"'


def watched_modules(source_nb) -> list[str]:
    """The modules the guard pins: torch's only when the assignment's code uses torch."""
    from .guard import WATCHED_MODULES

    uses_torch = any("torch" in c.get("source", "") for c in source_nb.cells if c.get("cell_type") == "code")
    return [m for m in WATCHED_MODULES if uses_torch or not m.startswith("torch")]


def grade(job: dict) -> dict:
    """Grade the submission described by ``job``; always return a result dict."""
    start = time.monotonic()
    source_path = Path(job["source"])
    source_nb = nbformat.read(str(source_path), as_version=4)
    submission = Path(job["submission"])
    workdir = Path(job["workdir"])
    try:
        student_nb = asm.read_submission(submission)
    except asm.SubmissionError as err:
        result = empty_result(job, err.kind, str(err), source_nb)
        result["submission_sha256"] = file_sha256(submission)
        return result

    assembled = asm.assemble(source_nb, student_nb)
    nb = assembled.nb
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    for item in submission.parent.iterdir():  # data files a submission brought along
        if item.name == submission.name or item.name.startswith(".ipynb_checkpoints"):
            continue
        target = workdir / item.name
        if item.is_dir():
            shutil.copytree(item, target, symlinks=False, dirs_exist_ok=True)
        elif item.is_file():
            shutil.copy2(item, target)

    skip = set()
    if job.get("visible_only"):
        skip = {i for i, c in enumerate(nb.cells) if c.metadata["grading"]["role"] == "test"
                and (c.metadata["grading"]["gid"].endswith("_hidden") or asm.HIDDEN_BEGIN in c.source)}
    outcome = run(nb, workdir, cell_timeout=float(job["cell_timeout"]), probe_timeout=float(job["probe_timeout"]),
                  max_output_bytes=int(job["max_output_bytes"]), bindings=asm.import_bindings(source_nb),
                  watch=watched_modules(source_nb), skip=frozenset(skip), pid_file=Path(job["pid_file"]) if job.get("pid_file") else None)

    secret_lines = [line for c in source_nb.cells if asm.cell_kind(c) == "test"
                    for line in asm.hidden_lines(c.get("source", ""))]
    index_of = {c.metadata["grading"]["gid"]: i for i, c in enumerate(nb.cells) if c.metadata["grading"]["gid"]}
    if outcome.kernel_died_at is not None:
        not_run = f"not run: the kernel died in {describe_cell(nb, outcome.kernel_died_at)}"
    elif outcome.hung_at is not None:
        not_run = f"not run: the kernel stayed busy after {describe_cell(nb, outcome.hung_at)} timed out"
    else:
        not_run = "not run"
    tests = []
    for t in asm.test_cells(source_nb):
        idx = index_of.get(t.gid)
        if idx in skip:
            continue
        o = outcome.outcomes.get(idx)
        voided = outcome.voided.get(idx)
        passed = o is not None and o.status == "ok" and not voided
        msg = _message(o, voided, not_run)
        if t.hidden:
            msg = scrub(msg, secret_lines)
        tests.append({"gid": t.gid, "exercise": t.exercise, "hidden": t.hidden, "max_points": t.points,
                      "points": t.points if passed else 0.0, "passed": passed, "message": msg,
                      "ran": o is not None and o.status != "not_run"})

    notes = list(assembled.repairs)
    errors = []
    timeouts = []
    for idx, o in sorted(outcome.outcomes.items()):
        meta = nb.cells[idx].metadata["grading"]
        where = describe_cell(nb, idx)
        if o.status == "timeout":
            timeouts.append(where)
        elif o.status == "error" and meta["role"] in ("solution", "student") and o.ename not in NOT_AN_ERROR \
                and o.ename != "DeadKernelError":
            errors.append(f"{where}: {o.ename}: {o.evalue}"[:MAX_MESSAGE])
    if outcome.tampering:
        notes.append("tampering detected (the originals were restored for the tests): " + "; ".join(outcome.tampering))
    if outcome.kernel_died_at is not None:
        notes.append(f"the kernel died in {describe_cell(nb, outcome.kernel_died_at)}; later cells were not run")
    if timeouts:
        notes.append(f"time limit of {float(job['cell_timeout']):g} s per cell exceeded in " + ", ".join(timeouts))
    if outcome.hung_at is not None:
        notes.append("the kernel did not respond after the interrupt; later cells were not run")
    notes.extend(f"exception in {e}" for e in errors)
    if outcome.truncated_cells:
        notes.append(f"output beyond {int(job['max_output_bytes'])} bytes dropped in "
                     + ", ".join(describe_cell(nb, i) for i in outcome.truncated_cells))

    flags = {
        "tampered": bool(outcome.tampering) or outcome.guard_broken,
        "kernel_died": outcome.kernel_died_at is not None,
        "timeout": bool(timeouts) or outcome.hung_at is not None,
        "error": bool(errors),
        "repaired": bool(assembled.repairs),
        "output_truncated": bool(outcome.truncated_cells),
    }
    status = next((s for s in STATUSES if flags.get(s)), "ok")
    result = {
        "assignment": job["assignment"], "student": job["student"], "status": status, "notes": notes,
        "score": sum(t["points"] for t in tests), "max_score": sum(t["max_points"] for t in tests),
        "tests": tests, "tampering": outcome.tampering, "submission_sha256": file_sha256(submission),
        "timestamp": submission_timestamp(submission.parent, submission),
        "graded_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - start, 2),
    }
    nbformat.write(nb, str(workdir / f"{job['assignment']}.ipynb"))
    if job.get("feedback_dir"):
        write_feedback(result, nb, Path(job["feedback_dir"]), secret_lines)
    return result


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m grading.worker <job.json>", file=sys.stderr)
        return 2
    job = json.loads(Path(argv[0]).read_text())
    try:
        result = grade(job)
    except Exception as err:  # record, never crash silently: the batch turns this into a status
        result = empty_result(job, "grader_error", f"{type(err).__name__}: {err}")
        result["notes"].append(traceback.format_exc()[-4000:])
    Path(job["result"]).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
