# Two commands do everything:  `make lab` (students)  and  `make test` (everything CI runs).
# Both create a local virtual environment in .venv on first use and reuse it afterwards.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Any torch >= 2.1 works. The default pin installs the CPU wheel that these machines serve locally;
# elsewhere choose your own, e.g.  make lab TORCH="torch"  (or a CUDA/CPU build from your index).
TORCH  ?= torch==2.13.0
STAMP  := $(VENV)/.installed
# Tools started from here (nbgrader calls `alembic`, Jupyter finds its kernel) come from the venv.
export PATH := $(abspath $(BIN)):$(PATH)
# pytest workers; the notebook tests are independent, so two cores halve the wall time.
JOBS   ?= 2

.PHONY: lab test setup release clean-venv

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install "$(TORCH)"
	$(BIN)/python -m pip install -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

# Jupyter refuses to start as root (e.g. in a container) unless told; elsewhere the flag is not added.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS)

# Regenerate the student versions in notebooks/ from solutions/ (commit both).
release: $(STAMP)
	$(BIN)/nbgrader generate_assignment "*" --no-db --force

clean-venv:
	rm -rf $(VENV)
