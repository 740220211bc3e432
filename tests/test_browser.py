"""The course in a real browser: JupyterLab with nbgrader's extensions, driven by Playwright on
Debian's chromium (never a downloaded browser), as a student and as an instructor would use it.

1. A student opens an assignment, runs all cells, sees a figure and the first unanswered exercise
   fail, types one answer into the editor, saves, and presses Validate: the dialog lists every
   visible test but that exercise's as failing; a completed notebook validates.
2. A student fetches a released assignment and submits it from the Assignments panel; the
   instructor collects exactly that file.
3. The instructor's formgrader lists a class graded by ``python -m grading grade`` with the scores
   the gradebook holds.

Each test starts its own lab (tests/browser_util.py) on a temporary copy of the course, with a
private HOME and Jupyter folders. Screenshots of every step are kept in
tests/browser_screenshots/<test>/ when a step fails (the error names the folder), or always with
KEEP_BROWSER_SCREENSHOTS=1. Without chromium or Playwright the tests skip; under CI=true they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from browser_util import BIN, CHROMIUM, CHROMIUM_ARGS, SHOTS, Lab, Steps, private_env, run, sync_playwright_or_skip
from conftest import NOTEBOOKS, SOLUTIONS, copy_course

from grading import assemble as asm

AID = "07_beyond_batchnorm"  # the fastest assignment to run (a few seconds)
TYPED = "layernorm_forward"  # the exercise whose answer the student types
COURSE_ID = "normalization"
UI_TIMEOUT = 30_000  # ms for the page to react to a click
RUN_TIMEOUT = 120_000  # ms for a notebook to run (Run All, Validate)


class Browser:
    """What a browser test needs: ``start(root, cwd)`` opens a lab and returns its page;
    ``step(name)`` wraps each step (screenshot after it, kept with the server log if it fails)."""

    def __init__(self, pw, steps: Steps, tmp: Path):
        self.steps, self.tmp, self.labs = steps, tmp, []
        self.browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        self.page = None

    def step(self, name: str):
        return self.steps.step(name)

    def start(self, root: Path, cwd: Path | None = None, path: str = "lab"):
        n = len(self.labs)
        lab = Lab(root, cwd or root, self.tmp / f"lab-home-{n}", self.tmp / f"lab-{n}.log")
        self.labs.append(lab)
        self.steps.lab = lab
        lab.start()
        context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(UI_TIMEOUT)
        self.page = self.steps.page = context.new_page()
        self.page.goto(lab.url(path))
        return self.page

    def close(self):
        try:
            self.browser.close()
        finally:
            for lab in self.labs:
                lab.stop()


@pytest.fixture
def browser(request, tmp_path):
    """A chromium for the test; every lab it started is stopped at the end, pass or fail."""
    sync_playwright = sync_playwright_or_skip()
    steps = Steps(SHOTS / request.node.name)
    with sync_playwright() as pw:
        ui = Browser(pw, steps, tmp_path)
        try:
            yield ui
        finally:
            ui.close()
    if not steps.failed and not os.environ.get("KEEP_BROWSER_SCREENSHOTS"):
        shutil.rmtree(steps.folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # the parent too, unless another test left a folder in it
            SHOTS.rmdir()


# --- JupyterLab, as a person uses it ----------------------------------------------------------------

# the notebook in front: its document loaded, its kernel connected, and whether the kernel is busy
CURRENT_NOTEBOOK = """() => {
    const panel = window.jupyterapp?.shell.currentWidget;
    const kernel = panel?.sessionContext?.session?.kernel;
    return panel?.context?.isReady && panel.content?.widgets ? {
        path: panel.context.path, cells: panel.content.widgets.length,
        kernel: kernel ? kernel.connectionStatus + "/" + kernel.status : "none",
        queued: panel.content.widgets.filter(c => c.model.type === "code" && c.promptNode?.textContent.includes("*")).length,
    } : null;
}"""


def notebook_state(page) -> dict | None:
    return page.evaluate(CURRENT_NOTEBOOK)


def wait_until_idle(page, relpath: str, timeout: int = RUN_TIMEOUT):
    """The notebook ``relpath`` is in front, its kernel connected and idle, and no cell waits to run."""
    try:
        page.wait_for_function(f"""() => {{ const s = ({CURRENT_NOTEBOOK})();
            return s && s.path === {relpath!r} && s.kernel === "connected/idle" && s.queued === 0; }}""",
                               timeout=timeout)
    except Exception as exc:
        exc.add_note(f"waited {timeout / 1000:.0f} s for {relpath} with an idle kernel; the page shows {notebook_state(page)}")
        raise


def open_notebook(page, lab: Lab, relpath: str, cells: int):
    page.goto(lab.url(f"lab/tree/{relpath}?reset"))
    wait_until_idle(page, relpath, timeout=60_000)
    state = notebook_state(page)
    assert state["cells"] == cells, f"{relpath} opened with {state['cells']} cells; the file has {cells}"


def menu(page, top: str, item: str):
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-itemLabel").get_by_text(item, exact=True).first.click()


def save(page):
    page.keyboard.press("Control+s")
    page.wait_for_selector(".jp-mod-current.jp-mod-dirty", state="detached", timeout=UI_TIMEOUT)


def validate(page) -> dict:
    """Press the toolbar's Validate button; return what its dialog shows, then close it."""
    page.locator(".jp-NotebookPanel-toolbar .jp-ToolbarButtonComponent-label", has_text="Validate").first.click()
    dialog = page.locator(".jp-Dialog").filter(has_text="Validation Results")
    dialog.wait_for(timeout=RUN_TIMEOUT)
    body = dialog.locator(".jp-Dialog-body")
    result = {
        "text": body.inner_text(),
        # the dialog's body is nbgrader's result element, classed by the outcome
        "success": body.evaluate("b => b.matches('.validation-success, :has(.validation-success)')"),
        "failed": body.evaluate("b => b.matches('.validation-failed, :has(.validation-failed)')"),
        # each failing cell: a paragraph "The following cell failed:", then its source, then its error
        "failed_sources": body.evaluate("""b => [...b.querySelectorAll("p")]
            .filter(p => p.innerText.trim() === "The following cell failed:")
            .map(p => p.parentElement.nextElementSibling?.innerText ?? "")"""),
    }
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    dialog.wait_for(state="detached")
    return result


