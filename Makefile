# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Secrets live in the OS keyring; without a desktop secret service the kiosk's own file backend is used.
DEMO_ENV := PYTHON_KEYRING_BACKEND=$${PYTHON_KEYRING_BACKEND:-kiosk.keystore.LocalFileKeyring}

.PHONY: run test lint typecheck pytest e2e tour bench fuzz soak clean mutation
.PHONY: screenshots messages
.PHONY: fleet-load bench-baseline

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(DEMO_ENV) $(BIN)/kiosk demo --windowed

lint: $(STAMP)
	$(BIN)/ruff check kiosk ui tests bench
	$(BIN)/ruff check fleet
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

test: lint typecheck pytest

# The deployed kiosk on real display servers (Xvfb at 1366x768 and 1920x1080, cage): one resident session
# with real clicks and keys; screenshots in artifacts/e2e/ (or $$E2E_ARTIFACTS). Also part of `make test`.
# Needs Debian packages (.ci/run installs them): xvfb xdotool x11-utils x11-xserver-utils imagemagick dbus
# at-spi2-core python3-pyatspi cage xwayland grim.
e2e: $(STAMP)
	$(BIN)/pytest -m e2e

tour: $(STAMP)
	$(DEMO_ENV) $(BIN)/kiosk tour --out artifacts/tour

# Every screen of a birth registration (and a lookup) at the four screen sizes of the pilot sites, in a reduced
# palette: docs/screenshots/<W>x<H>/NN-<screen>.png (docs/USABILITY.md), and the printed slip.
SCREEN_SIZES := 1366x768 1920x1080 1280x1024 1080x1920
screenshots: $(STAMP)
	for size in $(SCREEN_SIZES); do \
		rm -rf docs/screenshots/$$size && \
		QT_QPA_PLATFORM=offscreen $(DEMO_ENV) $(BIN)/kiosk tour --out docs/screenshots/$$size --size $$size \
			--compact --procedure 1.001193.000.00.00.H26 && \
		mv docs/screenshots/$$size/receipt.png docs/screenshots/receipt.png && \
		rm docs/screenshots/$$size/summary.json || exit 1; \
	done

clean:
	rm -rf $(VENV) build dist *.egg-info mutants

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(DEMO_ENV) $(BIN)/python bench/run.py

# This kiosk's start-up and idle memory beside another revision's, in the same run, each as a ratio to the
# floor: `make bench-baseline REVISION=<commit>` (bench/baseline.py, docs/PERFORMANCE.md).
bench-baseline: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(DEMO_ENV) $(BIN)/python bench/baseline.py $(REVISION)

# The long fuzz run: tests/test_fuzz.py with the `fuzz` hypothesis profile (tests/hypothesis_profiles.py).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q --timeout=3600 tests/test_fuzz.py

# The long UI soak: 10,000 scripted sessions through the real screens (bench/soak_ui.py; docs/RELIABILITY.md).
soak: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/soak_ui.py --sessions 10000

# The texts' gettext catalogs: compile kiosk/locale/<lang>/LC_MESSAGES/kiosk.po into the kiosk.mo files the
# kiosk reads (both are committed; tests/test_translations.py fails while a .mo is stale). docs/CONTENT.md.
messages: $(STAMP)
	$(BIN)/pybabel compile --domain kiosk --directory kiosk/locale --statistics

# Mutation testing of the core modules (mutmut; settings in pyproject.toml, docs/TESTING.md). Slow: not part
# of `make test`. `make mutation MODULES="journey.machine payment.fees"` for some of them.
mutation: $(STAMP)
	$(BIN)/python -m tests.mutation $(MODULES)

# The fleet service under 1,000 simulated kiosks heartbeating every 30 s (fleet/loadtest.py; docs/FLEET.md).
# Starts its own PostgreSQL and service processes on 127.0.0.1; a few minutes. Not part of `make test`.
fleet-load: $(STAMP)
	$(BIN)/python -m fleet.loadtest $(FLEET_LOAD_ARGS)
