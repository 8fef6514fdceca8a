# The two commands of the README: `make example` (the main job) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: example test test-slow test-browser lint bench clean

# The example says who acts at each step (ana codes, the lead lee measures and exports);
# a QUALCODE_CODER of your own must not change that.
unexport QUALCODE_CODER

$(BIN)/qualcode: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Import transcripts/, sync codebook.yaml, load the example codings, suggest codes for
# ana and accept her five best; then, as the lead lee (who sees both coders' work while
# the round is blind), measure the suggestions and write exports/.
example: $(BIN)/qualcode
	$(BIN)/qualcode init
	$(BIN)/qualcode codebook sync codebook.yaml
	$(BIN)/qualcode import transcripts/
	$(BIN)/qualcode codings import codings/example-codings.csv
	$(BIN)/qualcode coder lee --role lead
	$(BIN)/qualcode --as ana suggest
	$(BIN)/qualcode --as ana accept \
		$$($(BIN)/qualcode --as ana suggestions --status all --order score --limit 5 --ids)
	$(BIN)/qualcode --as ana suggestions --status all --json > exports/suggestions.json
	$(BIN)/qualcode --as lee suggest --evaluate --json > exports/suggestions-evaluation.json
	$(BIN)/qualcode --as lee export --format html --format md --format docx --format xlsx \
		--format csv --label 'community=Big Local partnership'
	$(BIN)/qualcode --as lee codings export exports/codings.xlsx
	$(BIN)/qualcode --as lee status

# The suite runs on SQLite and, for the tests marked `postgres`, on a PostgreSQL server it
# starts itself from Debian's postgresql package (skipped, saying so, where that is missing).
# Tests marked `slow` (minutes of load, real-data evaluations, fuzzing) wait for
# `make test-slow`; CI runs both.
test: $(BIN)/qualcode
	$(BIN)/ruff check qualcode tests bench
	$(BIN)/pytest -q -m 'not browser and not slow'

test-slow: $(BIN)/qualcode
	$(BIN)/pytest -q -m 'slow and not browser'

# End-to-end tests in headless Chromium (Debian's, driven by Playwright); run as root on a
# clean machine it installs what it needs. Screenshots go to test-output/screenshots/.
test-browser: $(BIN)/qualcode
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)
	$(BIN)/pip install --quiet -e '.[test,browser]'
	$(BIN)/pytest -m browser tests/browser

bench: $(BIN)/qualcode
	$(BIN)/python bench/cli.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/docx_vs_txt.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/agreement.py
	$(BIN)/python bench/suggest.py
	$(BIN)/python bench/web.py

clean:
	rm -rf $(VENV) qualcode.db qualcode.db-wal qualcode.db-shm .qualcode exports/*.*
