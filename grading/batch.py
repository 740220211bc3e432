"""Grade a class: every submission of one or all assignments, in parallel, into the gradebook.

Each submission is graded by its own worker process (``python -m grading.worker``) with its own
kernel, its own working folder and no database access; up to ``workers`` run at once. The main
process records each result as it arrives, one at a time, then exports the grades as CSV.
A worker that exceeds the whole-submission time limit is killed together with its kernel; a worker
that fails leaves the status ``grader_error``. Neither touches any other student's grade.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat

from . import assemble as asm
from . import sandbox as sb
from .config import ConfigError, Settings
from .feedback import copy_exchange_stamps, write_feedback
from .store import Store, export_csv
from .worker import STATUSES, empty_result, file_sha256, submission_timestamp

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


def _stub_source(source_nb):
    """The source as the worker gets it: tests (hidden ones too: they must run) but no solutions."""
    nb = copy.deepcopy(source_nb)
    for cell in nb.cells:
        if asm.cell_kind(cell) == "solution" and cell.get("cell_type") == "code":
            cell.source = asm.stub_solution(cell.get("source", ""))
    return nb


class _Reader(threading.Thread):
    """Read the worker's result channel to its end, keeping at most ``cap`` bytes."""

    def __init__(self, fd: int, cap: int, keep_tail: bool = False):
        super().__init__(daemon=True)
        self.fd, self.cap, self.keep_tail = fd, cap, keep_tail
        self.chunks: list[bytes] = []
        self.size = 0
        self.over = False
        self.done = threading.Event()
        self.stop = threading.Event()

    def run(self):
        import select

        try:
            while not self.stop.is_set():
                ready, _, _ = select.select([self.fd], [], [], 0.2)
                if not ready:
                    continue
                block = os.read(self.fd, 1 << 20)
                if not block:
                    break
                if self.size + len(block) > self.cap:
                    if self.keep_tail:  # a log: keep its last ``cap`` bytes, read on
                        self.chunks = [(b"".join(self.chunks) + block)[-self.cap:]]
                        self.size = len(self.chunks[0])
                        continue
                    self.over = True
                    break
                self.chunks.append(block)
                self.size += len(block)
        finally:
            os.close(self.fd)
            self.done.set()


def _staged(submission: Path, folder: Path) -> Path | None:
    """A copy of the submitted notebook that the sandbox's own uid can read.

    Files from an LMS zip or a strict umask may be readable by their owner only (zip entries without
    permission bits unpack as 0600), which a sandboxed worker running under a uid of its own could
    not open. The copy is read-only for everyone; the original is not touched."""
    if not submission.is_file():
        return None
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    copy = folder / submission.name
    shutil.copyfile(submission, copy)
    os.chmod(copy, 0o444)
    return folder


