# zoomops.provisioning: build and test pipeline.
#
#   make test    everything CI runs (.ci/run), from a fresh clone: creates the venv itself
#   make demo    the demo playbook against the simulator, twice (the rerun must report changed=0)
#   make help    the list of targets
#
# Variables: VENV (default .venv), PYTHON (interpreter used to create the venv),
# BUILD (default build; each ansible-test/lint run copies the collection to
# $(BUILD)/run-<target>.XXXXXX/ansible_collections/zoomops/provisioning and removes it after),
# SANITY_ARGS / UNITS_ARGS / INTEGRATION_ARGS (extra ansible-test options, e.g. a target name),
# LINT_ARGS (extra ansible-lint options),
# TEST_JOBS (steps `make test` runs at once, default 2), INTEGRATION_SHARDS (`make test` splits the
# integration targets into this many ansible-test runs, default 2), TEST_STEPS (the steps of `make test`).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
BUILD ?= build
# --local (measured faster than --venv here: the sanity tests build their own venvs either way)
ANSIBLE_TEST_MODE ?= --local

VENV_ABS := $(abspath $(VENV))
BUILD_ABS := $(abspath $(BUILD))
STAMP := $(VENV_ABS)/.zoomops-deps.stamp
SIMULATOR_DIR := tests/simulator

export VENV := $(VENV_ABS)
export BUILD_DIR := $(BUILD_ABS)
export PATH := $(VENV_ABS)/bin:$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# `make test`: every step runs in its own sub-make, output to $(LOG_DIR)/<step>.log; TEST_JOBS steps
# at a time (the long ones first), all of them even when one fails (the log of a failed step is printed).
TEST_JOBS ?= 2
INTEGRATION_SHARDS ?= 2
INTEGRATION_STEPS := $(foreach i,$(shell seq 1 $(INTEGRATION_SHARDS)),integration-$(i))
TEST_STEPS ?= sanity-rest $(INTEGRATION_STEPS) sanity-pylint simulator-test units gitops-test lint build-check docs-lint \
              duplicate-code changelog-lint
LOG_DIR := $(BUILD_ABS)/logs

REQUIREMENTS := requirements.txt requirements-dev.txt tests/unit/requirements.txt tests/integration/requirements.txt
SIMULATOR_PROJECT := $(wildcard $(SIMULATOR_DIR)/pyproject.toml $(SIMULATOR_DIR)/setup.cfg $(SIMULATOR_DIR)/setup.py)

.PHONY: help venv sanity units integration lint changelog-lint docs-lint build-check duplicate-code gitops-test \
        simulator-test test demo bench collection collection-dist simulator-dist dist clean sanity-pylint sanity-rest \
        $(INTEGRATION_STEPS)

help:
	@echo "make test            sanity units integration simulator-test gitops-test lint build-check docs-lint"
	@echo "                     duplicate-code changelog-lint,"
	@echo "                     $(TEST_JOBS) at a time (TEST_JOBS), each logged to $(BUILD)/logs/<step>.log"
	@echo "make demo            run playbooks/demo.yml twice against the simulator (rerun: changed=0)"
	@echo "make bench           the benchmark harness, bench/run.py \$$(BENCH_ARGS) (bench/README.md; hours with the defaults)"
	@echo "make venv            create $(VENV) and install requirements-dev.txt + tests/simulator"
	@echo "make sanity|units|integration   ansible-test $(ANSIBLE_TEST_MODE) --python 3.11 on a copy under $(BUILD)/"
	@echo "make sanity-pylint|sanity-rest  sanity split in two (pylint / every other test), as make test runs it"
	@echo "make integration-K   the K-th of $(INTEGRATION_SHARDS) shares of the integration targets (make -j2 $(INTEGRATION_STEPS))"
	@echo "make lint            ansible-lint --profile production --offline"
	@echo "make changelog-lint  antsibull-changelog lint"
	@echo "make docs-lint       antsibull-docs lint-collection-docs --plugin-docs"
	@echo "make build-check     build the tarball and the simulator wheel; install the tarball offline + ansible-doc every"
	@echo "                     module; install the wheel in a throwaway venv and serve the demo world with it"
	@echo "make collection-dist $(BUILD)/dist/zoomops-provisioning-<version>.tar.gz (then: ansible-galaxy collection install it)"
	@echo "make simulator-dist  $(BUILD)/dist/zoomsim-<version>-py3-none-any.whl and .tar.gz (then: pip install the wheel)"
	@echo "make dist            both"
	@echo "make gitops-test     the shell steps of docs/examples/*.yml (plan, comment, apply, rerun) and playbooks/audit.yml"
	@echo "                     against the simulator (tests/gitops/run_examples.py)"
	@echo "make duplicate-code  pylint's duplicate-code check (R0801) over plugins/ (module doc strings blanked)"
	@echo "make simulator-test  pytest tests/simulator/tests"
	@echo "make clean           remove build products and ansible-test output (keeps $(VENV))"

