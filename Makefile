# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PRODUCT ?=
PORT ?=
NAME ?=
STAGE ?=

.PHONY: install run test lint unit e2e cfn-lint package openapi reset schedule bench fuzz clean bootstrap-admin rotate-keys

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade "pip<26.3"  # chalice 1.34 builds the layer with pip and requires pip<26.3
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## The whole embedded stack: every product's API on its port, event workers, seeded admins.
run: install
	$(PY) -m local.run $(if $(PRODUCT),--product $(PRODUCT)) $(if $(PORT),--port $(PORT))

## Everything CI checks: lint, the packaged stages (the handler test imports from their zips),
## unit/integration and end-to-end tests, cfn-lint on the packaged templates.
test: install lint package
	$(PY) -m pytest -n 2 --dist loadfile tests
	$(VENV)/bin/cfn-lint build/*/sam.json

lint: install
	$(PY) -m ruff check .

unit: install
	$(PY) -m pytest -n 2 --dist loadfile tests --ignore=tests/e2e

e2e: install
	$(PY) -m pytest tests/e2e

package: install
	$(PY) -m infra.package $(if $(PRODUCT),--product $(PRODUCT))

cfn-lint: package
	$(VENV)/bin/cfn-lint build/*/sam.json

## A deployed stage's first admin (created, or its password reset) and first signing key, with the
## operator's AWS credentials. The password is typed, or read from CRM_ADMIN_PASSWORD.
bootstrap-admin: install
	@test -n "$(STAGE)" || { echo "usage: make bootstrap-admin STAGE=<stage>"; exit 2; }
	$(PY) -m infra.ops bootstrap-admin --stage $(STAGE)

## A new signing key for a deployed stage; the previous one verifies until its tokens have expired.
rotate-keys: install
	@test -n "$(STAGE)" || { echo "usage: make rotate-keys STAGE=<stage>"; exit 2; }
	$(PY) -m infra.ops rotate-keys --stage $(STAGE)

openapi: install
	$(PY) -m chalicelib.core.docgen --write

reset:
	rm -rf $${CRM_DATA_DIR:-.data}

schedule: install
	@test -n "$(NAME)" || { echo "usage: make schedule NAME=<schedule> [PRODUCT=<product>]"; exit 2; }
	$(PY) -m local.run --fire $(NAME) $(if $(PRODUCT),--product $(PRODUCT))

## schemathesis against every product of the running stack (`make run` first), as the seeded admin.
fuzz: install
	$(PY) -m local.fuzz $(if $(PRODUCT),--product $(PRODUCT))

bench: install
	$(PY) bench/run.py

clean: reset
	rm -rf $(VENV) build
