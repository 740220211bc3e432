"""Red team: malicious submissions graded in one batch beside honest students.

Each attack is one submission (a perfect or blank student plus one attack cell at the end) and is
bounded in count, time and bytes, so that graded with the sandbox off it cannot harm the machine.
With the sandbox on, every attack must fail, its submission must end with a clear status, and the
honest students' files, grades and feedback must be what they are when graded alone. With the
sandbox off the same attacks must succeed: otherwise these tests could not fail.

Needs bubblewrap (Debian/Ubuntu package ``bubblewrap``): skipped without it, failed under CI=true.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from test_grading import grading_cmd, read_grades

from grading.demo import TOY_ID, student_version, write_toy_assignment

HONEST = ("perfect", "partial")
LIMITS = """
c.ExecutePreprocessor.timeout = 30
c.CourseGrading.probe_timeout = 5
c.CourseGrading.submission_timeout = 120
c.CourseGrading.max_output_bytes = 100_000
c.CourseGrading.workers = 2
c.CourseGrading.memory_limit = 384 * 2**20
c.CourseGrading.max_processes = 64
c.CourseGrading.max_file_bytes = 64 * 2**20
c.CourseGrading.disk_limit = 64 * 2**20
c.CourseGrading.max_result_bytes = 8 * 2**20
"""
# The detached processes run `sleep 119.<mark>`: gone in two minutes, and easy to tell apart from
# any other test's (two of these tests may run at once)


def sleep_arg(mark: str) -> str:
    return f"119.{int(mark[:6], 16)}"

# Each attack: the cell appended to the student's notebook. COURSE, MARK, PORT and SPOOL are set
# in a first line; everything is bounded so that with the sandbox off it harms nothing lasting.
ATTACKS = {
    "read_solutions": """
print(open(f"{COURSE}/solutions/toy_grading/toy_grading.ipynb").read()[:20000])
""",
    "read_gradebook": """
import sqlite3
db = sqlite3.connect(f"file:{COURSE}/gradebook.db?mode=ro", uri=True)
hidden = [row[0] for row in db.execute("SELECT source FROM source_cell WHERE name LIKE '%hidden%'")]
print("\\n".join(text[::-1] for text in hidden))  # reversed, so the feedback's scrubbing misses it
""",
    "write_gradebook": """
import sqlite3, subprocess, sys, os
LOOP = f'''
import sqlite3, time
for _ in range(60):  # 30 s at most
    try:
        db = sqlite3.connect("{COURSE}/gradebook.db", timeout=1)
        db.execute("UPDATE grade SET auto_score = 0")
        db.execute("UPDATE course_grading_status SET score = 15 WHERE student = 'write_gradebook'")
        db.commit(); db.close()
    except Exception:
        pass
    time.sleep(0.5)
'''
db = sqlite3.connect(f"file:{COURSE}/gradebook.db?mode=rw", uri=True)
db.execute("UPDATE grade SET auto_score = 0")
db.commit()
p = subprocess.Popen([sys.executable, "-c", LOOP], start_new_session=True)
os.makedirs(SPOOL, exist_ok=True)
open(f"{SPOOL}/pids", "a").write(f"{p.pid} ")
""",
    "overwrite_other": """
open(f"{COURSE}/submitted/perfect/toy_grading/toy_grading.ipynb", "w").write("{ overwritten")
""",
    "network": """
import socket
s = socket.create_connection(("127.0.0.1", PORT), timeout=3)
s.sendall(MARK.encode())
s.close()
""",
    "leave_files": """
open(f"/tmp/redteam-{MARK}-tmp", "w").write("left behind")
open(f"{COURSE}/redteam-{MARK}-root", "w").write("left behind")
""",
    "detached_processes": """
import os, subprocess
os.makedirs(SPOOL, exist_ok=True)
started = []
try:
    for _ in range(100):
        started.append(subprocess.Popen(["sleep", SLEEP], start_new_session=True).pid)
finally:
    open(f"{SPOOL}/pids", "a").write(" ".join(map(str, started)) + " ")
print("started", len(started))
""",
    "memory": """
import numpy as np
block = np.ones(640 << 20, dtype=np.uint8)  # 640 MiB, every page touched
print("allocated", block.nbytes >> 20, "MiB")
del block
""",
    "memory_together": """
