"""nbgrader configuration for the course.

Run every nbgrader command from the repository root (the folder holding this file).
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

# Where things live: solutions/ is the instructor source, notebooks/ the generated student release.
# The course root is the folder of this file (traitlets defines __file__ while loading it).
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# nbgrader's exchange (README "Instructors: running the class"): students fetch and submit with this course id.
# The exchange folder is nbgrader's default, /usr/local/share/nbgrader/exchange; on a shared server it must exist
# and be writable by everyone (`mkdir -p /usr/local/share/nbgrader/exchange && chmod 777 /usr/local/share/nbgrader/exchange`).
# Elsewhere, set it here and in each student's nbgrader_config.py, e.g.:
#   c.Exchange.root = "/usr/local/share/nbgrader/exchange"
c.CourseDirectory.course_id = "normalization-course"

# An LMS download (README "From an LMS download"): put the zip in
# downloaded/<id>/archive/ and run `nbgrader zip_collect <id>`; this collector reads Canvas's and
# Moodle's file names and files each notebook as submitted/<LMS student id>/<id>/<id>.ipynb.
c.ZipCollectApp.collector_plugin = "grading.lms.LmsCollector"

# Feedback never shows hidden-test code, whichever command writes it: `python -m grading grade`
# writes its own scrubbed feedback, and nbgrader's `generate_feedback` (which would otherwise render
# every hidden test's code, and the lines a failing one quotes) runs HideHiddenTests after reading
# the grades. `nbgrader release_feedback` then hands out only such pages. Named as strings so that
# loading this file imports nothing.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "grading.nbgrader_feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# A single cell may run at most this long (seconds) when nbgrader executes a notebook
# (validate, autograde). Whole notebooks take well under 30 s; the margin is for slow laptops.
c.ExecutePreprocessor.timeout = 120
c.ExecutePreprocessor.interrupt_on_timeout = True

# Byte-stable releases: outputs are cleared (nbgrader's ClearOutput) and every cell and notebook
# metadata key but nbgrader's own and a few editor flags is stripped (execution timings, scroll
# state, interpreter versions), so regenerating notebooks/ from solutions/ gives the same bytes on
# any machine (tests/test_sync.py relies on it).
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.converters import GenerateAssignment  # noqa: E402

c.GenerateAssignment.preprocessors = list(GenerateAssignment.class_traits()["preprocessors"].default()) + [
    ClearMetadataPreprocessor
]
c.ClearMetadataPreprocessor.enabled = True
c.ClearMetadataPreprocessor.preserve_cell_metadata_mask = {"nbgrader", "tags", "deletable", "editable"}
c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = {"kernelspec", ("language_info", "name")}

# Grading a class with `python -m grading grade` (README: "Instructors: grading a class"). It reads
# the folders, db_url and the per-cell timeout above; these are its own limits (nbgrader ignores them).
c.CourseGrading.submission_timeout = 900  # seconds for one whole submission before its worker is killed
c.CourseGrading.max_output_bytes = 1_000_000  # output kept per cell; the excess is dropped and noted
c.CourseGrading.workers = 0  # submissions graded at once; 0 = one per CPU core
c.CourseGrading.probe_timeout = 10  # seconds a kernel may take to answer after an interrupted cell
# c.CourseGrading.scheduler = "tcp://grading-head:8786"  # grade on this Dask cluster (README "Grading a very large class")
