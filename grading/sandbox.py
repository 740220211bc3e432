"""The sandbox a grading worker and its kernel run in: bubblewrap, resource limits, checked results.

On Linux each worker (``python -m grading.worker``) and the kernel it starts run inside
bubblewrap (``bwrap``, Debian/Ubuntu package ``bubblewrap``), started by the batch:

* its own user, PID, network, IPC and UTS namespaces: no network at all (only its own loopback),
  no process outside the sandbox to see or signal, and everything still running in it is killed
  when the worker ends (the PID namespace goes with it) or the batch dies (``--die-with-parent``);
* a filesystem of read-only binds only: ``/usr`` and the system libraries, the Python
  installation and environment, and the ``grading`` and ``helpers`` packages -- never the course
  root, so no ``solutions/``, gradebook, other students' folders or instructor home; that one
  submission's folder read-only at ``/submission``; writable only a size-limited private scratch
  folder (``/run/grading/work``, the kernel's working folder) and an own empty ``/tmp``, both memory-backed
  and gone when the sandbox ends;
* when the grader runs as root, an unprivileged uid of its own (a fresh one per submission, so
  limits counted per user are that submission's alone), taken before anything of the submission
  is read; bubblewrap sets ``no_new_privs``, so no set-uid program gives root back.

The worker gets its job on stdin (the source notebook with the instructor's solutions removed;
the hidden tests are needed to run them) and writes one JSON document to a pipe. The batch reads at
most ``max_result_bytes`` of it and checks it against the source (:func:`check_result`); nothing
it returns is used as code or as a path.

Resource limits (``c.CourseGrading.memory_limit``, ``max_processes``, ``max_file_bytes``,
``disk_limit``; 0 switches one off) come with the sandbox: the worker applies them to itself before the kernel starts,
so the kernel and everything it starts inherit them: address space per process (a failed
allocation is a ``MemoryError`` in the cell: status ``memory_limit``, the tests before and after
still count), processes and threads, the size of any one file (``resource_limit``), and the size of
the scratch folder and ``/tmp``. A watchdog in the worker also stops the kernel when all processes of the
sandbox together use more resident memory than the limit.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .config import ConfigError

MODES = ("auto", "required", "off")
PACKAGE = "bubblewrap"
SANDBOX_CODE = "/opt/course-grading"  # where the grading and helpers packages appear inside
WORK = "/run/grading/work"
SUBMISSION = "/run/grading/submission"
# Fresh uids for sandboxed submissions when the grader is root: a range no distribution hands out.
UID_BASE, UID_SPAN = 420_000, 60_000
# System files a Python process needs; the rest of /etc (passwords, keys, configuration) stays out.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "alternatives",
             "mime.types", "fonts")
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")


class SandboxError(ConfigError):
    """The sandbox is required but does not work here; the message says why and what to install."""


@dataclass(frozen=True)
class Limits:
    memory: int = 4 << 30         # bytes of address space per process, and resident memory in all
    processes: int = 512          # processes and threads of the sandbox's user
    file_bytes: int = 1 << 30     # size of any one file written
    disk: int = 1 << 30           # size of the scratch folder and of /tmp (each, memory-backed)

    def as_job(self) -> dict:
        return {"memory": self.memory, "processes": self.processes, "file_bytes": self.file_bytes,
                "disk": self.disk}


@dataclass(frozen=True)
class Sandbox:
    """What the batch decided: ``active`` (bubblewrap in use) and, if not, why (``reason``)."""

    mode: str
    active: bool
    reason: str = ""
    bwrap: str | None = None

    def banner(self) -> str:
        if self.active:
            return f"sandbox: {self.mode} -> on (bubblewrap: no network, own PID namespace, read-only environment, private scratch)"
        if self.mode == "off":
            return "sandbox: off -> submissions run with the grader's own permissions (c.CourseGrading.sandbox = 'off')"
        return (f"sandbox: {self.mode} -> NOT AVAILABLE, grading WITHOUT a sandbox: {self.reason}. "
                f"Submissions run with the grader's own permissions; install {PACKAGE} "
                f"(apt-get install {PACKAGE}) or set c.CourseGrading.sandbox = 'required' to refuse")

    def note(self) -> str | None:
        """The line every submission's notes get when it was graded without the sandbox in auto mode."""
        if self.active or self.mode == "off":
            return None
        return f"graded WITHOUT the sandbox ({self.reason}): the submission ran with the grader's permissions"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def code_dirs() -> dict[str, Path]:
    """The packages the worker and the notebooks import, by name: bound read-only inside."""
    import importlib.util

    out = {"grading": Path(__file__).resolve().parent}
    spec = importlib.util.find_spec("helpers")
    if spec is not None and spec.submodule_search_locations:
        out["helpers"] = Path(list(spec.submodule_search_locations)[0]).resolve()
    return out