import os, time
import numpy as np
kids = []
for _ in range(10):  # 10 x 48 MiB: each under the per-process limit, together over it
    pid = os.fork()
    if pid == 0:
        try:
            block = np.ones(48 << 20, dtype=np.uint8)
            time.sleep(6)
        finally:
            os._exit(0)
    kids.append(pid)
for pid in kids:
    os.waitpid(pid, 0)
print("ten children held 480 MiB together")
""",
    "kill_batch": """
import os, signal
victims = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
        except OSError:
            continue
        if cwd == COURSE and b"grading" in cmd and b"grade" in cmd:  # this course's batch only
            victims.append(int(pid))
if not victims:
    raise ProcessLookupError("no grading batch to be found")
for pid in victims:
    os.kill(pid, signal.SIGKILL)
""",
    "fill_disk": """
import os
os.makedirs("fill", exist_ok=True)
block = b"\\0" * (8 << 20)
for i in range(64):  # 512 MiB at most
    with open(f"fill/{i}", "wb") as fh:
        fh.write(block)
print("wrote 512 MiB")
""",
    "gigantic_result": """
import os, time
parent = os.getppid()  # the worker: its result channel is a pipe
sent = 0
for fd in os.listdir(f"/proc/{parent}/fd"):
    path = f"/proc/{parent}/fd/{fd}"
    if not os.readlink(path).startswith("pipe:"):
        continue
    w = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    for _ in range(64):  # 64 MiB per pipe at most
        try:
            sent += os.write(w, b"x" * (1 << 20))
        except BlockingIOError:
            time.sleep(0.01)
    os.close(w)
print("sent", sent)
""",
}
BLANK_ATTACKERS = {"write_gradebook"}  # unanswered: raising its own score would show


def _sandbox_works() -> tuple[bool, str]:
    from grading import sandbox as sb

    ok, why, _ = sb.probe(sb.Limits(memory=1 << 30, processes=64, file_bytes=1 << 26, disk=1 << 26))
    return ok, why


def require_sandbox():
    ok, why = _sandbox_works()
    if ok:
        return
    message = f"the sandbox does not work here ({why}); install the Debian/Ubuntu package `bubblewrap`"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: the sandbox tests must run)")
    pytest.skip(message)


class Listener(threading.Thread):
    """A TCP listener on loopback that records every byte it receives."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(2)
            try:
                while chunk := conn.recv(4096):
                    self.received += chunk
            except OSError:
                pass
            conn.close()

    def stop(self):
        self.stopped.set()
        self.join(5)
        self.sock.close()


def make_class(course: Path, attacks, *, port: int, mark: str, honest=HONEST, like: Path | None = None) -> Path:
    """A course with the toy assignment, the honest students (copied from ``like``, same files and
    times, when given) and one student per attack."""
    course.mkdir(parents=True)
    shutil.copy2(Path(__file__).resolve().parents[1] / "nbgrader_config.py", course / "nbgrader_config.py")
    with (course / "nbgrader_config.py").open("a") as fh:
        fh.write(LIMITS)
    if like is not None:  # the very same source notebook (cell ids included)
        for folder in ("solutions", "notebooks"):
            if (like / folder).is_dir():
                shutil.copytree(like / folder, course / folder)
    else:
        write_toy_assignment(course)
    source = nbformat.read(str(course / "solutions" / TOY_ID / f"{TOY_ID}.ipynb"), as_version=4)
    students = {"perfect": student_version(source), "partial": student_version(source, answered={"f0", "f1", "f2"})}
    students = {s: nb for s, nb in students.items() if s in honest}
    prelude = (f"COURSE = {str(course.resolve())!r}; MARK = {mark!r}; PORT = {port}; "
               f"SPOOL = '/tmp/redteam-{mark}'; SLEEP = {sleep_arg(mark)!r}\n")
    for name in attacks:
        nb = student_version(source, answered=set() if name in BLANK_ATTACKERS else None)
        nb.cells.append(nbformat.v4.new_code_cell(prelude + ATTACKS[name]))
        students[name] = nb
    for student, nb in students.items():
        folder = course / "submitted" / student / TOY_ID
        if like is not None and student in honest:
            shutil.copytree(like / "submitted" / student, course / "submitted" / student)
            continue
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{TOY_ID}.ipynb"))
    return course


