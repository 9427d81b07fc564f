# A new user needs two commands: `make run` (install, then load reports into the embedded
# database) and `make test`. Both create .venv and install the pinned set on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
REPORTS ?= ../shared/seeds

.PHONY: install run test constraints clean system-deps

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# From Debian: a Chinese font, without which PDFium drops text of PDFs that do not embed their
# Chinese font (etl/formats/pdf.py refuses to read PDFs then), and poppler's pdftotext, a reference
# column of benchmarks/throughput.py. Needs root (CI and the development machines run as root).
system-deps:
	@dpkg -s fonts-wqy-microhei poppler-utils >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei poppler-utils)

run: install
	$(BIN)/ogi run $(REPORTS)

test: install
	$(BIN)/python -m pytest

# After changing dependencies in pyproject.toml: re-resolve and pin the exact set again.
constraints:
	rm -rf .venv-pin && $(PYTHON) -m venv .venv-pin
	.venv-pin/bin/pip install --quiet -e '.[test]'
	( sed -n '1,2p' constraints.txt; .venv-pin/bin/pip freeze --exclude-editable ) > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf .venv-pin

clean:
	rm -rf $(VENV)
