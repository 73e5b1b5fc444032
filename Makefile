# Two commands: `make run` opens the app on the bundled demo, `make test` runs every test.
# Both create .venv on first use; nothing else needs to be installed beforehand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Azurite (Microsoft's Azure Storage emulator, Node.js) for the az:// tests, in the venv folder.
# Optional: without npm, or offline, the setup goes on and those tests skip saying why.
AZURITE_VERSION := 3.37.0
AZURITE_STAMP := $(VENV)/azurite/.installed-$(AZURITE_VERSION)

.PHONY: run test lint bench fuzz demo clean azurite

# setup.py and the C sources (and their shared header, wire.h): the editable install builds the
# optional C extensions (object graph, index blocks: ckpt_gui/core/format/*.abi3.so; histogram
# counts: ckpt_gui/core/analysis/*.abi3.so) in place, again when they change.
$(STAMP): pyproject.toml setup.py $(wildcard ckpt_gui/core/format/*.c ckpt_gui/core/format/*.h ckpt_gui/core/analysis/*.c)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

azurite: $(AZURITE_STAMP)

$(AZURITE_STAMP): | $(STAMP)
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "npm not found: the Azure (az://) tests will skip; install Node.js 18+ and npm to run them"; \
	elif $$(command -v timeout >/dev/null && echo timeout 600) npm install --prefix $(VENV)/azurite --no-audit --no-fund --loglevel=error \
			--fetch-retries=1 --fetch-timeout=30000 azurite@$(AZURITE_VERSION) >$(VENV)/azurite.log 2>&1; then \
		touch $@; \
	else \
		echo "Azurite could not be installed (see $(VENV)/azurite.log): the Azure (az://) tests will skip"; \
	fi

run: $(STAMP)
	$(PY) -m ckpt_gui

test: $(STAMP) $(AZURITE_STAMP)
	$(PY) -m ruff check ckpt_gui tests benchmarks tools
	$(PY) -m ruff format --check ckpt_gui tests benchmarks tools
	$(VENV)/bin/lint-imports --no-cache
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check --fix ckpt_gui tests benchmarks tools
	$(PY) -m ruff format ckpt_gui tests benchmarks tools

bench: $(STAMP)
	$(PY) benchmarks/run.py
	$(PY) benchmarks/discovery_bench.py
	$(PY) benchmarks/app_speed_bench.py
	$(PY) benchmarks/app_open_bench.py
	$(PY) benchmarks/scale_bench.py
	$(PY) benchmarks/object_storage_bench.py

# Mutation fuzzing: the C decoders (object graph, index blocks) built with ASan and UBSan,
# against the Python decoders, and the C histogram kernel on random chunks against np.histogram
# (C_COUNT inputs each, 100,000 by default; 0: until Ctrl-C),
# then the index reader until Ctrl-C, or COUNT inputs (make fuzz COUNT=1000000).
fuzz: $(STAMP)
	$(PY) tools/fuzz_c_decoders.py ckpt_gui/resources/demo --decoder graph --sanitize --count $(or $(C_COUNT),100000)
	$(PY) tools/fuzz_c_decoders.py ckpt_gui/resources/demo --decoder index --sanitize --count $(or $(C_COUNT),100000)
	$(PY) tools/fuzz_c_decoders.py ckpt_gui/resources/demo --decoder histogram --sanitize --count $(or $(C_COUNT),100000)
	$(PY) tools/fuzz_index.py ckpt_gui/resources/demo --count $(or $(COUNT),0)

# Rebuild the bundled demo checkpoint (needs TensorFlow; the result is committed).
demo: $(STAMP)
	$(PY) tools/make_demo.py ckpt_gui/resources/demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
