"""Checks that apply to every pytest run of the course, wherever it starts (tests/ or solutions/).

nbval executes each notebook in solutions/ cell by cell; the hooks below add up the cells' wall
times per notebook, print them, and fail the run when a notebook is over its time budget.
"""

from __future__ import annotations

import os

import pytest

# Seconds one notebook may take top to bottom, kernel start included. The course promises 30 s on
# 2 cores for a notebook run alone; `make test` runs two notebooks at once, so the check allows for
# sharing the cores.
NOTEBOOK_TIME_LIMIT = float(os.environ.get("COURSE_NOTEBOOK_TIME_LIMIT", "45"))

_NB_SECONDS: dict[str, float] = {}


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _NB_SECONDS[path] = _NB_SECONDS.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _NB_SECONDS:
        return
    terminalreporter.section("notebook execution times (nbval, incl. kernel start)")
    for path, seconds in sorted(_NB_SECONDS.items()):
        flag = "  OVER LIMIT" if seconds > NOTEBOOK_TIME_LIMIT else ""
        terminalreporter.write_line(f"{seconds:6.1f} s  {path}{flag}")


def pytest_sessionfinish(session, exitstatus):
    slow = {p: s for p, s in _NB_SECONDS.items() if s > NOTEBOOK_TIME_LIMIT}
    if slow and not hasattr(session.config, "workerinput"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        for path, seconds in slow.items():
            print(f"\nFAILED: {path} took {seconds:.1f} s to execute (limit {NOTEBOOK_TIME_LIMIT:.0f} s)")
