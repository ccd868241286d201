# The two commands of the README: `make run` (demo) and `make test` (the suite). Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1:8000
# `make run` keeps `.env` (the local settings every `manage.py` command reads) in step with HOST, unless the file
# is your own (its first line is not the marker below); SITE_URL in the environment wins over the derived one.
ENV_MARKER := \# Written by make run for the local demo

.PHONY: install run test bench lint messages clean FORCE

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

.env: FORCE
	@if [ ! -e .env ] || head -n1 .env | grep -q '^$(ENV_MARKER)'; then \
	  printf '%s\n' '$(ENV_MARKER); production sets real environment variables (README).' 'DEBUG=true' \
	    'SITE_URL=$(or $(SITE_URL),http://$(HOST))' \
	    'ALLOWED_HOSTS=$(firstword $(subst :, ,$(HOST))),127.0.0.1,localhost' > .env; \
	fi

run: install .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Serving the demo on http://$(HOST)/ (task worker in the background; Ctrl-C stops both)"
	$(BIN)/python manage.py db_worker & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m pytest tests/bench -m bench -s $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy portal assessments scoring

messages: install  # needs GNU gettext: apt-get install gettext
	DEBUG=true $(BIN)/python manage.py makemessages -l nl --no-obsolete --ignore=staticfiles --ignore=tests --ignore=media
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) .test-media staticfiles