# --- notebooks ----------------------------------------------------------------------------------------

def solution_cells(aid: str) -> dict[str, str]:
    """grade_id -> the solution's answer cell without the solution markers."""
    nb = nbformat.read(str(SOLUTIONS / aid / f"{aid}.ipynb"), as_version=4)
    return {asm.grade_id(c): "\n".join(line for line in c.source.splitlines()
                                       if asm.SOLUTION_BEGIN not in line and asm.SOLUTION_END not in line)
            for c in nb.cells if asm.cell_kind(c) == "solution"}


def completed_release(aid: str):
    """The student's notebook with every answer cell filled in from the solution."""
    nb = nbformat.read(str(NOTEBOOKS / aid / f"{aid}.ipynb"), as_version=4)
    answers = solution_cells(aid)
    for cell in nb.cells:
        if asm.cell_kind(cell) == "solution":
            cell.source = answers[asm.grade_id(cell)]
    return nb


def test_student_runs_types_saves_and_validates(browser, tmp_path):
    """Run All shows a figure and stops at the first unanswered exercise; with one answer typed in
    the editor and saved, Validate lists exactly the other visible tests as failing; it passes a
    completed notebook."""
    course = copy_course(tmp_path / "course", [AID])
    shutil.copytree(NOTEBOOKS / AID, course / "notebooks" / AID)
    blank_rel = f"notebooks/{AID}/{AID}.ipynb"
    done_rel = f"notebooks/{AID}/{AID}_completed.ipynb"
    nbformat.write(completed_release(AID), str(course / done_rel))
    release = nbformat.read(str(NOTEBOOKS / AID / f"{AID}.ipynb"), as_version=4)
    tests = [c for c in release.cells if asm.cell_kind(c) == "test" and "assert" in c.source]  # visible tests
    answer = solution_cells(AID)[TYPED]

    with browser.step("start lab"):
        page = browser.start(course, course)
        lab = browser.labs[-1]
    with browser.step("open the blank notebook"):
        open_notebook(page, lab, blank_rel, len(release.cells))
    with browser.step("run all cells"):
        menu(page, "Run", "Run All Cells")
        page.wait_for_selector(".jp-OutputArea-output:has-text('NotImplementedError')", timeout=RUN_TIMEOUT)
        wait_until_idle(page, blank_rel)
        images = page.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output img')]
                                         .map(i => [i.complete, i.naturalWidth, i.naturalHeight])""")
        assert any(ok and w > 100 and h > 100 for ok, w, h in images), (
            f"Run All: expected a rendered figure (an <img> over 100x100 px in an output area) before the first "
            f"exercise; the page shows {len(images)} images: {images}")
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        first_error = page.locator(".jp-Cell:has(.jp-OutputArea-output:has-text('NotImplementedError'))").first
        assert f'"""{TYPED}' in first_error.locator(".jp-InputArea").inner_text(), (
            f"Run All should stop at the visible test of {TYPED} (the first unanswered exercise); the first "
            f"NotImplementedError is under:\n{first_error.locator('.jp-InputArea').inner_text()[:300]}"
            f"\n({errors.count()} stderr outputs)")
    with browser.step(f"type the answer to {TYPED} and save"):
        cell = page.locator(f".jp-CodeCell:has(.cm-content:has-text('def {TYPED}('))").first
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(answer)
        save(page)
        saved = nbformat.read(str(course / blank_rel), as_version=4)
        saved_src = next(c.source for c in saved.cells if asm.grade_id(c) == TYPED)
        assert saved_src == answer, (
            f"the saved notebook's {TYPED} cell differs from what was typed:\n--- saved\n{saved_src}\n--- typed\n{answer}")
    with browser.step("validate with one answer"):
        one = validate(page)
        # every visible test but the answered one's fails, and Validate names each (by its docstring line)
        want = [t.source.splitlines()[0] for t in tests if not t.source.startswith(f'"""{TYPED}:')]
        listed = [s.splitlines()[0] if s else "" for s in one["failed_sources"]]
        assert one["failed"] and not one["success"] and sorted(listed) == sorted(want), (
            f"after answering only {TYPED}, Validate should list the {len(want)} other visible tests as failing; "
            f"it lists {len(listed)}:\n" + "\n".join(listed) + f"\nmissing: {sorted(set(want) - set(listed))}"
            f"\nthe dialog says:\n{one['text'][:1000]}")
    with browser.step("validate the completed notebook"):
        open_notebook(page, lab, done_rel, len(release.cells))
        done = validate(page)
        assert done["success"] and "Success! Your notebook passes all the tests." in done["text"], (
            f"Validate on the notebook completed from the solution should succeed; the dialog says:\n{done['text'][:2000]}")


