# The two Quick start commands are `make run` and `make test`; both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
# The compiled translation catalogs (.qm / .mo) are not committed: made from their sources here, by the
# wheel's build hook and by the installer's spec (docs/i18n.md).
I18N_SOURCES := $(wildcard resources/i18n/*.ts ec_console/locale/*/LC_MESSAGES/*.po)
STAMP_I18N := $(VENV)/.compiled-i18n
QT_OFFSCREEN := QT_QPA_PLATFORM=offscreen
# The slowest tests are listed at the end of every run, so a slow one is seen before the suite drags.
PYTEST_ARGS ?= --durations=15
# The suite runs in two processes (pytest-xdist): about half the time on a 2-core machine. Each process has
# its own Qt application, temporary folders and PostgreSQL cluster. `make test PYTEST_WORKERS=0` runs it in
# one process, in file order (docs/testing.md).
PYTEST_WORKERS ?= 2

.PHONY: run test installer screenshots readme-screenshots bench lint clean venv i18n translations

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip >/dev/null

$(STAMP_RUN): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test,lint]'
	touch $@ $(STAMP_RUN)

$(STAMP_I18N): $(I18N_SOURCES) ec_console/i18n_build.py | $(STAMP_RUN)
	$(PY) -m ec_console.i18n_build compile .
	touch $@

venv: $(STAMP_RUN)

# Compile the catalogs (make run / make test do it when a .ts or .po changed).
translations: $(STAMP_I18N)

# Collect the texts again for translators: lupdate over ec_console/ui into resources/i18n/*.ts, Babel over
# the core into resources/i18n/ec_console.pot and ec_console/locale/*/LC_MESSAGES/ec_console.po.
i18n: $(STAMP_TEST)
	$(PY) -m ec_console.i18n_build extract .
	$(PY) -m ec_console.i18n_build compile .
	touch $(STAMP_I18N)

run: $(STAMP_RUN) $(STAMP_I18N)
	@$(PY) -m ec_console.ui.display_check || exit 1
	$(PY) -m ec_console $(ARGS)

test: $(STAMP_TEST) $(STAMP_I18N)
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP_TEST)
	$(PY) -m ruff check ec_console tests bench

bench: $(STAMP_TEST)
	$(QT_OFFSCREEN) $(PY) bench/run_all.py

screenshots: $(STAMP_TEST) $(STAMP_I18N)
	$(QT_OFFSCREEN) $(PY) -m ec_console.ui.screenshots docs/screenshots

# Only the screenshots README.md shows (the committed ones): scale 1, light and dark.
readme-screenshots: $(STAMP_TEST) $(STAMP_I18N)
	$(QT_OFFSCREEN) $(PY) -m ec_console.ui.screenshots docs/screenshots --readme

installer: $(STAMP_TEST) $(STAMP_I18N)
	$(PY) -m pip install -e '.[installer]'
	$(PY) -m PyInstaller --noconfirm --clean build_installer.spec

clean:
	rm -rf build dist .pytest_cache
