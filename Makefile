# make run    install into .venv, migrate the SQLite database, load demo data, serve
# make test   install into .venv and run the whole suite (SQLite, and PostgreSQL
#             too when HELPDESK_TEST_DATABASE_URL is set)
# make bench  the benchmark harness (bench/README.md)
# make lint   ruff over the code (ruff.toml)
# make messages  re-extract the strings of the core and of each plugin with a locale/,
#                and update every translation

PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
CONFIG ?= development.ini
PLUGINS = $(sort $(dir $(wildcard plugins/*/setup.py)))
STAMP = $(VENV)/.installed
LOCALE = pyramid_helpdesk/locale
POT = $(LOCALE)/pyramid_helpdesk.pot
# Compiled catalogs (git-ignored), rebuilt whenever their .po changes.
CATALOGS = $(patsubst %.po,%.mo,$(wildcard $(LOCALE)/*/LC_MESSAGES/pyramid_helpdesk.po))
# A plugin package with pages keeps its own domain (named after the package) in
# plugins/<dist>/<package>/locale (docs/plugins.md, "Translating your plugin").
PLUGIN_LOCALES = $(wildcard plugins/*/*/locale)
PLUGIN_CATALOGS = $(patsubst %.po,%.mo,$(wildcard plugins/*/*/locale/*/LC_MESSAGES/*.po))

.PHONY: install run test bench lint messages clean

$(STAMP): setup.py $(wildcard plugins/*/setup.py)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel 'setuptools<80'
	$(BIN)/pip install --quiet -e '.[testing,postgresql,dev]' $(foreach p,$(PLUGINS),-e $(p))
	touch $@

$(CATALOGS): %.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -d $(LOCALE) -D pyramid_helpdesk

$(PLUGIN_CATALOGS): %.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@

install: $(STAMP) $(CATALOGS) $(PLUGIN_CATALOGS)

run: install
	mkdir -p var
	test -f var/rules.toml || cp plugins/helpdesk_rules/example-rules.toml var/rules.toml
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

messages: $(STAMP)
	$(BIN)/pot-create -d pyramid_helpdesk --package-name pyramid_helpdesk \
	    --package-version $$($(BIN)/python setup.py --version) -o $(POT) pyramid_helpdesk
	$(BIN)/pybabel update -i $(POT) -d $(LOCALE) -D pyramid_helpdesk
	for locale in $(PLUGIN_LOCALES); do \
	    package=$${locale%/locale}; domain=$${package##*/}; \
	    $(BIN)/pot-create -d $$domain --package-name $$domain -o $$locale/$$domain.pot $$package \
	    && $(BIN)/pybabel update -i $$locale/$$domain.pot -d $$locale -D $$domain || exit 1; \
	done

clean:
	rm -rf $(VENV) var .pytest_cache