def exchange_config(exchange: Path) -> str:
    return f"\nc.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.course_id = {COURSE_ID!r}\n"


def test_student_fetches_and_submits_from_the_assignments_panel(browser, tmp_path):
    """Released by the instructor, fetched and submitted in the Assignments panel, collected by the
    instructor: the collected notebook is byte for byte the one the student had when submitting."""
    from nbgrader.utils import get_username  # the exchange names the student after the OS user

    exchange, student_home = tmp_path / "exchange", tmp_path / "student"
    course = copy_course(tmp_path / "course", [AID])
    shutil.copytree(NOTEBOOKS / AID, course / "notebooks" / AID)
    with (course / "nbgrader_config.py").open("a") as fh:
        fh.write(exchange_config(exchange))
    student_home.mkdir()
    (student_home / "nbgrader_config.py").write_text("c = get_config()  # noqa: F821\n" + exchange_config(exchange))
    env = private_env(tmp_path / "instructor-home")
    nbgrader = str(BIN / "nbgrader")
    fetched = student_home / AID / f"{AID}.ipynb"
    student = get_username()

    with browser.step("release as the instructor"):
        run([nbgrader, "release_assignment", AID], cwd=course, env=env)
        assert (exchange / COURSE_ID / "outbound" / AID / f"{AID}.ipynb").is_file(), (
            f"release_assignment put no {AID}.ipynb into {exchange / COURSE_ID / 'outbound' / AID}")
    with browser.step("open the Assignments panel"):
        page = browser.start(student_home)
        menu(page, "Nbgrader", "Assignment List")
        released = page.locator("#released_assignments_list .list_item", has_text=AID)
        released.wait_for()
    with browser.step("fetch"):
        released.locator("button", has_text="Fetch").click()
        item = page.locator("#fetched_assignments_list .list_item", has_text=AID).first
        item.wait_for()
        assert fetched.is_file(), f"after Fetch the panel lists {AID} as downloaded, but {fetched} does not exist"
        assert fetched.read_bytes() == (NOTEBOOKS / AID / f"{AID}.ipynb").read_bytes(), (
            f"the fetched {fetched} differs from the released notebooks/{AID}/{AID}.ipynb")
    # the student works on the notebook (scenario 1 does that in the editor); here the file changes on disk
    nb = nbformat.read(str(fetched), as_version=4)
    cell = next(c for c in nb.cells if asm.grade_id(c) == TYPED)
    cell.source = solution_cells(AID)[TYPED]
    nbformat.write(nb, str(fetched))
    with browser.step("submit"):
        item.locator("button", has_text="Submit").click()
        submitted = page.locator("#submitted_assignments_list .list_item", has_text=AID).first
        submitted.wait_for()
        inbound = list((exchange / COURSE_ID / "inbound").glob(f"{student}+{AID}+*"))
        assert len(inbound) == 1, (
            f"after Submit the exchange's inbound should hold one submission {student}+{AID}+<time>; it holds "
            f"{sorted(p.name for p in (exchange / COURSE_ID / 'inbound').iterdir())}")
    with browser.step("collect as the instructor"):
        run([nbgrader, "collect", AID], cwd=course, env=env)
        collected = course / "submitted" / student / AID / f"{AID}.ipynb"
        assert collected.is_file(), (
            f"nbgrader collect wrote no {collected.relative_to(course)}; submitted/ holds "
            f"{sorted(str(p.relative_to(course)) for p in (course / 'submitted').rglob('*'))}")
        assert collected.read_bytes() == fetched.read_bytes(), (
            f"the collected {collected.relative_to(course)} differs from the student's {fetched.relative_to(tmp_path)}")


