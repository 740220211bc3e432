"""Grade a class: every submission of one or all assignments, in parallel, into the gradebook.

Each submission is graded by its own worker process (``python -m grading.worker``) with its own
kernel, its own working folder and no database access. What a worker needs travels as data, a
*task* (:func:`build_task`: the submission folder's bytes, the assignment's source without its
solutions, the limits and settings), and what it gives back is data too (the result and the graded
notebook), so the same :func:`grade_task` runs on this machine, ``workers`` at once (the local
backend), or on the workers of a Dask cluster (:mod:`grading.cluster`, ``--scheduler``). The main
process alone records each result as it arrives, one at a time, writes the instructor's copy and
the feedback, then exports the grades as CSV. A worker that exceeds the whole-submission time limit
is killed together with its kernel; a worker that fails leaves the status ``grader_error``. Neither
touches any other student's grade.
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


def run_worker(job: dict, timeout: float, env: dict, tmp: Path, box: sb.Sandbox | None = None,
               limits: sb.Limits | None = None, max_result_bytes: int = 64 << 20, uid=None):
    """Run one worker process; always return (result, graded notebook or None).

    ``job`` names the submission and the working folder on this machine and holds the source
    without its solutions (``source_nb``, text). Timeouts, crashes and results that fail the
    checks become statuses of this submission only.
    """
    key = uuid.uuid4().hex
    sandboxed = box is not None and box.active
    submission = Path(job["submission"])
    inner = dict(job)
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
            cmd = sb.bwrap_command(box.bwrap, argv, submission_dir=submission.parent if submission.parent.is_dir() else None,
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
    source_nb = nbformat.reads(job["source_nb"], as_version=4)
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


# --- a task: one submission as data, graded wherever it runs ----------------------------------------

def _submission_files(folder: Path) -> tuple[dict[str, bytes], dict[str, int]]:
    """The regular files of a submission folder by relative path, and their mtimes (ns).

    Symbolic links are left out: followed, they could carry any file of this machine along.
    """
    files: dict[str, bytes] = {}
    mtimes: dict[str, int] = {}
    if not folder.is_dir():
        return files, mtimes
    for top, dirs, names in os.walk(folder):
        here = Path(top)
        if here == folder:
            dirs[:] = [d for d in dirs if not d.startswith(".ipynb_checkpoints")]
        for name in names:
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            rel = path.relative_to(folder).as_posix()
            files[rel] = path.read_bytes()
            mtimes[rel] = path.stat().st_mtime_ns
    return files, mtimes


def task_key(task: dict) -> str:
    """What the task grades, hashed: the same submission, source and settings give the same key."""
    import hashlib

    digest = hashlib.sha256()
    plain = {k: v for k, v in task.items() if k not in ("files", "key")}
    digest.update(json.dumps(plain, sort_keys=True).encode("utf-8"))
    for rel in sorted(task["files"]):
        digest.update(f"\0{rel}\0{len(task['files'][rel])}\0".encode("utf-8"))
        digest.update(task["files"][rel])
    return f"grade-{task['assignment']}-{task['student']}-{digest.hexdigest()[:32]}"


def build_task(job: dict, source_text: str, settings: Settings, limits: sb.Limits) -> dict:
    """One submission as data: its folder's bytes, the source without solutions, the settings."""
    submission = Path(job["submission"])
    files, mtimes = _submission_files(submission.parent)
    task = {
        "assignment": job["assignment"], "student": job["student"], "notebook": submission.name,
        "files": files, "mtimes": mtimes, "source_nb": source_text,
        "settings": {"cell_timeout": settings.cell_timeout, "probe_timeout": settings.probe_timeout,
                     "max_output_bytes": settings.max_output_bytes,
                     "submission_timeout": settings.submission_timeout,
                     "max_result_bytes": settings.max_result_bytes, "sandbox": settings.sandbox,
                     "limits": limits.as_job()},
    }
    task["key"] = task_key(task)
    return task


