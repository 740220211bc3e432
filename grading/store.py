"""The gradebook: nbgrader's tables for the scores, plus one table of per-submission statuses.

Scores go into nbgrader's own gradebook (any SQLAlchemy URL; SQLite by default), so nbgrader's
formgrader and ``nbgrader export`` keep working. Next to them, the table ``course_grading_status``
holds, per (assignment, student), the status, the score, the per-test results and which file was
graded (SHA-256) and when. Only the batch's main process writes, one submission at a time, so
SQLite never sees two writers from one batch; a lock held by another program is retried, and so is
a row that another grader on the same PostgreSQL gradebook inserted first.

Nothing goes stale: before a batch grades a submission it is marked ``pending`` (score empty,
nbgrader's cells set to 0 and "needs manual grade"); only a finished grading replaces that. A
batch that is interrupted, or a worker that fails, leaves ``pending`` or ``grader_error`` -- never
the previous run's scores looking current.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import time
import warnings
from pathlib import Path

import sqlalchemy as sa

from . import assemble as asm

STATUS_TABLE = "course_grading_status"
_meta = sa.MetaData()
status_table = sa.Table(
    STATUS_TABLE, _meta,
    sa.Column("assignment", sa.String(128), primary_key=True),
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("score", sa.Float, nullable=True),
    sa.Column("max_score", sa.Float, nullable=True),
    sa.Column("notes", sa.Text, nullable=False, default="[]"),
    sa.Column("tampering", sa.Text, nullable=False, default="[]"),
    sa.Column("tests", sa.Text, nullable=False, default="[]"),
    sa.Column("submission_sha256", sa.String(64), nullable=True),
    sa.Column("timestamp", sa.String(64), nullable=True),
    sa.Column("graded_at", sa.String(64), nullable=True),
    sa.Column("run_id", sa.String(64), nullable=True),
    sa.Column("seconds", sa.Float, nullable=True),
)
EXPORT_COLUMNS = ("assignment", "student", "status", "score", "max_score", "percent", "flagged",
                  "graded_at", "timestamp", "submission_sha256", "notes")


def _conflict(err: Exception) -> bool:
    """Another grader inserted the same row first (PostgreSQL's UniqueViolation, SQLite's UNIQUE)."""
    from nbgrader.api import InvalidEntry

    text = str(err).lower()
    return isinstance(err, (sa.exc.IntegrityError, InvalidEntry)) and ("unique" in text or "duplicate" in text)


def _retry(fn, *, attempts: int = 8, rollback=None):
    """Run ``fn``; retry when another program holds the database lock or inserted the same row first.

    Several graders may share a gradebook (PostgreSQL): two that record the same assignment at once
    both find no row and both insert it; the second insert fails, and on the retry it finds the row.
    """
    delay = 0.2
    # nbgrader logs each failed insert with a traceback before raising; a conflict retried here is
    # not an error, and one that is not retried is raised with its message
    nbgrader_log = logging.getLogger("tornado.application")
    for i in range(attempts):
        quiet = nbgrader_log.disabled
        nbgrader_log.disabled = True
        try:
            with warnings.catch_warnings():  # nbgrader's add_submission trips harmless SQLAlchemy warnings
                warnings.simplefilter("ignore", sa.exc.SAWarning)
                return fn()
        except Exception as err:
            locked = isinstance(err, sa.exc.OperationalError) and "locked" in str(err).lower()
            if not (locked or _conflict(err)) or i == attempts - 1:
                raise
            if rollback is not None:
                rollback()
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 5.0)
        finally:
            nbgrader_log.disabled = quiet


def _create_gradebook_fast(db_url: str) -> None:
    """Create an empty gradebook the way nbgrader does, without its `alembic heads` subprocess.

    nbgrader finds the schema version of a new gradebook by running the alembic command line,
    which takes many seconds; the same head revision is read here from nbgrader's migration
    scripts in-process. Existing gradebooks are left alone; on any problem nbgrader does it.
    """
    import os

    import nbgrader
    from nbgrader.api import Base

    engine = sa.create_engine(db_url, future=True)
    try:
        if sa.inspect(engine).get_table_names():
            return
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", os.path.join(os.path.dirname(nbgrader.__file__), "alembic"))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        if not head:
            return
        Base.metadata.create_all(bind=engine)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})
    except Exception:
        return
    finally:
        engine.dispose()


class Store:
    """Write grading results into the gradebook at ``db_url``; use as a context manager."""

    def __init__(self, db_url: str):
        from nbgrader.api import Gradebook

        if not isinstance(db_url, str) or "://" not in db_url:
            raise ValueError(f"not a database URL: {db_url!r} (e.g. sqlite:///gradebook.db)")
        if db_url.startswith("sqlite:///") and "?" not in db_url:
            Path(db_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
            db_url += "?timeout=30"  # wait for another program's lock instead of failing at once
        self.db_url = db_url
        _create_gradebook_fast(db_url)
        self.gb = _retry(lambda: Gradebook(db_url))
        self.engine = sa.create_engine(db_url, future=True)
        _retry(lambda: _meta.create_all(self.engine))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.gb.close()
        self.engine.dispose()

    # --- assignments --------------------------------------------------------------------------
    def ensure_assignment(self, aid: str, source_nb) -> None:
        """Record the assignment, its notebook and its cells as nbgrader's generate_assignment would."""
        from nbgrader.utils import compute_checksum

        def work():
            gb = self.gb
            gb.update_or_create_assignment(aid)
            gb.update_or_create_notebook(aid, aid)
            for cell in source_nb.cells:
                gid, kind = asm.grade_id(cell), asm.cell_kind(cell)
                if not gid or not kind:
                    continue
                ctype = cell.get("cell_type", "code")
                if kind == "test":
                    gb.update_or_create_grade_cell(gid, aid, aid, max_score=float(asm.nbgrader_meta(cell).get("points", 0) or 0),
                                                   cell_type=ctype)
                elif kind == "solution":
                    gb.update_or_create_solution_cell(gid, aid, aid)
                gb.update_or_create_source_cell(gid, aid, aid, cell_type=ctype, locked=kind != "solution",
                                                source=cell.get("source", ""), checksum=compute_checksum(cell))
        _retry(work, rollback=self.gb.db.rollback)

    # --- submissions --------------------------------------------------------------------------
    def _submission_notebook(self, aid: str, student: str, timestamp=None):
        gb = self.gb
        gb.update_or_create_student(student)
        kwargs = {"timestamp": timestamp} if timestamp else {}
        try:
            gb.update_or_create_submission(aid, student, **kwargs)
        except Exception:
            gb.db.rollback()
            gb.update_or_create_submission(aid, student)
        nb = gb.find_submission_notebook(aid, aid, student)
        wanted = {c.name for c in gb.find_notebook(aid, aid).grade_cells}
        if {g.name for g in nb.grades} != wanted:  # the assignment changed since: rebuild the rows
            gb.remove_submission(aid, student)
            gb.update_or_create_submission(aid, student, **kwargs)
            nb = gb.find_submission_notebook(aid, aid, student)
        return nb

    def mark_pending(self, aid: str, student: str, run_id: str) -> None:
        def work():
            self._upsert({"assignment": aid, "student": student, "status": "pending", "score": None,
                          "max_score": None, "notes": "[]", "tampering": "[]", "tests": "[]",
                          "submission_sha256": None, "timestamp": None, "graded_at": None,
                          "run_id": run_id, "seconds": None})
            try:
                nb = self.gb.find_submission_notebook(aid, aid, student)
            except Exception:
                return
            for grade in nb.grades:
                grade.auto_score = 0.0
                grade.needs_manual_grade = True
            self.gb.db.commit()
        _retry(work, rollback=self.gb.db.rollback)

    def record(self, result: dict, run_id: str) -> None:
        """Write one grading result (scores into nbgrader's tables, status into ours)."""
        aid, student = result["assignment"], result["student"]

        def work():
            gb = self.gb
            if result["status"] == "missing":
                try:
                    gb.remove_submission(aid, student)
                except Exception:
                    gb.db.rollback()
                gb.update_or_create_student(student)
            else:
                nb = self._submission_notebook(aid, student, result.get("timestamp") or None)
                points = {t["gid"]: float(t["points"]) for t in result["tests"]}
                for grade in nb.grades:
                    grade.auto_score = points.get(grade.name, 0.0)
                    grade.manual_score = None
                    grade.needs_manual_grade = False
                nb.flagged = result["status"] == "tampered"
                gb.db.commit()
            self._upsert({
                "assignment": aid, "student": student, "status": result["status"],
                "score": float(result["score"]), "max_score": float(result["max_score"]),
                "notes": json.dumps(result["notes"]), "tampering": json.dumps(result["tampering"]),
                "tests": json.dumps(result["tests"]), "submission_sha256": result.get("submission_sha256"),
                "timestamp": result.get("timestamp") or None, "graded_at": result.get("graded_at"),
                "run_id": run_id, "seconds": result.get("seconds")})
        try:
            _retry(work, rollback=self.gb.db.rollback)
        except Exception:
            self.gb.db.rollback()
            raise

    def _upsert(self, row: dict) -> None:
        t = status_table
        with self.engine.begin() as conn:
            key = (t.c.assignment == row["assignment"]) & (t.c.student == row["student"])
            if conn.execute(sa.select(t.c.status).where(key)).first() is None:
                conn.execute(t.insert().values(**row))
            else:
                conn.execute(t.update().where(key).values(**row))

    # --- reading ------------------------------------------------------------------------------
    def rows(self, assignments=None) -> list[dict]:
        t = status_table
        query = sa.select(t).order_by(t.c.assignment, t.c.student)
        if assignments:
            query = query.where(t.c.assignment.in_(list(assignments)))
        with self.engine.connect() as conn:
            out = []
            for r in conn.execute(query).mappings():
                row = dict(r)
                for key in ("notes", "tampering", "tests"):
                    row[key] = json.loads(row[key] or "[]")
                out.append(row)
            return out


def export_csv(rows: list[dict], path: Path) -> Path:
    """One line per (assignment, student); the score is empty while a grading is pending."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
        w.writeheader()
        for r in rows:
            done = r["status"] != "pending" and r["score"] is not None
            pct = 100.0 * r["score"] / r["max_score"] if done and r["max_score"] else None
            w.writerow({
                "assignment": r["assignment"], "student": r["student"], "status": r["status"],
                "score": f"{r['score']:g}" if done else "", "max_score": f"{r['max_score']:g}" if r["max_score"] is not None else "",
                "percent": f"{pct:.1f}" if pct is not None else "", "flagged": "yes" if r["status"] == "tampered" else "",
                "graded_at": r["graded_at"] or "", "timestamp": r["timestamp"] or "",
                "submission_sha256": r["submission_sha256"] or "",
                "notes": " | ".join((n.splitlines() or [""])[0] for n in r["notes"]),
            })
    return path