CLASS = {"perfect": True, "blank": True, "partial": False}  # student -> collected (timestamp.txt) or copied by hand


def formgrader_rows(frame) -> dict[str, dict]:
    """Manage Submissions, as shown: student id -> its status and score texts."""
    frame.locator("#main-table tr td.student-id").first.wait_for()
    rows = frame.locator("#main-table tr").evaluate_all("""rows => rows.map(r => ({
        student: r.querySelector('td.student-id')?.innerText.trim(),
        status: r.querySelector('td.status')?.innerText.trim(),
        score: r.querySelector('td.score')?.innerText.trim()}))""")
    return {r["student"]: r for r in rows}


def test_formgrader_shows_the_scores_of_the_graded_class(browser, tmp_path):
    """A demo class graded by ``python -m grading grade``: the formgrader opened from the Nbgrader
    menu lists every submission as graded, with the score the gradebook holds, whether the
    submission was collected by nbgrader (timestamp.txt) or copied into submitted/ by hand (a
    submission time recorded for that one made formgrader list it as "needs autograding")."""
    from nbgrader.api import Gradebook

    course = copy_course(tmp_path / "course", [AID])
    env = private_env(tmp_path / "instructor-home")
    grading = [sys.executable, "-m", "grading", "--root", str(course)]
    with browser.step("grade a demo class"):
        run([*grading, "demo", AID], cwd=course, env=env)
        for folder in (course / "submitted").iterdir():
            if folder.name not in CLASS:
                shutil.rmtree(folder)
            elif CLASS[folder.name]:  # what `nbgrader collect` leaves next to the notebook
                (folder / AID / "timestamp.txt").write_text("2026-01-15 09:30:00.000000 UTC")
        proc = run([*grading, "grade", "-a", AID], cwd=course, env=env)
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            expected = {s: (gb.find_submission(AID, s).score, gb.find_submission(AID, s).max_score) for s in CLASS}
        assert expected["perfect"][0] == expected["perfect"][1] > expected["partial"][0] > expected["blank"][0] == 0, (
            f"the gradebook should hold full marks for perfect, fewer for partial, 0 for blank; it holds {expected}"
            f"\n{proc.stdout[-2000:]}")
    with browser.step("open the formgrader"):
        page = browser.start(course)
        page.locator(".lm-MenuBar-itemLabel").first.wait_for()
        menu(page, "Nbgrader", "Formgrader")
        frame = page.frame_locator(".jp-MainAreaWidget iframe")
        row = frame.locator("tr", has=frame.locator("td a", has_text=AID))
        row.wait_for()
        count = row.locator("td.num-submissions").inner_text().strip()
        assert count == str(len(CLASS)), f"Manage Assignments lists {count!r} submissions of {AID}; expected {len(CLASS)}"
    with browser.step("open the submissions"):
        row.locator("td.num-submissions a").click()
        shown = formgrader_rows(frame)
        problems = []
        for student, (score, max_score) in expected.items():
            want = f"{round(score, 2):g} / {round(max_score, 2):g}"
            got = shown.get(student)
            if got is None or (got["status"], got["score"]) == ("graded", want):
                continue
            how = "collected" if CLASS[student] else "copied by hand"
            problems.append(f"{student} ({how}): shows status {got['status']!r}, score {got['score']!r}; "
                            f"the gradebook holds {want}")
        assert sorted(shown) == sorted(CLASS), f"the formgrader lists {sorted(shown)}; the class is {sorted(CLASS)}"
        assert not problems, "Manage Submissions disagrees with the gradebook:\n" + "\n".join(problems)
