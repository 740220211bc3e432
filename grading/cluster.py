"""Grade on a Dask cluster: the same tasks as on this machine, run by the workers of a scheduler.

``python -m grading grade --scheduler tcp://HOST:PORT`` (or ``c.CourseGrading.scheduler``) sends
each submission to the cluster as one task (:func:`grading.batch.build_task`): the bytes of the
submission's folder, the source without its solutions, the settings and the sandbox's mode and
limits -- data only, so the workers need no shared file system. A Dask worker runs
:func:`grading.batch.grade_task`, the same function the local pool runs: it writes the files to a
temporary folder, starts ``python -m grading.worker`` on them (in its own bubblewrap sandbox when
the sandbox is on) and returns the checked result and the graded notebook. The main process alone
records results, writes the instructor's copy, the feedback and the CSV, exactly as for local
grading.

A task's key is the hash of what it grades (submission bytes, source, settings), so a task that
Dask runs again after a worker died is the same task, and its result is recorded once. At most a
few tasks per worker thread are in flight at a time, so neither this process nor the scheduler
holds the whole class in memory.

Before anything is marked pending: the scheduler must answer within :data:`CONNECT_TIMEOUT`
seconds, the workers connected must have this machine's environment (the same package versions and
the same ``grading`` and ``helpers`` code: a grade must not depend on the machine), and with
``sandbox = "required"`` each must have a working sandbox. Otherwise :class:`ClusterError` (exit
code 2) and the gradebook is untouched. Workers that join later are checked by their first task:
a required sandbox that does not work there makes that submission ``grader_error``.

``distributed`` is an optional dependency (``pip install normalization-course[cluster]``);
nothing else in the package imports it.
"""

from __future__ import annotations

import hashlib
import platform
import sys
from pathlib import Path

from . import sandbox as sb
from .config import ConfigError

CONNECT_TIMEOUT = 5.0  # seconds to reach the scheduler
INSTALL = "pip install normalization-course[cluster]"
# What must be the same on every worker as here for a grade to mean the same.
PACKAGES = ("nbformat", "nbclient", "ipykernel", "jupyter_client", "nbgrader", "numpy", "scipy", "torch",
            "scikit-learn", "matplotlib")
TASKS_PER_THREAD = 2  # tasks in flight per worker thread (the rest wait in this process)


class ClusterError(ConfigError):
    """The cluster cannot grade: not installed, unreachable, or its workers differ from this machine."""


