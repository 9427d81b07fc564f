# A new user needs two commands: `make run` (install, then load reports into the embedded
# database) and `make test`. Both create .venv and install the pinned set on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
REPORTS ?= ../shared/seeds

.PHONY: install run test browser constraints docs clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

run: install
	$(BIN)/ogi run $(REPORTS)

test: install
	$(BIN)/python -m pytest

# Headless Chromium for the quality page's test (tests/test_quality_page.py skips without it).
browser:
	command -v chromium >/dev/null || { $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -q && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

# After changing dependencies in pyproject.toml: re-resolve and pin the exact set again.
constraints:
	rm -rf .venv-pin && $(PYTHON) -m venv .venv-pin
	.venv-pin/bin/pip install --quiet -e '.[test]'
	( sed -n '1,2p' constraints.txt; .venv-pin/bin/pip freeze --exclude-editable ) > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf .venv-pin

# After editing sql/dictionary.toml: render docs/data-dictionary.md again (a test checks it).
docs: install
	$(BIN)/python -m etl.dictionary docs/data-dictionary.md

clean:
	rm -rf $(VENV)
