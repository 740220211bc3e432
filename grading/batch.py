"""Grade a class: every submission of one or all assignments, in parallel, into the gradebook.

Each submission is graded by its own worker process (``python -m grading.worker``) with its own
kernel, its own working folder and no database access; up to ``workers`` run at once. The main
process records each result as it arrives, one at a time, then exports the grades as CSV.
A worker that exceeds the whole-submission time limit is killed together with its kernel; a worker
that fails leaves the status ``grader_error``. Neither touches any other student's grade.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat

from .config import ConfigError, Settings
from .feedback import write_feedback
from .store import Store, export_csv
from .worker import empty_result

_SAFE_ID = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.@+")


def _valid_id(name: str) -> bool:
    return bool(name) and not name.startswith(".") and set(name) <= _SAFE_ID


def discover(settings: Settings, assignments=None, students=None) -> tuple[list[str], list[str]]:
    """The assignments and students to grade; raise ConfigError for unknown assignments."""
    available = settings.assignments()
    aids = list(assignments) if assignments else available
    unknown = [a for a in aids if a not in available]
    if unknown:
        raise ConfigError(f"no source notebook for {unknown} in {settings.path('source')}; "
                          f"available: {available or 'none'}")
    submitted = settings.path("submitted")
    folders = [p for p in submitted.iterdir() if p.is_dir()] if submitted.is_dir() else []
    found = sorted(p.name for p in folders if _valid_id(p.name))
    skipped = sorted(p.name for p in folders if not _valid_id(p.name) and not p.name.startswith("."))
    if skipped:
        print(f"warning: skipping folders in {submitted} that are not valid student ids: {skipped}", file=sys.stderr)
    if students:
        bad = [s for s in students if not _valid_id(s)]
        if bad:
            raise ConfigError(f"invalid student ids {bad}: use letters, digits, and _-.@+")
        return aids, sorted(set(students))
    return aids, found


def _thread_env(workers: int) -> dict:
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    threads = str(max(1, (os.cpu_count() or 1) // max(1, workers)))
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env.setdefault(var, threads)  # N kernels on N cores: avoid oversubscribing the CPU
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets a debugger warning in kernel logs
    return env


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_worker(job: dict, timeout: float, env: dict, tmp: Path) -> dict:
    """Run one worker process; always return a result (timeouts and crashes become statuses)."""
    key = uuid.uuid4().hex
    job = {**job, "result": str(tmp / f"{key}.result.json"), "pid_file": str(tmp / f"{key}.kernel.pid")}
    job_file = tmp / f"{key}.job.json"
    job_file.write_text(json.dumps(job))
    log_file = tmp / f"{key}.log"
    with log_file.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "grading.worker", str(job_file)], stdout=log,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the worker's own process group
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()
    pid_file = Path(job["pid_file"])
    if pid_file.is_file():  # kernels run in their own session: stop this submission's kernel by pid
        try:
            _kill(int(pid_file.read_text().strip()))
        except ValueError:
            pass
    if code is None:
        return empty_result(job, "timeout", f"the submission took longer than the {timeout:g} s limit "
                                            f"for one whole submission and was stopped")
    result_file = Path(job["result"])
    if code != 0 or not result_file.is_file():
        tail = log_file.read_text(errors="replace")[-2000:] if log_file.is_file() else ""
        return empty_result(job, "grader_error", f"the grading process exited with code {code}: {tail}")
    return json.loads(result_file.read_text())


def _fill_tests(result: dict, source_nb) -> dict:
    """Give results made without the source (timeouts, crashes) a zero line per test."""
    if result["tests"]:
        return result
    filled = empty_result({"assignment": result["assignment"], "student": result["student"]},
                          result["status"], result["notes"][0] if result["notes"] else result["status"], source_nb)
    filled["notes"] = result["notes"]
    filled["submission_sha256"] = result.get("submission_sha256")
    return filled


def grade_class(settings: Settings, assignments=None, students=None, *, log=print) -> list[dict]:
    """Grade, record and export; return the results of this run."""
    aids, studs = discover(settings, assignments, students)
    workers = settings.n_workers()
    run_id = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    sources = {aid: nbformat.read(str(settings.source_notebook(aid)), as_version=4) for aid in aids}
    jobs = []
    with Store(settings.db_url) as store:
        known = {(r["assignment"], r["student"]) for r in store.rows(aids)}
        pairs = {(a, s) for a in aids for s in studs}
        if not students:  # students graded before but gone from submitted/ are now missing
            pairs |= {k for k in known if k[0] in aids}
        for aid in aids:
            store.ensure_assignment(aid, sources[aid])
        for aid, student in sorted(pairs):
            store.mark_pending(aid, student, run_id)
            folder = settings.path("submitted") / student / aid
            workdir = settings.path("autograded") / student / aid
            feedback = settings.path("feedback") / student / aid
            for stale in (workdir, feedback):
                if stale.exists():
                    shutil.rmtree(stale)
            jobs.append({
                "assignment": aid, "student": student, "source": str(settings.source_notebook(aid)),
                "submission": str(folder / f"{aid}.ipynb"), "workdir": str(workdir),
                "feedback_dir": str(feedback), "cell_timeout": settings.cell_timeout,
                "probe_timeout": settings.probe_timeout, "max_output_bytes": settings.max_output_bytes,
            })
        log(f"grading {len(jobs)} submission(s) of {len(aids)} assignment(s) with {workers} worker(s) "
            f"[run {run_id}]")
        results = []
        env = _thread_env(workers)
        lock = threading.Lock()
        with tempfile.TemporaryDirectory(prefix="course-grading-") as tmp, \
                ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {}
            for job in jobs:
                if not Path(job["submission"]).is_file():
                    where = Path(job["submission"]).parent
                    note = (f"no {Path(job['submission']).name} in submitted/{job['student']}/{job['assignment']}/"
                            if where.is_dir() else f"nothing submitted for {job['assignment']}")
                    futures[pool.submit(lambda j=job, n=note: empty_result(j, "missing", n))] = job
                else:
                    futures[pool.submit(run_worker, job, settings.submission_timeout, env, Path(tmp))] = job
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    result = fut.result()
                except Exception as err:  # defensive: a failure here is this submission's status only
                    result = empty_result(job, "grader_error", f"{type(err).__name__}: {err}")
                result = _fill_tests(result, sources[job["assignment"]])
                if not (Path(job["feedback_dir"]) / "feedback.json").is_file():
                    write_feedback(result, None, Path(job["feedback_dir"]), [])
                with lock:
                    store.record(result, run_id)
                results.append(result)
                log(f"  {result['assignment']:<28} {result['student']:<24} {result['status']:<16} "
                    f"{result['score']:g}/{result['max_score']:g}  ({result.get('seconds', 0):.1f} s)")
        rows = store.rows()
    out = export_csv(rows, settings.root / settings.grades_csv)
    log(f"grades written to the gradebook and to {out}")
    return results