def run_worker(job: dict, timeout: float, env: dict, tmp: Path, box: sb.Sandbox | None = None,
               limits: sb.Limits | None = None, max_result_bytes: int = 64 << 20, uid=None):
    """Run one worker process; always return (result, graded notebook or None).

    Timeouts, crashes and results that fail the checks become statuses of this submission only.
    """
    key = uuid.uuid4().hex
    sandboxed = box is not None and box.active
    submission = Path(job["submission"])
    inner = dict(job)
    inner["source_nb"] = nbformat.writes(_stub_source(nbformat.read(job["source"], as_version=4)))
    inner.pop("source")
    inner["limits"] = limits.as_job() if limits is not None and sandboxed else None  # limits come with the sandbox
    inner["sandboxed"] = sandboxed
    if sandboxed:
        inner["submission"] = f"{sb.SUBMISSION}/{submission.name}"
        inner["workdir"] = sb.WORK
    else:
        inner["pid_file"] = str(tmp / f"{key}.kernel.pid")
    read_fd, write_fd = os.pipe()
    argv = [sys.executable, "-m", "grading.worker", "--result-fd", str(write_fd)]
    cmd = None
    try:
        if sandboxed:
            cmd = sb.bwrap_command(box.bwrap, argv, submission_dir=_staged(submission, tmp / f"{key}.submission"),
                                   limits=limits, env=sb.sandbox_env(env), uid=uid)
            args = cmd.args
        else:
            args = argv
        # the log (the worker's and the kernel's own output) is a pipe too: its tail is kept, the rest
        # dropped, so a submission cannot fill the grader's disk through it
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True, pass_fds=(write_fd,))
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
        if cmd is not None:
            cmd.close()
    reader = _Reader(read_fd, max_result_bytes)
    reader.start()
    log = _Reader(os.dup(proc.stdout.fileno()), 1 << 16, keep_tail=True)
    proc.stdout.close()
    log.start()
    try:
        proc.stdin.write(json.dumps(inner).encode("utf-8"))
        proc.stdin.close()
    except OSError:
        pass
    deadline = time.monotonic() + timeout
    code = None
    while time.monotonic() < deadline:
        try:
            code = proc.wait(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            if reader.over:
                break
    if code is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the worker's own process group (and the sandbox with it)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
    reader.done.wait(5)  # the sandbox has ended: its end of the channel is closed
    reader.stop.set()
    reader.done.wait(5)
    if sandboxed:
        log.done.wait(5)  # the sandbox is gone, and with it every writer of the log
    log.stop.set()  # without it, processes the submission left may hold the log open
    shutil.rmtree(tmp / f"{key}.submission", ignore_errors=True)
    pid_file = tmp / f"{key}.kernel.pid"
    if not sandboxed and pid_file.is_file():  # kernels run in their own session: stop this one by pid
        try:
            _kill(int(pid_file.read_text().strip()))
        except ValueError:
            pass
    if reader.over:
        return empty_result(job, "invalid_result", f"the grading process sent more than {max_result_bytes} bytes "
                                                   f"(c.CourseGrading.max_result_bytes) and was stopped"), None
    if code is None:
        return empty_result(job, "timeout", f"the submission took longer than the {timeout:g} s limit "
                                            f"for one whole submission and was stopped"), None
    data = b"".join(reader.chunks)
    if code != 0 or not data:
        log.done.wait(5)
        tail = b"".join(log.chunks).decode("utf-8", "replace")[-2000:]
        if sandboxed:
            return empty_result(job, "invalid_result", f"the sandbox ended without a result (exit code {code}); "
                                                       f"code in the submission may have stopped the grader: {tail}"), None
        return empty_result(job, "grader_error", f"the grading process exited with code {code}: {tail}"), None
    source_nb = nbformat.read(job["source"], as_version=4)
    try:
        doc = sb.decode(data)
        result = sb.check_result(doc, job, asm.test_cells(source_nb), STATUSES)
    except sb.ResultError as err:
        return empty_result(job, "invalid_result", f"the grading process returned a result that failed the checks: {err}"), None
    graded = doc.get("graded")
    nb = sb.check_notebook(graded, max_result_bytes) if graded is not None else None
    if graded is not None and nb is None:
        result["notes"].append("the graded notebook that came back was not a valid notebook: not kept")
    # what the batch knows itself, not what the sandbox says
    result["submission_sha256"] = file_sha256(submission)
    result["timestamp"] = submission_timestamp(submission.parent, submission)
    return result, nb


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
    limits = settings.limits()
    box = sb.resolve(settings.sandbox, limits)  # raises when required and not working
    log(box.banner())
    if not box.active and box.mode != "off":
        print(f"WARNING: {box.banner()}", file=sys.stderr)
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
        uids: set[int] = set()
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
                    futures[pool.submit(run_worker, job, settings.submission_timeout, env, Path(tmp), box, limits,
                                        settings.max_result_bytes, sb.pick_uid(uids) if box.active else None)] = job
            for fut in as_completed(futures):
                job = futures[fut]
                nb = None
                try:
                    out = fut.result()
                    result, nb = out if isinstance(out, tuple) else (out, None)
                except Exception as err:  # defensive: a failure here is this submission's status only
                    result = empty_result(job, "grader_error", f"{type(err).__name__}: {err}")
                result = _fill_tests(result, sources[job["assignment"]])
                if box.note() and result["status"] != "missing":
                    result["notes"].append(box.note())
                source = sources[job["assignment"]]
                secret = [line for c in source.cells if asm.cell_kind(c) == "test"
                          for line in asm.hidden_lines(c.get("source", ""))]
                if nb is not None:
                    workdir = Path(job["workdir"])
                    workdir.mkdir(parents=True, exist_ok=True)
                    nbformat.write(nb, str(workdir / f"{job['assignment']}.ipynb"))
                write_feedback(result, nb, Path(job["feedback_dir"]), secret)
                copy_exchange_stamps(Path(job["submission"]).parent, Path(job["workdir"]), Path(job["feedback_dir"]))
                with lock:
                    store.record(result, run_id)
                results.append(result)
                log(f"  {result['assignment']:<28} {result['student']:<24} {result['status']:<16} "
                    f"{result['score']:g}/{result['max_score']:g}  ({result.get('seconds', 0):.1f} s)")
        rows = store.rows()
    out = export_csv(rows, settings.root / settings.grades_csv)
    log(f"grades written to the gradebook and to {out}")
    return results
