"""Grading on a Dask cluster (real Dask on loopback) means what grading on this machine means.

A ``distributed.LocalCluster`` of two worker processes grades part of the demo class of a real
assignment; every status, score, per-test result, feedback file and instructor's copy must equal
those of the same files graded by the local pool. A worker killed while it grades must cost
nothing: every submission graded, each recorded once. An unreachable scheduler must give a clear
error within seconds, exit code 2, and leave the gradebook untouched. Needs the package
``distributed`` (the ``cluster`` extra): skipped without it, failed under CI=true.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import copy_course
from test_grading import grading_cmd

from grading.config import load_settings
from grading.demo import make_demo_class

AID = "07_beyond_batchnorm"  # the fastest real assignment (about 5 s a notebook)
# the demo students worth comparing: every kind but the infinite loop (a cell timeout each)
STUDENTS = ("perfect", "exception", "kernel_death", "corrupt", "missing", "tamper", "stripped_metadata")
KILL_STUDENTS = ("perfect", "blank", "exception")


def _missing_distributed():
    message = "the package distributed is not installed (pip install 'normalization-course[cluster]')"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: the cluster tests must run)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on loopback; yields (cluster, a client of the test's own)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        _missing_distributed()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as local, Client(local, set_as_default=False) as client:
        yield local, client


def _demo_course(dest: Path, students=STUDENTS) -> Path:
    course = copy_course(dest, [AID])
    made = make_demo_class(load_settings(course), AID)
    unknown = set(students) - set(made)
    assert not unknown, f"the demo class of {AID} has no students {sorted(unknown)}; it has {sorted(made)}"
    for folder in (course / "submitted").iterdir():
        if folder.name not in students:
            shutil.rmtree(folder)
    return course


def _copy_class(src: Path, dest: Path) -> Path:
    """The same submitted files (bytes and times) in a separate copy of the course."""
    course = copy_course(dest, [AID])
    shutil.copytree(src / "submitted", course / "submitted")
    return course


def _grade(course: Path, **overrides):
    from grading.batch import grade_class

    return grade_class(load_settings(course, **overrides), log=lambda *a: None)


def _status_rows(course: Path) -> dict[str, dict]:
    db = sqlite3.connect(course / "gradebook.db")
    db.row_factory = sqlite3.Row
    try:
        return {r["student"]: dict(r) for r in db.execute("SELECT * FROM course_grading_status")}
    finally:
        db.close()


def _coalesced(text: str) -> str:
    """A notebook with each cell's stream outputs merged by name (stdout, stderr), in the order they
    first appear. How a cell's prints are cut into messages depends on when the kernel flushed
    them, which varies from run to run on the same machine (nbclient's ``coalesce_streams``).
    The execution count of the cell that kills its kernel (the demo's ``os._exit``) is masked too:
    whether the kernel announced the cell before it died is a race, on any backend."""
    nb = json.loads(text)
    for cell in nb["cells"]:
        if "os._exit(" in "".join(cell.get("source", "")):
            cell["execution_count"] = None
        merged, streams = [], {}
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                chunk = "".join(out["text"]) if isinstance(out["text"], list) else out["text"]
                if out["name"] in streams:
                    streams[out["name"]]["text"] += chunk
                    continue
                out = {**out, "text": chunk}
                streams[out["name"]] = out
            merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)


def _graded_files(course: Path) -> dict[str, bytes]:
    """Feedback files and instructor's copies, each with its own graded_at time (and the seconds
    the worker measured) replaced by a placeholder and the notebooks' streams coalesced:
    everything else must match byte for byte."""
    out = {}
    for top in ("feedback", "autograded"):
        for path in sorted((course / top).rglob("*")):
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            feedback_json = path.parent / "feedback.json"
            if top == "feedback" and feedback_json.is_file():
                stamp = json.loads(feedback_json.read_text())["graded_at"]
                text = text.replace(stamp, "GRADED_AT")
            text = re.sub(r'"seconds": [0-9.]+', '"seconds": 0', text)
            if path.suffix == ".ipynb":
                text = _coalesced(text)
            out[str(path.relative_to(course))] = text.encode("utf-8")
    return out


def test_a_dask_cluster_grades_exactly_like_this_machine(tmp_path, cluster):
    local_cluster, _ = cluster
    here = _demo_course(tmp_path / "local")
    there = _copy_class(here, tmp_path / "dask")
    start = time.monotonic()
    local = {r["student"]: r for r in _grade(here)}
    local_s = time.monotonic() - start
    start = time.monotonic()
    remote = {r["student"]: r for r in _grade(there, scheduler=local_cluster.scheduler_address)}
    remote_s = time.monotonic() - start
    print(f"{len(local)} submissions of {AID}: {local_s:.1f} s on this machine, {remote_s:.1f} s on the cluster")

    assert sorted(remote) == sorted(local) == sorted(STUDENTS), \
        f"graded on the cluster {sorted(remote)}, locally {sorted(local)}, expected {sorted(STUDENTS)}"
    assert local["perfect"]["status"] == "ok" and local["perfect"]["score"] == local["perfect"]["max_score"] > 0, \
        f"the perfect student got {local['perfect']['status']} {local['perfect']['score']}: the reference is wrong"
    differ = []
    for student in STUDENTS:
        a, b = local[student], remote[student]
        for key in ("status", "score", "max_score", "notes", "tampering", "submission_sha256", "timestamp"):
            if a[key] != b[key]:
                differ.append(f"{student} {key}: local {str(a[key])[:200]!r}, cluster {str(b[key])[:200]!r}")
        if [(t["gid"], t["points"], t["passed"], t["ran"], t["message"]) for t in a["tests"]] != \
                [(t["gid"], t["points"], t["passed"], t["ran"], t["message"]) for t in b["tests"]]:
            differ.append(f"{student}: per-test results differ")
    assert not differ, "the cluster graded differently:\n" + "\n".join(differ)

    def stored(course):  # the gradebook rows, less what names the run
        return {s: {k: v for k, v in r.items() if k not in ("graded_at", "run_id", "seconds")}
                for s, r in _status_rows(course).items()}

    assert stored(here) == stored(there), "the gradebook's status rows differ between the two backends"
    mine, theirs = _graded_files(here), _graded_files(there)
    assert sorted(mine) == sorted(theirs), \
        f"files only on this machine {sorted(set(mine) - set(theirs))}, only on the cluster {sorted(set(theirs) - set(mine))}"
    assert len([p for p in mine if p.startswith("feedback")]) >= 3 * (len(STUDENTS) - 1), \
        f"only {len(mine)} feedback files: {sorted(mine)}"
    changed = [p for p in mine if mine[p] != theirs[p]]
    assert not changed, f"feedback or instructor's copies differ byte for byte: {changed}"


def test_a_worker_killed_while_grading_costs_nothing(tmp_path, cluster, monkeypatch):
    """SIGKILL one worker process once it has been grading a submission for two seconds: Dask runs
    that task again elsewhere, and every submission is graded and recorded exactly once."""
    from grading import store

    local_cluster, client = cluster
    course = _demo_course(tmp_path / "course", KILL_STUDENTS)
    calls: dict[str, int] = {}
    original = store.Store.record

    def counting(self, result, run_id):
        calls[result["student"]] = calls.get(result["student"], 0) + 1
        return original(self, result, run_id)

    monkeypatch.setattr(store.Store, "record", counting)
    client.wait_for_workers(2, timeout=60)
    pids = client.run(os.getpid)
    killed: dict = {}

    def killer():
        seen: dict[str, float] = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for addr, keys in client.processing().items():
                for key in keys:
                    if str(key).startswith("grade-") and addr in pids:
                        first = seen.setdefault(f"{addr} {key}", time.monotonic())
                        if time.monotonic() - first >= 2.0:
                            os.kill(pids[addr], signal.SIGKILL)
                            killed.update(worker=addr, key=str(key))
                            return
            time.sleep(0.1)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    results = _grade(course, scheduler=local_cluster.scheduler_address)
    thread.join(5)

    assert killed, "no worker was killed: no task was seen running for 2 s, so this test proved nothing"
    rows = _status_rows(course)
    assert sorted(rows) == sorted(KILL_STUDENTS), f"gradebook rows for {sorted(rows)}, expected {sorted(KILL_STUDENTS)}"
    assert calls == {s: 1 for s in KILL_STUDENTS}, f"results recorded per student {calls}; each must be recorded once"
    assert sorted(r["student"] for r in results) == sorted(KILL_STUDENTS), [r["student"] for r in results]
    bad = {s: (r["status"], r["notes"][:1]) for s, r in rows.items()
           if r["status"] in ("pending", "grader_error", "invalid_result")}
    assert not bad, f"after the worker {killed['worker']} died grading {killed['key']}: {bad}"
    assert (rows["perfect"]["status"], rows["perfect"]["score"]) == ("ok", rows["perfect"]["max_score"]), rows["perfect"]
    assert (rows["blank"]["status"], rows["blank"]["score"]) == ("ok", 0), rows["blank"]
    assert rows["exception"]["status"] == "error", rows["exception"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_fails_fast_and_touches_nothing(tmp_path):
    try:
        import distributed  # noqa: F401
    except ImportError:
        _missing_distributed()
    course = _demo_course(tmp_path / "course", ("perfect", "blank"))
    address = f"tcp://127.0.0.1:{_free_port()}"  # nobody listens there
    start = time.monotonic()
    proc = grading_cmd(course, "grade", "--scheduler", address, timeout=120)
    seconds = time.monotonic() - start
    assert proc.returncode == 2, f"exit {proc.returncode}, expected 2 (EXIT_CONFIG):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    assert f"could not reach the Dask scheduler at {address}" in proc.stderr, proc.stderr[-2000:]
    assert seconds < 20, f"the error took {seconds:.1f} s; the connect timeout is 5 s"
    if (course / "gradebook.db").exists():
        with sqlite3.connect(course / "gradebook.db") as db:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            rows = db.execute("SELECT count(*) FROM course_grading_status").fetchone()[0] \
                if "course_grading_status" in tables else 0
        assert rows == 0, f"{rows} gradebook rows written although nothing was graded"
    for left in ("grades.csv", "feedback", "autograded"):
        assert not (course / left).exists(), f"{left} was written although nothing was graded"


def test_without_distributed_grading_imports_and_scheduler_says_what_to_install(tmp_path):
    """``distributed`` hidden from the import system: grading still imports and grades locally;
    --scheduler exits 2 naming the extra to install."""
    course = copy_course(tmp_path / "course", [AID])
    code = ("import sys; sys.modules['distributed'] = None\n"
            "import grading.batch, grading.cli, grading.cluster\n"
            f"sys.exit(grading.cli.main(['--root', {str(course)!r}, 'grade', '--scheduler', 'tcp://127.0.0.1:1']))\n")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=course, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, f"exit {proc.returncode}, expected 2:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    assert "pip install normalization-course[cluster]" in proc.stderr, proc.stderr[-2000:]
    assert not (course / "gradebook.db").exists() or not _status_rows(course), "rows written without a cluster"
