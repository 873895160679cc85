# Motcua: `make demo` runs the whole hall on SQLite with simulated devices;
# `make test` runs every test; `make bench` prints one JSON object per line.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EMUPOS_VENV := .venv-emupos
FUZZ_VENV := .venv-fuzz
ENGINE ?= sqlite

.PHONY: demo test test-fast bench fuzz lint system-deps emupos clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Motcua needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,postgres,kiosk]'
	touch $@

# Debian packages the tests use (Chromium for browser tests, espeak-ng and sox
# for the voice pack). Installed when missing and we may; otherwise the tests
# that need them say so (and fail when CI=true).
system-deps:
	@.ci/system-deps

# emupos (independent ESC/POS interpreter) needs Python >= 3.13: its own venv.
$(EMUPOS_VENV)/.installed:
	@.ci/emupos-venv $(EMUPOS_VENV)

emupos: $(EMUPOS_VENV)/.installed

demo: $(BIN)/.installed
	$(BIN)/motcua demo

# Most tests wait on child processes (servers, nginx, Chromium, Kivy), so the suite runs on
# more workers than cores; TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 4
test: $(BIN)/.installed system-deps emupos
	MOTCUA_EMUPOS=$(CURDIR)/$(EMUPOS_VENV)/bin/python $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadgroup

test-fast: $(BIN)/.installed
	$(BIN)/pytest -q -m "not slow"

bench: $(BIN)/.installed system-deps
	$(BIN)/python -m bench

# schemathesis against the published OpenAPI: no 5xx for any generated input
# (`make fuzz ENGINE=postgres` for PostgreSQL); its own venv, not a project dependency.
$(FUZZ_VENV)/.installed:
	$(PYTHON) -m venv $(FUZZ_VENV)
	$(FUZZ_VENV)/bin/pip install -q schemathesis
	touch $@

fuzz: $(BIN)/.installed $(FUZZ_VENV)/.installed
	$(BIN)/python -m tests.fuzz_api $(ENGINE)

lint: $(BIN)/.installed
	$(BIN)/ruff check queue_server kiosk hardware vnsearch tests bench

clean:
	rm -rf $(VENV) $(EMUPOS_VENV) $(FUZZ_VENV) .pytest_cache
