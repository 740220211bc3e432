# Two commands do everything:  `make lab` (students)  and  `make test` (everything CI runs).
# Both create a local virtual environment in .venv on first use and reuse it afterwards.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# PyTorch, any torch >= 2.4 (07 uses torch.nn.functional.rms_norm). The default pin installs the CPU wheel
# that these machines serve locally. TORCH=cpu: the newest CPU-only build from PyTorch's index (about 200 MB);
# any other value is a pip requirement, e.g. TORCH=torch (PyPI's build: CUDA on Linux, several GB).
# The student bundle's Makefile (grading/bundle.py) takes the same values; its default is cpu on Linux.
TORCH  ?= torch==2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_PIP = $(if $(filter cpu,$(TORCH)),torch --index-url $(TORCH_CPU_INDEX),"$(TORCH)")
STAMP  := $(VENV)/.installed
# Tools started from here (nbgrader calls `alembic`, Jupyter finds its kernel) come from the venv.
export PATH := $(abspath $(BIN)):$(PATH)
# pytest workers; the notebook tests are independent, so two cores halve the wall time.
JOBS   ?= 2

.PHONY: lab test setup release clean-venv grade export report bundle check demo bench site

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install $(TORCH_PIP)
	$(BIN)/python -m pip install -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

# Jupyter refuses to start as root (e.g. in a container) unless told; elsewhere the flag is not added.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_ARGS)

# Two runs: nbval keeps each notebook's cells on one worker (--dist loadfile, they share a kernel);
# the tests in tests/ are spread one by one (--dist load) so the slow per-assignment ones run in parallel.
test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile solutions
	$(BIN)/python -m pytest -n $(JOBS) --dist load tests

# Regenerate the student versions in notebooks/ from solutions/ (commit both).
release: $(STAMP)
	$(BIN)/nbgrader generate_assignment "*" --no-db --force

clean-venv:
	rm -rf $(VENV)

# The course website in site/_build/html (README "The course website"): executes every notebook,
# strips answers and hidden tests, renders offline with Sphinx; warnings are errors.
site: $(STAMP)
	$(BIN)/python site/build.py

# --- grading (python -m grading; see README "Instructors: grading a class") ------------------------
# make grade [A=<id>] [S=<student>] [J=<workers>]   grade submitted/ in parallel into the gradebook
# make report | make export [LMS=canvas|moodle|table] | make bundle   statistics, grades CSV, the student bundle
# make check A=<id> [NB=path/to/notebook.ipynb]     students: run the visible tests of an assignment
GRADING = $(BIN)/python -m grading

grade: $(STAMP)
	$(GRADING) grade $(if $(A),-a $(A),) $(if $(S),-s $(S),) $(if $(J),-j $(J),)

export: $(STAMP)
	$(GRADING) export $(if $(LMS),--lms $(LMS),) $(if $(A),-a $(A),)

report: $(STAMP)
	$(GRADING) report

bundle: $(STAMP)
	$(GRADING) bundle

check: $(STAMP)
	@test -n "$(A)" || (echo "usage: make check A=<assignment id> [NB=path/to/notebook.ipynb]"; exit 2)
	$(GRADING) check $(A) $(if $(NB),--notebook $(NB),)

demo: $(STAMP)
	@test -n "$(A)" || (echo "usage: make demo A=<assignment id>  (writes a demo class into submitted/)"; exit 2)
	$(GRADING) demo $(A)

bench: $(STAMP)
	$(BIN)/python benchmarks/grading_benchmark.py $(if $(A),--assignment $(A),)

# The same class graded by the local pool and by a two-worker Dask LocalCluster: both times, their ratio.
.PHONY: bench-cluster
bench-cluster: $(STAMP)
	$(BIN)/python benchmarks/cluster_benchmark.py $(if $(A),--assignment $(A),) $(if $(N),--students $(N),)
