# Nämndsvar: two commands for a fresh machine.
#   make run   – set up, build the index if missing, start the app
#   make test  – set up (with browser-test dependencies) and run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: setup run index cache test lint bench compare measure test-browser browser-deps clean-index

setup: $(VENV)/.installed

# torch first, pinned: this version installs a CPU build; plain `torch` pulls CUDA (GBs).
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

index: setup
	$(PY) -m ingest build

# Refresh the vector cache shipped for the bundled annex (data/embedding-cache/) after a
# change to the annex, the chunking or the default model.
cache: setup
	$(PY) -m ingest cache

run: setup
	@if [ -f app.py ]; then \
		$(PY) -m streamlit run app.py --server.headless true --server.port $(PORT); \
	else \
		$(PY) -m ingest build && $(PY) -m ingest inspect; \
	fi

# Debian's Chromium for the Playwright browser test (never `playwright install`).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null) \
		|| echo "Varning: kunde inte installera chromium; webbläsartestet hoppas över."; }

test: setup browser-deps
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check .

# Both models in one run on the annex; BENCH_SIZES=1,10,100 adds the scaling runs (×100
# embeds 33 200 chunks: tens of minutes).
BENCH_SIZES ?= 1
bench: setup
	$(PY) -m tools.bench --sizes $(BENCH_SIZES)

# Embedding models side by side on the gold set (dense and fused, 256/512-token chunks).
compare: setup
	$(PY) -m tools.compare_models --grid

measure: setup
	$(PY) scripts/measure_app.py

test-browser: setup browser-deps
	$(PY) -m pytest -m browser

clean-index:
	rm -rf index
