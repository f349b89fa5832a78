# Two commands: `make run` (set up + start the app on the demo fleet) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

.PHONY: run test lint typecheck unit bench golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadgroup

unit: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/unit -q

golden: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/unit/test_exports_golden.py --update-golden

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/engine.py --functions 10000 --days 30

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
