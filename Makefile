# A new user needs two commands: `make run` (install, then load reports into the embedded
# database) and `make test`. Both install what is missing on first use: the Debian packages
# below (as root, or through sudo), then .venv with the pinned set.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
REPORTS ?= ../shared/seeds

.PHONY: install run test system-deps browser constraints docs clean

install: system-deps $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# From Debian: a Chinese font, without which PDFium drops text of PDFs that do not embed their
# Chinese font (etl/formats/pdf.py refuses to read PDFs then), and poppler's pdftotext, a reference
# column of benchmarks/throughput.py.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-deps:
	@dpkg -s fonts-wqy-microhei poppler-utils >/dev/null 2>&1 || \
		($(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei poppler-utils)

run: install
	$(BIN)/ogi run $(REPORTS)

test: install browser
	$(BIN)/python -m pytest

# Headless Chromium for the quality page's test (tests/test_quality_page.py skips without it).
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

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
