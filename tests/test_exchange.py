"""The class as nbgrader's exchange runs it, end to end, with exactly the commands of the README.

An instructor releases an assignment into a temporary exchange; students (simulated: each has its
own HOME, hence its own nbgrader cache, and names itself with ``--student``) fetch it, answer and
submit (one perfect, one partial, one blank, one twice, one after the due date); the instructor
collects, grades with ``python -m grading grade``, and releases feedback both as the grader wrote
it and as nbgrader's ``generate_feedback`` renders it; each student fetches their own feedback.
Every hop is checked: files where nbgrader puts them, scores, the late flag, and that nothing a
student fetches contains a line of hidden-test code. The same search on nbgrader's rendering without
the course's configuration finds the hidden code, so the search can see a leak.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, copy_course, nbgrader

sys.path.insert(0, str(ROOT))
from grading import assemble as asm  # noqa: E402
from grading.demo import student_version  # noqa: E402

AID = "07_beyond_batchnorm"  # the fastest real assignment (about 5 s per notebook)
COURSE_ID = "normalization-course"
# student -> exercises answered (None: all); "twice" first submits a blank notebook, then a perfect one.
STUDENTS = {"perfect": None, "partial": 2, "blank": 0, "twice": None, "late": None}
# This student types nbgrader's commands; the others call the same exchange classes in this process
# (as JupyterLab's Assignments tab does), which spares a 2 s start-up per command.
CLI_STUDENT = "perfect"


def in_process(command: str, name: str, home: Path, exchange: Path) -> None:
    from traitlets.config import Config
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import default as ex

    cfg = Config()
    cfg.Exchange.root, cfg.Exchange.cache = str(exchange), str(home / ".local/share/jupyter/nbgrader_cache")
    cfg.Exchange.assignment_dir = str(home)
    cfg.CourseDirectory.update(root=str(home), course_id=COURSE_ID, assignment_id=AID, student_id=name)
    kind = {"fetch_assignment": ex.ExchangeFetchAssignment, "submit": ex.ExchangeSubmit,
            "fetch_feedback": ex.ExchangeFetchFeedback}[command]
    kind(coursedir=CourseDirectory(config=cfg), authenticator=Authenticator(config=cfg), config=cfg).start()


class _Text(html.parser.HTMLParser):
    """The text a reader of a page sees (syntax highlighting splits code into many tags)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.parts)


def hidden_code_lines(source_nb, release_nb) -> list[str]:
    """Hidden-test lines that a student could not have seen anywhere else (not in the release)."""
    public = "\n".join(c.source for c in release_nb.cells)
    lines = {line for c in source_nb.cells if asm.cell_kind(c) == "test" for line in asm.hidden_lines(c.source)}
    return sorted(line for line in lines if len(line) >= 12 and line not in public)


def leaked(path: Path, secret: list[str]) -> list[str]:
    text = page_text(path)
    return [line for line in secret if line in text]


def answer(fetched: Path, source_nb, n_answered) -> None:
    """Fill in a fetched notebook as a student would: the first ``n_answered`` solution cells."""
    solved = student_version(source_nb)  # every answer, hidden tests removed
    answers = {asm.grade_id(c): c.source for c in solved.cells if asm.cell_kind(c) == "solution"}
    nb = nbformat.read(str(fetched), as_version=4)
    todo = [c for c in nb.cells if asm.cell_kind(c) == "solution" and c.cell_type == "code"]
    for cell in todo if n_answered is None else todo[:n_answered]:
        cell.source = answers[asm.grade_id(cell)]
    nbformat.write(nb, str(fetched))


