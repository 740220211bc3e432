"""Grade one submission, in its own process: ``python -m grading.worker --result-fd N < job.json``.

The batch runs one worker per submission, so a submission that crashes the Python process, eats the
memory or never finishes costs only its own grade. The worker reads the job (the source notebook
without the instructor's solutions, where the submission is, limits) from stdin, applies the
resource limits to itself (the kernel inherits them), grades, and writes one JSON document -- the
result and the graded notebook -- to the descriptor it was given. It writes no file outside its
working folder and never touches the gradebook: the batch checks what comes back, writes the
instructor's copy and the feedback, and records results one at a time. Usually it runs inside the
sandbox (:mod:`grading.sandbox`).
"""

from __future__ import annotations

import sys

if __name__ == "__main__":  # a worker process: skip an optional import that costs seconds
    from grading import skip_slow_optional_imports

    skip_slow_optional_imports()

import datetime as _dt
import hashlib
import json
import os
import shutil
import time
import traceback
from pathlib import Path

import nbformat

from . import assemble as asm
from .execute import run
from .feedback import scrub

# Status of a submission, most severe first; a submission gets the first that applies.
STATUSES = (
    "grader_error",    # the grader itself failed on this submission (details in notes)
    "invalid_result",  # the sandbox returned no well-formed result (too large, wrong form, none)
    "missing",         # no notebook was submitted
    "corrupt",         # the file is not a readable notebook
    "tampered",        # code replaced functions or hooks the tests use (restored; flagged)
    "memory_limit",    # the submission hit the memory limit; the tests that ran still count
    "resource_limit",  # the submission hit the process, file size or disk limit
    "kernel_died",     # the kernel died (e.g. os._exit); later cells were not run
    "timeout",         # a cell hit the per-cell time limit, or the submission its overall limit
    "error",           # an answer or other non-test cell raised an exception (not NotImplementedError)
    "repaired",        # test cells or grading metadata were deleted, duplicated or edited; restored
    "output_truncated",  # a cell printed more than the output limit; the excess was dropped
    "ok",              # ran top to bottom
)
NOT_AN_ERROR = ("NotImplementedError",)
MEMORY_SIGNS = ("can't allocate memory", "Unable to allocate", "Cannot allocate memory", "out of memory")
RESOURCE_SIGNS = ("Resource temporarily unavailable", "File too large", "No space left on device",
                  "Disk quota exceeded", "can't start new thread")
MAX_MESSAGE = 2000


def file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def submission_timestamp(folder: Path, notebook: Path) -> str:
    """When the student submitted: nbgrader's ``timestamp.txt`` (written by ``nbgrader collect``),
    or "" when there is none, as nbgrader's own autograde records it. A file's modification time is
    not a submission time (copying changes it), and recorded as one it makes formgrader list the
    submission as newer than its grading, i.e. "needs autograding"."""
    stamp = folder / "timestamp.txt"
    if stamp.is_file():
        return stamp.read_text(errors="replace").strip()[:64]
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


def _limit_hit(o, signs) -> bool:
    text = f"{o.ename}: {o.evalue}"
    return any(sign in text for sign in signs)


def grade(job: dict) -> dict:
    """Grade the submission described by ``job`` here, in this process; always return a result dict."""
    return grade_notebook(job)[0]


def grade_notebook(job: dict, watchdog=None):
    """Grade the submission described by ``job``; always return (result dict, graded notebook or None)."""
    start = time.monotonic()
    if "source_nb" in job:
        source_nb = nbformat.reads(job["source_nb"], as_version=4)
    else:
        source_nb = nbformat.read(str(Path(job["source"])), as_version=4)
    submission = Path(job["submission"])
    workdir = Path(job["workdir"])
    try:
        student_nb = asm.read_submission(submission)
    except asm.SubmissionError as err:
        result = empty_result(job, err.kind, str(err), source_nb)
        result["submission_sha256"] = file_sha256(submission)
        return result, None

    assembled = asm.assemble(source_nb, student_nb)
    nb = assembled.nb
    if workdir.exists() and not job.get("sandboxed"):
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
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
    memory, resource = [], []
    limits = job.get("limits") or {}
    for idx, o in sorted(outcome.outcomes.items()):
        meta = nb.cells[idx].metadata["grading"]
        where = describe_cell(nb, idx)
        if limits and o.status == "error" and (o.ename == "MemoryError" or _limit_hit(o, MEMORY_SIGNS)):
            memory.append(where)
        elif limits and o.status == "error" and _limit_hit(o, RESOURCE_SIGNS):
            resource.append(f"{where}: {o.ename}: {o.evalue}"[:300])
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
    if watchdog is not None and watchdog.tripped_at is not None:
        memory.append(f"all processes together ({watchdog.tripped_at / 2**20:.0f} MiB resident): the kernel was stopped")
    if memory:
        notes.insert(0, f"memory limit of {int(limits.get('memory', 0)) / 2**20:.0f} MiB hit in " + ", ".join(memory)
                     + "; the tests that ran still count")
    if resource:
        notes.insert(0, f"resource limit hit (processes {limits.get('processes')}, file size "
                        f"{limits.get('file_bytes')} bytes, disk {limits.get('disk')} bytes) in " + "; ".join(resource))

    flags = {
        "tampered": bool(outcome.tampering) or outcome.guard_broken,
        "memory_limit": bool(memory),
        "resource_limit": bool(resource),
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
    return result, nb


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) not in (2, 4) or argv[0] != "--result-fd" or len(argv) == 4 and argv[2] != "--uid":
        print("usage: python -m grading.worker --result-fd N [--uid UID] < job.json", file=sys.stderr)
        return 2
    from . import sandbox

    sandbox.drop_privileges(int(argv[3]) if len(argv) == 4 else None)  # first, before reading anything
    out = int(argv[1])
    os.set_inheritable(out, False)  # the kernel does not get the result channel
    job = json.loads(sys.stdin.read())
    sys.stdin.close()

    sandboxed = bool(job.get("sandboxed")) and sandbox.in_sandbox()
    watchdog = None
    nb = None
    try:
        if job.get("limits"):
            sandbox.apply_limits(job["limits"], sandboxed)
            if sandboxed and int(job["limits"].get("memory", 0)) > 0:
                watchdog = sandbox.Watchdog(int(job["limits"]["memory"]))
                watchdog.start()
        result, nb = grade_notebook(job, watchdog)
    except Exception as err:  # record, never crash silently: the batch turns this into a status
        result = empty_result(job, "grader_error", f"{type(err).__name__}: {err}")
        result["notes"].append(traceback.format_exc()[-4000:])
    if watchdog is not None:
        watchdog.stop()
    if sandboxed:
        left = sandbox.sweep()  # nothing the submission started runs on while the result is written
        if left:
            result["notes"].append(f"{left} process(es) started by the submission were still running "
                                   f"after grading and were stopped")
    doc = {"result": result, "graded": nbformat.writes(nb) if nb is not None else None}
    with os.fdopen(out, "wb") as fh:
        fh.write(json.dumps(doc).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
