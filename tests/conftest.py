"""Shared fixtures and helpers for the course's test suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"

# The assignment ids are fixed by the course design; the tests cover those present in solutions/.
ASSIGNMENT_IDS = (
    "01_feature_scaling",
    "02_lasso_ridge",
    "03_regularizing_networks",
    "04_batchnorm_from_scratch",
    "05_batchnorm_in_torch",
    "06_normalization_in_training",
    "07_beyond_batchnorm",
)
# The course's bar: at least this many autograded exercises per assignment.
MIN_EXERCISES = 5
ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file()) if SOLUTIONS.is_dir() else []



def solution_path(aid: str) -> Path:
    return SOLUTIONS / aid / f"{aid}.ipynb"


def release_path(aid: str) -> Path:
    return NOTEBOOKS / aid / f"{aid}.ipynb"


def read_nb(path: Path):
    return nbformat.read(str(path), as_version=nbformat.NO_CONVERT)


def nbgrader(*args: str, cwd: Path, timeout: float = 900, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the nbgrader of this environment in ``cwd`` (``env``: extra variables, e.g. a student's
    HOME); raise with its output if it fails."""
    bindir = Path(sys.executable).parent
    exe = bindir / "nbgrader"
    cmd = [str(exe) if exe.exists() else "nbgrader", *args]
    # nbgrader runs `alembic` (gradebook migrations) through PATH: put this environment's bin first.
    env = {**os.environ, **(env or {}), "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(
            f"`{' '.join(cmd)}` failed with exit code {proc.returncode} in {cwd}:\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def copy_course(dest: Path, assignments=None) -> Path:
    """Copy what nbgrader needs (config, solutions, helpers) into ``dest``; return it."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    for aid in assignments or ASSIGNMENTS:
        shutil.copytree(SOLUTIONS / aid, dest / "solutions" / aid,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest


def grade_cells(nb):
    """The autograded test cells of a notebook: (grade_id, points, cell)."""
    out = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            out.append((meta["grade_id"], meta.get("points", 0), cell))
    return out
