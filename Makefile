# Two commands: `make demo` and `make test`. Both work on a fresh clone.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo
DEMO_DB ?= sqlite:///$(DEMO_DIR)/werkkans.db
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo lint test test-fast services bench clean

$(STAMP): pyproject.toml
	@echo "installeren 1/3: virtuele omgeving $(VENV)"
	@test -x $(PY) || python3 -m venv $(VENV)
	@# the CPU build of PyTorch first, so nothing pulls in a multi-GB GPU build
	@echo "installeren 2/3: PyTorch (CPU-versie)"
	@$(PIP) install --quiet --progress-bar off torch==2.13.0
	@echo "installeren 3/3: werkkans en de bibliotheken (een paar minuten; elk pakket wordt genoemd)"
	@$(PIP) install --progress-bar off -e '.[dev]' | grep --line-buffered -E '^(Collecting|Successfully installed)' \
		| sed -u -e 's/^Collecting /  ophalen: /' -e 's/^Successfully installed .*/  alles geïnstalleerd/'; \
		test $${PIPESTATUS[0]} -eq 0
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/werkkans demo --dir $(DEMO_DIR) --port $(PORT)

services:
	bash scripts/install_test_services.sh

# ruff (defaults, import order, bugbear) and mypy (strict on models/, matching/, services/);
# configured in pyproject.toml
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: install services lint
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not slow and not postgres and not browser"

bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