@pytest.fixture(scope="module")
def exchange_class(tmp_path_factory):
    """Run the whole exchange workflow once; the tests below check its hops."""
    tmp = tmp_path_factory.mktemp("exchange")
    course = copy_course(tmp / "course", [AID])
    exchange = tmp / "exchange"
    exchange.mkdir()
    with open(course / "nbgrader_config.py", "a") as fh:  # the instructor's one addition (README)
        fh.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    flags = [f"--Exchange.root={exchange}", f"--course={COURSE_ID}"]
    log: dict = {"course": course, "exchange": exchange, "homes": {}, "submits": {}}

    nbgrader("generate_assignment", AID, "--force", cwd=course)
    nbgrader("release_assignment", AID, cwd=course)

    source_nb = nbformat.read(str(course / "solutions" / AID / f"{AID}.ipynb"), as_version=4)

    def student(name: str, command: str):
        home = log["homes"][name]
        if name == CLI_STUDENT:  # the commands a student types
            return nbgrader(command, AID, *flags, f"--student={name}", cwd=home, env={"HOME": str(home)})
        return in_process(command, name, home, exchange)

    for name in STUDENTS:
        home = tmp / "home" / name
        home.mkdir(parents=True)
        log["homes"][name] = home
        student(name, "fetch_assignment")

    def submit(name: str, n_answered):
        answer(log["homes"][name] / AID / f"{AID}.ipynb", source_nb, n_answered)
        student(name, "submit")
        log["submits"].setdefault(name, []).append(dt.datetime.now(dt.timezone.utc))

    for name in ("perfect", "partial", "blank"):
        submit(name, STUDENTS[name])
    submit("twice", 0)
    time.sleep(1.1)  # nbgrader's timestamps: the later submission must be later
    submit("twice", None)
    due = dt.datetime.now(dt.timezone.utc)
    nbgrader("db", "assignment", "add", AID, f"--duedate={due.strftime('%Y-%m-%d %H:%M:%S.%f')} UTC", cwd=course)
    time.sleep(1.1)
    submit("late", None)
    log["due"] = due

    log["collect"] = nbgrader("collect", AID, cwd=course)
    grade = subprocess.run([sys.executable, "-m", "grading", "--root", str(course), "grade", "-a", AID],
                           cwd=course, capture_output=True, text=True, timeout=600)
    assert grade.returncode == 0, f"grading failed ({grade.returncode}):\n{grade.stdout[-3000:]}\n{grade.stderr[-3000:]}"
    # What nbgrader's documentation teaches next. The grader's own feedback is already in feedback/
    # (generate_feedback leaves it: "Skipping existing assignment"); release and fetch it.
    log["generate"] = nbgrader("generate_feedback", AID, cwd=course)
    log["fetched"] = {}
    for round_ in ("grader", "nbgrader"):
        if round_ == "nbgrader":  # now nbgrader's own rendering, with the course's configuration
            nbgrader("generate_feedback", AID, "--force", cwd=course)
        nbgrader("release_feedback", AID, cwd=course)
        for name in STUDENTS:
            student(name, "fetch_feedback")
            pages = fetched_feedback(log["homes"][name])
            keep = tmp / "fetched" / round_ / name
            keep.mkdir(parents=True)
            log["fetched"][round_, name] = [Path(shutil.copy(p, keep / f"{i}.html")) for i, p in enumerate(pages)]
    # The control: nbgrader's default feedback preprocessors, into a folder no one releases.
    nbgrader("generate_feedback", AID, "--force", "--student=partial", "--CourseDirectory.feedback_directory=unsafe",
             "--GenerateFeedback.preprocessors=nbgrader.preprocessors.GetGrades",
             "--GenerateFeedback.preprocessors=nbconvert.preprocessors.CSSHTMLHeaderPreprocessor", cwd=course)
    log["unsafe"] = course / "unsafe" / "partial" / AID / f"{AID}.html"
    log["source_nb"] = source_nb
    log["release_nb"] = nbformat.read(str(course / "notebooks" / AID / f"{AID}.ipynb"), as_version=4)
    return log


def fetched_feedback(home: Path) -> list[Path]:
    return sorted((home / AID / "feedback").glob(f"*/{AID}.html"))


