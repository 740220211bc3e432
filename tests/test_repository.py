"""Repository hygiene: what must never be committed, and CI running the README's test command."""

import re
import shutil
import subprocess

import pytest

from conftest import ROOT

NEVER_TRACKED = ("gradebook.db", "submitted/", "autograded/", "feedback/", "grades.csv")


def _tracked_files():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_no_gradebook_or_student_work_is_tracked():
    bad = [f for f in _tracked_files() if any(f == p or f.startswith(p) for p in NEVER_TRACKED)]
    assert not bad, f"tracked files that must stay out of git (hidden tests, grades, student work): {bad}"


def test_gitignore_covers_nbgrader_state():
    ignored = (ROOT / ".gitignore").read_text().split()
    missing = [p for p in NEVER_TRACKED if p not in ignored]
    assert not missing, f".gitignore must list {missing}"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(make \w+)\s+#", quickstart, re.M)
    assert commands == ["make lab", "make test"], f"the quickstart should show two commands, found {commands}"
    ci_lines = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert ci_lines[-1] == "make test", f".ci/run must end by running the README's test command; it runs {ci_lines[-1]!r}"
    assert not any(line.startswith(("pip ", "python", "make ")) for line in ci_lines[:-1]), (
        f".ci/run must not install or run anything else (setup belongs in `make test`): {ci_lines[:-1]}"
    )
