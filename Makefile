# Lotse — the two front doors are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
ENGINE_VENV := .venv-engine
PY := $(VENV)/bin/python
PYBABEL := $(VENV)/bin/pybabel
RASA := $(ENGINE_VENV)/bin/rasa
MODEL := var/models/lotse.tar.gz
CHROMIUM ?= /usr/bin/chromium
# … and the folders of nlu/: a folder is newer than the model when a training file was removed from
# it (not nlu/ itself nor __pycache__, which the training's own import of nlu/components.py touches)
TRAINING_FILES := config.yml nlu/components.py $(shell find nlu -name '*.yml' 2>/dev/null) \
  $(shell find nlu -mindepth 1 -name __pycache__ -prune -o -mindepth 1 -type d -print 2>/dev/null)
# training data: every folder of nlu/ (nlu/domain.yml is passed separately, not as data)
NLU_DATA := $(sort $(dir $(shell find nlu -mindepth 2 -name '*.yml' 2>/dev/null)))
PO_FILES := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
PIP_QUIET := --quiet --disable-pip-version-check

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup browser demo demo-scale lint test fuzz bench bench-scale soak eval catalogs compile validate model lock clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

# --- environments --------------------------------------------------------------------------

$(VENV)/.installed: pyproject.toml requirements/constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Lotse needs Python >= 3.11 as '$(PYTHON)' (found: $$($(PYTHON) --version 2>&1))." \
	         "Install it, or run: make PYTHON=/path/to/python3.11"; exit 1; }
	@echo "==> creating $(VENV) (bot, actions, tests)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_QUIET) -c requirements/constraints.txt -e '.[dev]'
	@touch $@

$(ENGINE_VENV)/.installed: requirements/engine.txt requirements/engine-constraints.txt scripts/find-python310
	@echo "==> creating $(ENGINE_VENV) (Rasa 3.6, Python 3.10; takes a few minutes once)"
	@py310="$$(scripts/find-python310)" || exit 1; \
	  rm -rf $(ENGINE_VENV) && "$$py310" -m venv $(ENGINE_VENV)
	$(ENGINE_VENV)/bin/pip install $(PIP_QUIET) -r requirements/engine.txt -c requirements/engine-constraints.txt
	@touch $@

# --- browser for the end-to-end tests -------------------------------------------------------
# Debian's Chromium, driven by Playwright (its own browser download does not work here).