def _code_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def environment() -> dict[str, str]:
    """This machine's course environment: Python, the packages grading depends on, our own code."""
    from importlib import metadata

    env = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            env[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            env[name] = "not installed"
    for name, folder in sb.code_dirs().items():
        env[f"{name} code"] = _code_digest(folder)
    return env


def worker_sandbox(mode: str, limits: dict) -> tuple[bool, str]:
    """Run on a worker: (sandbox active, the banner or why it is refused), probed once per process."""
    from .batch import sandbox_for

    try:
        box = sandbox_for(mode, sb.Limits(**limits))
    except sb.SandboxError as err:
        return False, str(err)
    return box.active, box.banner()


class DaskBackend:
    """The workers of the Dask scheduler at ``address``; connected and checked on creation."""

    def __init__(self, address: str, sandbox_mode: str, limits: sb.Limits, *, log=print,
                 connect_timeout: float = CONNECT_TIMEOUT):
        try:
            import distributed
        except ImportError:
            raise ClusterError(f"grading on a Dask cluster (--scheduler, c.CourseGrading.scheduler) needs the "
                               f"package distributed, which is not installed: {INSTALL}") from None
        self.address = address
        try:
            self.client = distributed.Client(address, timeout=connect_timeout, set_as_default=False)
        except Exception as err:
            raise ClusterError(f"could not reach the Dask scheduler at {address} within {connect_timeout:g} s "
                               f"({type(err).__name__}: {err}); start it (`dask scheduler`) and its workers, check "
                               f"the address and the firewall, or grade on this machine without --scheduler. "
                               f"Nothing was graded") from None
        try:
            self._check(sandbox_mode, limits, log)
        except BaseException:
            self.client.close()
            raise

    def _check(self, mode: str, limits: sb.Limits, log) -> None:
        here = environment()
        try:
            theirs = self.client.run(environment)
        except Exception as err:  # typically: the workers cannot import grading
            raise ClusterError(f"the Dask workers could not run the course's code ({type(err).__name__}: "
                               f"{str(err)[:300]}); install the course on every worker machine, the same way as "
                               f"here (pip install -e '.[cluster]' in a checkout of the same commit)") from None
        differ = []
        for addr, env in sorted(theirs.items()):
            diff = [f"{k} {env.get(k, 'missing')} (here {v})" for k, v in here.items() if env.get(k) != v]
            if diff:
                differ.append(f"{addr}: " + ", ".join(diff))
        if differ:
            raise ClusterError("the Dask workers must have the course's environment (the packages and the grading "
                               "and helpers code of this machine; install the course on them the same way); these "
                               "differ: " + "; ".join(differ))
        boxes = self.client.run(worker_sandbox, mode, limits.as_job())
        off = {addr: why for addr, (active, why) in sorted(boxes.items()) if not active}
        if mode == "required" and off:
            raise sb.SandboxError("c.CourseGrading.sandbox = 'required' but the sandbox does not work on "
                                  + "; ".join(f"{a}: {why}" for a, why in off.items()))
        n = self._capacity()[0]
        if mode == "off":
            log("sandbox: off -> submissions run with the Dask workers' own permissions "
                "(c.CourseGrading.sandbox = 'off')")
        elif not boxes:
            log(f"sandbox: {mode} -> decided by each worker when it joins (no workers yet)")
        elif not off:
            log(f"sandbox: {mode} -> on, on all {len(boxes)} worker(s) (bubblewrap: no network, own PID "
                f"namespace, read-only environment, private scratch)")
        else:
            line = (f"sandbox: {mode} -> off on {len(off)} of {len(boxes)} worker(s): "
                    + "; ".join(f"{a}: {why}" for a, why in off.items()))
            log(line)
            print(f"WARNING: {line}", file=sys.stderr)
        if not n:
            log(f"no Dask workers are connected to {self.address} yet: the submissions wait for them "
                f"(start `dask worker {self.address} --nthreads 1 --nworkers N`)")

    def _capacity(self) -> tuple[int, int]:
        threads = self.client.nthreads()  # every worker (scheduler_info may list only a few)
        return len(threads), sum(threads.values())

    def describe(self) -> str:
        n, threads = self._capacity()
        return f"the Dask cluster at {self.address} ({n} worker(s), {threads} thread(s) now)"

    def run(self, jobs, make_task):
        """Yield ``(job, outcome)`` as each task finishes; the outcome is grade_task's dict or an exception."""
        from concurrent.futures import CancelledError

        from distributed import as_completed

        from .batch import grade_task

        todo = iter(jobs)
        in_flight: dict = {}
        failed: list = []
        done = as_completed(loop=self.client.loop)

        def fill():
            limit = max(8, TASKS_PER_THREAD * self._capacity()[1])
            while len(in_flight) < limit:
                job = next(todo, None)
                if job is None:
                    return
                try:
                    task = make_task(job)
                except Exception as err:  # e.g. an unreadable file: this submission's status only
                    failed.append((job, err))
                    continue
                fut = self.client.submit(grade_task, task, key=task["key"], pure=False)
                in_flight[fut.key] = job
                done.add(fut)

        fill()
        while failed:
            yield failed.pop()
        for fut in done:
            job = in_flight.pop(fut.key)
            try:
                out = fut.result()
            except CancelledError:  # the scheduler forgot it (restarted, or this client lost it)
                raise RuntimeError(f"the Dask scheduler at {self.address} dropped the task of "
                                   f"{job['assignment']}/{job['student']}") from None
            except Exception as err:  # e.g. KilledWorker: the workers running it kept dying
                out = err
            fut.release()
            yield job, out
            fill()
            while failed:
                yield failed.pop()

    def close(self) -> None:
        self.client.close()
