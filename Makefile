# Two commands for a fresh machine:
#   make serve   set up a virtualenv and run the server on the embedded SQLite default
#   make test    set up and run every check (lint, format, types, import layers, config
#                sample, tests)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2

.PHONY: serve notify test lint typecheck layers config-sample config-check pytest clean

$(STAMP): setup.py setup.cfg requirements.txt test-requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/zaqar-server $(ARGS)

# Delivers subscriptions' notifications (webhooks, mail) for the server ``make serve`` runs.
notify: $(STAMP)
	$(BIN)/zaqar-notifier $(ARGS)

test: lint typecheck layers config-check pytest

lint: $(STAMP)
	$(BIN)/ruff check zaqar tests tools bench bench/compare bench/notify setup.py
	$(BIN)/ruff format --check zaqar tests tools bench bench/compare bench/notify setup.py

typecheck: $(STAMP)
	$(BIN)/mypy zaqar

# The import contracts of setup.cfg's [importlinter] sections: which layer may import which.
layers: $(STAMP)
	$(BIN)/lint-imports

# zaqar's own options, plus the libraries' groups it reads: [keystone_authtoken], [cors],
# [oslo_policy].
CONFIG_NAMESPACES := --namespace zaqar --namespace keystonemiddleware.auth_token \
	--namespace oslo.middleware.cors --namespace oslo.policy

config-sample: $(STAMP)
	$(BIN)/oslo-config-generator $(CONFIG_NAMESPACES) --output-file etc/zaqar.conf.sample

# The sample in the repository must be what the generator writes today.
config-check: $(STAMP)
	$(BIN)/oslo-config-generator $(CONFIG_NAMESPACES) --output-file $(VENV)/zaqar.conf.sample
	@diff -u etc/zaqar.conf.sample $(VENV)/zaqar.conf.sample \
		|| (echo "etc/zaqar.conf.sample is stale: run 'make config-sample'" && exit 1)

# python-zaqarclient 4.x, today's client, speaks only v2 and cannot be installed beside the
# 3.0.1 the v1 suites use: it goes into a folder of its own, which the v2 client test puts on
# the path of a separate process (tests/e2e/test_zaqarclient_v2.py).
ZAQARCLIENT_CURRENT := python-zaqarclient==4.7.0
ZAQARCLIENT_CURRENT_DIR := $(VENV)/zaqarclient-current

$(ZAQARCLIENT_CURRENT_DIR): $(STAMP) Makefile
	rm -rf $@
	$(BIN)/python -m pip install --quiet --no-deps --target $@ $(ZAQARCLIENT_CURRENT)

# Two processes, a test file each at a time (module fixtures stay in one process), and the
# end-to-end files all in one (tests/conftest.py): the suites wait on databases, servers and
# clocks more than they compute, so this halves the wall time on two cores. Every test's
# storage is private to its process (tests/backends.py).
pytest: $(STAMP) $(ZAQARCLIENT_CURRENT_DIR)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache .pytest_cache
