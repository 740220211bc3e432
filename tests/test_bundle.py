"""The student bundle set up as a student does it: from the bundle alone, with its own commands.

``test_student_sets_up_from_scratch_and_checks`` builds the bundle, creates its environment with
``make setup TORCH=torch==2.13.0`` (a new .venv of about 1.6 GB, the course's .venv off PATH; 1 to 4
minutes with pip's cache warm, about 90 s of CPU for the whole test), starts the student's
JupyterLab and reads its page config, and runs the bundle's ``make check`` on the blank release
notebook (must fail, every visible test listed) and on a copy with the answers filled in (must pass). It needs ``make`` and a pip that can install
``torch==2.13.0`` (from this machine's local mirror or PyPI): without them it skips, and under
``CI=true`` it fails. The other tests read what the Makefiles would run (``make -n``): nothing here
downloads from PyTorch's index.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

import browser_util
from conftest import ROOT, SOLUTIONS

from grading import bundle as bd
from grading.config import load_settings
from grading.demo import student_version

AID = "02_lasso_ridge"  # the fastest to check: about 10 s blank, 30 to 60 s answered
TORCH_HERE = "torch==2.13.0"  # the CPU wheel this machine's pip serves locally (download.pytorch.org is not reachable)
CPU_INSTALL = "pip install torch --index-url https://download.pytorch.org/whl/cpu"
SETUP_TIMEOUT = 900  # seconds; measured 62 to 235 s with pip's cache warm, on 2 cores under other load
COURSE_BIN = Path(sys.executable).parent
TEST_TOOLS = {"pytest", "nbval", "sphinx", "playwright", "psycopg"}  # the course's [test] extra, not the students'


def require(ok: bool, what: str):
    """Skip without ``what``; fail under CI=true, where everything the test needs is installed."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must set up the student bundle; missing: {what}")
    pytest.skip(f"setting up the student bundle needs {what}")