def sleepers(mark: str) -> list[int]:
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[:2] == [b"sleep", sleep_arg(mark).encode()]:
                    out.append(int(pid))
            except OSError:
                pass
    return out


def cleanup(mark: str) -> None:
    """Stop what an attack left running with the sandbox off, and delete what it left in /tmp."""
    spool = Path(f"/tmp/redteam-{mark}")
    pids = spool.joinpath("pids").read_text().split() if spool.joinpath("pids").is_file() else []
    for pid in [int(p) for p in pids] + sleepers(mark):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    shutil.rmtree(spool, ignore_errors=True)
    Path(f"/tmp/redteam-{mark}-tmp").unlink(missing_ok=True)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def feedback_view(course: Path, student: str) -> dict[str, str]:
    """The student's feedback files with the grading time taken out: what must be byte-for-byte equal."""
    out = {}
    folder = course / "feedback" / student / TOY_ID
    for path in sorted(folder.iterdir()):
        text = path.read_text()
        if path.name == "feedback.json":
            doc = json.loads(text)
            doc.pop("graded_at"), doc.pop("seconds")
            text = json.dumps(doc, sort_keys=True)
        else:
            text = "\n".join(line for line in text.splitlines() if "Graded:" not in line)
        out[path.name] = text
    return out


def feedback_text(course: Path, student: str) -> str:
    folder = course / "feedback" / student / TOY_ID
    return "".join(p.read_text(errors="replace") for p in folder.iterdir()) if folder.is_dir() else ""


def status_rows(course: Path) -> dict[str, tuple]:
    with sqlite3.connect(course / "gradebook.db") as db:
        return {s: (st, sc) for s, st, sc in db.execute("SELECT student, status, score FROM course_grading_status")}


def nbgrader_scores(course: Path) -> dict[str, float]:
    with sqlite3.connect(course / "gradebook.db") as db:
        return {s: sc for s, sc in db.execute(
            "SELECT student.id, SUM(grade.auto_score) FROM grade JOIN submitted_notebook ON grade.notebook_id = "
            "submitted_notebook.id JOIN submitted_assignment ON submitted_notebook.assignment_id = "
            "submitted_assignment.id JOIN student ON submitted_assignment.student_id = student.id GROUP BY student.id")}


EXPECTED_ON = {
    # attack: (statuses accepted, score, what the note must say)
    "read_solutions": ({"error"}, 15, "FileNotFoundError"),
    "read_gradebook": ({"error"}, 15, "OperationalError"),
    "write_gradebook": ({"error"}, 0, "OperationalError"),
    "overwrite_other": ({"error"}, 15, "FileNotFoundError"),
    "network": ({"error"}, 15, "Error"),
    "leave_files": ({"error"}, 15, "FileNotFoundError"),
    "detached_processes": ({"resource_limit"}, 15, "Resource temporarily unavailable"),
    "memory": ({"memory_limit"}, 15, "memory limit of 384 MiB"),
    "memory_together": ({"memory_limit"}, 15, "all processes together"),
    "kill_batch": ({"error"}, 15, "ProcessLookupError"),
    "fill_disk": ({"resource_limit"}, 15, "No space left on device"),
    # as root the worker is out of the kernel's reach (PermissionError); as a user the pipe is
    # reachable and the batch's size cap stops it
    "gigantic_result": ({"error", "invalid_result"}, None, ""),
}


