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
named the file, it becomes ``submitted/<student>/<id>/<id>.ipynb``. A student with several notebooks
in the download (a scratch file, or two downloads side by side) has one graded: the one named like
the assignment if there is one, then the latest (Canvas's highest submission id, else the newest
file); the others are skipped with a warning that names them. Names and late flags are kept in
``lms_students.csv`` for the export.

**Out.** ``python -m grading export --lms canvas|moodle|table`` writes, from the gradebook:

* ``canvas``: ``Student, ID, SIS User ID, SIS Login ID, Section``, one column of points per
  assignment (named by its id), and ``Final Points``, the total, which Canvas's importer treats as
  read-only;
* ``moodle``: one offline grading worksheet per assignment, ``Identifier`` (``Participant <id>``),
  ``Full name``, ``Grade`` (points), ``Maximum Grade``, ``Last modified (grade)`` (when it was
  graded; Moodle's importer requires the column and keeps a grade changed in Moodle since), for the
  assignment's "Upload grading worksheet";
* ``table``: ``student_id, name``, one column per assignment, ``total``, ``max_total``.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

from traitlets import Unicode

CANVAS = re.compile(r"^(?P<login>[^\W_]+)_(?:(?P<late>late)_)?(?P<student_id>\d+)_(?P<submission_id>\d+)_(?P<file>.+)$")
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
                "late": bool(m["late"]), "file": m["file"], "order": int(m["submission_id"])}
    for candidate in (name, "/".join(parts[-2:]) if len(parts) > 1 else None):
        m = MOODLE.match(candidate) if candidate else None
        if m:
            return {"lms": "moodle", "student_id": m["student_id"], "name": m["name"].strip(), "login": "",
                    "late": False, "file": m["file"].lstrip("/"), "order": 0}
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
        if not aid:
            stem = re.sub(r"-\d+$", "", os.path.splitext(info["file"])[0])
            return {"student_id": info["student_id"], "file_id": stem}
        chosen = self._choices(submitted_file, aid).get(info["student_id"])
        if chosen is not None and os.path.abspath(chosen) != os.path.abspath(submitted_file):
            return None  # another notebook of this student is graded (warned once, in _choices)
        self._remember(Path(coursedir.root), aid, info)
        return {"student_id": info["student_id"], "file_id": aid}  # one notebook per assignment

    def _choices(self, submitted_file: str, aid: str) -> dict[str, str]:
        """student id -> the one notebook of theirs to grade, decided once over the whole download."""
        if getattr(self, "_chosen", None) is not None:
            return self._chosen
        app = self.parent
        try:
            top = app._format_collect_path(app.extracted_directory)
        except Exception:  # another nbgrader: the folder of the first file
            top = os.path.dirname(submitted_file)
        found: dict[str, list[tuple]] = {}
        for folder, _, names in os.walk(top):
            for name in names:
                path = os.path.join(folder, name)
                info = parse_name(path) if os.path.splitext(name)[1] in self.valid_ext else None
                if info is None:
                    continue
                stem = os.path.splitext(info["file"])[0]
                named = re.sub(r"-\d+$", "", stem) == aid
                again = int(m.group(1)) if (m := re.search(r"-(\d+)$", stem)) else 0
                found.setdefault(info["student_id"], []).append(
                    (named, info["order"], again, os.path.getmtime(path), path))
        self._chosen = {}
        for sid, candidates in found.items():
            candidates.sort()
            best = candidates[-1][-1]
            self._chosen[sid] = best
            if len(candidates) > 1:
                skipped = [os.path.relpath(c[-1], top) for c in candidates[:-1]]
                self.log.warning("student %s has %d notebooks for %s in the download: grading %s, skipping %s",
                                 sid, len(candidates), aid, os.path.relpath(best, top), skipped)
        return self._chosen

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


def handed_in(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """The rows of assignments that someone submitted, and the assignments no one did.

    Grading every assignment records every student as ``missing`` for those not yet handed in;
    exported, those zeros would overwrite whatever the LMS holds for them."""
    seen = {r["assignment"] for r in rows if r["status"] != "missing"}
    return [r for r in rows if r["assignment"] in seen], sorted({r["assignment"] for r in rows} - seen)


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
    graded = {(r["student"], r["assignment"]): r["graded_at"] for r in rows if r.get("graded_at")}
    out = Path(out)
    if fmt == "moodle":
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for aid in aids:
            path = out / f"moodle_{aid}.csv"
            with open(path, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(["Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)"])
                for s in students:
                    w.writerow([f"Participant {s}", names.get(s, {}).get("name", ""),
                                _cell(scores.get(s, {}).get(aid)), _cell(maxima[aid]), graded.get((s, aid), "-")])
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
                w.writerow([s, who.get("name") or who.get("login", ""), *(_cell(got.get(a)) for a in aids), _cell(total),
                            _cell(sum(maxima.values()))])
    return [out]
