"""Command line: ``python -m grading <command>`` or ``course-grading <command>``.

Instructors (run from the course root, where nbgrader_config.py lives):

    grade   [-a ID ...] [-s STUDENT ...] [-j N] [--sandbox MODE] [--scheduler tcp://HOST:PORT]
                                                  grade submitted/ in parallel, record, export CSV
                                                  (on a Dask cluster with --scheduler)
    export  [--lms canvas|moodle|table]           write the grades CSV from the gradebook (or for an LMS)
    report  [-a ID ...]                           statistics as CSV, PNG figures and one HTML page
    bundle  [--out DIR]                           the folder handed to students
    demo    ID [--out DIR]                        a demo class in submitted/ (one student per kind)

Students:

    check   ID [--notebook PATH]                  run the visible tests; exit 1 if any fails

Exit codes of grade: 0 every submission graded (whatever its status); 1 graded, but the grader
failed on some submissions (grader_error, invalid_result); 2 bad settings, or the sandbox is
required and does not work, or --scheduler given but the Dask scheduler cannot be reached within
5 s, its workers lack the course's environment or ``distributed`` is not installed (nothing is
graded and the gradebook is untouched); 3 the grader itself failed (e.g. the database), rerun to
finish.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .config import ConfigError, load_settings


# Exit codes of `grade` (and the other commands): what went wrong, for scripts.
EXIT_SOME_FAILED = 1     # graded and recorded, but the grader failed on some submissions (their notes say why)
EXIT_CONFIG = 2          # bad settings or arguments, the sandbox is required and does not work, or the Dask
                         # scheduler is unreachable or unfit: nothing graded, the gradebook untouched
EXIT_GRADER_FAILED = 3   # the grader itself failed (e.g. the database): see the message; rerun to finish


def _settings(args):
    if args.command != "check":  # the instructor's commands read and write the course's folders
        root = Path(args.root or os.getcwd()).resolve()
        if not (root / "nbgrader_config.py").is_file():
            raise ConfigError(f"no nbgrader_config.py in {root}: run this from the course root (the folder that "
                              f"holds nbgrader_config.py) or pass --root <course root>")
    return load_settings(args.root, db_url=getattr(args, "db_url", None),
                         cell_timeout=getattr(args, "cell_timeout", None),
                         submission_timeout=getattr(args, "submission_timeout", None),
                         workers=getattr(args, "jobs", None), sandbox=getattr(args, "sandbox", None),
                         scheduler=getattr(args, "scheduler", None))


def cmd_grade(args) -> int:
    from .batch import grade_class

    results = grade_class(_settings(args), args.assignment, args.student)
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    print("statuses: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none (no submissions)"))
    failed = counts.get("grader_error", 0) + counts.get("invalid_result", 0)
    return EXIT_SOME_FAILED if failed else 0


def cmd_export(args) -> int:
    from .store import Store, export_csv

    s = _settings(args)
    with Store(s.db_url) as store:
        rows = store.rows(args.assignment)
    if args.assignment:
        known = set(s.assignments()) | {r["assignment"] for r in rows}
        unknown = sorted(set(args.assignment) - known)
        if unknown:
            raise ConfigError(f"unknown assignment(s) {unknown}; available: {sorted(known) or 'none'}")
    if args.lms:
        from .lms import ROSTER, export_lms, handed_in, read_roster

        rows, nobody = handed_in(rows)
        if nobody:
            print(f"left out (no one has submitted them, so every student is 'missing'): {', '.join(nobody)}")

        default = s.root / ("lms_grades" if args.lms == "moodle" else f"lms_grades_{args.lms}.csv")
        written = export_lms(rows, args.lms, Path(args.out) if args.out else default, read_roster(s.root / ROSTER))
        print(f"grades of {len({r['student'] for r in rows})} student(s) for {args.lms} written to "
              + ", ".join(str(p) for p in written))
        return 0
    out = export_csv(rows, Path(args.out) if args.out else s.root / s.grades_csv)
    print(f"{len(rows)} row(s) written to {out}")
    return 0


def cmd_report(args) -> int:
    from .report import build_report

    s = _settings(args)
    out = build_report(s, args.assignment, Path(args.out) if args.out else None)
    print(f"report written to {out}")
    return 0


def cmd_bundle(args) -> int:
    from .bundle import build_bundle

    s = _settings(args)
    out = build_bundle(s, Path(args.out) if args.out else s.root / "student_bundle", archive=args.zip)
    print(f"student bundle written to {out}")
    return 0


def cmd_demo(args) -> int:
    from .demo import make_demo_class

    s = _settings(args)
    made = make_demo_class(s, args.assignment_id, Path(args.out) if args.out else None)
    print(f"demo class of {len(made)} students written to {Path(args.out) if args.out else s.path('submitted')}:")
    for student, expectation in made.items():
        print(f"  {student:<20} {expectation}")
    return 0


def cmd_check(args) -> int:
    from .check import run_check

    return run_check(_settings(args), args.assignment_id, Path(args.notebook) if args.notebook else None)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="course-grading", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default=None, help="course root holding nbgrader_config.py (default: current folder)")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade every submission in submitted/ (parallel)")
    g.add_argument("-a", "--assignment", action="append", help="assignment id (repeatable; default: all)")
    g.add_argument("-s", "--student", action="append", help="student id (repeatable; default: all in submitted/)")
    g.add_argument("-j", "--jobs", type=int, help="parallel submissions (default: one per CPU core)")
    g.add_argument("--db-url", help="SQLAlchemy URL of the gradebook (default: nbgrader_config.py)")
    g.add_argument("--cell-timeout", type=float, help="seconds per cell (default: ExecutePreprocessor.timeout)")
    g.add_argument("--submission-timeout", type=float, help="seconds per submission")
    g.add_argument("--sandbox", choices=("auto", "required", "off"),
                   help="run each submission in bubblewrap (default: c.CourseGrading.sandbox, auto)")
    g.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="grade on the workers of this Dask scheduler (default: c.CourseGrading.scheduler; "
                        "none: on this machine); needs pip install normalization-course[cluster]")
    g.set_defaults(func=cmd_grade)

    e = sub.add_parser("export", help="write the grades CSV from the gradebook")
    e.add_argument("-a", "--assignment", action="append")
    e.add_argument("--db-url")
    e.add_argument("--out", help="CSV path (default: grades.csv in the course root; for --lms moodle a folder)")
    e.add_argument("--lms", choices=("canvas", "moodle", "table"),
                   help="a CSV the LMS's gradebook imports: one column per assignment and the total "
                        "(moodle: one grading worksheet per assignment); see README")
    e.set_defaults(func=cmd_export)

    r = sub.add_parser("report", help="per assignment and per exercise statistics (CSV, PNG, HTML)")
    r.add_argument("-a", "--assignment", action="append")
    r.add_argument("--db-url")
    r.add_argument("--out", help="folder (default: reports/)")
    r.set_defaults(func=cmd_report)

    b = sub.add_parser("bundle", help="build the folder handed to students")
    b.add_argument("--out", help="folder (default: student_bundle/)")
    b.add_argument("--zip", action="store_true", help="also write <folder>.zip")
    b.set_defaults(func=cmd_bundle)

    d = sub.add_parser("demo", help="write a demo class (one student of each kind) for an assignment")
    d.add_argument("assignment_id")
    d.add_argument("--out", help="submitted folder to write (default: the course's submitted/)")
    d.set_defaults(func=cmd_demo)

    c = sub.add_parser("check", help="students: run the visible tests of an assignment")
    c.add_argument("assignment_id")
    c.add_argument("--notebook", help="the notebook to check (default: notebooks/<id>/<id>.ipynb)")
    c.add_argument("--cell-timeout", type=float)
    c.set_defaults(func=cmd_check)
    return p


def _venv_on_path() -> None:
    """nbgrader's gradebook runs `alembic` through PATH: find this environment's tools first."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def main(argv=None) -> int:
    from . import skip_slow_optional_imports

    skip_slow_optional_imports()
    args = build_parser().parse_args(argv)
    _venv_on_path()
    try:
        return args.func(args)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        print("interrupted: submissions not yet recorded stay 'pending' in the gradebook", file=sys.stderr)
        return 130
    except Exception as err:  # the grader itself, not a submission: say so, with its own exit code
        import traceback

        traceback.print_exc()
        print(f"error: the grader failed ({type(err).__name__}: {str(err)[:500]}); submissions not yet "
              f"recorded stay 'pending': run the same command again", file=sys.stderr)
        return EXIT_GRADER_FAILED


if __name__ == "__main__":
    sys.exit(main())
