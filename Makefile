# The two commands of the README:
#   make site   sets up .venv, installs the pinned stack, generates docs_src/ and builds site/
#   make test   sets up .venv with the test tools and runs the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
AXE    := .cache/axe/node_modules/axe-core/axe.min.js
export NO_MKDOCS_2_WARNING := 1
# Reproducible builds: the build date shown on the site is the date of the last data commit.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct -- budget_data 2>/dev/null)

.PHONY: site pages test check serve golden schemas clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

pages: $(STAMP)
	$(PY) -m generator build

site: pages
	$(VENV)/bin/mkdocs build --strict

# axe-core, the accessibility engine the browser tests inject into each page.
$(AXE):
	npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core@4.14.1

test: $(STAMP) $(AXE)
	$(PY) -m pytest

check: $(STAMP)
	$(PY) -m generator check

# Live preview: rebuilds docs_src/ when budget_data/ or site_templates/ change; the browser reloads.
serve: $(STAMP)
	$(PY) -m generator.serve

# Regenerate tests/golden/ after an intended change to templates or data; review the diff.
golden: $(STAMP)
	UPDATE_GOLDEN=1 $(PY) -m pytest tests/test_golden.py -q

# Regenerate what docs_src/ ships for editors and clerks (made by code; tests compare): the JSON
# Schemas and Table Schemas, and the Excel authoring template.
schemas: $(STAMP)
	$(PY) -m generator.jsonschema docs_src/schemas
	$(PY) -m generator.scaffold docs_src/authoring

clean:
	rm -rf site $(VENV) .pytest_cache .cache test-artifacts
