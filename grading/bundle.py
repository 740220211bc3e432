"""The student bundle: what students receive, and nothing else.

Contents: the release notebooks (``notebooks/``), the ``helpers`` package, the ``grading`` package
(for the check command; its demo generator is left out), ``pyproject.toml``, ``environment.yml``,
``LICENSE``, a student ``Makefile`` and a short student ``README.md``. It is built from an allow-list,
so instructor material (solutions, the gradebook, submissions, grades, reports) cannot slip in;
``tests/test_grading.py`` checks the result for solutions, hidden tests and databases.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .config import ConfigError, Settings

MARKER = ".student-bundle"
PACKAGES = ("helpers", "grading")
LEAVE_OUT = {"grading": ("demo.py",)}
FILES = ("pyproject.toml", "environment.yml", "LICENSE")

STUDENT_README = """# Normalization in Neural Networks: student bundle

Seven autograded Jupyter assignments, from feature scaling to GroupNorm. Everything runs offline
on a laptop CPU.

## Set up and open the course

You need Python 3.10 or newer and `make`:

```bash
make lab        # first run: creates .venv and installs the course (a few minutes), then opens JupyterLab
```

Conda users: `conda env create -f environment.yml && conda activate normalization-course && jupyter lab`.

## Work through an assignment

Open `notebooks/<id>/<id>.ipynb`. Each exercise is a function whose docstring is its contract:
write your code where it says `# YOUR CODE HERE` and delete the `raise NotImplementedError()`.
Run the test cell below each exercise. Do not edit the test cells or their metadata: grading puts
the original test cells back, so edited copies change nothing.

## Check before you submit

```bash
make check A=04_batchnorm_from_scratch                 # or: .venv/bin/python -m grading check <id>
.venv/bin/python -m grading check <id> --notebook path/to/your.ipynb
```

The check runs your notebook top to bottom in a fresh kernel and prints, per exercise, every
visible test with PASS or FAIL, the points at stake and the failure message; it exits with a
non-zero code if anything fails. In JupyterLab, the **Validate** button in the notebook toolbar
does a similar run and reports failing cells. Hidden tests (cells that look empty) are added at
grading time and check more cases: passing the visible tests is necessary, not sufficient.
Your feedback after grading lists every hidden test with its result and message, but not its code.
"""

STUDENT_MAKEFILE = """# make lab: set up .venv on first use and open JupyterLab.  make check A=<id>: run the visible tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: lab setup check

$(STAMP): pyproject.toml
\ttest -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
\t$(BIN)/python -m pip install --upgrade pip
\t$(BIN)/python -m pip install -e .
\ttouch $(STAMP)

setup: $(STAMP)

lab: $(STAMP)
\t$(BIN)/jupyter lab

check: $(STAMP)
\t@test -n "$(A)" || (echo "usage: make check A=<assignment id> [NB=path/to/notebook.ipynb]"; exit 2)
\t$(BIN)/python -m grading check $(A) $(if $(NB),--notebook $(NB),)
"""


def build_bundle(settings: Settings, out: Path, archive: bool = False) -> Path:
    root = settings.root
    out = Path(out).resolve()
    if out == root or root in out.parents and out.name in (settings.source_dir, settings.release_dir):
        raise ConfigError(f"refusing to write the bundle into {out}")
    if out.exists():
        if not (out / MARKER).is_file():
            raise ConfigError(f"{out} exists and is not a student bundle; choose another --out or remove it")
        shutil.rmtree(out)
    release = settings.path("release")
    if not release.is_dir():
        raise ConfigError(f"no release folder {release}: run `make release` first")
    out.mkdir(parents=True)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc", "*.db", "*.db-journal")
    shutil.copytree(release, out / "notebooks", ignore=ignore)
    for pkg in PACKAGES:
        skip = LEAVE_OUT.get(pkg, ())
        shutil.copytree(root / pkg, out / pkg,
                        ignore=lambda d, names, skip=skip: set(ignore(d, names)) | {n for n in names if n in skip})
    for name in FILES:
        if (root / name).is_file():
            shutil.copy2(root / name, out / name)
    (out / "README.md").write_text(STUDENT_README, encoding="utf-8")
    (out / "Makefile").write_text(STUDENT_MAKEFILE, encoding="utf-8")
    (out / MARKER).write_text("built by `python -m grading bundle`\n")
    if archive:
        shutil.make_archive(str(out), "zip", root_dir=out.parent, base_dir=out.name)
    return out
