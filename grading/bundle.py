"""The student bundle: what students receive, and nothing else.

Contents: the release notebooks (``notebooks/``), the ``helpers`` package, the ``grading`` package
(for the check command; its demo generator is left out), ``pyproject.toml``, ``LICENSE``, and,
written for students: ``environment.yml`` (the course's runtime packages only, CPU-only PyTorch),
``nbgrader_config.py`` (where the notebooks are, the per-cell timeout), a ``Makefile`` and a short
``README.md``. It is built from an allow-list, so instructor material (solutions, the gradebook,
submissions, grades, reports) cannot slip in; ``tests/test_grading.py`` checks the result for
solutions, hidden tests and databases, ``tests/test_bundle.py`` sets it up the way a student does.

The students' JupyterLab shows no instructor tools: ``python -m grading.bundle student-lab`` (the
last step of the bundle's ``make setup``; conda users run it once by hand) disables and locks
nbgrader's formgrader and create-assignment plugins and turns off its formgrader server extension,
in the running Python's environment only (``sys.prefix``). Validate, the Assignments and the Courses
tabs stay. The course's own ``make lab`` (instructors) never runs it and keeps everything.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from .config import ConfigError, Settings

MARKER = ".student-bundle"
PACKAGES = ("helpers", "grading")
LEAVE_OUT = {"grading": ("demo.py",)}
FILES = ("pyproject.toml", "LICENSE")

# nbgrader's instructor tools: plugin ids of its lab extension (@jupyter/nbgrader) and the server
# extension its jupyter_server_config.d/nbgrader.json enables. The student tools stay on.
INSTRUCTOR_LAB_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")
STUDENT_LAB_PLUGINS = ("@jupyter/nbgrader:validate-assignment", "@jupyter/nbgrader:assignment-list",
                       "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:menu")
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",)
STUDENT_SERVER_EXTENSIONS = ("nbgrader.server_extensions.validate_assignment",
                             "nbgrader.server_extensions.assignment_list",
                             "nbgrader.server_extensions.course_list")

STUDENT_README = """# Normalization in Neural Networks: student bundle

Seven autograded Jupyter assignments, from feature scaling to GroupNorm. Everything runs offline
on a laptop CPU; no GPU is used.

## Set up and open the course

You need Python 3.10 or newer, `make`, and access to PyPI (on Linux also to download.pytorch.org).
On Windows, use WSL (then it is Linux) or conda (below).

```bash
make lab        # first run: creates .venv and installs the course (a few minutes), then opens JupyterLab
make setup      # the same set-up, without opening JupyterLab
```

