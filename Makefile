# foi_workflow: `make demo` and `make test` set up .venv themselves on a machine with Python 3.11.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= sqlite:///out/demo.sqlite3
# pip on some machines warns about missing local mirrors; keep the output readable.
QUIET_PIP := grep -v -e 'is ignored: it is neither a file nor a directory' || true

.PHONY: venv demo web screenshots test test-postgres bench bench-clock bench-cli-clock bench-steps bench-notices bench-sweep bench-stats bench-web clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 2>&1 | $(QUIET_PIP)
	$(BIN)/python -m pip install -q -e '.[dev]' 2>&1 | $(QUIET_PIP)
	$(BIN)/python -c 'import foi_workflow, prefect, sqlalchemy, holidays, chinese_calendar, hypothesis'
	$(BIN)/python -m foi_workflow.documents.fonts >/dev/null  # PDF fonts: TrueType/static copies, common subsets (docs/fonts.md)
	touch $(STAMP)

venv: $(STAMP)

# The demo starts from an empty out/ each time: its database, notices and reports are rebuilt.
demo: venv
	rm -rf out
	FOI_DATABASE_URL=$(DEMO_DB) $(BIN)/python -m flows.demo out

# The staff workbench on the demo database (run `make demo` first); sign-ins: out/demo-sign-ins.json.
web: venv
	test -f out/demo.sqlite3 || { echo "先运行 make demo 生成演示数据库 out/demo.sqlite3"; exit 1; }
	FOI_DATABASE_URL=$(DEMO_DB) $(BIN)/foi web

# docs/screenshots/ again from the demo database (run `make demo` first), in headless Chromium.
screenshots: venv
	test -f out/demo.sqlite3 || { echo "先运行 make demo 生成演示数据库 out/demo.sqlite3"; exit 1; }
	FOI_DATABASE_URL=$(DEMO_DB) $(BIN)/python -m tests.web.screenshots

test: venv
	$(BIN)/python -m pytest

test-postgres: venv
	FOI_TEST_DATABASE_URL=$${FOI_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest

# `make bench` runs the quick ones; the 1,000,000-case benches have their own targets.
bench: venv
	$(BIN)/python -m bench.summary

bench-clock: venv
	$(BIN)/python -m bench.clock

bench-cli-clock: venv
	$(BIN)/python -m bench.cli_clock

bench-steps: venv
	$(BIN)/python -m bench.steps

bench-notices: venv
	$(BIN)/python -m bench.notices

bench-sweep: venv
	$(BIN)/python -m bench.sweep

bench-stats: venv
	$(BIN)/python -m bench.stats

# the workbench: 1,000,000 cases on PostgreSQL, 50 signed-in staff against `foi web` (bench/web.py)
bench-web: venv
	$(BIN)/python -m bench.web

clean:
	rm -rf out .pytest_cache .hypothesis