# ---------------------------------------------------------------------------
# environment

venv: $(STAMP)

$(STAMP): $(REQUIREMENTS) $(SIMULATOR_PROJECT)
	@if [ ! -x "$(VENV_ABS)/bin/python" ]; then \
	  echo "+ $(PYTHON) -m venv $(VENV_ABS)"; \
	  if ! "$(PYTHON)" -m venv "$(VENV_ABS)"; then \
	    echo "venv: no ensurepip (e.g. Debian without python3-venv): bootstrapping pip with the system pip"; \
	    rm -rf "$(VENV_ABS)"; \
	    "$(PYTHON)" -m venv --without-pip "$(VENV_ABS)"; \
	    "$(PYTHON)" -m pip --python "$(VENV_ABS)/bin/python" install -q pip; \
	  fi; \
	fi
	"$(VENV_ABS)/bin/python" -m pip install -q --upgrade pip
	"$(VENV_ABS)/bin/python" -m pip install -q -r requirements-dev.txt
	@if [ -d "$(SIMULATOR_DIR)" ]; then \
	  echo "+ pip install -e $(SIMULATOR_DIR)"; \
	  "$(VENV_ABS)/bin/python" -m pip install -q -e "$(SIMULATOR_DIR)"; \
	else \
	  echo "venv: no $(SIMULATOR_DIR) in this tree, simulator not installed"; \
	fi
	touch "$@"

# a copy of the collection at a real path, for manual use
# (ANSIBLE_COLLECTIONS_PATH=build ansible-doc zoomops.provisioning.zoom_user); the
# targets below each work on their own copy under build/run-*.
collection: venv
	bash hack/sync-collection.sh "$(BUILD_ABS)" >/dev/null

# ---------------------------------------------------------------------------
# checks

changelog-lint: venv
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

docs-lint: venv
	antsibull-docs lint-collection-docs --plugin-docs .

build-check: venv
	bash hack/build-check.sh

# release artifacts into $(BUILD)/dist (hack/dist.sh builds them from a copy of the tree)
collection-dist: venv
	@bash hack/dist.sh collection "$(BUILD_ABS)/dist"

simulator-dist: venv
	@bash hack/dist.sh simulator "$(BUILD_ABS)/dist"

dist: venv
	@bash hack/dist.sh all "$(BUILD_ABS)/dist"

# the documented pipelines, run against the simulator (tests/gitops/run_examples.py says how)
gitops-test: venv
	python tests/gitops/run_examples.py

# R0801 with pylint's defaults (4 similar lines; comments, docstrings, imports and signatures ignored) over
# plugins/, the modules' DOCUMENTATION/EXAMPLES/RETURN data blanked (hack/duplicate_code.py says why)
duplicate-code: venv
	python hack/duplicate_code.py

lint: venv
	bash hack/lint.sh $(LINT_ARGS)

sanity: venv
	bash hack/ansible-test.sh sanity $(ANSIBLE_TEST_MODE) $(SANITY_ARGS)

# `make sanity` in two halves that can run side by side (`make test` does): pylint (the longest
# test), and every other test (they build most of the sanity venvs when ~/.ansible is cold)
sanity-pylint: venv
	RUN_NAME=sanity-pylint bash hack/ansible-test.sh sanity $(ANSIBLE_TEST_MODE) --test pylint $(SANITY_ARGS)

sanity-rest: venv
	RUN_NAME=sanity-rest bash hack/ansible-test.sh sanity $(ANSIBLE_TEST_MODE) --skip-test pylint $(SANITY_ARGS)

