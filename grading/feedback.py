"""Feedback for students: every test's verdict and message, never a hidden test's source.

nbgrader's feedback is the graded notebook itself, so hidden tests appear in it, and a failing
hidden test's traceback quotes its lines. Here the feedback is written from the grading result:

* ``<assignment>.html`` -- status, score, and per exercise each test with passed / failed, the points
  and the message (for hidden tests only the exception's type and message, scrubbed). The name is
  nbgrader's (the notebook's name), so ``nbgrader release_feedback`` distributes this page;
* ``feedback.json`` -- the same as data;
* ``<assignment>.ipynb`` -- the student's executed notebook, in which each hidden test cell shows
  only its one-line docstring and its verdict, and every output is scrubbed of hidden-test lines.
"""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
from pathlib import Path

import nbformat

MIN_SECRET_LEN = 8
REDACTED = "[hidden test code]"


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def scrub(text: str, secret_lines) -> str:
    """Replace every hidden-test line occurring in ``text`` (longest first) by a placeholder.

    Terminal colour codes are removed first: IPython colours a traceback token by token, which would
    split a quoted line into pieces that no longer match it."""
    if not text:
        return text
    text = _ANSI.sub("", text)
    for line in sorted({s for s in secret_lines if len(s) >= MIN_SECRET_LEN}, key=len, reverse=True):
        if line in text:
            text = text.replace(line, REDACTED)
    return text


def scrub_output(out, secret_lines):
    out = copy.deepcopy(out)
    if "text" in out:
        out["text"] = scrub(out["text"], secret_lines)
    if "traceback" in out:
        out["traceback"] = [scrub(t, secret_lines) for t in out["traceback"]]
    if "evalue" in out:
        out["evalue"] = scrub(out["evalue"], secret_lines)
    for key, value in list(out.get("data", {}).items()):
        if isinstance(value, str) and not key.startswith("image/"):
            out["data"][key] = scrub(value, secret_lines)
    return out


def student_notebook(graded_nb, result: dict, secret_lines):
    """The executed notebook as a student may see it."""
    verdicts = {t["gid"]: t for t in result["tests"]}
    nb = copy.deepcopy(graded_nb)
    for cell in nb.cells:
        meta = cell.metadata.pop("grading", {})
        gid = meta.get("gid")
        test = verdicts.get(gid) if meta.get("role") == "test" else None
        if test is not None and test["hidden"]:
            doc = cell.source.strip().splitlines()[0] if cell.source.strip() else '"""Hidden tests."""'
            verdict = "PASSED" if test["passed"] else "FAILED"
            cell.source = f"{doc}\n# Hidden tests: their code is not shown. Result: {verdict}"
            text = f"{verdict} ({test['points']:g} of {test['max_points']:g} points)"
            if not test["passed"] and test["message"]:
                text += f"\n{test['message']}"
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text + "\n")]
        elif cell.get("cell_type") == "code":
            cell.outputs = [scrub_output(o, secret_lines) for o in cell.outputs]
    return nb


def render_html(result: dict) -> str:
    e = html.escape
    rows = []
    for t in result["tests"]:
        verdict = "passed" if t["passed"] else "failed"
        rows.append(
            f"<tr class='{verdict}'><td>{e(t['exercise'])}</td><td>{e(t['gid'])}</td>"
            f"<td>{'hidden' if t['hidden'] else 'visible'}</td><td>{verdict}</td>"
            f"<td>{t['points']:g} / {t['max_points']:g}</td><td><pre>{e(t['message'])}</pre></td></tr>")
    notes = "".join(f"<li>{e(n.splitlines()[0] if n else n)}</li>" for n in result["notes"])
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{e(result['assignment'])}: feedback for {e(result['student'])}</title>
<style>body{{font-family:sans-serif;margin:2em}} td,th{{border:1px solid #ccc;padding:4px;vertical-align:top}}
table{{border-collapse:collapse}} tr.failed td:nth-child(4){{color:#b00;font-weight:bold}}
tr.passed td:nth-child(4){{color:#070}} pre{{white-space:pre-wrap;margin:0}}</style></head><body>
<h1>{e(result['assignment'])}: feedback for {e(result['student'])}</h1>
<p><b>Score:</b> {result['score']:g} / {result['max_score']:g} &nbsp; <b>Status:</b> {e(result['status'])}
&nbsp; <b>Graded:</b> {e(result['graded_at'])}</p>
{f'<ul>{notes}</ul>' if notes else ''}
<p>Hidden tests are listed with their result and message; their code is not shown.</p>
<table><tr><th>exercise</th><th>test</th><th>kind</th><th>result</th><th>points</th><th>message</th></tr>
{''.join(rows)}</table></body></html>
"""


def write_feedback(result: dict, graded_nb, folder: Path, secret_lines) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    public = {k: v for k, v in result.items() if k != "submission_sha256"}
    public["notes"] = [scrub(n, secret_lines) for n in result["notes"]]
    public["tests"] = [{**t, "message": scrub(t["message"], secret_lines)} for t in result["tests"]]
    (folder / f"{result['assignment']}.html").write_text(render_html(public), encoding="utf-8")
    (folder / "feedback.json").write_text(json.dumps(public, indent=1), encoding="utf-8")
    if graded_nb is not None:
        nbformat.write(student_notebook(graded_nb, public, secret_lines), str(folder / f"{result['assignment']}.ipynb"))


# What nbgrader's exchange needs next to a feedback page (release_feedback reads both) and next to an
# autograded notebook (generate_feedback copies them on). Small text files; nothing else is copied.
EXCHANGE_STAMPS = ("timestamp.txt", "submission_secret.txt")


def copy_exchange_stamps(submission_folder: Path, *dests: Path) -> None:
    for name in EXCHANGE_STAMPS:
        src = Path(submission_folder) / name
        if src.is_file() and not src.is_symlink() and src.stat().st_size <= 4096:
            for dest in dests:
                Path(dest).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, Path(dest) / name)