PyTorch is the big download. On Linux, `make` installs the CPU-only build from PyTorch's own index
(https://download.pytorch.org/whl/cpu, about 200 MB): PyPI's default PyTorch on Linux is the CUDA
build, which brings about 15 NVIDIA packages (several GB) for a GPU this course never uses. On
macOS, PyPI's PyTorch is CPU-only already, and `make` takes it from there. To choose, set `TORCH`
on the first run: `make lab TORCH=cpu` (PyTorch's CPU-only index, any system), `make lab
TORCH=torch` (PyPI's default build), or any pip requirement, e.g. `make lab TORCH="torch==2.5.1"`.
Any PyTorch from 2.4 on works. `PYTHON=python3.12` chooses the interpreter and `VENV=path` the
environment's folder; delete `.venv` to start over. As root (e.g. in a container), `make lab`
passes `--allow-root` to Jupyter.

Conda users (the environment takes conda-forge's `pytorch-cpu`, CPU-only on every system):

```bash
conda env create -f environment.yml && conda activate normalization-course
python -m grading.bundle student-lab     # once: hides the instructor tools in this environment
jupyter lab                              # from this folder (Validate reads nbgrader_config.py here)
```

Both set-ups hide nbgrader's instructor tools (formgrader, create assignment) in their own
environment only; the **Validate** button and the Assignments tab stay.

## Work through an assignment

Open `notebooks/<id>/<id>.ipynb`. Each exercise is a function whose docstring is its contract:
write your code where it says `# YOUR CODE HERE` and delete the `raise NotImplementedError()`.
Run the test cell below each exercise. Do not edit the test cells or their metadata: grading puts
the original test cells back, so edited copies change nothing.

## Check before you submit

```bash
make check A=04_batchnorm_from_scratch                       # checks notebooks/<id>/<id>.ipynb
make check A=04_batchnorm_from_scratch NB=path/to/your.ipynb # or any copy of it
python -m grading check 04_batchnorm_from_scratch            # the same without make (env active)
```

The check runs your notebook top to bottom in a fresh kernel and prints, per exercise, every
visible test with PASS or FAIL, the points at stake and the failure message; it exits with a
non-zero code if anything fails. In JupyterLab, the **Validate** button in the notebook toolbar
does a similar run and reports failing cells (save the notebook first). Hidden tests (cells that
look empty) are added at grading time and check more cases: passing the visible tests is
necessary, not sufficient. Your feedback after grading lists every hidden test with its result and
message, but not its code.

## Hand in

Your instructor says which way:

* **nbgrader's exchange** (a JupyterHub, or a shared machine): in JupyterLab, *Nbgrader >
  Assignments* lists the assignments released to you: **Fetch** one, work in the copy it makes,
  **Submit** (again to replace it; the latest counts, and the time is recorded), and after grading
  **Fetch Feedback**. The same from a terminal:
  `nbgrader fetch_assignment <id> --course normalization-course`, then `nbgrader submit <id>
  --course normalization-course` and `nbgrader fetch_feedback <id> --course normalization-course`.
* **An upload to your LMS** (Canvas, Moodle): upload your one notebook for the assignment; its file
  name does not matter. Feedback comes back as a page, `<id>.html`.
"""

# The set-up part is the course Makefile's (same PYTHON, VENV, TORCH, TORCH_CPU_INDEX, LAB_ARGS);
# only the TORCH default differs (the course pins the wheel its test machines serve locally).
STUDENT_MAKEFILE = """# make lab: set up .venv on first use, then open JupyterLab.   make setup: only the set-up.
# make check A=<id> [NB=path/to/notebook.ipynb]: run the visible tests of an assignment.
# First-run overrides: PYTHON=python3.12  VENV=path  TORCH=cpu | torch | "<pip requirement>"
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# PyTorch, any torch >= 2.4. TORCH=cpu: the CPU-only build from PyTorch's index (about 200 MB); any other
# value is a pip requirement, e.g. TORCH=torch (PyPI's build: CUDA on Linux, several GB) or TORCH="torch==2.5.1".
# Default: cpu on Linux; elsewhere (macOS) PyPI's torch, CPU-only there already.
TORCH  ?= $(if $(filter Linux,$(shell uname -s 2>/dev/null)),cpu,torch)
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_PIP = $(if $(filter cpu,$(TORCH)),torch --index-url $(TORCH_CPU_INDEX),"$(TORCH)")
STAMP  := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: lab setup check

# The last step hides nbgrader's instructor tools (formgrader, create assignment) in this .venv only.
$(STAMP): pyproject.toml
\ttest -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
\t$(BIN)/python -m pip install --upgrade pip
\t$(BIN)/python -m pip install $(TORCH_PIP)
\t$(BIN)/python -m pip install -e .
\t$(BIN)/python -m grading.bundle student-lab
\ttouch $(STAMP)

setup: $(STAMP)

# Jupyter refuses to start as root (e.g. in a container) unless told; elsewhere the flag is not added.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)
\t$(BIN)/jupyter lab $(LAB_ARGS)

check: $(STAMP)
\t@test -n "$(A)" || (echo "usage: make check A=<assignment id> [NB=path/to/notebook.ipynb]"; exit 2)
\t$(BIN)/python -m grading check $(A) $(if $(NB),--notebook $(NB),)
"""

STUDENT_NBGRADER_CONFIG = '''"""nbgrader settings for students: where the notebooks are and how long one cell may run.

Read by the Validate button in JupyterLab (started in this folder) and by `make check`.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.release_directory = "{release}"
c.ExecutePreprocessor.timeout = {timeout:g}
c.ExecutePreprocessor.interrupt_on_timeout = True
'''

STUDENT_ENV_HEADER = """# Students, with conda or mamba (instead of `make setup`):
#   conda env create -f environment.yml && conda activate normalization-course
#   python -m grading.bundle student-lab     # once: hides nbgrader's instructor tools in this env
# The course's runtime packages only; pytorch-cpu is conda-forge's CPU-only PyTorch.
"""
CONDA_RENAME = {"pytorch": "pytorch-cpu"}  # conda name -> the student's conda name
CONDA_TO_PIP = {"pytorch": "torch"}


def _runtime_requirements(pyproject: Path) -> set[str]:
    """Normalized names of ``[project] dependencies`` (extras such as ``test`` are not runtime)."""
    text = pyproject.read_text(encoding="utf-8")
    try:
        import tomllib

        deps = tomllib.loads(text)["project"]["dependencies"]
    except ImportError:  # Python 3.10: read the list's strings directly
        block = re.search(r"^dependencies\s*=\s*\[(.*?)^\]", text, re.S | re.M)
        deps = re.findall(r'"([^"]+)"', block.group(1)) if block else []
    return {_normalize(re.split(r"[\s<>=!~;\[]", d, maxsplit=1)[0]) for d in deps}


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def student_environment(course_env: str, runtime: set[str]) -> str:
    """The course's environment.yml cut down to ``python``, ``pip``, the runtime packages and the
    ``pip:`` block (the editable install), with PyTorch as conda-forge's CPU-only ``pytorch-cpu``."""
    out, section = [STUDENT_ENV_HEADER.rstrip("\n")], None
    for line in course_env.splitlines():
        if line.lstrip().startswith("#"):
            continue  # the course's comments speak of the course's files
        top = re.match(r"^([A-Za-z_]+):", line)
        if top:
            section = top.group(1)
        item = re.match(r"^(  - )([A-Za-z0-9_.-]+)(.*)$", line)
        if section == "dependencies" and item:
            name = item.group(2)
            if name not in ("python", "pip") and _normalize(CONDA_TO_PIP.get(name, name)) not in runtime:
                continue
            line = item.group(1) + CONDA_RENAME.get(name, name) + item.group(3)
        out.append(line)
    return "\n".join(out) + "\n"


def configure_student_lab() -> int:
    """Hide the instructor tools in this Python's environment (``sys.prefix``), as
    ``jupyter labextension disable/lock --level=sys_prefix`` and ``jupyter server extension disable
    --sys-prefix`` would, in one process (those commands take seconds each)."""
    try:
        from jupyter_server.extension.serverextension import toggle_server_extension_python
        from jupyterlab_server.config import get_static_page_config, write_page_config
    except ImportError as err:
        print(f"JupyterLab is not installed in {sys.prefix} ({err}); install the course first", file=sys.stderr)
        return 1
    page = get_static_page_config(level="sys_prefix")
    for key in ("disabledExtensions", "lockedExtensions"):  # locked: the plugin manager cannot re-enable them
        entries = page.get(key) or {}
        if isinstance(entries, list):
            entries = dict.fromkeys(entries, True)
        entries.update(dict.fromkeys(INSTRUCTOR_LAB_PLUGINS, True))
        page[key] = entries
    write_page_config(page, level="sys_prefix")
    for ext in INSTRUCTOR_SERVER_EXTENSIONS:
        toggle_server_extension_python(ext, enabled=False, sys_prefix=True)
    print(f"JupyterLab in {sys.prefix}: {', '.join(INSTRUCTOR_LAB_PLUGINS)} and the server extension "
          f"{', '.join(INSTRUCTOR_SERVER_EXTENSIONS)} are off; Validate and the Assignments tab stay on")
    return 0


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
    if (root / "environment.yml").is_file() and (root / "pyproject.toml").is_file():
        env = student_environment((root / "environment.yml").read_text(encoding="utf-8"),
                                  _runtime_requirements(root / "pyproject.toml"))
        (out / "environment.yml").write_text(env, encoding="utf-8")
    (out / "nbgrader_config.py").write_text(
        STUDENT_NBGRADER_CONFIG.format(release="notebooks", timeout=settings.cell_timeout), encoding="utf-8")
    (out / "README.md").write_text(STUDENT_README, encoding="utf-8")
    (out / "Makefile").write_text(STUDENT_MAKEFILE, encoding="utf-8")
    (out / MARKER).write_text("built by `python -m grading bundle`\n")
    if archive:
        shutil.make_archive(str(out), "zip", root_dir=out.parent, base_dir=out.name)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m grading.bundle",
                                description="Students: set up JupyterLab in this environment.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("student-lab", help="hide nbgrader's instructor tools (formgrader, create assignment) "
                                       "in this Python's environment; Validate and Assignments stay")
    p.parse_args(argv)
    return configure_student_lab()


if __name__ == "__main__":
    sys.exit(main())