units: venv
	bash hack/ansible-test.sh units $(ANSIBLE_TEST_MODE) $(UNITS_ARGS)

integration: venv
	bash hack/ansible-test.sh integration $(ANSIBLE_TEST_MODE) $(INTEGRATION_ARGS)

# one share of the targets (hack/ansible-test.sh balances them with measured target times)
$(INTEGRATION_STEPS): integration-%: venv
	RUN_NAME=integration-$* INTEGRATION_SHARD=$*/$(INTEGRATION_SHARDS) \
	  bash hack/ansible-test.sh integration $(ANSIBLE_TEST_MODE) $(INTEGRATION_ARGS)

simulator-test: venv
	@test -d "$(SIMULATOR_DIR)/tests" || { echo "simulator-test: $(SIMULATOR_DIR)/tests is missing" >&2; exit 1; }
	python -m pytest "$(SIMULATOR_DIR)/tests" -q -n 2 -p no:cacheprovider

# The steps are independent: they run side by side (TEST_JOBS at a time, longest first), each on
# its own copy of the collection, with its output in $(LOG_DIR)/<step>.log. A failed step does not
# stop the others; its log is printed when it ends, and `make test` fails at the end.
test: venv
	@rm -rf "$(LOG_DIR)"; mkdir -p "$(LOG_DIR)"; : >"$(LOG_DIR)/steps.txt"
	@echo "make test: $(words $(TEST_STEPS)) steps, $(TEST_JOBS) at a time, logs in $(LOG_DIR)/"
	@start=$$SECONDS; status=0; \
	$(MAKE) --no-print-directory -k -j$(TEST_JOBS) $(addprefix step/,$(TEST_STEPS)) || status=$$?; \
	echo "make test: steps (wall s, cpu s):"; sort -k3,3nr "$(LOG_DIR)/steps.txt" | sed 's/^/make test:   /'; \
	if [ "$$status" -ne 0 ] || grep -q '^FAILED' "$(LOG_DIR)/steps.txt"; then \
	  echo "make test: FAILED: $$(awk '$$1 == "FAILED" {printf "%s ", $$2}' "$(LOG_DIR)/steps.txt")($$((SECONDS - start)) s; logs in $(LOG_DIR)/)"; \
	  exit 1; \
	fi; \
	echo "make test: all checks passed ($$((SECONDS - start)) s)"

# step/NAME: `make NAME` with its output in $(LOG_DIR)/NAME.log; one status line (wall seconds, and
# the CPU seconds of the step's processes: more than the wall time = both cores were busy), the log on failure
step/%: venv
	@mkdir -p "$(LOG_DIR)"; echo "make test: start  $*"; start=$$SECONDS; code=0; \
	$(MAKE) --no-print-directory $* >"$(LOG_DIR)/$*.log" 2>&1 || code=$$?; \
	times >"$(LOG_DIR)/$*.times"; \
	cpu=$$(awk 'NR == 2 {split($$1, u, /[ms]/); split($$2, s, /[ms]/); printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2]}' "$(LOG_DIR)/$*.times"); \
	if [ "$$code" -eq 0 ]; then \
	  echo "ok     $* $$((SECONDS - start)) $$cpu" >>"$(LOG_DIR)/steps.txt"; \
	  echo "make test: ok     $* ($$((SECONDS - start)) s, cpu $$cpu s)"; \
	else \
	  echo "FAILED $* $$((SECONDS - start)) $$cpu" >>"$(LOG_DIR)/steps.txt"; \
	  { echo "make test: FAILED $* ($$((SECONDS - start)) s, exit $$code): $(LOG_DIR)/$*.log follows"; \
	    sed 's/^/$*| /' "$(LOG_DIR)/$*.log"; echo "make test: end of the $* log"; } >"$(LOG_DIR)/$*.failed"; \
	  cat "$(LOG_DIR)/$*.failed"; exit 1; \
	fi

demo: venv
	bash hack/demo.sh

# the benchmark harness (bench/README.md); the defaults take about 3 hours (the two N=1,000 loops), e.g.
# make bench BENCH_ARGS="--sizes 1000 --scenarios first,noop,drift --json build/bench.json"
BENCH_ARGS ?=
bench: venv
	$(VENV_ABS)/bin/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf "$(BUILD_ABS)" tests/output tests/integration/inventory .pytest_cache
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