def _python_dirs() -> list[Path]:
    """The Python installation and the environment (venv), as real paths."""
    dirs = []
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
              os.path.dirname(os.path.realpath(sys.executable))):
        real = Path(os.path.realpath(p))
        if real.is_dir():
            dirs.append(real)
    dirs.append(Path(sys.executable).parent)  # the venv's bin, which may only hold symlinks
    out: list[Path] = []
    for d in sorted(set(dirs), key=lambda p: len(p.parts)):
        if not any(d == o or o in d.parents for o in out) and str(d) not in SYSTEM_DIRS \
                and not any(str(d).startswith(s + "/") for s in SYSTEM_DIRS):
            out.append(d)
    return out


class Command:
    """A bwrap command line."""

    def __init__(self):
        self.args: list[str] = []
        self.fds: list[int] = []
        self.made: set[str] = set()

    def bind(self, src: Path, dest: str) -> None:
        # folders bwrap creates on the way are root's and private: make them passable for the sandbox user
        for parent in reversed(Path(dest).parents[:-1]):
            if str(parent) not in self.made:
                self.made.add(str(parent))
                self.args += ["--perms", "0755", "--dir", str(parent)]
        self.args += ["--ro-bind", str(src), dest]

    def close(self) -> None:
        pass


def bwrap_command(bwrap: str, argv: list[str], *, submission_dir: Path | None, limits: Limits,
                  env: dict, uid: int | None, pass_uid: bool = True) -> Command:
    """The bwrap command that runs ``argv`` inside a fresh sandbox (see the module doc).

    As root, bwrap sets the sandbox up with the grader's rights (so it can bind a Python below a
    private home) and keeps only the right to change user; the command must then drop to ``uid``
    first thing (:func:`drop_privileges`), before it reads anything from the submission. Otherwise
    bwrap runs as the grader in a user namespace of its own.
    """
    c = Command()
    a = c.args
    a += [bwrap, "--die-with-parent", "--new-session", "--hostname", "grading"]
    if uid is not None:
        a += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
              "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        a += ["--unshare-all"]
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            a += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            a += ["--ro-bind", d, d]
    for name in ETC_FILES:
        if os.path.exists(f"/etc/{name}"):
            a += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    a += ["--proc", "/proc", "--dev", "/dev"]
    # The private /tmp and scratch folder first, the read-only binds after them: a course (and its
    # venv) that lives below /tmp, as a CI checkout may, is then bound on top of the empty /tmp
    # instead of being hidden by it.
    for dest in ("/tmp", WORK):
        for parent in reversed(Path(dest).parents[:-1]):
            if str(parent) not in c.made:
                c.made.add(str(parent))
                a += ["--perms", "0755", "--dir", str(parent)]
        a += ["--perms", "1777"]
        if limits.disk > 0:
            a += ["--size", str(limits.disk)]
        a += ["--tmpfs", dest]
        c.made.add(dest)
    for d in _python_dirs():
        c.bind(d, str(d))
    for name, d in code_dirs().items():
        c.bind(d, f"{SANDBOX_CODE}/{name}")
    if submission_dir is not None and submission_dir.is_dir():
        c.bind(submission_dir, SUBMISSION)
    a += ["--remount-ro", "/", "--chdir", WORK, "--clearenv"]
    for key, value in env.items():
        a += ["--setenv", key, value]
    a += ["--", *argv]
    if uid is not None and pass_uid:
        a += ["--uid", str(uid)]
    return c


def drop_privileges(uid: int | None) -> None:
    """Inside a sandbox started as root: become ``uid`` (no groups, no capabilities) for good."""
    if uid is None or os.getuid() != 0:
        return
    if not in_sandbox():
        raise RuntimeError("refusing to change user outside the sandbox")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise RuntimeError(f"could not become uid {uid}")


def sandbox_env(base: dict) -> dict:
    """The environment inside: only what Python, Jupyter and the BLAS libraries need."""
    keep = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "PYDEVD_DISABLE_FILE_VALIDATION", "LANG",
            "LC_ALL", "TZ")
    env = {k: base[k] for k in keep if k in base}
    env.update({
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp", "TMPDIR": "/tmp", "PYTHONPATH": SANDBOX_CODE, "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter-runtime", "JUPYTER_DATA_DIR": "/tmp/jupyter-data",
        "JUPYTER_CONFIG_DIR": "/tmp/jupyter-config", "IPYTHONDIR": "/tmp/ipython", "MPLCONFIGDIR": "/tmp/matplotlib",
        "MPLBACKEND": "agg", "COURSE_GRADING_SANDBOX": "1", "MALLOC_ARENA_MAX": "2",
    })
    return env


