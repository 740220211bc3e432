"""Submissions from an LMS download, and grades back in a CSV the LMS imports.

**In.** Canvas and Moodle hand the instructor one zip of every submission, each file named by their
own conventions. nbgrader's ``zip_collect`` unpacks it from ``downloaded/<id>/archive/`` and asks a
collector plugin who submitted each file; ``nbgrader_config.py`` names :class:`LmsCollector`, which
reads both conventions:

* Canvas, "Download Submissions": ``<name>_[late_]<user id>_<submission id>_<file name>``, where
  ``<name>`` is the student's sortable name, lower case, without spaces or punctuation, and a file
  uploaded again under the same name gains ``-1``, ``-2`` ... before its extension.
* Moodle, "Download all submissions": ``<Full Name>_<participant id>_assignsubmission_file_<file
  name>``, or with "download submissions in folders", the same prefix as a folder
  (``<Full Name>_<participant id>_assignsubmission_file_/<file name>``).

The student id is the number the LMS knows the student by (Canvas's user id, Moodle's participant
id), so grades go back to the right row. Each assignment has one notebook, so whatever the student
named the file, it becomes ``submitted/<student>/<id>/<id>.ipynb``. Names and late flags are kept in
``lms_students.csv`` for the export.

**Out.** ``python -m grading export --lms canvas|moodle|table`` writes, from the gradebook:

* ``canvas``: ``Student, ID, SIS User ID, SIS Login ID, Section``, one column of points per
  assignment (named by its id), and ``Final Points``, the total, which Canvas's importer treats as
  read-only;
* ``moodle``: one offline grading worksheet per assignment, ``Identifier`` (``Participant <id>``),
  ``Full name``, ``Grade`` (points), ``Maximum Grade``, for the assignment's "Upload grading
  worksheet";
* ``table``: ``student_id, name``, one column per assignment, ``total``, ``max_total``.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

from traitlets import Unicode

CANVAS = re.compile(r"^(?P<login>[a-z0-9]+)_(?:(?P<late>late)_)?(?P<student_id>\d+)_(?P<submission_id>\d+)_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<student_id>\d+)_assign(?:submission|feedback)_[a-z]+_(?P<file>.*)$")
ROSTER = "lms_students.csv"
ROSTER_COLUMNS = ("student_id", "lms", "name", "login", "assignment", "late", "file")


def parse_name(path: str) -> dict | None:
    """Who submitted ``path`` (a file inside an unpacked LMS download), or None if no LMS named it."""
    parts = Path(path).parts
    name = parts[-1]
    m = CANVAS.match(name)
    if m:
        return {"lms": "canvas", "student_id": m["student_id"], "name": "", "login": m["login"],
                "late": bool(m["late"]), "file": m["file"]}
    for candidate in (name, "/".join(parts[-2:]) if len(parts) > 1 else None):
        m = MOODLE.match(candidate) if candidate else None
        if m:
            return {"lms": "moodle", "student_id": m["student_id"], "name": m["name"].strip(), "login": "",
                    "late": False, "file": m["file"].lstrip("/")}
    return None


def _load_nbgrader_plugin_base():
    from nbgrader.plugins.zipcollect import FileNameCollectorPlugin

    return FileNameCollectorPlugin


class LmsCollector(_load_nbgrader_plugin_base()):
    """nbgrader ``zip_collect`` collector for Canvas and Moodle downloads (see the module docstring)."""

    roster = Unicode(ROSTER, help="CSV in the course root where students' LMS names are recorded").tag(config=True)

    def collect(self, submitted_file: str):
        if os.path.splitext(submitted_file)[1] not in self.valid_ext:
            return None
        info = parse_name(submitted_file)
        if info is None:
            self.log.warning("Not a Canvas or Moodle submission name, skipped: %s", submitted_file)
            return None
        coursedir = getattr(self.parent, "coursedir", None)
        aid = coursedir.assignment_id if coursedir is not None else ""
        if aid:  # one notebook per assignment: whatever the student called the file
            info["file_id"] = aid
            self._remember(Path(coursedir.root), aid, info)
        else:
            info["file_id"] = re.sub(r"-\d+$", "", os.path.splitext(info["file"])[0])
        return {"student_id": info["student_id"], "file_id": info["file_id"]}

    def _remember(self, root: Path, aid: str, info: dict) -> None:
        path = root / self.roster
        rows = read_roster(path)
        key = (info["student_id"], aid)
        rows = [r for r in rows if (r["student_id"], r["assignment"]) != key]
        rows.append({"student_id": info["student_id"], "lms": info["lms"], "name": info["name"],
                     "login": info["login"], "assignment": aid, "late": "yes" if info["late"] else "",
                     "file": info["file"]})
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=ROSTER_COLUMNS)
            writer.writeheader()
            writer.writerows(sorted(rows, key=lambda r: (r["assignment"], r["student_id"])))


def read_roster(path: Path) -> list[dict]:
    if not Path(path).is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _names(roster: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in roster:
        seen = out.setdefault(r["student_id"], {"name": "", "login": ""})
        seen["name"] = r.get("name") or seen["name"]
        seen["login"] = r.get("login") or seen["login"]
    return out


def _points(rows: list[dict]):
    """(students, assignments, score[student][assignment], max score per assignment)."""
    scores: dict[str, dict[str, float]] = {}
    maxima: dict[str, float] = {}
    for r in rows:
        if r["max_score"] is not None:
            maxima[r["assignment"]] = max(maxima.get(r["assignment"], 0.0), float(r["max_score"]))
        if r["status"] in ("pending", "grader_error", "invalid_result"):
            continue  # not a grade yet: left empty, so an import does not overwrite a real one with 0
        scores.setdefault(r["student"], {})[r["assignment"]] = float(r["score"] or 0.0)
    students = sorted({r["student"] for r in rows})
    return students, sorted(maxima), scores, maxima


def _cell(value):
    return "" if value is None else f"{value:g}"


def export_lms(rows: list[dict], fmt: str, out: Path, roster: list[dict]) -> list[Path]:
    """Write the grades for an LMS; return the files written."""
    students, aids, scores, maxima = _points(rows)
    names = _names(roster)
    out = Path(out)
    if fmt == "moodle":
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for aid in aids:
            path = out / f"moodle_{aid}.csv"
            with open(path, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(["Identifier", "Full name", "Grade", "Maximum Grade"])
                for s in students:
                    w.writerow([f"Participant {s}", names.get(s, {}).get("name", ""),
                                _cell(scores.get(s, {}).get(aid)), _cell(maxima[aid])])
            written.append(path)
        return written
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if fmt == "canvas":
            w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *aids, "Final Points"])
            w.writerow(["Points Possible", "", "", "", "", *(_cell(maxima[a]) for a in aids), _cell(sum(maxima.values()))])
        elif fmt == "table":
            w.writerow(["student_id", "name", *aids, "total", "max_total"])
        else:
            raise ValueError(f"unknown LMS format {fmt!r}: choose canvas, moodle or table")
        for s in students:
            got = scores.get(s, {})
            total = sum(got.values()) if got else None
            who = names.get(s, {})
            if fmt == "canvas":
                w.writerow([who.get("name") or who.get("login") or s, s, "", "", "", *(_cell(got.get(a)) for a in aids),
                            _cell(total)])
            else:
                w.writerow([s, who.get("name", ""), *(_cell(got.get(a)) for a in aids), _cell(total),
                            _cell(sum(maxima.values()))])
    return [out]
