# Two entry points a newcomer needs: `make check` (the main job) and `make test`.
# Both create .venv on first use and install what they need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# torch and torchvision are pinned as a pair; installed first and alone so pip never picks another torch.
TORCH  := torch==2.14.1 torchvision==0.29.1
export NO_MKDOCS_2_WARNING := 1

.PHONY: check test lint site serve schemas bench clean install fuzz

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e ".[facts,test]"
	@# PyPI has an unrelated distribution named `validators`; it must not shadow ours.
	@if $(BIN)/python -m pip show -q validators >/dev/null 2>&1; then $(BIN)/python -m pip uninstall -y -q validators; fi
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## check: lint, links, facts and the site on the committed cards
check: install
	$(BIN)/kb check
	$(BIN)/mkdocs build --strict

## lint: offline rules only (fast; no network, no torch)
lint: $(VENV)/.installed
	$(BIN)/kb lint

## test: the whole test suite (real servers, real torch, real browser)
test: install
	@bash scripts/ensure-chromium.sh
	$(BIN)/python -m pytest

## fuzz: the property tests at length: FUZZ_EXAMPLES inputs per target (make test runs a small fixed sample)
FUZZ_EXAMPLES ?= 10000
FUZZ_SEED     ?= 13
fuzz: install
	KB_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/fuzz -q -p no:cacheprovider --timeout=0 \
		--hypothesis-seed=$(FUZZ_SEED) --hypothesis-show-statistics

site: install
	$(BIN)/mkdocs build --strict

# --dirty: after a card is edited, only the pages whose content changed are rebuilt (README: the site)
serve: install
	$(BIN)/mkdocs serve --dirty

## schemas: regenerate the JSON Schemas the cards' modelines point at
schemas: $(VENV)/.installed
	$(BIN)/kb schema --out schemas

bench: install
	$(BIN)/python -m pip install -q -e ".[bench]"
	$(BIN)/python benchmarks/bench_facts.py
	$(BIN)/python benchmarks/conformance_torchvision.py
	$(BIN)/python benchmarks/bench_links.py
	$(BIN)/python benchmarks/bench_hostile.py
	$(BIN)/python benchmarks/bench_shard.py
	$(BIN)/python benchmarks/bench_charsets.py
	$(BIN)/python benchmarks/bench_site.py
	$(BIN)/python benchmarks/bench_lint.py

clean:
	rm -rf build .kb-cache .pytest_cache