def _write_files(folder: Path, task: dict) -> None:
    """The task's files under ``folder``, with their original times, readable by everyone whatever
    the umask (a sandbox runs under a uid of its own; its bind of the folder is read-only)."""
    folder.mkdir(parents=True)
    for rel, data in task["files"].items():
        target = folder / rel
        if Path(rel).is_absolute() or ".." in Path(rel).parts or not target.resolve().is_relative_to(folder.resolve()):
            raise ValueError(f"a file path outside the submission folder: {rel[:200]!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.chmod(target, 0o644)
        mtime = task["mtimes"].get(rel)
        if mtime is not None:  # the submission's time is part of its result (when no timestamp.txt)
            os.utime(target, ns=(mtime, mtime))
    for top, dirs, _ in os.walk(folder):
        os.chmod(top, 0o755)


_BOXES: dict = {}
_UIDS: set[int] = set()
_LOCK = threading.Lock()


def sandbox_for(mode: str, limits: sb.Limits) -> sb.Sandbox:
    """This machine's sandbox for ``mode``, probed once per process; raise SandboxError when required
    and not working here."""
    with _LOCK:
        if (mode, limits) not in _BOXES:
            _BOXES[(mode, limits)] = sb.resolve(mode, limits)
        return _BOXES[(mode, limits)]


def grade_task(task: dict, *, box: sb.Sandbox | None = None, workdir: Path | None = None,
               parallel: int | None = None) -> dict:
    """Grade one task on this machine; return ``{"key", "result", "notebook"}`` (notebook: text or None).

    The task's files go to a temporary folder, the worker runs on them exactly as for any
    submission (in the sandbox when ``box``, or this machine's sandbox for the task's mode, is on),
    and the result comes back checked. ``workdir``: the kernel's working folder when there is no
    sandbox (default: a temporary one). ``parallel``: tasks running at once on this machine (for
    the BLAS threads; default one per core). Submissions never make it raise.
    """
    from . import skip_slow_optional_imports

    skip_slow_optional_imports()  # a Dask worker process never ran the CLI that does it
    conf = task["settings"]
    limits = sb.Limits(**conf["limits"])
    out = {"key": task["key"], "result": None, "notebook": None}
    try:
        box = box or sandbox_for(conf["sandbox"], limits)
    except sb.SandboxError as err:
        import socket

        out["result"] = empty_result(task, "grader_error", f"not graded on {socket.gethostname()}: {err}")
        return out
    uid = None
    if box.active:
        with _LOCK:
            uid = sb.pick_uid(_UIDS)
    try:
        with tempfile.TemporaryDirectory(prefix="course-grading-") as tmp:
            folder = Path(tmp) / "submission"
            _write_files(folder, task)
            job = {"assignment": task["assignment"], "student": task["student"], "source_nb": task["source_nb"],
                   "submission": str(folder / task["notebook"]), "workdir": str(workdir or Path(tmp) / "work"),
                   "cell_timeout": conf["cell_timeout"], "probe_timeout": conf["probe_timeout"],
                   "max_output_bytes": conf["max_output_bytes"]}
            result, nb = run_worker(job, conf["submission_timeout"], _thread_env(parallel or os.cpu_count() or 1),
                                    Path(tmp), box, limits, conf["max_result_bytes"], uid)
    finally:
        with _LOCK:
            _UIDS.discard(uid)  # its sandbox, and every process of that uid, is gone
    if box.note() and result["status"] != "missing":
        result["notes"].append(box.note())
    out["result"] = result
    out["notebook"] = nbformat.writes(nb) if nb is not None else None
    return out


class LocalBackend:
    """This machine: ``workers`` tasks at once, each a thread that runs one worker process."""

    def __init__(self, box: sb.Sandbox, workers: int):
        self.box, self.workers = box, workers

    def describe(self) -> str:
        return f"{self.workers} worker(s)"

    def run(self, jobs, make_task):
        """Yield ``(job, outcome)`` as each finishes; the outcome is grade_task's dict or an exception."""
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(self._one, job, make_task): job for job in jobs}
            for fut in as_completed(futures):
                try:
                    yield futures[fut], fut.result()
                except Exception as err:  # defensive: a failure here is this submission's status only
                    yield futures[fut], err

    def _one(self, job, make_task):
        return grade_task(make_task(job), box=self.box, workdir=Path(job["workdir"]), parallel=self.workers)

    def close(self) -> None:
        pass