def test_release_fetch_submit_collect(exchange_class):
    course, exchange = exchange_class["course"], exchange_class["exchange"]
    released = exchange / COURSE_ID / "outbound" / AID / f"{AID}.ipynb"
    assert released.is_file(), f"release_assignment put nothing at {released}"
    for name, home in exchange_class["homes"].items():
        assert (home / AID / f"{AID}.ipynb").is_file(), f"{name}: fetch_assignment left no {AID}/{AID}.ipynb in {home}"
    inbound = sorted(p.name for p in (exchange / COURSE_ID / "inbound").iterdir())
    assert len(inbound) == 6, f"expected 6 submissions in the exchange's inbound (twice submitted twice), found {inbound}"
    for name in STUDENTS:
        got = course / "submitted" / name / AID
        assert (got / f"{AID}.ipynb").is_file() and (got / "timestamp.txt").is_file(), (
            f"{name}: collect put no notebook/timestamp.txt in {got}: {sorted(p.name for p in got.iterdir()) if got.is_dir() else 'no folder'}")
    # the later of two submissions is the one collected
    later = exchange_class["submits"]["twice"][1]
    stamp = (course / "submitted" / "twice" / AID / "timestamp.txt").read_text().strip()
    collected = dt.datetime.strptime(stamp[:26], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=dt.timezone.utc)
    assert abs((collected - later).total_seconds()) < 1.0, (
        f"twice submitted at {exchange_class['submits']['twice']}; collect kept the one stamped {stamp}, not the later")


def test_scores_and_late_flag(exchange_class):
    from nbgrader.api import Gradebook

    course = exchange_class["course"]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        subs = {name: gb.find_submission(AID, name) for name in STUDENTS}
        scores = {name: s.score for name, s in subs.items()}
        top = subs["perfect"].max_score
        late = {name: s.total_seconds_late for name, s in subs.items()}
    assert top > 0 and scores["perfect"] == top and scores["twice"] == top and scores["late"] == top, (
        f"perfect answers must get full marks ({top}): scores {scores}")
    assert scores["blank"] == 0 and 0 < scores["partial"] < top, f"blank must get 0, partial in between: {scores}"
    assert late["late"] > 0 and all(late[n] == 0 for n in STUDENTS if n != "late"), (
        f"only 'late' submitted after the due date {exchange_class['due']}: seconds late {late}")


def test_fetched_feedback_is_each_students_own_and_shows_no_hidden_code(exchange_class):
    source_nb = exchange_class["source_nb"]
    secret = hidden_code_lines(source_nb, exchange_class["release_nb"])
    assert len(secret) > 50, f"only {len(secret)} hidden-test lines to look for"
    control = leaked(exchange_class["unsafe"], secret)
    assert len(control) > 20, (
        f"nbgrader's default feedback should show the hidden code this search looks for; it found {len(control)} lines")
    tests = [c for c in source_nb.cells if asm.cell_kind(c) == "test"]
    hidden_docs = [c.source.strip().splitlines()[0] for c in tests if asm.hidden_lines(c.source)]
    for (round_, name), pages in exchange_class["fetched"].items():
        where = f"{name}, feedback written by {round_}"
        assert len(pages) == 1, f"{where}: expected one fetched {AID}.html, found {pages}"
        found = leaked(pages[0], secret)
        assert not found, f"{where}: {len(found)} hidden-test lines in the fetched feedback, e.g. {found[:3]}"
        text = page_text(pages[0])
        others = [n for n in STUDENTS if n != name and f"feedback for {n}" in text]
        assert not others, f"{where}: the page is {others}'s feedback"
        if round_ == "grader":
            assert f"feedback for {name}" in text, f"{where}: the page does not name its student"
            missing = [asm.grade_id(c) for c in tests if asm.grade_id(c) not in text]
            assert not missing, f"{where}: no verdict for tests {missing}"
        else:
            missing = [d for d in hidden_docs if d not in text]
            assert not missing, f"{where}: hidden tests shown without their docstring: {missing}"
            verdicts = text.count("PASSED (") + text.count("FAILED (")
            assert verdicts == len(hidden_docs), f"{where}: {verdicts} hidden-test verdicts for {len(hidden_docs)} hidden tests"
            if name in ("perfect", "twice", "late"):
                assert "FAILED (" not in text, f"{where}: a perfect submission shows a failed hidden test"
            if name == "blank":
                assert "PASSED (" not in text, f"{where}: a blank submission shows a passed hidden test"
