# The two Quick start commands are `make run` and `make test`; both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
QT_OFFSCREEN := QT_QPA_PLATFORM=offscreen
# The slowest tests are listed at the end of every run, so a slow one is seen before the suite drags.
PYTEST_ARGS ?= --durations=15

.PHONY: run test installer screenshots readme-screenshots bench lint clean venv

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip >/dev/null

$(STAMP_RUN): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test,lint]'
	touch $@ $(STAMP_RUN)

venv: $(STAMP_RUN)

run: $(STAMP_RUN)
	@$(PY) -m ec_console.ui.display_check || exit 1
	$(PY) -m ec_console $(ARGS)

test: $(STAMP_TEST)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP_TEST)
	$(PY) -m ruff check ec_console tests bench

bench: $(STAMP_TEST)
	$(QT_OFFSCREEN) $(PY) bench/run_all.py

screenshots: $(STAMP_TEST)
	$(QT_OFFSCREEN) $(PY) -m ec_console.ui.screenshots docs/screenshots

# Only the screenshots README.md shows (the committed ones): scale 1, light and dark.
readme-screenshots: $(STAMP_TEST)
	$(QT_OFFSCREEN) $(PY) -m ec_console.ui.screenshots docs/screenshots --readme

installer: $(STAMP_TEST)
	$(PY) -m pip install -e '.[installer]'
	$(PY) -m PyInstaller --noconfirm --clean build_installer.spec

clean:
	rm -rf build dist .pytest_cache
