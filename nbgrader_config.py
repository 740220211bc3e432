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
