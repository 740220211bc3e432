"""Grading for the course: parallel, robust, private autograding on top of nbgrader's gradebook.

Entry point: ``python -m grading <command>`` (or the ``course-grading`` script); see ``grading.cli``.

* :mod:`grading.config`    -- settings, read from ``nbgrader_config.py`` (one place to configure);
* :mod:`grading.assemble`  -- rebuild the notebook to grade from a submission and the source;
* :mod:`grading.execute`   -- run it in a fresh kernel with per-cell timeouts and the guard;
* :mod:`grading.guard`     -- the in-kernel tamper check (imported inside the kernel);
* :mod:`grading.worker`    -- grade one submission in its own process (``python -m grading.worker``);
* :mod:`grading.batch`     -- grade a class in parallel and record the results serially;
* :mod:`grading.store`     -- the gradebook (nbgrader's tables plus a status table) and CSV export;
* :mod:`grading.feedback`  -- feedback for students that never shows hidden tests;
* :mod:`grading.report`    -- per assignment and per exercise statistics, CSV, PNG and HTML;
* :mod:`grading.check`     -- the students' terminal check of the visible tests;
* :mod:`grading.bundle`    -- the folder handed to students;
* :mod:`grading.demo`      -- a generated demo class with one student of each kind.
"""

import sys

__all__ = ["__version__", "skip_slow_optional_imports"]
__version__ = "0.1.0"


def skip_slow_optional_imports() -> None:
    """In the grading's own processes, keep jsonschema from importing ``rfc3987_syntax``.

    nbformat imports jsonschema, which imports that optional package for one string format
    ("iri") that notebooks never use; building its grammar takes seconds, in every worker.
    """
    sys.modules.setdefault("rfc3987_syntax", None)