$(CHROMIUM):
	@echo "==> installing Debian's chromium for the browser tests (tests/e2e)"
	@if [ "$$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$sudo apt-get install -y --no-install-recommends chromium >/dev/null \
	  || { $$sudo apt-get update >/dev/null && $$sudo apt-get install -y --no-install-recommends chromium >/dev/null; } \
	  || { echo "Could not install Chromium. Install Debian's 'chromium' package, or run:" \
	            "make test CHROMIUM=/path/to/chromium"; exit 1; }
	@test -x $@

browser: $(CHROMIUM) ## install Debian's chromium for the browser tests

# --- translations --------------------------------------------------------------------------

%.mo: %.po $(VENV)/.installed
	@$(PYBABEL) compile -D messages -i $< -o $@ 2>&1 | grep -v '^compiling' || true
	@test -f $@

compile: $(MO_FILES) ## compile the gettext catalogs (.po -> .mo)

catalogs: $(VENV)/.installed ## after changing texts: extract, update every language, compile
	$(PYBABEL) extract -F babel.cfg -k N_ -k _ -k ngettext:1,2 -k translate_plural:2,3 --add-comments=TRANSLATORS: \
	  --no-location --sort-output --project=Lotse --copyright-holder="Lotse" -o locales/messages.pot .
	$(PY) -m bot.cli catalogs-update
	$(PY) -m bot.cli catalogs-source
	$(MAKE) --no-print-directory compile

# --- model ---------------------------------------------------------------------------------

# --skip-validation: `make validate` and `make test` (tests/integration/test_nlu.py) validate the
# data with --fail-on-warnings; validating again here cost half a minute of the training budget.
# LOTSE_EMBEDDING_CACHE keeps the training examples' sentence embeddings (nlu/components.py) in
# var/cache/: a retraining embeds only new lines. A clean clone (CI, bench) trains from scratch.
# The model takes the time its training *started*: a training file edited while it trained is
# newer than the model, so the next `make` trains again instead of keeping a model of the old file.
$(MODEL): $(TRAINING_FILES) $(ENGINE_VENV)/.installed
	@echo "==> training the model (only when nlu/ or config.yml changed)"
	@mkdir -p var/models && touch var/models/.training-started
	LOTSE_EMBEDDING_CACHE=var/cache/embeddings.sqlite $(RASA) train --config config.yml --domain nlu/domain.yml --data $(NLU_DATA) \
	  --out var/models --fixed-model-name lotse --quiet --skip-validation
	@touch -r var/models/.training-started $@

model: $(MODEL) ## train the Rasa model if the training data changed

eval: setup ## intent accuracy per language on the held-back examples, and the worst confusions
	$(PY) -m bot.evaluation --start

validate: $(ENGINE_VENV)/.installed ## rasa data validate
	$(RASA) data validate --domain nlu/domain.yml --data $(NLU_DATA) --config config.yml --fail-on-warnings

setup: $(VENV)/.installed $(ENGINE_VENV)/.installed compile $(MODEL) ## install and build what is missing

# --- front doors ---------------------------------------------------------------------------

demo: setup ## start engine, actions and bot on SQLite; open http://localhost:8080/chat
	@echo "==> starting Lotse: engine 127.0.0.1:5005, actions 127.0.0.1:5055, bot 0.0.0.0:8080"
	@echo "    the chat page: http://localhost:8080/chat  (the engine needs 10–20 seconds to load)"
	$(PY) -m bot.cli db-upgrade
	$(VENV)/bin/honcho --no-colour -f Procfile start

# N engines (ports 5005, 5006 …), M action servers (5055 …), one gateway; PostgreSQL and Redis from the
# environment. bot.cli scale-procfile refuses (and says why) unless both are set and reachable.
LOTSE_ENGINES ?= 2
LOTSE_ACTION_SERVERS ?= 1
demo-scale: setup ## like demo, with LOTSE_ENGINES engines on PostgreSQL + Redis (LOTSE_DATABASE_URL, LOTSE_REDIS_URL)
	@mkdir -p var
	$(PY) -m bot.cli scale-procfile --engines $(LOTSE_ENGINES) --action-servers $(LOTSE_ACTION_SERVERS) > var/Procfile.scale \
	  || { rm -f var/Procfile.scale; exit 1; }
	$(PY) -m bot.cli db-upgrade
	$(PY) -m bot.cli engine-token > /dev/null  # one token for every engine, written before they start
	@echo "==> starting Lotse: $(LOTSE_ENGINES) engines from 127.0.0.1:5005, $(LOTSE_ACTION_SERVERS) action server(s) from 127.0.0.1:5055, bot 0.0.0.0:8080"
	@echo "    the chat page: http://localhost:8080/chat  (each engine needs 10–20 seconds and about 0.75 GB to load)"
	$(VENV)/bin/honcho --no-colour -f var/Procfile.scale -d . start

# lint before setup: a finding stops `make test` before the model is trained
test: lint setup $(CHROMIUM) ## run every test (lint, unit, integration with the real engine, browser, catalogs)
	LOTSE_CHROMIUM=$(CHROMIUM) $(PY) -m pytest

# bounded: LOTSE_FUZZ_EXAMPLES generated requests and Telegram updates (make test runs 200 of each)
LOTSE_FUZZ_EXAMPLES ?= 10000
fuzz: $(VENV)/.installed compile ## generated bad input against every gateway endpoint and the Telegram dispatcher; prints the figures
	LOTSE_FUZZ_EXAMPLES=$(LOTSE_FUZZ_EXAMPLES) timeout 3600 $(PY) -m pytest tests/unit -k fuzz -q -s -p no:cacheprovider -W ignore

lint: $(VENV)/.installed ## ruff, mypy and the layer contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

bench: setup $(CHROMIUM) ## benchmark: training, turn latency, RSS (vs stock Rasa); 1 vs 2 engines; lead → Telegram; counsellor → person; web chat on a phone
	$(PY) bench/bench.py
	$(PY) bench/scale.py $(SCALE_ARGS)
	$(PY) bench/leads.py
	$(PY) bench/relay.py
	LOTSE_CHROMIUM=$(CHROMIUM) $(PY) bench/widget.py

# 1 engine, then 2, on a fresh PostgreSQL database and Redis database 13 (flushed): real web chats through the gateway,
# latency per kind of turn, turns per second, CPU and memory of every process; SCALE_ARGS="--senders 10 --engines 1,2,3"
bench-scale: setup ## scaling: the same web chats through the gateway with 1 engine, then 2 (PostgreSQL + Redis)
	$(PY) bench/scale.py $(SCALE_ARGS)

# bounded and localhost only: LOTSE_SOAK_CONVERSATIONS people at once for LOTSE_SOAK_MINUTES (whole minutes) on a
# fresh PostgreSQL database (dropped after); SOAK_ARGS=--restarts kills and restarts the engine and the gateway once
LOTSE_SOAK_CONVERSATIONS ?= 200
LOTSE_SOAK_MINUTES ?= 10
soak: setup ## many web chats at once for minutes on PostgreSQL: errors, latency, memory growth, database, leads
	LOTSE_SOAK_CONVERSATIONS=$(LOTSE_SOAK_CONVERSATIONS) LOTSE_SOAK_MINUTES=$(LOTSE_SOAK_MINUTES) \
	  timeout $$(( $(LOTSE_SOAK_MINUTES) * 60 + 1800 )) $(PY) bench/soak.py $(SOAK_ARGS)

lock: ## re-pin both environments after changing pyproject.toml or requirements/engine.txt
	$(VENV)/bin/pip freeze --exclude-editable | grep -v '^lotse' > requirements/constraints.txt
	$(ENGINE_VENV)/bin/pip freeze > requirements/engine-constraints.txt

clean: ## remove environments, model and data (var/)
	rm -rf $(VENV) $(ENGINE_VENV) var
