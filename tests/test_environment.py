"""The pip and conda descriptions of the environment name the same packages."""

import re
import tomllib

from conftest import ROOT

# conda-forge names that differ from the PyPI names.
CONDA_TO_PIP = {"pytorch": "torch"}
# Entries of environment.yml that are not Python packages of the course.
CONDA_ONLY = {"python", "pip"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;:]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pip_packages():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = list(data["project"]["dependencies"])
    for extra in data["project"].get("optional-dependencies", {}).values():
        reqs += extra
    return {_name(r) for r in reqs} - {data["project"]["name"]}  # an extra may include another extra


def conda_packages():
    names = set()
    in_deps = False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        if in_deps and re.match(r"^  - [A-Za-z]", line):  # top-level conda entries only
            names.add(_name(line[4:]))
    return {CONDA_TO_PIP.get(n, n) for n in names} - CONDA_ONLY


def test_environment_yml_and_pyproject_name_the_same_packages():
    pip, conda = pip_packages(), conda_packages()
    missing_in_conda = sorted(pip - conda)
    missing_in_pip = sorted(conda - pip)
    assert not (missing_in_conda or missing_in_pip), (
        f"environment.yml lacks {missing_in_conda}; pyproject.toml lacks {missing_in_pip}. "
        f"Add each package to both files (conda-forge names: {CONDA_TO_PIP})."
    )


def test_environment_yml_installs_helpers():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- -e \.\s*$", text, re.M), (
        "environment.yml must install the course package (`- pip:` then `- -e .`), "
        "so that `import helpers` works wherever nbgrader executes a notebook."
    )


def test_pyproject_lists_the_course_packages():
    expected = {"numpy", "torch", "scikit-learn", "matplotlib", "jupyterlab", "nbgrader", "nbval", "pytest"}
    missing = expected - pip_packages()
    assert not missing, f"pyproject.toml is missing {sorted(missing)}"
