# make run    install into .venv, migrate the SQLite database, load demo data, serve
# make test   install into .venv and run the whole suite (SQLite, and PostgreSQL
#             too when HELPDESK_TEST_DATABASE_URL is set)
# make bench  the benchmark harness (bench/README.md)
# make lint   ruff over the code (ruff.toml)

PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
CONFIG ?= development.ini
PLUGINS = $(sort $(dir $(wildcard plugins/*/setup.py)))
STAMP = $(VENV)/.installed

.PHONY: install run test bench lint clean

$(STAMP): setup.py $(wildcard plugins/*/setup.py)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel 'setuptools<80'
	$(BIN)/pip install --quiet -e '.[testing,postgresql,dev]' $(foreach p,$(PLUGINS),-e $(p))
	touch $@

install: $(STAMP)

run: install
	mkdir -p var
	$(BIN)/helpdesk -c $(CONFIG) db upgrade
	$(BIN)/helpdesk -c $(CONFIG) demo --if-empty
	@echo
	@echo "  Helpdesk:    http://localhost:6543/"
	@echo "  Demo logins: admin@example.org, firstline@example.org,"
	@echo "               secondline@example.org, user@example.org  (password: demo)"
	@echo "  Stop with Ctrl-C."
	@echo
	$(BIN)/pserve $(CONFIG)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check pyramid_helpdesk plugins tests bench

clean:
	rm -rf $(VENV) var .pytest_cache