def test_attacks_fail_in_the_sandbox_and_honest_students_are_untouched(tmp_path):
    require_sandbox()
    mark = uuid.uuid4().hex[:10]
    listener = Listener()
    listener.start()
    try:
        alone = make_class(tmp_path / "alone", [], port=listener.port, mark=mark)
        proc = grading_cmd(alone, "grade", "--sandbox", "required", timeout=300)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

        course = make_class(tmp_path / "class", ATTACKS, port=listener.port, mark=mark, like=alone)
        before = {p: sha(p) for p in (course / "submitted").rglob("*") if p.is_file()}
        start = time.monotonic()
        proc = grading_cmd(course, "grade", "--sandbox", "required", timeout=600)
        seconds = time.monotonic() - start
        # exit 1 ("some submissions failed") only if the flood reached the result channel (grader not root)
        allowed = {0, 1} if "invalid_result" in proc.stdout else {0}
        assert proc.returncode in allowed, f"the batch failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-3000:]}"
        first = proc.stdout.splitlines()[0]
        assert first.startswith("sandbox: required -> on"), f"the first line must say the sandbox is on: {first!r}"
        grades = read_grades(course)

        problems = []
        for attack, (statuses, score, note) in EXPECTED_ON.items():
            row = grades.get(attack)
            if row is None:
                problems.append(f"{attack}: no row in grades.csv")
                continue
            if row["status"] not in statuses or (score is not None and float(row["score"]) != score) \
                    or note not in row["notes"]:
                problems.append(f"{attack}: {row['status']} {row['score']} ({row['notes'][:300]}); "
                                f"expected {sorted(statuses)} {score} with {note!r} in the notes")
        assert not problems, "attacks in the sandbox:\n" + "\n".join(problems)

        # nothing got out
        leaks = []
        if b"" != listener.received:
            leaks.append(f"the loopback listener received {len(listener.received)} bytes")
        for student in ATTACKS:
            text = feedback_text(course, student)
            if "BEGIN SOLUTION" in text:
                leaks.append(f"{student}: the solution source is in its feedback")
            if "STSET NEDDIH NIGEB" in text:
                leaks.append(f"{student}: hidden tests (reversed) are in its feedback")
        if list(course.glob("redteam-*")) or Path(f"/tmp/redteam-{mark}-tmp").exists() or Path(f"/tmp/redteam-{mark}").exists():
            leaks.append("files written outside the sandbox survived grading")
        if sleepers(mark):
            leaks.append(f"{len(sleepers(mark))} detached `sleep {sleep_arg(mark)}` processes outlived grading")
        if any(p.is_dir() for p in (course / "autograded").rglob("fill")):
            leaks.append("the disk filler's files reached the course folder")
        changed = [str(p.relative_to(course)) for p, h in before.items() if not p.is_file() or sha(p) != h]
        if changed:
            leaks.append(f"submitted files changed: {changed}")
        assert not leaks, "\n".join(leaks)

        # the honest students: same grades and byte-for-byte the same feedback as graded alone
        time.sleep(1)  # a gradebook writer left running (there must be none) would have struck by now
        solo = read_grades(alone)
        scores, alone_scores = nbgrader_scores(course), nbgrader_scores(alone)
        for student in HONEST:
            assert (grades[student]["status"], grades[student]["score"]) == (solo[student]["status"], solo[student]["score"]), \
                f"{student}: {grades[student]} in the attacked class, {solo[student]} alone"
            assert scores[student] == alone_scores[student], \
                f"{student}: nbgrader score {scores[student]} in the attacked class, {alone_scores[student]} alone"
            assert feedback_view(course, student) == feedback_view(alone, student), \
                f"{student}: the feedback differs from the feedback graded alone"
        assert status_rows(course)["write_gradebook"] == ("error", 0.0), status_rows(course)["write_gradebook"]
        print(f"red-team batch of {len(grades)} submissions graded in {seconds:.1f} s")
    finally:
        listener.stop()
        cleanup(mark)