def pick_uid(taken: set[int]) -> int | None:
    """A fresh unprivileged uid for one sandbox when the grader is root; None otherwise."""
    if not _is_root():
        return None
    while True:
        uid = UID_BASE + random.randrange(UID_SPAN)
        if uid not in taken:
            taken.add(uid)
            return uid


def resolve(mode: str, limits: Limits) -> Sandbox:
    """Decide whether this batch grades in the sandbox; raise SandboxError when required but broken."""
    if mode not in MODES:
        raise SandboxError(f"c.CourseGrading.sandbox must be one of {MODES}, got {mode!r}")
    if mode == "off":
        return Sandbox(mode, False, "switched off")
    ok, why, bwrap = probe(limits)
    if ok:
        return Sandbox(mode, True, "", bwrap)
    if mode == "required":
        raise SandboxError(f"c.CourseGrading.sandbox = 'required' but the sandbox does not work here: {why}")
    return Sandbox(mode, False, why)


_PROBE = ("import os, socket, sys\n"
          "import grading.sandbox as sb\n"
          "sb.drop_privileges(int(sys.argv[2]) if sys.argv[2] != '-' else None)\n"
          "assert os.getuid() != 0, 'still root'\n"
          "assert os.getpid() < 10, 'not in its own PID namespace'\n"
          "seen = set(os.listdir(sys.argv[1])) if os.path.isdir(sys.argv[1]) else set()\n"
          "extra = sorted(seen - set(filter(None, sys.argv[3].split('/'))))\n"
          "assert not extra, f'the course folder is visible: {extra[:5]}'\n"
          "s = socket.socket()\n"
          "s.settimeout(1)\n"
          "try:\n    s.connect(('1.1.1.1', 53))\nexcept OSError:\n    pass\n"
          "else:\n    raise SystemExit('the network is reachable')\n"
          "open('/run/grading/work/probe', 'w').write('ok')\n"
          "import grading, helpers\n"
          "print('sandbox-ok', os.getuid())\n")


