# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make demo   install, then plan the bundled sample site's day ahead (writes out/demo/)
#   make test   install, then run the test suite (the same command CI runs)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test check bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
# the package's bytecode, written even where PYTHONDONTWRITEBYTECODE is set (many container
# images set it): without it every `dispatch` process compiles its modules again (~0.2 s)
	$(BIN)/python -m compileall -q dispatch
	touch $@

demo: install
	$(BIN)/dispatch plan dispatch/sample_data/sample_site.yaml --day 2026-08-17 --out out/demo

# the suite on every core (pytest-xdist), one test file per worker at a time
PYTEST := $(BIN)/python -m pytest -q -n auto --dist loadfile

test: install
	$(PYTEST)

check: install
	$(BIN)/ruff check dispatch tests benchmarks
	$(BIN)/ruff format --check dispatch tests benchmarks
	$(BIN)/lint-imports
	$(PYTEST)

bench: install
	$(BIN)/python benchmarks/bench_plan.py

clean:
	rm -rf $(VENV) out .pytest_cache
