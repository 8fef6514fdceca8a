# The two commands of the README: `make example` (the main job) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: example test lint bench clean

$(BIN)/qualcode: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Import transcripts/, sync codebook.yaml, load the example codings, write exports/.
example: $(BIN)/qualcode
	$(BIN)/qualcode init
	$(BIN)/qualcode codebook sync codebook.yaml
	$(BIN)/qualcode import transcripts/
	$(BIN)/qualcode codings import codings/example-codings.csv
	$(BIN)/qualcode documents
	$(BIN)/qualcode documents --json > exports/documents.json
	$(BIN)/qualcode codebook show --json > exports/codebook.json
	$(BIN)/qualcode status

test: $(BIN)/qualcode
	$(BIN)/ruff check qualcode tests bench
	$(BIN)/pytest -q

bench: $(BIN)/qualcode
	$(BIN)/python bench/import.py

clean:
	rm -rf $(VENV) qualcode.db qualcode.db-wal qualcode.db-shm exports/*.json