def open_backend(settings: Settings, limits: sb.Limits, log=print):
    """The local pool, or the Dask cluster at ``settings.scheduler`` (connected here, before any
    submission is marked pending: an unreachable scheduler leaves the gradebook untouched)."""
    if settings.scheduler:
        from .cluster import DaskBackend

        return DaskBackend(settings.scheduler, settings.sandbox, limits, log=log)
    box = sb.resolve(settings.sandbox, limits)  # raises when required and not working
    with _LOCK:
        _BOXES[(settings.sandbox, limits)] = box  # the tasks use the sandbox probed here
    log(box.banner())
    if not box.active and box.mode != "off":
        print(f"WARNING: {box.banner()}", file=sys.stderr)
    return LocalBackend(box, settings.n_workers())


def grade_class(settings: Settings, assignments=None, students=None, *, log=print) -> list[dict]:
    """Grade, record and export; return the results of this run."""
    limits = settings.limits()
    backend = open_backend(settings, limits, log)
    try:
        return _grade_with(backend, settings, limits, assignments, students, log)
    finally:
        backend.close()


def _grade_with(backend, settings: Settings, limits: sb.Limits, assignments, students, log) -> list[dict]:
    aids, studs = discover(settings, assignments, students)
    run_id = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    sources = {aid: nbformat.read(str(settings.source_notebook(aid)), as_version=4) for aid in aids}
    stubs = {aid: nbformat.writes(_stub_source(nb)) for aid, nb in sources.items()}
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
            jobs.append({"assignment": aid, "student": student, "submission": str(folder / f"{aid}.ipynb"),
                         "workdir": str(workdir), "feedback_dir": str(feedback)})
        log(f"grading {len(jobs)} submission(s) of {len(aids)} assignment(s) with {backend.describe()} "
            f"[run {run_id}]")
        results = []

        def outcomes():
            graded = []
            for job in jobs:
                if Path(job["submission"]).is_file():
                    graded.append(job)
                    continue
                where = Path(job["submission"]).parent
                note = (f"no {Path(job['submission']).name} in submitted/{job['student']}/{job['assignment']}/"
                        if where.is_dir() else f"nothing submitted for {job['assignment']}")
                yield job, {"key": None, "result": empty_result(job, "missing", note), "notebook": None}
            yield from backend.run(graded, lambda j: build_task(j, stubs[j["assignment"]], settings, limits))

        recorded: set = set()
        for job, out in outcomes():
            nb = None
            if isinstance(out, BaseException):
                result = empty_result(job, "grader_error", f"{type(out).__name__}: {str(out)[:2000]}")
            else:
                key = out["key"] or (job["assignment"], job["student"])
                if key in recorded:  # a task run again (its worker died) is recorded once
                    continue
                recorded.add(key)
                result = out["result"]
                if out["notebook"] is not None:
                    nb = nbformat.reads(out["notebook"], as_version=4)
            result = _fill_tests(result, sources[job["assignment"]])
            source = sources[job["assignment"]]
            secret = [line for c in source.cells if asm.cell_kind(c) == "test"
                      for line in asm.hidden_lines(c.get("source", ""))]
            if nb is not None:
                workdir = Path(job["workdir"])
                workdir.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, str(workdir / f"{job['assignment']}.ipynb"))
            write_feedback(result, nb, Path(job["feedback_dir"]), secret)
            copy_exchange_stamps(Path(job["submission"]).parent, Path(job["workdir"]), Path(job["feedback_dir"]))
            store.record(result, run_id)
            results.append(result)
            log(f"  {result['assignment']:<28} {result['student']:<24} {result['status']:<16} "
                f"{result['score']:g}/{result['max_score']:g}  ({result.get('seconds', 0):.1f} s)")
        rows = store.rows()
    out = export_csv(rows, settings.root / settings.grades_csv)
    log(f"grades written to the gradebook and to {out}")
    return results
