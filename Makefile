# newsflow: `make run` starts everything and shows a search; `make test` runs every test tier.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INFRA := $(BIN)/python deploy/local/infra.py
# `make run CLUSTER=1`: 3 Kafka brokers and 2 Elasticsearch nodes instead of one of each
CLUSTER ?=
export NEWSFLOW_CLUSTER := $(CLUSTER)
# the services' connection settings for the chosen mode (bootstrap servers, ES hosts, replication)
INFRA_ENV = eval "$$($(INFRA) env)"
SERVICES := $(BIN)/python deploy/local/services.py
# workers per stage for `make run`, e.g. `make run NEWSFLOW_WORKERS=enrich=2`
NEWSFLOW_WORKERS ?=
export NEWSFLOW_WORKERS

.PHONY: help install run up stop infra-up infra-down services-up services-down feed-sample demo status \
        test test-unit test-integration test-e2e test-faults test-cluster bench bench-enrich eval-clean eval-enrich eval-topics eval-stories \
        schemas lint compose-check clean-var

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

$(STAMP): pyproject.toml
	@echo "==> installing newsflow into $(VENV) (cached wheels make reruns quick)"
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/pip install -q --upgrade pip
	@$(BIN)/pip install -q -e '.[dev]'
	@test -x /usr/bin/chromium || { echo "==> installing Debian's chromium for the browser test"; \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	  echo "    chromium not installed: the browser test will be skipped"; \
	  else echo "    not root: run 'sudo apt-get install chromium' to enable the browser test"; fi; }
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install newsflow with its dev tools

infra-up: install ## start Kafka and Elasticsearch locally (no Docker), wait until healthy
	@$(INFRA) up

infra-down: ## stop Kafka and Elasticsearch
	@$(PY) deploy/local/infra.py down

services-up: install ## start the five services in the background (logs in var/log/)
	@echo "==> starting services"
	@$(MAKE_TOKEN) && $(INFRA_ENV) && NEWSFLOW_INGEST_TOKEN_FILE=$(CURDIR)/$(TOKEN_FILE) $(SERVICES) start

services-down:
	@$(SERVICES) stop

# ingest wants a bearer token on every write, locally and with Docker: one is made once and
# kept in var/ (git-ignored, mode 600); the CLI reads it from there when no env var is given
TOKEN_FILE := var/ingest.token
INGEST_TOKEN = $$(cat $(TOKEN_FILE) 2>/dev/null)
MAKE_TOKEN = mkdir -p var && { test -s $(TOKEN_FILE) || ( umask 077 && $(PY) -c 'import secrets; print(secrets.token_hex(24))' > $(TOKEN_FILE) ); }

up: install
	@if docker info >/dev/null 2>&1; then \
	  echo "==> Docker engine found: docker compose up"; $(MAKE_TOKEN); \
	  test -s var/elastic.password || ( umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(18))' > var/elastic.password ); \
	  NEWSFLOW_INGEST_TOKEN=$(INGEST_TOKEN) ELASTIC_PASSWORD=$$(cat var/elastic.password) docker compose up -d --build --wait; \
	else \
	  $(MAKE) --no-print-directory infra-up services-up; \
	fi

feed-sample: install ## post the bundled sample articles to ingest
	@NEWSFLOW_INGEST_TOKEN=$(INGEST_TOKEN) $(BIN)/newsflow ingest samples/seed-article.txt samples/articles.jsonl --source sample

demo: install ## wait for the sample to be searchable and show searches by actor, place and topic
	@$(BIN)/python deploy/local/demo.py

run: up feed-sample demo ## install, start Kafka, Elasticsearch and all services, feed the sample, show a search
	@echo "==> running; logs in var/log/, stop with: make stop"

stop: ## stop the services and the infrastructure
	@if docker info >/dev/null 2>&1 && NEWSFLOW_INGEST_TOKEN=x docker compose ps -q 2>/dev/null | grep -q .; then \
	  NEWSFLOW_INGEST_TOKEN=x docker compose down; fi
	@test -x $(BIN)/python && $(SERVICES) stop || true
	@$(PY) deploy/local/infra.py down

status: install ## lag and dead letters per stage
	@$(SERVICES) status || true
	@$(BIN)/newsflow status

test: install ## every tier; starts Kafka and Elasticsearch itself when none is given
	@$(BIN)/python -m pytest tests -m "not faults and not cluster" -q

test-unit: install ## pure functions only, no I/O
	@$(BIN)/python -m pytest tests/unit -q

test-integration: install ## each service against real Kafka and Elasticsearch
	@$(BIN)/python -m pytest tests/integration -q

test-e2e: install ## all services as processes
	@$(BIN)/python -m pytest tests/e2e -q -m "not faults"

test-cluster: install ## the pipeline on 3 Kafka brokers + 2 Elasticsearch nodes while they fail (starts the cluster)
	@$(BIN)/python -m pytest tests/cluster -q -m cluster -s

test-faults: install ## the full fault campaign (long)
	@$(BIN)/python -m pytest tests/e2e -q -m faults -s

bench: install ## benchmarks: limits, stages, end to end (starts Kafka/ES if down; exit 1 if a section fails)
	@$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

bench-enrich: install
	@$(BIN)/python -m benchmarks.run --only enrich

eval-clean: install ## extraction quality on the dev set (P, R, F1, empties)
	@$(BIN)/python tools/eval_clean.py

eval-topics: install ## topic accuracy per language on the written topics set (dev and held-out halves)
	@$(BIN)/python tools/eval_topics.py

eval-enrich: install ## enrichment quality on the gold set
	@$(BIN)/python tools/eval_enrich.py

eval-stories: install ## story clustering on its gold set: B-cubed P, R, F1 (dev, held-out) and the TF-IDF baseline
	@$(BIN)/python tools/eval_stories.py

schemas: install ## JSON Schemas of the topic contracts into schemas/
	@$(BIN)/python -m shared.schemas schemas

lint: install ## mypy over shared/ and services/
	@$(BIN)/mypy shared services --ignore-missing-imports

compose-check: install ## validate docker-compose.yml and lint the Dockerfile without an engine
	@NEWSFLOW_INGEST_TOKEN=check ELASTIC_PASSWORD=check $(BIN)/docker-compose config -q && $(BIN)/hadolint Dockerfile && echo "compose and Dockerfile OK"

clean-var: stop ## remove data and logs (var/)
	rm -rf var
