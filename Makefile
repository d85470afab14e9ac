# The two commands of the README:  `make book`  and  `make test`.
# Each sets up .venv on first use (and again whenever pyproject.toml changes).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# A CPU build where one lies on disk; GPU users: see the README (TORCH_SPEC / an existing torch).
TORCH_SPEC ?= torch==2.13.0
PROFILE ?= quick

.PHONY: book test bench clean-venv

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e ".[book,dev]"
	touch $@

book: $(VENV)/.installed
	$(BIN)/hl demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_batched_grid.py

clean-venv:
	rm -rf $(VENV)