def build(out: Path) -> Path:
    """The bundle as `python -m grading bundle` writes it."""
    if not (ROOT / "notebooks").is_dir():
        pytest.skip("no notebooks/ to bundle")
    proc = subprocess.run([sys.executable, "-m", "grading", "--root", str(ROOT), "bundle", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"`python -m grading bundle` exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return out


def student_env(**extra: str) -> dict[str, str]:
    """A student's shell: no active venv, and the course's .venv nowhere on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    course_bins = {str(COURSE_BIN), str(ROOT / ".venv" / "bin")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and p.rstrip("/") not in course_bins)
    env.update(extra)
    return env


def make(folder: Path, *args: str, env=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-C", str(folder), *args], env=env or student_env(),
                          capture_output=True, text=True, timeout=timeout)


def dry_run(folder: Path, *args: str, env=None) -> str:
    """What `make -n` would run (the venv's folder does not exist, so the whole set-up is listed)."""
    proc = make(folder, "-n", *args, env=env)
    assert proc.returncode == 0, f"`make -n {' '.join(args)}` in {folder} exited {proc.returncode}:\n{proc.stderr}"
    return proc.stdout


def torch_lines(commands: str) -> list[str]:
    """The pip commands that install PyTorch."""
    return [line.strip() for line in commands.splitlines() if re.search(r"pip install \"?torch", line)]


# --- what the Makefiles would run ------------------------------------------------------------------------


def test_torch_choice_is_one_word_and_the_same_in_both_makefiles(tmp_path):
    bundle = build(tmp_path / "bundle")
    venv = f"VENV={tmp_path / 'no-venv'}"
    expected = {
        "TORCH=cpu": f"{tmp_path}/no-venv/bin/python -m {CPU_INSTALL}",
        "TORCH=torch": f'{tmp_path}/no-venv/bin/python -m pip install "torch"',
        f"TORCH={TORCH_HERE}": f'{tmp_path}/no-venv/bin/python -m pip install "{TORCH_HERE}"',
        "TORCH=torch>=2.4": f'{tmp_path}/no-venv/bin/python -m pip install "torch>=2.4"',
    }
    for folder in (bundle, ROOT):
        for choice, line in expected.items():
            got = torch_lines(dry_run(folder, "setup", venv, choice))
            assert got == [line], f"{folder / 'Makefile'}: `make setup {choice}` would run {got}, expected [{line!r}]"
    # The bundle's default follows the system: CPU index on Linux, PyPI's torch (CPU-only there) elsewhere.
    fake = tmp_path / "fakebin"
    fake.mkdir()
    for system, line in (("Linux", expected["TORCH=cpu"]), ("Darwin", expected["TORCH=torch"])):
        uname = fake / "uname"
        uname.write_text(f"#!/bin/sh\necho {system}\n")
        uname.chmod(0o755)
        env = student_env()
        env["PATH"] = f"{fake}{os.pathsep}{env['PATH']}"
        got = torch_lines(dry_run(bundle, "setup", venv, env=env))
        assert got == [line], f"bundle default on {system}: `make setup` would run {got}, expected [{line!r}]"
    if platform.system() == "Linux":
        got = torch_lines(dry_run(bundle, "setup", venv))
        assert got == [expected["TORCH=cpu"]], f"bundle default on this Linux: {got}, expected the CPU index"
    # The course keeps its pin (the wheel its test machines serve); the bundle's set-up ends by hiding
    # the instructor tools, the course's never does.
    assert torch_lines(dry_run(ROOT, "setup", venv)) == [f'{tmp_path}/no-venv/bin/python -m pip install "{TORCH_HERE}"']
    assert "grading.bundle student-lab" in dry_run(bundle, "setup", venv)
    assert "student-lab" not in dry_run(ROOT, "setup", venv), "the course's set-up must keep formgrader"


def makefile_variables(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([A-Z_]+)[ \t]*[:?]?=[ \t]*(.*?)[ \t]*$", path.read_text(), re.M))


def test_bundle_makefile_keeps_step_with_the_course_makefile(tmp_path):
    bundle = build(tmp_path / "bundle")
    course, student = makefile_variables(ROOT / "Makefile"), makefile_variables(bundle / "Makefile")
    shared = ("PYTHON", "VENV", "BIN", "STAMP", "TORCH_CPU_INDEX", "TORCH_PIP", "LAB_ARGS")
    differ = {name: (course.get(name), student.get(name)) for name in shared if course.get(name) != student.get(name)}
    assert not differ, f"variables that differ (course, bundle): {differ}"
    assert "TORCH" in course and "TORCH" in student, "both Makefiles take TORCH="
    venv = f"VENV={tmp_path / 'no-venv'}"
    for folder in (bundle, ROOT):
        lab = [line.strip() for line in dry_run(folder, "lab", venv).splitlines() if "jupyter lab" in line]
        want = "--allow-root" if os.getuid() == 0 else ""
        assert lab == [f"{tmp_path}/no-venv/bin/jupyter lab {want}".rstrip()], \
            f"{folder / 'Makefile'}: `make lab` as uid {os.getuid()} would run {lab}"
        lab = [line.strip() for line in dry_run(folder, "lab", venv, "LAB_ARGS=").splitlines() if "jupyter lab" in line]
        assert lab == [f"{tmp_path}/no-venv/bin/jupyter lab"], f"LAB_ARGS= must drop --allow-root: {lab}"


def test_student_files_are_the_runtime_only(tmp_path):
    bundle = build(tmp_path / "bundle")
    env = (bundle / "environment.yml").read_text()
    names = set(re.findall(r"^  - ([A-Za-z0-9_.-]+)", env, re.M))
    runtime = {("pytorch-cpu" if n == "torch" else n) for n in bd._runtime_requirements(ROOT / "pyproject.toml")}
    assert runtime <= names, f"the student environment.yml lacks {sorted(runtime - names)}"
    extra = names - runtime - {"python", "pip", "conda-forge"}
    assert not extra, f"the student environment.yml installs more than the course needs: {sorted(extra)}"
    assert "pytorch>" not in env and "pytorch-cpu>=2.4" in env, "conda must get the CPU-only PyTorch"
    assert "      - -e ." in env, "the environment must install the bundle itself (helpers, grading)"
    assert "grading.bundle student-lab" in env and "grading.bundle student-lab" in (bundle / "README.md").read_text()
    # make check and Validate read the notebooks' folder and the per-cell limit from here
    cfg = load_settings(bundle)
    assert cfg.release_dir == "notebooks" and cfg.cell_timeout == load_settings(ROOT).cell_timeout, cfg
    assert cfg.release_notebook(AID).is_file(), f"{cfg.release_notebook(AID)} missing"


# --- JupyterLab: the page config a running server hands the browser ------------------------------------


def lab_page_config(bindir: Path, folder: Path, home: Path, validate: bool = False) -> tuple[dict, dict]:
    """Start ``bindir``'s jupyter lab in ``folder``; its /lab page config and the answers of nbgrader's
    endpoints (formgrader, Validate's version check, and with ``validate`` Validate on the release notebook)."""
    lab = browser_util.Lab(folder, folder, home, home / "lab.log", bindir=bindir).start()
    try:
        with urllib.request.urlopen(lab.url("lab"), timeout=30) as resp:
            html = resp.read().decode()
        found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
        assert found, f"no jupyter-config-data in /lab:\n{html[:2000]}"
        answers = {}
        from nbgrader import __version__ as nbgrader_version

        for name, path, data in (("formgrader", "formgrader/api/status", None),
                                 ("version", f"nbgrader_version?version={nbgrader_version}", None),
                                 ("validate", "assignments/validate",
                                  urllib.parse.urlencode({"path": f"notebooks/{AID}/{AID}.ipynb"}).encode())):
            if name == "validate" and not validate:
                continue
            try:
                with urllib.request.urlopen(lab.url(path), data=data, timeout=300) as resp:
                    answers[name] = (resp.status, json.loads(resp.read()))
            except urllib.error.HTTPError as err:
                answers[name] = (err.code, None)
        return json.loads(found.group(1)), answers
    finally:
        lab.stop()


def test_course_lab_keeps_instructor_tools(tmp_path):
    cfg, answers = lab_page_config(COURSE_BIN, ROOT, tmp_path / "home")
    nbgrader_off = [e for e in cfg.get("disabledExtensions", []) if "nbgrader" in e]
    assert not nbgrader_off, f"the course's lab (instructors) has nbgrader plugins disabled: {nbgrader_off}"
    assert answers["formgrader"] == (200, {"status": True}), f"formgrader in the course's lab: {answers['formgrader']}"


# --- the whole student route ---------------------------------------------------------------------------


def check_summary(out: str) -> tuple[int, int]:
    found = re.search(r"(\d+) of (\d+) visible tests passed", out)
    return (int(found.group(1)), int(found.group(2))) if found else (-1, -1)


def test_student_sets_up_from_scratch_and_checks(tmp_path):
    t0 = time.monotonic()
    require(shutil.which("make") is not None, "make")
    require(shutil.which("python3", path=student_env()["PATH"]) is not None, "python3 on PATH (outside .venv)")
    probe = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--ignore-installed",
                            "--quiet", TORCH_HERE], capture_output=True, text=True, timeout=300)
    require(probe.returncode == 0, f"a pip that can install {TORCH_HERE} ({probe.stderr.strip()[-300:]})")

    bundle = build(tmp_path / "student_bundle")
    print(f"requirements probed, bundle built: {time.monotonic() - t0:.0f} s")
    start = time.monotonic()
    proc = make(bundle, "setup", f"TORCH={TORCH_HERE}", timeout=SETUP_TIMEOUT)
    took = time.monotonic() - start
    print(f"student set-up (make setup {TORCH_HERE}, pip cache warm): {took:.0f} s")
    assert proc.returncode == 0, f"`make setup` in the bundle exited {proc.returncode} after {took:.0f} s:\n" \
                                 f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    py = bundle / ".venv" / "bin" / "python"
    assert make(bundle, "-q", "setup").returncode == 0, "a second `make setup` would install again"

    # a runtime-only environment with the CPU build of PyTorch: no CUDA, no NVIDIA packages, no test tools
    listed = subprocess.run([str(py), "-m", "pip", "list", "--format=json"], capture_output=True, text=True,
                            env=student_env(), timeout=120)
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    # (the same wheel as the course's .venv: its CPU build here; PyPI's torch==2.13.0 on Linux would be CUDA)
    course_nvidia = {d.metadata["Name"].lower() for d in importlib.metadata.distributions()
                     if d.metadata["Name"].lower().startswith("nvidia")}
    nvidia = sorted(n for n in names if n.startswith("nvidia") and n not in course_nvidia)
    assert not nvidia, f"NVIDIA packages installed that the course's .venv does without: {nvidia}"
    assert not names & TEST_TOOLS, f"test tools installed in the student's environment: {sorted(names & TEST_TOOLS)}"
    assert {"torch", "nbgrader", "jupyterlab", "normalization-course"} <= names, sorted(names)

    # the student's lab: instructor plugins off and locked, student plugins on; formgrader's server
    # extension gone, Validate answering and finding the blank notebook's failures
    mark = time.monotonic()
    cfg, answers = lab_page_config(py.parent, bundle, tmp_path / "home", validate=True)
    print(f"student lab started, page config read, Validate run: {time.monotonic() - mark:.0f} s")
    disabled, locked = set(cfg.get("disabledExtensions", [])), set(cfg.get("lockedExtensions", []))
    assert set(bd.INSTRUCTOR_LAB_PLUGINS) <= disabled, f"instructor plugins still on: {set(bd.INSTRUCTOR_LAB_PLUGINS) - disabled}"
    assert set(bd.INSTRUCTOR_LAB_PLUGINS) <= locked, f"not locked (plugin manager could re-enable): {locked}"
    assert not disabled & set(bd.STUDENT_LAB_PLUGINS), f"student plugins disabled: {disabled & set(bd.STUDENT_LAB_PLUGINS)}"
    assert answers["formgrader"][0] == 404, f"formgrader answers in the student's lab: {answers['formgrader']}"
    assert answers["version"] == (200, {"success": True}), f"Validate's version check: {answers['version']}"
    status, result = answers["validate"]
    assert status == 200 and result["success"], f"Validate on the release notebook: {status} {result}"
    assert result["value"].get("failed"), f"Validate found nothing failing in a blank notebook: {result['value']}"

    # make check on the blank release: non-zero, every visible test a FAIL with its reason
    mark = time.monotonic()
    blank = make(bundle, "check", f"A={AID}", timeout=600)
    print(f"make check A={AID} (blank): {time.monotonic() - mark:.0f} s")
    passed, total = check_summary(blank.stdout)
    fails = re.findall(r"^\s+FAIL\s+(\S+)", blank.stdout, re.M)
    assert blank.returncode != 0 and passed == 0 and total > 0 and len(fails) == total, \
        f"`make check A={AID}` on the blank notebook: exit {blank.returncode}, {passed} of {total} passed, " \
        f"{len(fails)} FAIL lines:\n{blank.stdout[-3000:]}{blank.stderr[-2000:]}"
    assert "NotImplementedError (not answered yet" in blank.stdout, blank.stdout[-2000:]

    # ... and on a copy with every answer filled in: exit 0
    solved = tmp_path / "my_work" / f"{AID}.ipynb"
    solved.parent.mkdir()
    nbformat.write(student_version(nbformat.read(str(SOLUTIONS / AID / f"{AID}.ipynb"), as_version=4)), str(solved))
    mark = time.monotonic()
    ok = make(bundle, "check", f"A={AID}", f"NB={solved}", timeout=900)
    print(f"make check A={AID} NB=<answered copy>: {time.monotonic() - mark:.0f} s")
    assert ok.returncode == 0 and check_summary(ok.stdout) == (total, total), \
        f"`make check A={AID} NB=<answered copy>` exited {ok.returncode}:\n{ok.stdout[-3000:]}{ok.stderr[-2000:]}"
    # passed: the environment (about 1.6 GB) goes; after a failure it stays in tmp_path to look into
    shutil.rmtree(bundle / ".venv", ignore_errors=True)
    print(f"whole test: {time.monotonic() - t0:.0f} s")