def probe(limits: Limits) -> tuple[bool, str, str | None]:
    """Run a trivial Python program in the sandbox exactly as a worker would; (works, why not, bwrap)."""
    if not sys.platform.startswith("linux"):
        return False, f"bubblewrap needs Linux (this is {sys.platform}); grade in a Linux VM or container", None
    bwrap = shutil.which(os.environ.get("COURSE_GRADING_BWRAP") or "bwrap")  # the variable: a bwrap elsewhere
    if bwrap is None:
        return False, f"`bwrap` not found (install the package {PACKAGE})", None
    uid = pick_uid(set())
    # Inside, the course folder may exist only as the way to a Python environment kept in it (a
    # .venv in the checkout is bound read-only); nothing else of the course may be there.
    root = Path(os.getcwd()).resolve()
    allowed = "/".join(sorted({d.relative_to(root).parts[0] for d in _python_dirs()
                               if root in d.parents}))
    # the same set-up as a worker's; the program is told the uid to drop to (a worker gets --uid)
    cmd = bwrap_command(bwrap, [sys.executable, "-c", _PROBE, str(root), str(uid) if uid is not None else "-",
                                allowed],
                        submission_dir=None, limits=limits, env=sandbox_env(dict(os.environ)), uid=uid,
                        pass_uid=False)
    try:
        proc = subprocess.run(cmd.args, capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as err:
        return False, f"`bwrap` could not be started: {type(err).__name__}: {err}", bwrap
    finally:
        cmd.close()
    if proc.returncode != 0 or "sandbox-ok" not in proc.stdout:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        return False, (f"`bwrap` is installed but a test program failed in it ({detail[0][:300]}); "
                       f"are user namespaces disabled (sysctl kernel.unprivileged_userns_clone, "
                       f"user.max_user_namespaces)?"), bwrap
    return True, "", bwrap


# --- inside the worker -----------------------------------------------------------------------

def in_sandbox() -> bool:
    return os.environ.get("COURSE_GRADING_SANDBOX") == "1" and os.getpid() < 100


def apply_limits(limits: dict, sandboxed: bool) -> None:
    """Set this process's limits (inherited by the kernel); the hard limits too, so they stay."""
    import resource

    def cap(which, value):
        if value and value > 0:
            resource.setrlimit(which, (value, value))

    cap(resource.RLIMIT_AS, int(limits.get("memory", 0)))
    cap(resource.RLIMIT_FSIZE, int(limits.get("file_bytes", 0)))
    if sandboxed:  # outside a user namespace of its own this would count all of the grader's processes
        cap(resource.RLIMIT_NPROC, int(limits.get("processes", 0)))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _others() -> list[int]:
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (me, 1)]


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class Watchdog(threading.Thread):
    """Inside the sandbox: stop every other process when together they hold more than ``limit`` bytes."""

    def __init__(self, limit: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.limit, self.interval = limit, interval
        self.tripped_at: int | None = None
        self._stop = threading.Event()

    def run(self):
        while not self._stop.wait(self.interval):
            total = sum(_rss(p) for p in _others())
            if total > self.limit:
                self.tripped_at = total
                sweep()
                return

    def stop(self):
        self._stop.set()


def sweep() -> int:
    """Inside the sandbox only: kill every process but this one (and the namespace's init)."""
    if not in_sandbox():
        return 0
    import signal

    killed = 0
    for _ in range(5):
        pids = _others()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        time.sleep(0.05)
    return killed


# --- back in the batch: only data, checked -------------------------------------------------------

class ResultError(Exception):
    """What the sandbox returned is not a well-formed result for this job."""


RESULT_KEYS = {"assignment": str, "student": str, "status": str, "notes": list, "score": (int, float),
               "max_score": (int, float), "tests": list, "tampering": list, "submission_sha256": (str, type(None)),
               "timestamp": str, "graded_at": str, "seconds": (int, float)}
TEST_KEYS = {"gid": str, "exercise": str, "hidden": bool, "max_points": (int, float), "points": (int, float),
             "passed": bool, "message": str, "ran": bool}
MAX_NOTES, MAX_NOTE = 100, 5000


def check_result(doc, job: dict, source_tests, statuses) -> dict:
    """The result in ``doc`` if it is one for this job and these tests; else raise ResultError.

    Identity, the tests, their points and the maximum come from the batch's own knowledge; the
    sandbox only tells which tests passed, the status and the messages, all of bounded size.
    """
    if not isinstance(doc, dict):
        raise ResultError(f"the result is a {type(doc).__name__}, not an object")
    result = doc.get("result")
    if not isinstance(result, dict):
        raise ResultError("no result object")
    for key, kind in RESULT_KEYS.items():
        if not isinstance(result.get(key), kind) or isinstance(result.get(key), bool) and kind != bool:
            raise ResultError(f"field {key!r} is missing or not {kind}")
    if (result["assignment"], result["student"]) != (job["assignment"], job["student"]):
        raise ResultError(f"the result is for {result['assignment']}/{result['student']}, not this submission")
    if result["status"] not in statuses:
        raise ResultError(f"unknown status {result['status'][:40]!r}")
    for key in ("notes", "tampering"):
        items = result[key]
        if len(items) > MAX_NOTES or not all(isinstance(n, str) and len(n) <= MAX_NOTE for n in items):
            raise ResultError(f"{key}: more than {MAX_NOTES} items, or not strings of at most {MAX_NOTE} characters")
    expected = {t.gid: t for t in source_tests}
    tests = result["tests"]
    gids = [t.get("gid") if isinstance(t, dict) else None for t in tests]
    if len(set(gids)) != len(gids) or not set(gids) <= set(expected):
        raise ResultError(f"the tests {gids[:20]} are not the assignment's")
    clean = []
    for t in tests:
        for key, kind in TEST_KEYS.items():
            if not isinstance(t.get(key), kind):
                raise ResultError(f"test field {key!r} is missing or not {kind}")
        src = expected[t["gid"]]
        if len(t["message"]) > MAX_NOTE:
            raise ResultError(f"test {t['gid']}: a message of {len(t['message'])} characters")
        passed = bool(t["passed"])
        clean.append({"gid": src.gid, "exercise": src.exercise, "hidden": src.hidden, "max_points": src.points,
                      "points": src.points if passed else 0.0, "passed": passed, "message": t["message"],
                      "ran": bool(t["ran"])})
    out = dict(result)
    out["tests"] = clean
    out["score"] = sum(t["points"] for t in clean)
    out["max_score"] = sum(t.points for t in source_tests) if len(clean) == len(source_tests) else \
        sum(t["max_points"] for t in clean)
    out["seconds"] = float(result["seconds"])
    return out


def check_notebook(text, max_bytes: int):
    """The graded notebook the sandbox returned, parsed and validated; None if absent or bad."""
    import nbformat

    if not isinstance(text, str) or len(text) > max_bytes:
        return None
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception:
        return None
    return nb


def read_capped(fd: int, cap: int) -> tuple[bytes, bool]:
    """Read ``fd`` to its end, keeping at most ``cap`` bytes; (data, whether more was sent)."""
    chunks, size, over = [], 0, False
    with os.fdopen(fd, "rb", buffering=0) as fh:
        while True:
            block = fh.read(1 << 20)
            if not block:
                break
            if size + len(block) > cap:
                over = True
                break
            chunks.append(block)
            size += len(block)
    return b"".join(chunks), over


def decode(data: bytes):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ResultError(f"the result is not JSON ({type(err).__name__})") from None