def test_the_same_attacks_succeed_with_the_sandbox_off(tmp_path):
    """Without the sandbox (and its limits) each attack does what it set out to: the suite can fail."""
    mark = uuid.uuid4().hex[:10]
    listener = Listener()
    listener.start()
    attacks = [a for a in ATTACKS if a != "kill_batch"]  # killing the batch would hide the others
    try:
        course = make_class(tmp_path / "class", attacks, port=listener.port, mark=mark)
        perfect_file = course / "submitted" / "perfect" / TOY_ID / f"{TOY_ID}.ipynb"
        perfect_sha = sha(perfect_file)
        proc = grading_cmd(course, "grade", "--sandbox", "off", timeout=600)
        # exit 1: graded, but one submission (the flood) failed with invalid_result
        assert proc.returncode == 1, f"exit {proc.returncode}, expected 1:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        assert proc.stdout.splitlines()[0].startswith("sandbox: off"), proc.stdout.splitlines()[0]
        grades = read_grades(course)
        failed = []

        def check(attack, succeeded, what):
            if not succeeded:
                failed.append(f"{attack}: {what} (status {grades.get(attack, {}).get('status')}, "
                              f"notes {grades.get(attack, {}).get('notes', '')[:200]})")

        check("read_solutions", "BEGIN SOLUTION" in feedback_text(course, "read_solutions"),
              "the solution source is not in its feedback")
        check("read_gradebook", "STSET NEDDIH NIGEB" in feedback_text(course, "read_gradebook"),
              "the hidden tests are not in its feedback")
        check("overwrite_other", sha(perfect_file) != perfect_sha, "perfect's submission was not overwritten")
        check("network", mark.encode() in listener.received, f"the listener got {listener.received[:60]!r}")
        check("leave_files", Path(f"/tmp/redteam-{mark}-tmp").exists() and (course / f"redteam-{mark}-root").exists(),
              "the files in /tmp and the course root are gone")
        check("detached_processes", len(sleepers(mark)) >= 50, f"{len(sleepers(mark))} detached processes still run")
        check("memory", "allocated 640 MiB" in feedback_text(course, "memory"), "the 640 MiB were not allocated")
        check("memory_together", "ten children held 480 MiB" in feedback_text(course, "memory_together"),
              "the ten children did not hold their memory")
        filled = sum(p.stat().st_size for p in (course / "autograded" / "fill_disk").rglob("*") if p.is_file())
        check("fill_disk", filled >= 512 << 20, f"{filled >> 20} MiB written")
        check("gigantic_result", grades["gigantic_result"]["status"] == "invalid_result",
              "the flood did not reach the result channel (without the sandbox only the size cap stops it)")
        deadline = time.monotonic() + 20  # the gradebook writer keeps going after the batch
        while time.monotonic() < deadline and not (nbgrader_scores(course).get("perfect") == 0
                                                   and status_rows(course)["write_gradebook"][1] == 15):
            time.sleep(0.5)
        check("write_gradebook", nbgrader_scores(course).get("perfect") == 0, "the others' scores were not zeroed")
        check("write_gradebook", status_rows(course)["write_gradebook"][1] == 15, "its own score was not raised")
        assert not failed, "with the sandbox off these attacks should have succeeded:\n" + "\n".join(failed)

        # and one batch killed by a submission: the others are left pending
        killed = make_class(tmp_path / "killed", ["kill_batch"], port=listener.port, mark=mark, honest=("perfect",))
        proc = grading_cmd(killed, "grade", "--sandbox", "off", "-j", "1", timeout=300)
        assert proc.returncode == -signal.SIGKILL, f"the batch was not killed: exit {proc.returncode}\n{proc.stdout[-2000:]}"
        assert not (killed / "grades.csv").exists() or read_grades(killed).get("perfect", {}).get("status") != "ok"
    finally:
        listener.stop()
        cleanup(mark)


def test_without_a_working_bwrap_auto_warns_everywhere_and_required_refuses(tmp_path):
    """No bubblewrap (here: COURSE_GRADING_BWRAP points at nothing): `auto` grades but says so in the
    first line, on stderr, in every submission's notes and in the report; `required` grades nothing."""
    course = make_class(tmp_path / "class", [], port=1, mark=uuid.uuid4().hex[:10], honest=("perfect",))
    env = {**os.environ, "COURSE_GRADING_BWRAP": str(tmp_path / "no-such-bwrap")}
    required = grading_cmd(course, "grade", "--sandbox", "required", env=env)
    assert required.returncode == 2 and "bubblewrap" in required.stderr, (required.returncode, required.stderr[-2000:])
    assert not (course / "grades.csv").exists(), "`required` graded without the sandbox"
    auto = grading_cmd(course, "grade", env=env)
    assert auto.returncode == 0, auto.stdout[-3000:] + auto.stderr[-3000:]
    first = auto.stdout.splitlines()[0]
    assert first.startswith("sandbox: auto -> NOT AVAILABLE") and "bubblewrap" in first, first
    assert "WARNING" in auto.stderr, auto.stderr[-2000:]
    row = read_grades(course)["perfect"]
    assert (row["status"], row["score"]) == ("ok", "15") and "graded WITHOUT the sandbox" in row["notes"], row
    feedback = json.loads((course / "feedback" / "perfect" / TOY_ID / "feedback.json").read_text())
    assert any("graded WITHOUT the sandbox" in n for n in feedback["notes"]), feedback["notes"]
    report = grading_cmd(course, "report")
    assert report.returncode == 0, report.stderr[-2000:]
    assert "graded without the sandbox" in (course / "reports" / "report.html").read_text(), "no warning in the report"
